"""The weekly digest's calendar: where and when a workspace's digest is due, and its week.

Pure. The week ends at the workspace's digest moment (weekday and time in its own zone) and
starts at the same wall-clock time a week before, so a daylight-saving change makes that week
an hour shorter or longer, never moves the moment.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import WEEKDAYS, Settings
from storage import WorkspaceSettings

SMALL = 3  # a breakdown needs at least this many autopsies behind it: small numbers name people
TREND_WEEKS = 4  # the self-check's share of Yes is compared with this many weeks before
CHART_WEEKS = 12
CARRIED_WEEKS = 4  # a digest after missed ones carries their lessons, this many weeks in all


@dataclass(frozen=True)
class Schedule:
    """Where and when a workspace's digest goes, and what it includes."""

    channel: str | None
    day: str
    at: time
    zone: ZoneInfo
    empty_week_note: bool = True
    hide_anonymous_deal_names: bool = False
    chart: bool = True


def schedule_for(row: WorkspaceSettings | None, defaults: Settings) -> Schedule:
    """The workspace's own settings over the operator's (REBOUND_DIGEST_*, REBOUND_TIMEZONE)."""
    schedule = Schedule(
        channel=defaults.digest_channel,
        day=defaults.digest_day,
        at=defaults.digest_time,
        zone=defaults.timezone,
    )
    if row is None:
        return schedule
    zone = schedule.zone
    if row.timezone:
        with suppress(ZoneInfoNotFoundError, ValueError):  # a zone tzdata no longer knows
            zone = ZoneInfo(row.timezone)
    at = schedule.at
    if row.digest_time:
        hours, _, minutes = row.digest_time.partition(":")
        at = time(int(hours), int(minutes))
    return Schedule(
        channel=row.digest_channel or schedule.channel,
        day=row.digest_day if row.digest_day in WEEKDAYS else schedule.day,
        at=at,
        zone=zone,
        empty_week_note=_default(row.empty_week_note, True),
        hide_anonymous_deal_names=_default(row.hide_anonymous_deal_names, False),
        chart=_default(row.digest_chart, True),
    )


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


@dataclass(frozen=True)
class Week:
    """One digest week: [starts_at, ends_at) in UTC, its ISO-week key and its local last day."""

    key: str
    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo

    @property
    def last_day(self) -> date:
        return self.ends_at.astimezone(self.zone).date()

    @property
    def weeks(self) -> int:
        """How many weeks it spans: more than one when it carries weeks whose digest never went out."""
        return max(1, round((self.ends_at - self.starts_at) / timedelta(days=7)))

    @property
    def span(self) -> str:
        """ "week", or "3 weeks"."""
        return "week" if self.weeks == 1 else f"{self.weeks} weeks"

    @property
    def this(self) -> str:
        """ "this week", or "these 3 weeks"."""
        return f"this {self.span}" if self.weeks == 1 else f"these {self.span}"

    @property
    def first_of_month(self) -> bool:
        """Whether this is its month's first digest: a weekly one ends in a month's first 7 days once."""
        return self.last_day.day <= 7

    def reaching_back_to(self, start: datetime) -> Week:
        """This week, started back at `start`, where a missed week began: the lessons of weeks
        whose own digest never went out come in this one; `CARRIED_WEEKS` in all at most."""
        earliest = self.weeks_before(CARRIED_WEEKS - 1)[0]
        return replace(self, starts_at=min(max(start, earliest), self.starts_at))

    def chart_boundaries(self) -> list[datetime]:
        """Boundaries of the chart's CHART_WEEKS single weeks, ending when this digest's week ends
        (count + 1), also when this digest carries weeks whose own digest never went out."""
        return [_wall_clock_shift(self.ends_at, self.zone, -7 * n) for n in range(CHART_WEEKS, -1, -1)]

    def weeks_before(self, count: int) -> list[datetime]:
        """Boundaries of the `count` weeks before this one, then this week's start (count + 1)."""
        return [_wall_clock_shift(self.starts_at, self.zone, -7 * n) for n in range(count, -1, -1)]


def _wall_clock_shift(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    local = moment.astimezone(zone)
    shifted = datetime.combine(local.date() + timedelta(days=days), local.time(), zone)
    return shifted.astimezone(UTC)


def week_due(as_of: datetime, schedule: Schedule) -> Week:
    """The week whose digest is due most recently at or before `as_of`."""
    local = as_of.astimezone(schedule.zone)
    back = (local.weekday() - WEEKDAYS.index(schedule.day)) % 7
    day = local.date() - timedelta(days=back)
    ends = datetime.combine(day, schedule.at, schedule.zone).astimezone(UTC)
    if ends > as_of:
        day -= timedelta(days=7)
        ends = datetime.combine(day, schedule.at, schedule.zone).astimezone(UTC)
    year, number, _ = day.isocalendar()
    return Week(
        key=f"{year}-W{number:02d}",
        starts_at=_wall_clock_shift(ends, schedule.zone, -7),
        ends_at=ends,
        zone=schedule.zone,
    )
