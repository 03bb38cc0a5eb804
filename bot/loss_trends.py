"""The rules of the loss trend, the team's measure of whether its lessons work: six months of
losses per main reason and per top competitor, in the workspace's months, each as a sparkline.

Pure. Only a trend, never a cause: the numbers sit beside the actions made, and a series built on
few deals is said to be an early signal, or not named at all (small numbers name people)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.digest.week import SMALL

MONTHS_SHOWN = 6
TOP_COMPETITORS = 5
EARLY_SIGNAL = 10  # a series with fewer deals than this is labelled an early signal
BARS = "▁▂▃▄▅▆▇█"


def month_starts(last_month: date, zone: ZoneInfo, months: int = MONTHS_SHOWN) -> list[datetime]:
    """The start of each of the `months` months up to and including `last_month`'s, and the end of
    that one, as moments: midnight on the 1st in the workspace's zone."""
    first = last_month.year * 12 + last_month.month - 1 - (months - 1)
    return [
        datetime((first + n) // 12, (first + n) % 12 + 1, 1, tzinfo=zone).astimezone(UTC)
        for n in range(months + 1)
    ]


def sparkline(values: Sequence[int]) -> str:
    """One bar per month, the highest month the tallest; a month with none, the lowest."""
    top = max(values, default=0)
    return "".join(BARS[0] if v == 0 else BARS[max(1, round(v / top * (len(BARS) - 1)))] for v in values)


def named(total: int) -> bool:
    """Whether a series is shown by name: one built on fewer than SMALL deals is not."""
    return total >= SMALL


def early_signal(total: int) -> bool:
    return total < EARLY_SIGNAL
