"""Follow-ups planned: what an autopsy asks for, and when a follow-up may arrive.

Pure: dates and zones in, moments out. A reminder arrives in the recipient's working hours
(weekdays 9:00-17:00 in their own zone); a failed try waits 1, 2, 4 ... minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.autopsy import Answers
from storage import Plan

REVISIT_AFTER = timedelta(days=7)
WORK_STARTS, WORK_ENDS = time(9, 0), time(17, 0)
LATEST_ZONE = timedelta(hours=14)  # UTC+14: where a calendar day starts first


def plan(
    answers: Answers, *, author_id: str, now: datetime, revisit_after: timedelta = REVISIT_AFTER
) -> list[Plan]:
    """The follow-ups an autopsy asks for: touch base on its day, revisit in a week, the help asked for."""
    plans = [Plan(kind="revisit", recipient_id=author_id, due_at=now + revisit_after)]
    if answers.touch_base_on is not None:
        # 9:00 on that day arrives first at UTC+14; the sweep waits for the rep's own 9:00.
        earliest = datetime.combine(answers.touch_base_on, WORK_STARTS, UTC) - LATEST_ZONE
        plans.append(
            Plan(kind="touch_base", recipient_id=author_id, due_at=earliest, due_on=answers.touch_base_on)
        )
    if answers.help_from and answers.help_from != author_id:
        plans.append(Plan(kind="help_request", recipient_id=answers.help_from, due_at=now))
    return plans


def delivery_time(now: datetime, zone: ZoneInfo, due_on: date | None = None) -> datetime:
    """The first moment, from `now`, that is working hours (weekdays 9:00-17:00) in `zone`.

    A reminder for a calendar day waits for 9:00 on that day. Wall-clock times are built per
    day, so a daylight-saving change moves the UTC instant, never the local 9:00.
    """
    local = now.astimezone(zone)
    if due_on is not None and local.date() < due_on:
        local = datetime.combine(due_on, WORK_STARTS, zone)
    if local.weekday() < 5 and WORK_STARTS <= local.time() < WORK_ENDS:
        return local.astimezone(UTC)
    day = local.date()
    if local.weekday() >= 5 or local.time() >= WORK_ENDS:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, WORK_STARTS, zone).astimezone(UTC)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def working_days_later(now: datetime, zone: ZoneInfo, days: int) -> datetime:
    """The same local time `days` weekdays after `now` in `zone` (a Friday's two days are Tuesday)."""
    local = now.astimezone(zone)
    day = local.date()
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return datetime.combine(day, local.time(), zone).astimezone(UTC)


def next_day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight starting the day after `now`, in `zone`: where a rep's daily allowance renews."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), zone).astimezone(UTC)
