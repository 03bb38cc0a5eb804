"""Modals: open one on a trigger (the autopsy form among them), draw one again, and answer a
submission with errors under their fields so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Mapping
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

import clock
from bot import metrics
from bot.blocks import autopsy_form
from bot.slack.web_api import SLACK_FAILURES, describe, for_trigger
from handlers.context import defaults_for

NOT_SAVED = "Sorry, I couldn't save this just now. Please try again."


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    return view.get("state", {}).get("values", {})


def keep_open(ack: Ack, errors: dict[str, str]) -> None:
    """Answer a submission with errors under their fields: the modal stays open, nothing typed is lost."""
    ack(response_action="errors", errors=errors)


def not_saved(ack: Ack, logger: Logger, block_id: str, what: str) -> None:
    """The database did not take a submission: say so under `block_id`, keeping the modal open."""
    logger.exception("Could not store %s", what)
    keep_open(ack, {block_id: NOT_SAVED})


def open_modal(client: WebClient, trigger_id: str, view: View | str, *, logger: Logger, what: str) -> bool:
    """Open a modal on the click's trigger, with one try; False, and a log line naming `what`,
    when Slack refused (an expired trigger_id, most often)."""
    try:
        for_trigger(client).views_open(trigger_id=trigger_id, view=view)
    except SLACK_FAILURES as error:
        metrics.views_open_failed()
        logger.warning("Could not open %s: %s", what, describe(error))
        return False
    return True


def open_autopsy_form(
    client: WebClient,
    context: BoltContext,
    trigger_id: str,
    *,
    team_id: str,
    deal_name: str,
    logger: Logger,
    prefill: Mapping[str, Any] | None = None,
    lost_deal_id: int | None = None,
) -> bool:
    """Open the autopsy form for a new autopsy, the deal filled in (with what the CRM knew of a
    lost deal, `prefill`) and the workspace's touch-base default chosen."""
    touch_base_days = defaults_for(context, team_id).touch_base_days
    form = autopsy_form.new_autopsy_form(
        deal_name, clock.now().date(), touch_base_days, prefill=prefill, lost_deal_id=lost_deal_id
    )
    return open_modal(client, trigger_id, form, logger=logger, what="the autopsy form")


def show_modal(client: WebClient, body: dict[str, Any], view: View, *, logger: Logger, what: str) -> bool:
    """Answer a click with `view`: in place of the modal it was made in, else opened on its
    trigger; False when Slack refused to open it."""
    if (body.get("view") or {}).get("type") == "modal":
        update_modal(client, body, view, logger=logger)
        return True
    return open_modal(client, body["trigger_id"], view, logger=logger, what=what)


def update_modal(client: WebClient, body: dict[str, Any], view: View, *, logger: Logger) -> None:
    """Draw the modal a click came from again, as `view`."""
    view_id = (body.get("view") or {}).get("id")
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, view=view)
    except SLACK_FAILURES as error:
        logger.warning("Could not update a modal: %s", describe(error))
