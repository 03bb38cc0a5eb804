"""When follow-ups may arrive: weekdays 9:00-17:00 in the recipient's own zone, DST included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.followups.planning import backoff, delivery_time, plan
from tests.examples import ANSWERS

LA, BERLIN, KOLKATA, NEW_YORK = (ZoneInfo(z) for z in ("America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata",
                                                        "America/New_York"))  # fmt: skip


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize(
    ("zone", "now", "arrives"),
    [
        # Saturday 02:00 → Monday 09:00, in three zones
        (LA, (2027, 1, 16, 2, 0), (2027, 1, 18, 9, 0)),
        (BERLIN, (2027, 1, 16, 2, 0), (2027, 1, 18, 9, 0)),
        (KOLKATA, (2027, 1, 16, 2, 0), (2027, 1, 18, 9, 0)),
        # Sunday evening → Monday morning
        (BERLIN, (2027, 1, 17, 20, 0), (2027, 1, 18, 9, 0)),
        # a weeknight → the next morning; early morning → the same morning
        (LA, (2027, 1, 13, 17, 0), (2027, 1, 14, 9, 0)),
        (KOLKATA, (2027, 1, 13, 6, 30), (2027, 1, 13, 9, 0)),
        # Friday after hours → Monday
        (KOLKATA, (2027, 1, 15, 18, 0), (2027, 1, 18, 9, 0)),
        # working hours: at once
        (LA, (2027, 1, 13, 9, 0), (2027, 1, 13, 9, 0)),
        (BERLIN, (2027, 1, 13, 16, 59), (2027, 1, 13, 16, 59)),
    ],
)
def test_reminders_arrive_in_the_recipients_working_hours(zone, now, arrives):
    assert delivery_time(local(zone, *now).astimezone(UTC), zone) == local(zone, *arrives).astimezone(UTC)


def test_a_calendar_day_waits_for_nine_on_that_day_in_each_zone():
    day = date(2027, 2, 17)  # a Wednesday
    earliest = plan(
        replace(ANSWERS, touch_base_on=day), author_id="U1", now=datetime(2026, 11, 23, tzinfo=UTC)
    )
    [touch_base] = [p for p in earliest if p.kind == "touch_base"]
    for zone in (LA, BERLIN, KOLKATA, ZoneInfo("Pacific/Kiritimati")):
        nine = local(zone, 2027, 2, 17, 9, 0)
        assert touch_base.due_at <= nine  # the sweep sees it in time everywhere, even at UTC+14
        assert delivery_time(touch_base.due_at, zone, day) == nine.astimezone(UTC)
        assert delivery_time(nine.astimezone(UTC) - timedelta(minutes=1), zone, day) == nine.astimezone(UTC)


def test_daylight_saving_moves_the_instant_not_the_local_nine():
    # New York springs forward on Sunday 14 March 2027: 9:00 is 14:00 UTC before, 13:00 UTC after.
    friday = delivery_time(local(NEW_YORK, 2027, 3, 12, 18, 0).astimezone(UTC), NEW_YORK)
    assert friday == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    # Berlin falls back on Sunday 31 October 2027; the doubled hour (02:00-03:00) changes nothing.
    for minute in (0, 30):
        first = local(BERLIN, 2027, 10, 31, 2, minute)  # the first 02:xx (summer time)
        second = first.replace(fold=1)  # the same wall time an hour later (winter time)
        assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
        assert delivery_time(first.astimezone(UTC), BERLIN) == delivery_time(second.astimezone(UTC), BERLIN)
    assert delivery_time(datetime(2027, 10, 31, 1, 30, tzinfo=UTC), BERLIN) == datetime(
        2027, 11, 1, 8, 0, tzinfo=UTC
    )  # Monday 9:00 CET


def test_follow_ups_planned_for_an_autopsy():
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    plans = {p.kind: p for p in plan(replace(ANSWERS, help_from="U0HELPER"), author_id="U1", now=now)}
    assert plans["revisit"].due_at == now + timedelta(days=7) and plans["revisit"].recipient_id == "U1"
    assert plans["touch_base"].due_on == ANSWERS.touch_base_on
    assert plans["help_request"].recipient_id == "U0HELPER" and plans["help_request"].due_at == now
    lone = {
        p.kind for p in plan(replace(ANSWERS, touch_base_on=None, help_from="U1"), author_id="U1", now=now)
    }
    assert lone == {"revisit"}  # no touch-base chosen; asking yourself for help asks nobody


def test_backoff_grows_and_stops_at_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 10, 50)] == [1, 2, 4, 8, 60, 60]
