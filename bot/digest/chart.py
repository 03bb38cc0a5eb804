"""The digest's trend picture: 12 weeks of lost deals by kind, and deals won back, as a PNG.

matplotlib is imported only when a chart is drawn (it is heavy), with the headless Agg backend.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import autopsy
from storage import WeekCount

COLOURS = ("#4a6fa5", "#9ab3d5", "#e8a87c", "#c38d9e")


def has_data(weeks: Sequence[WeekCount]) -> bool:
    return any(sum(week.lost_by_outcome.values()) or week.won_back for week in weeks)


def tick_labels(weeks: Sequence[WeekCount], zone: ZoneInfo) -> list[str]:
    """Each bar named by its week's last day, as the digest names its week ("week to Fri 11 Dec"),
    so the last tick is the day the chart's caption ends on."""
    return [f"{week.ends_at.astimezone(zone):%-d %b}" for week in weeks]


def render(weeks: Sequence[WeekCount], zone: ZoneInfo) -> bytes:
    """Stacked bars of shared losses per week by kind, a line of deals won back; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # a Figure, not pyplot: no global state across threads

    labels = tick_labels(weeks, zone)
    positions = range(len(weeks))
    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.add_subplot()
    bottom = [0] * len(weeks)
    for colour, (outcome, label) in zip(COLOURS, autopsy.OUTCOMES.items(), strict=True):
        heights = [week.lost_by_outcome.get(outcome, 0) for week in weeks]
        axes.bar(positions, heights, bottom=bottom, color=colour, label=label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.plot(
        positions,
        [week.won_back for week in weeks],
        color="#2e8b57",
        marker="o",
        linewidth=2,
        label="Won back",
    )
    axes.set_xticks(list(positions), labels, fontsize=8)
    axes.set_xlabel("week to", fontsize=8)
    axes.set_ylabel("deals")
    axes.set_title("The last 12 weeks: lost deals shared, and deals won back", fontsize=10)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
