"""The loss trend as the team reads it: months named in the workspace's zone, one line per reason
and per top competitor with its sparkline and numbers, the small-number rule and no cause claimed."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot import loss_trends
from bot.blocks.loss_trends import NO_CAUSE, trend_blocks
from bot.blocks.mrkdwn import escape
from storage.loss_trends import LossTrend, MonthlyLosses

PARIS = ZoneInfo("Europe/Paris")


def text(trend: LossTrend) -> str:
    blocks = [b.to_dict() for b in trend_blocks(trend, PARIS)]
    return "\n".join(b["text"]["text"] if "text" in b else b["elements"][0]["text"] for b in blocks)


def trend(reasons=(), competitors=()) -> LossTrend:
    return LossTrend(
        month_starts=tuple(loss_trends.month_starts(date(2026, 11, 1), PARIS)),
        reasons=tuple(reasons),
        competitors=tuple(competitors),
    )


def test_each_reason_and_competitor_shows_its_months_beside_the_actions_made():
    shown = text(
        trend(
            [MonthlyLosses("price", "price", (1, 2, 3, 4, 2, 0), (0, 0, 1, 1, 0, 0))],
            [MonthlyLosses("initech", "Init*ech* <!here>", (0, 0, 1, 1, 1, 0), (0,) * 6)],
        )
    )
    assert "*Lost deals per month, Jun 2026 to Nov 2026*" in shown
    assert "*Price*  `▃▅▆█▅▁`  1 · 2 · 3 · 4 · 2 · 0  (12 deals; 2 actions made)" in shown
    name = escape("Init*ech* <!here>")
    assert "&lt;!here&gt;" in name
    assert f"*{name}*  `▁▁███▁`  0 · 0 · 1 · 1 · 1 · 0  (3 deals; 0 actions made) · _early signal_" in shown
    assert NO_CAUSE in shown and "because" not in shown


def test_a_series_of_fewer_than_three_deals_is_not_named_and_nothing_named_says_so():
    shown = text(
        trend(
            [MonthlyLosses("timing", "timing", (0, 1, 0, 1, 0, 0), (0,) * 6)],
            [MonthlyLosses("hooli", "Hooli", (0, 0, 0, 0, 0, 2), (0,) * 6)],
        )
    )
    assert "Timing" not in shown and "Hooli" not in shown
    assert "Too few lost deals by reason yet to show a trend." in shown
    assert "Too few lost deals by competitor yet to show a trend." in shown
