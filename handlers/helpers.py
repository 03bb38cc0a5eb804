"""What every listener needs: the store and the caches Rebound's middleware put in the context,
who is asking, in which workspace and time zone, the follow-ups a new autopsy asks for, and the
Slack calls several listeners make (open a form, draw App Home, redraw a follow-up DM)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from logging import Logger
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.admins import Admins
from bot.app_home import home_page
from bot.autopsy import Answers
from bot.blocks import autopsy_form, crm_prompts, follow_up_dms, home, replies
from bot.blocks.message import Message
from bot.followups.planning import plan
from bot.slack.web_api import SLACK_FAILURES, describe, for_trigger
from bot.workspace import FollowUpDefaults, FollowUpDefaultsCache
from bot.zones import PersonZones
from storage import Autopsy, Due, LostDeal, Plan, SentMessage, Store

NOT_SAVED = "Sorry, I couldn't save this just now. Please try again."


def store_of(context: BoltContext) -> Store:
    return context["store"]


def admins_of(context: BoltContext) -> Admins:
    return context["admins"]


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


def number(raw: object) -> int | None:
    """An id from a click or a form: digits only (anything else was not sent by Rebound)."""
    value = str(raw or "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def own_autopsy(
    context: BoltContext, team_id: str, user_id: str, raw_id: object, logger: Logger, what: str
) -> Autopsy | None:
    """The autopsy a click or form names, if this person wrote it; else None, refused and logged."""
    autopsy_id = number(raw_id)
    entry = None
    if autopsy_id is not None:
        with store_of(context).read() as work:
            entry = work.autopsies.own(team_id=team_id, user_id=user_id, autopsy_id=autopsy_id)
    if entry is None:
        logger.warning("Refused to %s autopsy %r for %s in %s: not theirs", what, raw_id, user_id, team_id)
    return entry


def own_follow_up(
    context: BoltContext, team_id: str, user_id: str, raw_id: object, *, kind: str | None = None
) -> Due | None:
    """The follow-up a click or form names, if it is this person's (and of `kind`); None for a forged id."""
    follow_up_id = number(raw_id)
    if follow_up_id is None:
        return None
    with store_of(context).read() as work:
        return work.follow_ups.own(team_id=team_id, user_id=user_id, follow_up_id=follow_up_id, kind=kind)


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    return view.get("state", {}).get("values", {})


def keep_open(ack: Ack, errors: dict[str, str]) -> None:
    """Answer a submission with errors under their fields: the modal stays open, nothing typed is lost."""
    ack(response_action="errors", errors=errors)


def not_saved(ack: Ack, logger: Logger, block_id: str, what: str) -> None:
    """The database did not take a submission: say so under `block_id`, keeping the modal open."""
    logger.exception("Could not store %s", what)
    keep_open(ack, {block_id: NOT_SAVED})


def plans_for(
    context: BoltContext, answers: Answers, *, team_id: str, user_id: str, now: datetime
) -> list[Plan]:
    """The follow-ups an autopsy asks for, the revisit after the workspace's chosen days."""
    revisit_after = timedelta(days=defaults_for(context, team_id).revisit_days)
    return plan(answers, author_id=user_id, now=now, revisit_after=revisit_after)


def open_modal(client: WebClient, trigger_id: str, view: View | str, *, logger: Logger, what: str) -> bool:
    """Open a modal on the click's trigger, with one try; False, and a log line naming `what`,
    when Slack refused (an expired trigger_id, most often)."""
    try:
        for_trigger(client).views_open(trigger_id=trigger_id, view=view)
    except SLACK_FAILURES as error:
        logger.warning("Could not open %s: %s", what, describe(error))
        return False
    return True


def open_autopsy_form(
    client: WebClient, context: BoltContext, trigger_id: str, *, team_id: str, deal_name: str, logger: Logger
) -> bool:
    """Open the autopsy form, the deal filled in and the workspace's touch-base default chosen."""
    touch_base_days = defaults_for(context, team_id).touch_base_days
    form = autopsy_form.autopsy_modal_json(deal_name, clock.now().date(), touch_base_days)
    return open_modal(client, trigger_id, form, logger=logger, what="the autopsy form")


def publish_home(
    client: WebClient, context: BoltContext, *, team_id: str, user_id: str, logger: Logger, offset: int = 0
) -> None:
    """Draw the rep's App Home (the page of their journal from `offset`); failures are logged."""
    is_admin = admins_of(context).is_admin(client, team_id=team_id, user_id=user_id)
    now = clock.now()
    try:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
        with store_of(context).read() as work:
            page = home_page(
                work, team_id=team_id, user_id=user_id, offset=offset, is_admin=is_admin, now=now, zone=zone
            )
        client.views_publish(user_id=user_id, view=home.home(page))
    except SQLAlchemyError:
        logger.exception("Could not read autopsies for %s's App Home", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not publish App Home for %s: %s", user_id, describe(error))


def redraw_follow_up(client: WebClient, store: Store, due: Due, *, logger: Logger, zone: ZoneInfo) -> None:
    """Draw a follow-up DM as its state now says, in place (chat.update), for its recipient in `zone`."""
    follow_up = due.follow_up
    if not (follow_up.channel_id and follow_up.message_ts):
        return
    with store.read() as work:
        revisits = work.autopsies.revisits(team_id=follow_up.team_id, autopsy_id=due.autopsy.id)
        paused = work.follow_ups.paused(team_id=follow_up.team_id, user_id=follow_up.recipient_id)
    message = follow_up_dms.build(due, revisits, paused=paused, zone=zone)
    try:
        client.chat_update(channel=follow_up.channel_id, ts=follow_up.message_ts, **message.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Could not update follow-up %s's message: %s", follow_up.id, describe(error))


def own_lost_deal(context: BoltContext, team_id: str, user_id: str, metadata: object) -> LostDeal | None:
    """The lost deal a form the CRM's prompt opened is about, if this person owns it in Slack."""
    raw = str(metadata or "")
    if not raw.startswith(autopsy_form.LOST_DEAL_METADATA):
        return None
    lost_deal_id = number(raw.removeprefix(autopsy_form.LOST_DEAL_METADATA))
    if lost_deal_id is None:
        return None
    with store_of(context).read() as work:
        deal = work.lost_deals.get(team_id=team_id, lost_deal_id=lost_deal_id)
    return deal if deal is not None and deal.owner_id == user_id else None


def crm_origin(deal: LostDeal | None) -> dict[str, str | None] | None:
    """What an autopsy remembers of the CRM deal it came from."""
    if deal is None:
        return None
    return {"crm": deal.crm, "crm_deal_id": deal.deal_id, "crm_deal_url": deal.deal_url}


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


def refused_follow_up(context: BoltContext, team_id: str, raw_id: object, what: str) -> Message:
    """Why a click on a follow-up was refused, in a word for its clicker: its `what` (an autopsy,
    a deal) was deleted, or it is someone else's to answer."""
    follow_up_id = number(raw_id)
    exists = False
    if follow_up_id is not None:
        with store_of(context).read() as work:
            exists = work.follow_ups.get(team_id=team_id, follow_up_id=follow_up_id) is not None
    return replies.not_yours() if exists else replies.gone(what)


def update_modal(client: WebClient, body: dict[str, Any], view: View, *, logger: Logger) -> None:
    """Draw the modal a click came from again, as `view`."""
    view_id = (body.get("view") or {}).get("id")
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, view=view)
    except SLACK_FAILURES as error:
        logger.warning("Could not update a modal: %s", describe(error))


def take_down(client: WebClient, sent: Sequence[SentMessage], *, author_id: str, logger: Logger) -> None:
    """Draw the DMs of a deleted autopsy again: nothing of it left in them, and no buttons."""
    for message in sent:
        drawn = follow_up_dms.taken_down(message.recipient_id, author_id)
        try:
            client.chat_update(channel=message.channel_id, ts=message.message_ts, **drawn.as_kwargs())
        except SLACK_FAILURES as error:
            logger.warning(
                "Could not take down a deleted autopsy's DM to %s: %s", message.recipient_id, describe(error)
            )
