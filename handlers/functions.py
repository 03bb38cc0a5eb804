"""Workflow Builder steps (Bolt custom functions): "Ask for a lost-deal autopsy" writes the same
prompt a CRM's Closed Lost does, and completes as soon as it is scheduled."""

from __future__ import annotations

from logging import Logger

from slack_bolt import BoltContext, Complete, Fail
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.crm.workflow import read_step
from bot.deal_news import UnreadableNews
from handlers.context import store_of, workspace_of


def ask_for_autopsy(
    event: dict, inputs: dict, context: BoltContext, complete: Complete, fail: Fail, logger: Logger
) -> None:
    team_id, now = workspace_of(context), clock.now()
    try:
        news = read_step(inputs, execution_id=str(event.get("function_execution_id") or ""), now=now)
    except UnreadableNews as error:
        logger.warning("Refused a workflow's autopsy request in %s: %s", team_id, error)
        fail(f"Rebound could not ask for an autopsy: {error}.")
        return
    try:
        with store_of(context).write() as work:
            received = work.lost_deals.receive(team_id=team_id, news=[news], now=now)
    except SQLAlchemyError:
        logger.exception("Could not store a workflow's autopsy request in %s", team_id)
        fail("Rebound could not store the request just now. Run the workflow again in a few minutes.")
        return
    logger.info(
        "A workflow asked %s for an autopsy of %r: %s",
        news.owner_user_id,
        news.deal_name,
        "prompt scheduled" if received.prompts else "already asked",
    )
    complete(outputs={})
