"""The latest zone: a DM for a calendar day may be due no sooner than that day's 9:00 at UTC+14."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.working_hours import WORK_STARTS, delivery_time, earliest_delivery

KIRITIMATI, HONOLULU = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Honolulu")  # UTC+14, UTC-10


def test_a_days_first_nine_oclock_is_at_utc_plus_14():
    day = date(2027, 1, 13)  # a Wednesday
    first = earliest_delivery(day)
    assert first == datetime.combine(day, WORK_STARTS, KIRITIMATI).astimezone(UTC)
    assert first == datetime(2027, 1, 12, 19, 0, tzinfo=UTC)


def test_no_zone_reaches_that_days_working_hours_sooner():
    day = date(2027, 1, 13)
    first = earliest_delivery(day)
    for zone in (KIRITIMATI, HONOLULU, ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles")):
        assert delivery_time(first, zone, day) >= first
