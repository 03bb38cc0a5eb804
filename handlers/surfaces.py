"""The Slack calls more than one listener makes: opening forms and drawing App Home."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from logging import Logger

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot import workspace
from bot.blocks import autopsy_form, follow_up_dms, home
from bot.config import Settings
from bot.runtime.slack import describe, for_trigger
from bot.workspace import FollowUpDefaults
from storage import Due, Store


def who(context: BoltContext, body: dict) -> tuple[str, str]:
    """The workspace (the org, for an org-wide install) and the person behind an interaction."""
    return context.team_id or context.enterprise_id or "", body["user"]["id"]


# What a Web API call can raise once slack_sdk's retry handlers have given up.
SLACK_FAILURES = (SlackClientError, OSError)


DEFAULTS_FRESH_FOR = 30.0  # seconds a workspace's follow-up defaults are read from memory
_defaults: dict[str, tuple[float, FollowUpDefaults]] = {}


def follow_up_defaults(store: Store, team_id: str) -> FollowUpDefaults:
    """The workspace's follow-up defaults, read at most every 30 seconds per process."""
    cached = _defaults.get(team_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    defaults = workspace.follow_up_defaults(store.workspace_settings(team_id))
    _defaults[team_id] = (time.monotonic() + DEFAULTS_FRESH_FOR, defaults)
    return defaults


def open_autopsy(
    client: WebClient, trigger_id: str, *, deal_name: str, logger: Logger, defaults: FollowUpDefaults
) -> bool:
    """Open the autopsy modal; False when Slack refused (an expired trigger_id, most often)."""
    today = datetime.now(UTC).date()
    view = autopsy_form.autopsy_modal_json(deal_name, today, touch_base_days=defaults.touch_base_days)
    return open_modal(client, trigger_id, view, logger=logger, what="the autopsy form")


def open_modal(
    client: WebClient, trigger_id: str, view: View | dict | str, *, logger: Logger, what: str
) -> bool:
    """Open a modal on the click's trigger, with one try (`bot/triggers.py`); False, and a log
    line naming `what`, when Slack refused."""
    try:
        for_trigger(client).views_open(trigger_id=trigger_id, view=view)
    except SLACK_FAILURES as error:
        logger.warning("Could not open %s: %s", what, describe(error))
        return False
    return True


def publish_home(
    client: WebClient, context: BoltContext, *, team_id: str, user_id: str, logger: Logger, offset: int = 0
) -> None:
    """Draw the rep's App Home (the page of their journal from `offset`); failures are logged."""
    store: Store = context["store"]
    try:
        journal, total = store.journal(team_id=team_id, user_id=user_id, offset=offset, limit=home.PAGE)
        if offset and not journal:  # the page emptied (deletions): show the newest
            offset = 0
            journal, total = store.journal(team_id=team_id, user_id=user_id, offset=0, limit=home.PAGE)
        workspace = store.workspace_settings(team_id)
        page = home.HomePage(
            upcoming=store.upcoming_follow_ups(team_id=team_id, user_id=user_id, limit=home.UPCOMING),
            journal=journal,
            total=total,
            offset=offset,
            team_lessons=store.shared_lessons(
                team_id=team_id, since=datetime.now(UTC) - timedelta(days=30), limit=home.TEAM_LESSONS
            ),
            is_admin=is_admin(client, context["settings"], team_id=team_id, user_id=user_id, logger=logger),
            hide_anonymous_deal_names=bool(workspace and workspace.hide_anonymous_deal_names),
        )
        client.views_publish(user_id=user_id, view=home.home(page))
    except SQLAlchemyError:
        logger.exception("Could not read autopsies for %s's App Home", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not publish App Home for %s: %s", user_id, describe(error))


ADMIN_FRESH_FOR = 600.0  # seconds a users.info answer about someone's role is trusted
_admins: dict[tuple[str, str], tuple[float, bool]] = {}


def is_admin(client: WebClient, settings: Settings, *, team_id: str, user_id: str, logger: Logger) -> bool:
    """Slack's workspace admins and owners (users.info, cached 10 minutes), and REBOUND_ADMINS."""
    if user_id in settings.admins:
        return True
    cached = _admins.get((team_id, user_id))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        person = client.users_info(user=user_id).get("user") or {}
    except SLACK_FAILURES as error:
        logger.warning("Could not check whether %s is an admin: %s", user_id, describe(error))
        return False
    admin = any(bool(person.get(role)) for role in ("is_admin", "is_owner", "is_primary_owner"))
    _admins[(team_id, user_id)] = (time.monotonic() + ADMIN_FRESH_FOR, admin)
    return admin


def redraw_follow_up(client: WebClient, store: Store, due: Due, *, logger: Logger) -> None:
    """Draw a follow-up DM as its state now says, in place (chat.update)."""
    follow_up = due.follow_up
    if not (follow_up.channel_id and follow_up.message_ts):
        return
    message = follow_up_dms.build(
        due,
        store.revisits(team_id=follow_up.team_id, autopsy_id=due.autopsy.id),
        paused=store.reminders_paused(team_id=follow_up.team_id, user_id=follow_up.recipient_id),
    )
    try:
        client.chat_update(channel=follow_up.channel_id, ts=follow_up.message_ts, **message.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Could not update follow-up %s's message: %s", follow_up.id, describe(error))


def own_follow_up(
    store: Store, *, team_id: str, user_id: str, raw_id: object, kind: str | None = None
) -> Due | None:
    """The follow-up a click or form names, if it is this person's (and of `kind`); None for a forged id."""
    value = str(raw_id or "")
    if not value.isdigit() or len(value) > 18:
        return None
    due = store.follow_up(team_id=team_id, follow_up_id=int(value))
    if due is None or due.follow_up.recipient_id != user_id or kind not in (None, due.follow_up.kind):
        return None
    return due
