"""The loss trend's rules: the workspace's months, the sparkline, and which series are named or an
early signal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot import loss_trends


def test_the_months_start_at_midnight_on_the_first_in_the_workspace_s_zone_across_a_new_year():
    tokyo = ZoneInfo("Asia/Tokyo")
    starts = loss_trends.month_starts(date(2027, 2, 14), tokyo)
    assert [s.astimezone(tokyo).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-09-01 00:00",
        "2026-10-01 00:00",
        "2026-11-01 00:00",
        "2026-12-01 00:00",
        "2027-01-01 00:00",
        "2027-02-01 00:00",
        "2027-03-01 00:00",
    ]
    assert starts[0] == datetime(2026, 8, 31, 15, tzinfo=UTC)


def test_the_sparkline_has_a_bar_a_month_the_tallest_for_the_most_and_the_lowest_for_none():
    assert loss_trends.sparkline([0, 1, 2, 3, 5, 7]) == "▁▂▃▄▆█"
    assert loss_trends.sparkline([4, 4, 4]) == "███"
    assert loss_trends.sparkline([0, 0, 0]) == "▁▁▁"
    assert loss_trends.sparkline([0, 30, 1]) == "▁█▂"


def test_a_series_is_named_from_three_deals_and_is_an_early_signal_below_ten():
    assert [loss_trends.named(n) for n in (0, 2, 3)] == [False, False, True]
    assert [loss_trends.early_signal(n) for n in (3, 9, 10)] == [True, True, False]
