"""Workspace settings in App Home: only admins see the button, and only admins' changes are kept.

Slack's workspace admins and owners (users.info) and REBOUND_ADMINS are admins. The check runs
again on submission: a forged settings form from anyone else is refused and logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, workspace
from bot.blocks import settings_form
from bot.digest.week import schedule_for
from handlers.surfaces import is_admin, open_modal, publish_home, who
from storage import Store


def open_settings(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    ack()
    team_id, user_id = who(context, body)
    if not is_admin(client, context["settings"], team_id=team_id, user_id=user_id, logger=logger):
        logger.warning("Refused the workspace settings to %s in %s: not an admin", user_id, team_id)
        return
    store: Store = context["store"]
    row = store.workspace_settings(team_id)
    view = settings_form.settings_modal(
        schedule_for(row, context["settings"]), workspace.follow_up_defaults(row)
    )
    open_modal(client, body["trigger_id"], view, logger=logger, what="the workspace settings")


def save_settings(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    team_id, user_id = who(context, body)
    if not is_admin(client, context["settings"], team_id=team_id, user_id=user_id, logger=logger):
        logger.warning("Refused a workspace settings change from %s in %s: not an admin", user_id, team_id)
        ack(
            response_action="errors",
            errors={ids.SET_CHANNEL: "Only workspace admins can change these settings."},
        )
        return
    chosen, errors = workspace.read_settings(view.get("state", {}).get("values", {}))
    if chosen is None:
        ack(response_action="errors", errors=errors)
        return
    store: Store = context["store"]
    try:
        store.save_workspace_settings(team_id, now=datetime.now(UTC), **chosen)
    except SQLAlchemyError:
        logger.exception("Could not save the workspace settings of %s", team_id)
        ack(
            response_action="errors",
            errors={ids.SET_CHANNEL: "Sorry, I couldn't save these just now. Please try again."},
        )
        return
    ack()
    logger.info("%s changed the workspace settings of %s: %s", user_id, team_id, chosen)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
