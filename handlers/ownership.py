"""Whose is it: the autopsy, follow-up or CRM deal a click or form names, read only if it is the
clicker's own, since ids in clicks and metadata come back from Slack and may be forged."""

from __future__ import annotations

from logging import Logger

from slack_bolt import BoltContext

from bot.blocks import autopsy_form, replies
from bot.blocks.message import Message
from handlers.context import store_of
from storage import Autopsy, Due, LostDeal


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
    """What an autopsy remembers of the CRM deal it came from, the buyer's contact among it."""
    if deal is None:
        return None
    return {
        "crm": deal.crm,
        "crm_deal_id": deal.deal_id,
        "crm_deal_url": deal.deal_url,
        "buyer_contact": deal.contact_name,
    }


def refused_follow_up(context: BoltContext, team_id: str, raw_id: object, what: str) -> Message:
    """Why a click on a follow-up was refused, in a word for its clicker: its `what` (an autopsy,
    a deal) was deleted, or it is someone else's to answer."""
    follow_up_id = number(raw_id)
    exists = False
    if follow_up_id is not None:
        with store_of(context).read() as work:
            exists = work.follow_ups.get(team_id=team_id, follow_up_id=follow_up_id) is not None
    return replies.not_yours() if exists else replies.gone(what)
