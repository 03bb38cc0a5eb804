"""The digest's calendar: the week follows the workspace's wall clock, across daylight-saving
changes, and a workspace's own settings win over the operator's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import load_settings
from bot.digest.week import Schedule, schedule_for, week_due
from storage import WorkspaceSettings

CHANNEL = "C0LESSONS"


# Time zones: the week follows the workspace's wall clock.
def schedule(zone: str, day: str = "fri", at: time = time(16, 0)) -> Schedule:
    return Schedule(channel=CHANNEL, day=day, at=at, zone=ZoneInfo(zone))


def test_the_due_moment_and_week_follow_the_workspace_zone():
    new_york = schedule("America/New_York")
    week = week_due(datetime(2026, 11, 27, 21, 0, tzinfo=UTC), new_york)  # 16:00 EST
    assert (week.key, week.ends_at, week.starts_at) == (
        "2026-W48",
        datetime(2026, 11, 27, 21, 0, tzinfo=UTC),
        datetime(2026, 11, 20, 21, 0, tzinfo=UTC),
    )
    # A minute earlier, the week due is the one before.
    assert week_due(datetime(2026, 11, 27, 20, 59, tzinfo=UTC), new_york).key == "2026-W47"
    # Tokyo's Friday 16:00 is 07:00 UTC; on Monday the week due is still last Friday's.
    tokyo = week_due(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), schedule("Asia/Tokyo"))
    assert (tokyo.key, tokyo.ends_at) == ("2026-W48", datetime(2026, 11, 27, 7, 0, tzinfo=UTC))


def test_a_week_across_a_daylight_saving_change_keeps_local_times():
    paris = schedule("Europe/Paris")
    # Clocks went forward on Sunday 28 March 2027: that week lasts 167 hours, 16:00 to 16:00.
    spring = week_due(datetime(2027, 4, 2, 14, 0, tzinfo=UTC), paris)
    assert spring.ends_at == datetime(2027, 4, 2, 14, 0, tzinfo=UTC)  # 16:00 CEST
    assert spring.starts_at == datetime(2027, 3, 26, 15, 0, tzinfo=UTC)  # 16:00 CET
    assert spring.ends_at - spring.starts_at == timedelta(hours=167)
    # Clocks went back on Sunday 25 October 2026: 169 hours.
    autumn = week_due(datetime(2026, 10, 30, 15, 0, tzinfo=UTC), paris)
    assert autumn.ends_at - autumn.starts_at == timedelta(hours=169)
    assert [b.astimezone(paris.zone).hour for b in autumn.weeks_before(4)] == [16] * 5


def test_workspace_settings_override_the_operators_defaults():
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "x", "REBOUND_DIGEST_CHANNEL": "C0DEFAULT"}, dotenv_dir=Path("/")
    )
    assert schedule_for(None, settings) == Schedule(
        channel="C0DEFAULT", day="fri", at=time(16, 0), zone=ZoneInfo("UTC")
    )
    row = WorkspaceSettings(team_id="T", digest_day="mon", digest_time="09:30", timezone="Asia/Tokyo")
    chosen = schedule_for(row, settings)
    assert (chosen.channel, chosen.day, chosen.at, chosen.zone.key) == (
        "C0DEFAULT",
        "mon",
        time(9, 30),
        "Asia/Tokyo",
    )


def test_a_week_reaches_back_over_missed_weeks_four_weeks_at_most():
    new_york = schedule("America/New_York")
    week = week_due(datetime(2026, 12, 11, 22, 0, tzinfo=UTC), new_york)
    assert (week.weeks, week.span, week.this) == (1, "week", "this week")
    two = week.reaching_back_to(week.starts_at - timedelta(days=7))
    assert (two.weeks, two.span, two.this, two.ends_at) == (2, "2 weeks", "these 2 weeks", week.ends_at)
    ever = week.reaching_back_to(week.starts_at - timedelta(days=70))
    assert ever.weeks == 4 and ever.starts_at.astimezone(new_york.zone).hour == 16
    assert week.reaching_back_to(week.ends_at) == week  # never shorter than its own week
