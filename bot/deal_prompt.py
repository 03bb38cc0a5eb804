"""What the follow-up sweep asks the CRM's side about a lost deal's prompt, and its one answer.

The sweep claims, sends and retries every follow-up (bot.sweep); for a prompt or reminder about a
lost deal it asks the CRM's side (bot.crm.prompter) once, and gets back all it needs to send it.
The question and the answer live here, below both, so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.zones import PersonZones
from storage import Due


@dataclass(frozen=True)
class DealPrompt:
    """A lost deal's prompt or reminder, ready to send."""

    due: Due  # the follow-up and its deal as now stored: the deal as the CRM says, the recipient found
    zone: ZoneInfo  # the recipient's
    not_before: datetime  # their working hours, and tomorrow's once today's prompts are spent
    remind_at: datetime | None  # a prompt's one reminder, planned once it is sent; None for the reminder


class DealPrompter(Protocol):
    def ready(self, client: WebClient, due: Due, zones: PersonZones, now: datetime) -> DealPrompt | None:
        """The prompt ready to send, or None when it was settled instead (the deal answered,
        reopened or excluded, or its owner no one in Slack). Slack's failures reach the sweep as
        they are; the CRM's come as bot.sweep.TryAgain."""
        ...
