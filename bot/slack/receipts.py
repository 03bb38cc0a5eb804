"""Sent once, even across a crash: each follow-up and digest carries a receipt in its message
metadata, and a sweep that picks up an interrupted or failed delivery looks for that receipt in
the conversation before sending again.

A sweep marks a row sent only after Slack says ok. A process killed between Slack's ok and
that mark (or a connection that broke after Slack delivered) would otherwise send it twice.
Slack has no idempotency key for chat.postMessage; the receipt plays that part. Reading it
back needs the history scope of the conversation (im:history for DMs, channels:history or
groups:history for the digest channel); a workspace installed before those scopes answers
missing_scope, and then the sweep sends again as before (at least once rather than lost).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

from bot.slack.web_api import error_code

logger = logging.getLogger("rebound.receipts")

FOLLOW_UP = "rebound_follow_up"
DIGEST = "rebound_digest"


def receipt(kind: str, key: str) -> Metadata:
    """The metadata a message carries: which follow-up (its id) or which digest (its week)."""
    return Metadata(event_type=kind, event_payload={"key": key})


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


PAGES = 5  # at most 1,000 messages back: an interrupted delivery is minutes old


def find(client: WebClient, channel: str, kind: str, key: str, after: str | None = None) -> Posted | None:
    """The message with this receipt in `channel` (after the Slack timestamp `after`), if any.

    None when it is not there, or when the history cannot be read (then the caller sends).
    """
    cursor = None
    for _ in range(PAGES):
        try:
            page = client.conversations_history(
                channel=channel, oldest=after or "0", include_all_metadata=True, limit=200, cursor=cursor
            )
        except SlackApiError as error:
            logger.warning(
                "Could not read %s to check for an earlier delivery (%s); sending again",
                channel,
                error_code(error),
            )
            return None
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == kind and (metadata.get("event_payload") or {}).get("key") == key:
                return Posted(channel=channel, ts=str(message["ts"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None
