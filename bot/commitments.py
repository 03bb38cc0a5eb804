"""Actions: a lesson the team commits to. What the "Make it an action" and "Not doing" forms
accept, and when an action's reminder and a snoozed one come.

Pure: form values, days and zones in; a `Commitment`, errors by block_id, or moments out. The
reminder is due at the start of its day where that day comes first, so the follow-up sweep
then waits for the owner's own 9:00 on a working day (as a touch-base does).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.working_hours import earliest_delivery
from storage import Plan
from storage.actions import Commitment

ACTION_DUE = "action_due"  # the follow-up kind: an action's reminder to its owner
WHAT_MAX = 300  # the column's size, as a lesson's
WHY_MAX = 300
DUE_DEFAULT_DAYS = 14
DUE_MAX_DAYS = 366
SNOOZE_DAYS = 7


def default_due(today: date) -> date:
    return today + timedelta(days=DUE_DEFAULT_DAYS)


def _element(values: Any, block_id: str) -> dict[str, Any]:
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(block_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _text(values: Any, block_id: str) -> str:
    raw = _element(values, block_id).get("value")
    return raw.strip() if isinstance(raw, str) else ""


def later_day(raw: Any, today: date) -> tuple[date | None, str | None]:
    """A day picked in a datepicker that must come after `today` (the person's): it, or why not."""
    try:
        chosen = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        chosen = None
    if chosen is None:
        return None, "Please pick a day from the calendar."
    if chosen <= today:
        return None, "Please pick a day after today: an action needs time to happen."
    if chosen > today + timedelta(days=DUE_MAX_DAYS):
        return None, "Please pick a day within the next year."
    return chosen, None


def read_commitment(values: dict[str, Any], today: date) -> tuple[Commitment | None, dict[str, str]]:
    """Check a submitted "Make it an action" form (Slack's checks can be skipped by a forged
    payload, so each is made here); `today` is the maker's."""
    errors: dict[str, str] = {}
    what = _text(values, ids.ACTION_WHAT)
    if not what:
        errors[ids.ACTION_WHAT] = "Please write what we'll change: a few words are enough."
    elif len(what) > WHAT_MAX:
        errors[ids.ACTION_WHAT] = f"Please keep this under {WHAT_MAX} characters (it has {len(what)})."
    owner = _element(values, ids.ACTION_OWNER).get("selected_user")
    if not isinstance(owner, str) or not re.fullmatch(r"[UW][A-Z0-9]{2,20}", owner):
        errors[ids.ACTION_OWNER] = "Please choose who owns it: you, a teammate or a manager."
    due_on, why_not = later_day(_element(values, ids.ACTION_DUE_ON).get("selected_date"), today)
    if why_not is not None:
        errors[ids.ACTION_DUE_ON] = why_not
    if errors or due_on is None:
        return None, errors
    return Commitment(what=what, owner_id=str(owner), due_on=due_on), {}


def read_reason(values: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """Why an action is not being done: required, in the owner's words."""
    why = _text(values, ids.ACTION_WHY)
    if not why:
        return None, {ids.ACTION_WHY: "Please say why, in a few words: the team learns from this too."}
    if len(why) > WHY_MAX:
        return None, {ids.ACTION_WHY: f"Please keep this under {WHY_MAX} characters (it has {len(why)})."}
    return why, {}


def reminder(owner_id: str, due_on: date) -> Plan:
    """The owner's reminder: due at the start of `due_on` where it comes first; the sweep moves it
    into the owner's working hours on that day (or the next working day)."""
    return Plan(kind=ACTION_DUE, recipient_id=owner_id, due_at=earliest_delivery(due_on), due_on=due_on)


def snooze_day(now: datetime, zone: ZoneInfo) -> date:
    """A week from the owner's today, in their zone."""
    return now.astimezone(zone).date() + timedelta(days=SNOOZE_DAYS)
