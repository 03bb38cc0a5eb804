"""Moments the tests pick on the machine's calendar: a weekday's noon, a working hour somewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo


def weekday_noon(on_or_after: date) -> datetime:
    day = on_or_after
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def next_weekday_at(hour: int) -> datetime:
    """A weekday moment after now, `hour`:00 UTC (the reps here are in UTC unless said)."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


# The recipient gets a zone where it is a weekday between 10:00 and 16:00 now (an hour away from
# either edge of 9-17), the nearest to UTC among UTC-12..UTC+14. From about Saturday 05:00 to
# Sunday 19:00 UTC no zone on Earth is in working hours.
def working_zone(now: datetime) -> tuple[str, bool]:
    """A zone where `now` is working hours and True, else UTC and False."""
    for hours in sorted(range(-12, 15), key=abs):
        name = "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"  # Etc/GMT-5 is UTC+5
        local = now.astimezone(ZoneInfo(name))
        if local.weekday() < 5 and clock(10) <= local.time() < clock(16):
            return name, True
    return "UTC", False
