"""Follow-ups planned: what an autopsy asks for, and when a snoozed reminder comes back.

Pure: dates and zones in, moments out. A reminder arrives in the recipient's working hours
(weekdays 9:00-17:00 in their own zone: `bot.working_hours`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.autopsy import Answers
from bot.working_hours import delivery_time, earliest_delivery
from storage import Plan

REVISIT_AFTER = timedelta(days=7)


def plan(
    answers: Answers, *, author_id: str, now: datetime, revisit_after: timedelta = REVISIT_AFTER
) -> list[Plan]:
    """The follow-ups an autopsy asks for: touch base on its day, revisit in a week, the help asked for."""
    plans = [Plan(kind="revisit", recipient_id=author_id, due_at=now + revisit_after)]
    if answers.touch_base_on is not None:
        earliest = earliest_delivery(answers.touch_base_on)
        plans.append(
            Plan(kind="touch_base", recipient_id=author_id, due_at=earliest, due_on=answers.touch_base_on)
        )
    if answers.help_from and answers.help_from != author_id:
        plans.append(Plan(kind="help_request", recipient_id=answers.help_from, due_at=now))
    return plans


@dataclass(frozen=True)
class Snooze:
    """How long a snoozed reminder waits, counted on the rep's own calendar: days, or months (a
    month from 31 January is the last day of February)."""

    days: int = 0
    months: int = 0


A_WEEK, A_MONTH = Snooze(days=7), Snooze(months=1)


def snoozed_until(snooze: Snooze, *, now: datetime, zone: ZoneInfo) -> tuple[datetime, date]:
    """When a reminder snoozed at `now` by a rep in `zone` comes back, and that day in their zone:
    9:00 on the day `snooze` after their today, or on the Monday after when that is a weekend.

    Their today, not UTC's: at 20:00 on a Thursday in Los Angeles, a week is next Thursday.
    """
    today = now.astimezone(zone).date()
    month = today.month - 1 + snooze.months
    year, month = today.year + month // 12, month % 12 + 1
    day = date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    comes_back = delivery_time(now, zone, day + timedelta(days=snooze.days))
    return comes_back, comes_back.astimezone(zone).date()
