"""The loss trend as App Home's team view and the month's first digest show it: per main reason and
per top competitor, a sparkline of six months' losses with the numbers, beside the actions made.

Pure: `trend_blocks(LossTrend, zone)`; the rules (what is named, what is an early signal) are
bot.loss_trends'."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot import autopsy, loss_trends
from bot.blocks.elements import note, section
from bot.blocks.mrkdwn import escape
from storage.loss_trends import LossTrend, MonthlyLosses

NO_CAUSE = (
    "Only the trend, not its cause: many things move these numbers. Fewer than "
    f"{loss_trends.EARLY_SIGNAL} deals is an early signal; fewer than 3, not named."
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _line(label: str, series: MonthlyLosses) -> str:
    total, made = series.total, sum(series.actions)
    numbers = " · ".join(str(n) for n in series.losses)
    early = " · _early signal_" if loss_trends.early_signal(total) else ""
    return (
        f"*{label}*  `{loss_trends.sparkline(series.losses)}`  {numbers}  "
        f"({_plural(total, 'deal')}; {_plural(made, 'action')} made){early}"
    )


def _lines(heading: str, named: Sequence[tuple[str, MonthlyLosses]], kind: str) -> str:
    shown = [_line(label, series) for label, series in named if loss_trends.named(series.total)]
    if not shown:
        return f"*{heading}*\nToo few lost deals by {kind} yet to show a trend."
    return "\n".join([f"*{heading}*", *shown])


def trend_blocks(trend: LossTrend, zone: ZoneInfo) -> list[Block]:
    """The trend as two blocks (the digest has few to spare under Slack's 50): its months, a part
    by reason and one by competitor; then the note that says what it is not."""
    first, last = trend.month_starts[0].astimezone(zone), trend.month_starts[-2].astimezone(zone)
    reasons = [(autopsy.REASONS.get(s.key, s.key), s) for s in trend.reasons]
    competitors = [(escape(s.name, 80), s) for s in trend.competitors]
    parts = [
        f"*Lost deals per month, {first:%b %Y} to {last:%b %Y}*",
        _lines("By main reason", reasons, "reason"),
        _lines(f"Top {loss_trends.TOP_COMPETITORS} competitors", competitors, "competitor"),
    ]
    return [section("\n\n".join(parts)), note(NO_CAUSE)]
