"""Drawing again what Slack already shows: App Home, a follow-up DM, a CRM prompt, and the
private answer to a click that cannot be done. (A deleted autopsy's DMs: bot.erasure.)"""

from __future__ import annotations

from logging import Logger
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.blocks import crm_prompts, follow_up_dms, home
from bot.blocks.message import Message
from bot.home_reading import read_home_page
from bot.slack.web_api import SLACK_FAILURES, describe
from handlers.context import admins_of, asking_of, store_of, who, zone_of
from storage import Due, Store


def publish_home(
    client: WebClient,
    context: BoltContext,
    *,
    team_id: str,
    user_id: str,
    logger: Logger,
    offset: int = 0,
    lessons_typed: str | None = None,
) -> None:
    """Draw the rep's App Home (the page of their journal from `offset`, and the lessons card of
    what they typed in its search box); failures are logged."""
    is_admin = admins_of(context).is_admin(client, team_id=team_id, user_id=user_id)
    now = clock.now()
    try:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
        with store_of(context).read() as work:
            page = read_home_page(
                work,
                team_id=team_id,
                user_id=user_id,
                offset=offset,
                is_admin=is_admin,
                now=now,
                zone=zone,
                asking_offered=asking_of(context) is not None,
                defaults=context["settings"],
                lessons_typed=lessons_typed,
            )
        client.views_publish(user_id=user_id, view=home.home(page))
    except SQLAlchemyError:
        logger.exception("Could not read autopsies for %s's App Home", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not publish App Home for %s: %s", user_id, describe(error))


def redraw_follow_up(
    client: WebClient, context: BoltContext, due: Due, *, logger: Logger, zone: ZoneInfo
) -> None:
    """Draw a follow-up DM as its state now says, in place (chat.update), for its recipient in `zone`."""
    store = store_of(context)
    follow_up = due.follow_up
    if not (follow_up.channel_id and follow_up.message_ts):
        return
    with store.read() as work:
        revisits = work.autopsies.revisits(team_id=follow_up.team_id, autopsy_id=due.autopsy.id)
        paused = work.follow_ups.paused(team_id=follow_up.team_id, user_id=follow_up.recipient_id)
    offered = asking_of(context) is not None
    message = follow_up_dms.build(due, revisits, paused=paused, zone=zone, offer_asking=offered)
    try:
        client.chat_update(channel=follow_up.channel_id, ts=follow_up.message_ts, **message.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Could not update follow-up %s's message: %s", follow_up.id, describe(error))


def redraw_crm_prompts(
    client: WebClient, store: Store, *, team_id: str, lost_deal_id: int, logger: Logger
) -> None:
    """Draw a lost deal's prompt and reminder DMs as they stand now: answered, their buttons gone."""
    with store.read() as work:
        sent = work.lost_deals.messages(team_id=team_id, lost_deal_id=lost_deal_id)
    for follow_up, deal in sent:
        message = crm_prompts.build(follow_up, deal)
        try:
            client.chat_update(channel=follow_up.channel_id, ts=follow_up.message_ts, **message.as_kwargs())
        except SLACK_FAILURES as error:
            logger.warning("Could not update CRM prompt %s's message: %s", follow_up.id, describe(error))


def clicked_in_message(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "message"


def clicked_in_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def tell_clicker(client: WebClient, body: dict[str, Any], message: Message, *, logger: Logger) -> None:
    """Answer a click so only the clicker sees it: under the message they clicked (ephemeral),
    or in their DM with Rebound for a click elsewhere (App Home, a modal)."""
    user_id = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id")
    try:
        if clicked_in_message(body) and channel:
            client.chat_postEphemeral(channel=channel, user=user_id, **message.as_kwargs())
        else:
            client.chat_postMessage(channel=user_id, **message.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Could not answer %s's click: %s", user_id, describe(error))


def answer_refused_click(
    client: WebClient, context: BoltContext, body: dict[str, Any], message: Message, *, logger: Logger
) -> None:
    """A click whose subject is gone or not the clicker's never passes in silence: a message's
    clicker hears why; App Home is drawn again, without the buttons of what is gone."""
    if clicked_in_message(body):
        tell_clicker(client, body, message, logger=logger)
    else:
        team_id, user_id = who(context, body)
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
