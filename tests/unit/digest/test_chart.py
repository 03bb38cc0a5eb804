"""The digest's chart: its ticks and its caption name the same twelve weeks."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import digest_post
from bot.digest import chart
from bot.digest.week import CHART_WEEKS, Schedule, week_due
from storage import WeekCount


@pytest.mark.parametrize(
    ("zone", "at", "due"),
    [
        # What a newcomer saw: the digest of Friday 11 December, 16:00 in New York.
        ("America/New_York", time(16, 0), datetime(2026, 12, 11, 21, 0, tzinfo=UTC)),
        # Tokyo's Friday morning is Thursday in UTC: the ticks still name Fridays.
        ("Asia/Tokyo", time(8, 0), datetime(2026, 12, 10, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_last_tick_is_the_day_the_caption_ends_on(zone, at, due):
    schedule = Schedule(channel="C0LESSONS", day="fri", at=at, zone=ZoneInfo(zone))
    week = week_due(due, schedule)
    weeks = [
        WeekCount(starts_at=start, ends_at=end, lost_by_outcome=Counter(), won_back=0)
        for start, end in pairwise(week.chart_boundaries())
    ]
    ticks = chart.tick_labels(weeks, schedule.zone)
    caption = digest_post.chart_title(week)
    assert caption == "Lost deals and deals won back, 12 weeks to 11 Dec 2026"
    assert len(ticks) == CHART_WEEKS and ticks[-1] == "11 Dec" and ticks[0] == "25 Sep"
    assert all(
        datetime.strptime(f"{tick} 2026", "%d %b %Y").weekday() == 4 for tick in ticks
    )  # every bar is named by its Friday, as the digest names its week


def test_a_digest_carrying_missed_weeks_still_charts_twelve_single_weeks_to_its_day():
    schedule = Schedule(channel="C0LESSONS", day="fri", at=time(16, 0), zone=ZoneInfo("America/New_York"))
    week = week_due(datetime(2026, 12, 11, 21, 0, tzinfo=UTC), schedule)
    carrying = week.reaching_back_to(week.starts_at - timedelta(weeks=2))
    bounds = carrying.chart_boundaries()
    assert bounds == week.chart_boundaries() and len(bounds) == CHART_WEEKS + 1
    assert all(
        timedelta(days=7) - timedelta(hours=1) <= b - a <= timedelta(days=7, hours=1)
        for a, b in pairwise(bounds)
    )
    weeks = [WeekCount(a, b, Counter(), 0) for a, b in pairwise(bounds)]
    assert chart.tick_labels(weeks, schedule.zone)[-1] == "11 Dec"
    assert digest_post.chart_title(carrying).endswith("12 weeks to 11 Dec 2026")
