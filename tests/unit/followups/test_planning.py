"""When follow-ups may arrive: weekdays 9:00-17:00 in the recipient's own zone, DST included; and
when a snoozed reminder comes back: on a weekday of the rep's own calendar, the day its DM names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.backoff import backoff
from bot.followups.planning import A_MONTH, A_WEEK, plan, snoozed_until
from bot.working_hours import WORK_ENDS, WORK_STARTS, arrival_day, delivery_time, working_day
from tests.support.examples import ANSWERS

LA, BERLIN, KOLKATA, NEW_YORK = (
    ZoneInfo(z) for z in ("America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "America/New_York")
)


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


def snoozed(snooze, zone: ZoneInfo, *clicked: int) -> tuple[datetime, date]:
    return snoozed_until(snooze, now=local(zone, *clicked).astimezone(UTC), zone=zone)


@pytest.mark.parametrize(
    ("snooze", "zone", "clicked", "comes_back"),
    [
        # Thursday 10 December 20:00 in Los Angeles is Friday 04:00 UTC: a week is the rep's next Thursday.
        (A_WEEK, LA, (2026, 12, 10, 20, 0), (2026, 12, 17)),
        # Friday evening: next Friday, not the Monday after it
        (A_WEEK, BERLIN, (2027, 1, 15, 18, 30), (2027, 1, 22)),
        # Saturday and Sunday: a week on is a weekend again, so the Monday after
        (A_WEEK, KOLKATA, (2027, 1, 16, 11, 0), (2027, 1, 25)),
        (A_WEEK, LA, (2027, 1, 17, 23, 30), (2027, 1, 25)),
        # Kiritimati (UTC+14) on Monday 01:00 is Sunday 11:00 in UTC: a week from the rep's Monday
        (A_WEEK, ZoneInfo("Pacific/Kiritimati"), (2027, 1, 18, 1, 0), (2027, 1, 25)),
        # A month: the same date next month (10 January 2027 is a Sunday: the Monday)
        (A_MONTH, LA, (2026, 12, 10, 20, 0), (2027, 1, 11)),
        (A_MONTH, LA, (2026, 12, 3, 10, 0), (2027, 1, 4)),  # 3 Jan, a Sunday: Monday 4 January
        (A_MONTH, BERLIN, (2027, 1, 2, 9, 0), (2027, 2, 2)),  # from a Saturday, to a Tuesday
        (A_MONTH, BERLIN, (2027, 1, 31, 12, 0), (2027, 3, 1)),  # 28 February, a Sunday: Monday 1 March
        (A_MONTH, NEW_YORK, (2028, 1, 31, 12, 0), (2028, 2, 29)),  # a leap year's last day of February
    ],
)
def test_a_snoozed_reminder_comes_back_at_nine_on_a_weekday_of_the_reps_own_calendar(
    snooze, zone, clicked, comes_back
):
    due_at, due_on = snoozed(snooze, zone, *clicked)
    assert due_on == date(*comes_back) and due_on.weekday() < 5
    assert due_at == local(zone, *comes_back, 9, 0).astimezone(UTC)


def test_a_snooze_across_a_daylight_saving_change_keeps_the_local_nine():
    # New York springs forward on Sunday 14 March 2027: 9:00 is 14:00 UTC before it, 13:00 UTC after.
    due_at, due_on = snoozed(A_WEEK, NEW_YORK, 2027, 3, 10, 15, 0)
    assert (due_on, due_at) == (date(2027, 3, 17), datetime(2027, 3, 17, 13, 0, tzinfo=UTC))
    # Berlin falls back on Sunday 31 October 2027: 9:00 is 07:00 UTC before it, 08:00 UTC after.
    due_at, due_on = snoozed(A_WEEK, BERLIN, 2027, 10, 29, 16, 0)
    assert (due_on, due_at) == (date(2027, 11, 5), datetime(2027, 11, 5, 8, 0, tzinfo=UTC))


ZONES = [LA, BERLIN, KOLKATA, NEW_YORK, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago"), UTC]


@given(
    moment=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    zone=st.sampled_from(ZONES),
    snooze=st.sampled_from([A_WEEK, A_MONTH]),
)
def test_the_day_a_snooze_names_is_the_day_the_sweep_sends_it(moment, zone, snooze):
    now = moment.replace(tzinfo=UTC)
    due_at, due_on = snoozed_until(snooze, now=now, zone=zone)
    sent = delivery_time(due_at, zone, due_on)  # the sweep, once due_at comes, in the same zone
    assert sent == due_at and sent.astimezone(zone).date() == due_on == arrival_day(now, zone, due_on)
    arrives = sent.astimezone(zone)
    assert arrives.weekday() < 5 and WORK_STARTS <= arrives.time() < WORK_ENDS
    assert (due_on - now.astimezone(zone).date()).days >= 7


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), date(2027, 1, 1)),
        (date(2027, 1, 2), date(2027, 1, 4)),
        (date(2027, 1, 3), date(2027, 1, 4)),
    ],
)
def test_a_weekend_day_becomes_the_monday_after(day, working):
    assert working_day(day) == working


def test_the_day_named_for_a_calendar_day_is_the_day_it_arrives_in_the_readers_zone():
    friday_evening = local(LA, 2027, 1, 15, 18, 0).astimezone(UTC)  # already Saturday in UTC
    assert arrival_day(friday_evening, LA, date(2027, 1, 15)) == date(2027, 1, 18)  # hours over: Monday
    assert arrival_day(friday_evening, LA, date(2027, 1, 16)) == date(2027, 1, 18)  # a Saturday: Monday
    assert arrival_day(friday_evening, LA, date(2027, 1, 19)) == date(2027, 1, 19)  # a Tuesday: that day
    assert arrival_day(friday_evening, KOLKATA) == date(2027, 1, 18)  # Saturday 07:30 there: Monday
