"""The Slack calls more than one listener makes: opening the form and drawing App Home."""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot import reminders, views
from storage import Due, Store


def who(context: BoltContext, body: dict) -> tuple[str, str]:
    """The workspace (the org, for an org-wide install) and the person behind an interaction."""
    return context.team_id or context.enterprise_id or "", body["user"]["id"]


# What a Web API call can raise once slack_sdk's retry handlers have given up.
SLACK_FAILURES = (SlackClientError, OSError)


def describe(error: Exception) -> str:
    """Slack's error code, or the transport failure, in one short phrase for the log."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return f"{type(error).__name__}: {error}"


def open_autopsy(client: WebClient, trigger_id: str, *, deal_name: str, logger: Logger) -> bool:
    """Open the autopsy modal; False when Slack refused (an expired trigger_id, most often)."""
    try:
        client.views_open(
            trigger_id=trigger_id, view=views.autopsy_modal_payload(deal_name, datetime.now(UTC).date())
        )
    except SLACK_FAILURES as error:
        logger.warning("Could not open the autopsy form: %s", describe(error))
        return False
    return True


def publish_home(client: WebClient, store: Store, *, team_id: str, user_id: str, logger: Logger) -> None:
    """Draw the rep's App Home; a failure is logged, never raised at the rep."""
    try:
        recent = store.recent_autopsies(team_id=team_id, user_id=user_id)
        client.views_publish(user_id=user_id, view=views.home(recent))
    except SQLAlchemyError:
        logger.exception("Could not read autopsies for %s's App Home", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not publish App Home for %s: %s", user_id, describe(error))


def redraw_follow_up(client: WebClient, store: Store, due: Due, *, logger: Logger) -> None:
    """Draw a follow-up DM as its state now says, in place (chat.update)."""
    follow_up = due.follow_up
    if not (follow_up.channel_id and follow_up.message_ts):
        return
    message = reminders.build(
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
