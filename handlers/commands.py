"""`/lost-deal`: open the autopsy form, or answer `help`."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import messages
from handlers.surfaces import open_autopsy


def lost_deal(ack: Ack, command: dict, client: WebClient, respond: Respond, logger: Logger) -> None:
    text = " ".join((command.get("text") or "").split())
    if text.lower() in ("help", "?"):
        ack(**messages.help_message().as_kwargs())
        return
    # Ack first: the trigger_id expires 3 seconds after the command was typed.
    ack()
    if not open_autopsy(client, command["trigger_id"], deal_name=text, logger=logger):
        respond(**messages.form_unavailable().as_kwargs())
