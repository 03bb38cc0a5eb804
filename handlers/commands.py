"""`/lost-deal`: open the autopsy form; `help`, `pause` and `resume` answer privately."""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import messages, reminders
from handlers.surfaces import open_autopsy
from storage import Store


def lost_deal(
    ack: Ack, command: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
) -> None:
    text = " ".join((command.get("text") or "").split())
    word = text.lower()
    if word in ("help", "?"):
        ack(**messages.help_message().as_kwargs())
        return
    if word in ("pause", "resume"):
        store: Store = context["store"]
        who = {"team_id": context.team_id or "", "user_id": command["user_id"]}
        if word == "pause":
            store.pause_reminders(**who, now=datetime.now(UTC))
        else:
            store.resume_reminders(**who)
        ack(**reminders.pause_notice(word == "pause").as_kwargs())
        return
    # Ack first: the trigger_id expires 3 seconds after the command was typed.
    ack()
    if not open_autopsy(client, command["trigger_id"], deal_name=text, logger=logger):
        respond(**messages.form_unavailable().as_kwargs())
