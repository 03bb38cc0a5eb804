"""Working hours: when a DM reaches a person, weekdays 9:00-17:00 in their own zone.

Pure: moments and zones in, moments out. Follow-ups, CRM prompts and every message that names the
day a DM comes all ask `delivery_time`, so what Rebound says and what it does cannot disagree.
Wall-clock times are built per day, so a daylight-saving change moves the UTC instant, never the
local 9:00. Holidays are not known: only weekends are skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORK_STARTS, WORK_ENDS = time(9, 0), time(17, 0)
LATEST_ZONE = timedelta(hours=14)  # UTC+14: where a calendar day starts first


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_day(day: date) -> date:
    """`day` itself from Monday to Friday; the Monday after for a Saturday or a Sunday."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def delivery_time(now: datetime, zone: ZoneInfo, due_on: date | None = None) -> datetime:
    """When a DM due from `now` reaches a person in `zone`: the first moment from then that is
    working hours there. A DM for a calendar day (`due_on`) waits for 9:00 on that day."""
    local = now.astimezone(zone)
    if due_on is not None and local.date() < due_on:
        local = datetime.combine(due_on, WORK_STARTS, zone)
    if is_working_day(local.date()) and WORK_STARTS <= local.time() < WORK_ENDS:
        return local.astimezone(UTC)
    day = local.date()
    if local.time() >= WORK_ENDS:
        day += timedelta(days=1)
    return datetime.combine(working_day(day), WORK_STARTS, zone).astimezone(UTC)


def earliest_delivery(day: date) -> datetime:
    """9:00 on `day` where it comes first (UTC+14): the earliest a DM for that day may be due, so
    the sweep then waits for the recipient's own 9:00."""
    return datetime.combine(day, WORK_STARTS, UTC) - LATEST_ZONE


def arrival_day(now: datetime, zone: ZoneInfo, due_on: date | None = None) -> date:
    """The day, in `zone`, that a DM due from `now` (or on `due_on`) arrives: the day to name."""
    return delivery_time(now, zone, due_on).astimezone(zone).date()


def working_days_later(now: datetime, zone: ZoneInfo, days: int) -> datetime:
    """The same local time `days` weekdays after `now` in `zone` (a Friday's two days are Tuesday)."""
    local = now.astimezone(zone)
    day = local.date()
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return datetime.combine(day, local.time(), zone).astimezone(UTC)


def next_day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight starting the day after `now`, in `zone`: where a rep's daily allowance renews."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), zone).astimezone(UTC)
