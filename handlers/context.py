"""What every listener reads from Bolt's context: the store and the caches Rebound's middleware put
there, who is asking, in which workspace and time zone, and that workspace's follow-up defaults."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.admins import Admins
from bot.asking import BuyerAsking
from bot.autopsy import Answers
from bot.followups.planning import plan
from bot.slack.web_api import SLACK_FAILURES, describe
from bot.workspace import FollowUpDefaults, FollowUpDefaultsCache
from bot.zones import PersonZones
from storage import Plan, Store


def store_of(context: BoltContext) -> Store:
    return context["store"]


def admins_of(context: BoltContext) -> Admins:
    return context["admins"]


def asking_of(context: BoltContext) -> BuyerAsking | None:
    """Asking lost buyers for their side, or None where Rebound cannot offer it (no public page)."""
    return context.get("buyer_asking")


def defaults_for(context: BoltContext, team_id: str) -> FollowUpDefaults:
    cache: FollowUpDefaultsCache = context["follow_up_defaults"]
    return cache.for_team(team_id)


def workspace_of(context: BoltContext) -> str:
    """The workspace a request is about; for an org-wide install without one, the org."""
    return context.team_id or context.enterprise_id or ""


def who(context: BoltContext, body: dict[str, Any]) -> tuple[str, str]:
    """The workspace and the person behind a command (`user_id`) or an interaction (`user.id`)."""
    user = body.get("user_id") or body["user"]["id"]
    return workspace_of(context), user


def zone_of(
    context: BoltContext, client: WebClient, *, team_id: str, user_id: str, now: datetime
) -> ZoneInfo:
    """The person's time zone, to name days in as the follow-up sweep will deliver them; the
    operator's REBOUND_TIMEZONE, as the sweep would use, when Slack cannot say just now."""
    zones: PersonZones = context["zones"]
    try:
        return zones.of(client, team_id=team_id, user_id=user_id, now=now)
    except SLACK_FAILURES as error:
        logging.getLogger("rebound").warning("Could not learn %s's time zone: %s", user_id, describe(error))
        return zones.default


def plans_for(
    context: BoltContext, answers: Answers, *, team_id: str, user_id: str, now: datetime
) -> list[Plan]:
    """The follow-ups an autopsy asks for, the revisit after the workspace's chosen days."""
    revisit_after = timedelta(days=defaults_for(context, team_id).revisit_days)
    return plan(answers, author_id=user_id, now=now, revisit_after=revisit_after)
