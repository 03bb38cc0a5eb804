"""The digest's actions: **Open actions**, carried every week until each is done or dropped, with
its age and owner; and **Done this week**.

Pure. Only actions from shared lessons reach here (storage leaves private ones out, even of the
counts); an anonymous lesson's author is never named (`owner_name`). Two sections at most, so the
digest stays under Slack's 50 blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.blocks import Block, DividerBlock

from bot.blocks.action_items import more_line, open_for, owner_name
from bot.blocks.elements import section
from bot.blocks.mrkdwn import escape
from storage.actions import ActionItem, ActionList

SHOWN = 10  # per list: short lines, well within a section's 3,000 characters


@dataclass(frozen=True)
class TeamActions:
    """A digest week's actions: the open ones (as of its end) and the ones done in it."""

    open: ActionList = field(default_factory=ActionList)
    done: ActionList = field(default_factory=ActionList)

    @property
    def empty(self) -> bool:
        return not (self.open.total or self.done.total)


def _lines(title: str, actions: ActionList, line: Callable[[ActionItem], str]) -> str:
    shown = actions.items[:SHOWN]
    lines = [f"*{title}*", *(f"• {line(item)}" for item in shown)]
    if (more := more_line(len(shown), actions.total, "in App Home")) is not None:
        lines.append(more)
    return "\n".join(lines)


def sections(actions: TeamActions, *, as_of: datetime, period: str = "this week") -> list[Block]:
    """Open actions and those done in the digest's `period`; nothing when there are none."""
    if actions.empty:
        return []

    def still_open(item: ActionItem) -> str:
        age = open_for(item.action.created_at, as_of)
        return f"{escape(item.action.what, 200)} · {owner_name(item)} · {age}"

    def done(item: ActionItem) -> str:
        return f"{escape(item.action.what, 200)} · {owner_name(item)}"

    blocks: list[Block] = []
    if actions.open.total:
        blocks.append(section(_lines("Open actions", actions.open, still_open)))
    if actions.done.total:
        blocks.append(section(_lines(f"Done {period}", actions.done, done)))
    return [*blocks, DividerBlock()]
