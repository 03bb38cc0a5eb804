"""Buttons: "Log a lost deal" in App Home opens the same form as `/lost-deal`."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack
from slack_sdk import WebClient

from handlers.surfaces import open_autopsy


def log_lost_deal(ack: Ack, body: dict, client: WebClient, logger: Logger) -> None:
    ack()
    open_autopsy(client, body["trigger_id"], deal_name="", logger=logger)
