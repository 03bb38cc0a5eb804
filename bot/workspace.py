"""Workspace settings, as admins set them in App Home: the form's rules, and the follow-up
defaults they choose (pure), with the cache the form's defaults are read through."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import autopsy, ids
from bot.config import WEEKDAYS
from bot.customer_side import COMPANY_MAX
from storage import Store, WorkspaceSettings

DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
TOUCH_BASE_DAYS = (1, autopsy.TOUCH_BASE_MAX_DAYS)
REVISIT_DAYS = (1, 90)
OPTIONS = {
    "empty_week_note": "Post a short note when a week has nothing shared",
    "hide_anonymous_deal_names": "Hide the deal names of anonymous lessons",
    "digest_chart": "Add the 12-week chart to the digest",
}


@dataclass(frozen=True)
class FollowUpDefaults:
    touch_base_days: int = autopsy.TOUCH_BASE_DEFAULT_DAYS
    revisit_days: int = 7


def follow_up_defaults(row: WorkspaceSettings | None) -> FollowUpDefaults:
    defaults = FollowUpDefaults()
    if row is None:
        return defaults
    return FollowUpDefaults(
        touch_base_days=row.touch_base_days or defaults.touch_base_days,
        revisit_days=row.revisit_days or defaults.revisit_days,
    )


def read_settings(values: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Check a submitted settings form; return the values to store, or errors keyed by block_id."""
    values = values if isinstance(values, dict) else {}

    def element(block_id: str) -> dict[str, Any]:
        block = values.get(block_id)
        found = block.get(block_id) if isinstance(block, dict) else None
        return found if isinstance(found, dict) else {}

    errors: dict[str, str] = {}
    channel = element(ids.SET_CHANNEL).get("selected_conversation")
    if channel is not None and not (
        isinstance(channel, str) and re.fullmatch(r"[CG][A-Z0-9]{2,30}", channel)
    ):
        errors[ids.SET_CHANNEL] = "Please choose a channel from the list."
    option = element(ids.SET_DAY).get("selected_option")
    day = option.get("value") if isinstance(option, dict) else None
    if day not in WEEKDAYS:
        errors[ids.SET_DAY] = "Please choose a day."
    at = element(ids.SET_TIME).get("selected_time")
    if not (isinstance(at, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at)):
        errors[ids.SET_TIME] = "Please pick a time."
    zone = str(element(ids.SET_ZONE).get("value") or "").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors[ids.SET_ZONE] = "Please write a time zone such as Europe/Paris or America/New_York."
    ticked = element(ids.SET_OPTIONS).get("selected_options")
    ticked = ticked if isinstance(ticked, list) else []
    chosen = {option.get("value") for option in ticked if isinstance(option, dict)}
    if chosen - set(OPTIONS):
        errors[ids.SET_OPTIONS] = "Please choose from the list."
    touch_base = _days(element(ids.SET_TOUCH_BASE_DAYS).get("value"), TOUCH_BASE_DAYS)
    if touch_base is None:
        errors[ids.SET_TOUCH_BASE_DAYS] = (
            f"A whole number of days from {TOUCH_BASE_DAYS[0]} to {TOUCH_BASE_DAYS[1]}."
        )
    revisit = _days(element(ids.SET_REVISIT_DAYS).get("value"), REVISIT_DAYS)
    if revisit is None:
        errors[ids.SET_REVISIT_DAYS] = f"A whole number of days from {REVISIT_DAYS[0]} to {REVISIT_DAYS[1]}."
    company = " ".join(str(element(ids.SET_COMPANY).get("value") or "").split())
    if len(company) > COMPANY_MAX:
        errors[ids.SET_COMPANY] = f"Please keep it under {COMPANY_MAX} characters (it has {len(company)})."
    if errors:
        return None, errors
    return {
        "digest_channel": channel,
        "digest_day": day,
        "digest_time": at,
        "timezone": zone,
        **{name: name in chosen for name in OPTIONS},
        "touch_base_days": touch_base,
        "revisit_days": revisit,
        "company_name": company or None,  # empty: the page and the note say "us"
    }, {}


def _days(raw: object, bounds: tuple[int, int]) -> int | None:
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 4:
        return None
    days = int(text)
    return days if bounds[0] <= days <= bounds[1] else None


class FollowUpDefaultsCache:
    """Each workspace's follow-up defaults, read from the store at most every `fresh_for` seconds
    per process: the form opens on every `/lost-deal`, and an admin's change may wait that long."""

    def __init__(self, store: Store, fresh_for: float = 30.0) -> None:
        self.store = store
        self.fresh_for = fresh_for
        self._read: dict[str, tuple[float, FollowUpDefaults]] = {}

    def for_team(self, team_id: str) -> FollowUpDefaults:
        cached = self._read.get(team_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        with self.store.read() as work:
            defaults = follow_up_defaults(work.workspaces.settings(team_id))
        self._read[team_id] = (time.monotonic() + self.fresh_for, defaults)
        return defaults
