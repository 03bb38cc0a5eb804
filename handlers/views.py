"""View submissions: the autopsy form is checked, stored, then acknowledged, then the rep is thanked."""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, messages
from bot.autopsy import read_submission
from handlers.surfaces import SLACK_FAILURES, describe, publish_home
from storage import Store


def save_autopsy(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    answers, errors = read_submission(view.get("state", {}).get("values", {}), datetime.now(UTC))
    if answers is None:
        ack(response_action="errors", errors=errors)
        return
    store: Store = context["store"]
    team_id, user_id = context.team_id or context.enterprise_id or "", body["user"]["id"]
    try:
        _, is_new = store.save_autopsy(team_id=team_id, user_id=user_id, view_id=view["id"], answers=answers)
    except SQLAlchemyError:
        logger.exception("Could not store an autopsy for %s", user_id)
        # Keep the modal open with everything the rep wrote, rather than lose it.
        ack(
            response_action="errors",
            errors={ids.DEAL: "Sorry, I couldn't save this just now. Please press Save again."},
        )
        return
    # Only now, with the autopsy committed, does Slack hear that it was received.
    ack()
    if not is_new:
        logger.info("Autopsy for view %s arrived again; already stored", view["id"])
        return
    try:
        client.chat_postMessage(channel=user_id, **messages.thank_you(answers).as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Autopsy stored, but the thank-you DM to %s failed: %s", user_id, describe(error))
    publish_home(client, store, team_id=team_id, user_id=user_id, logger=logger)
