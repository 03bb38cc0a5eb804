"""App Home's actions: the ones you own, the ones you asked of others, the team's open ones,
and the ones closed lately with their outcome, kept as history.

Pure. Each list is one section (a few blocks in all: App Home holds 100), its first few items
and how many more. The team's list holds actions from shared lessons only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.blocks.action_items import more_line, open_for, origin, owner_name
from bot.blocks.elements import note, section
from bot.blocks.mrkdwn import escape
from storage.actions import ActionItem, ActionList

SHOWN = 5  # per list


@dataclass(frozen=True)
class HomeActions:
    """What App Home shows one person of actions (each list: its first `SHOWN`, and a total)."""

    user_id: str
    owned: ActionList = field(default_factory=ActionList)
    asked: ActionList = field(default_factory=ActionList)
    team: ActionList = field(default_factory=ActionList)
    closed: ActionList = field(default_factory=ActionList)


def _what(item: ActionItem) -> str:
    return f"*{escape(item.action.what, 150)}*"


def _list(
    title: str, actions: ActionList, line: Callable[[ActionItem], str], empty: str | None
) -> list[Block]:
    if not actions.items:
        return [] if empty is None else [section(f"*{title}*\n{empty}")]
    lines = [f"• {line(item)}" for item in actions.items[:SHOWN]]
    if (more := more_line(min(len(actions.items), SHOWN), actions.total, "")) is not None:
        lines.append(more.rstrip())
    return [section(f"*{title}*\n" + "\n".join(lines))]


def action_sections(actions: HomeActions, *, zone: ZoneInfo, now: datetime) -> list[Block]:
    """The actions part of App Home, under its own header."""
    me = actions.user_id

    def yours(item: ActionItem) -> str:
        came_from = origin(
            deal_name=item.deal_name, sharing=item.sharing, author_id=item.author_id, reader_id=me
        )
        return f"{_what(item)} · due {item.action.due_on:%a %-d %b} · {came_from}"

    def asked(item: ActionItem) -> str:
        return f"{_what(item)} · <@{item.action.owner_id}> · due {item.action.due_on:%a %-d %b}"

    def team(item: ActionItem) -> str:
        return f"{_what(item)} · {owner_name(item)} · {open_for(item.action.created_at, now)}"

    def closed(item: ActionItem) -> str:
        action = item.action
        when = "" if action.closed_at is None else f" {action.closed_at.astimezone(zone):%-d %b}"
        if action.state == "done":
            return f"{_what(item)} · done{when}"
        return f"{_what(item)} · not doing{when}: _{escape(action.outcome or '', 200)}_"

    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Actions")]
    blocks += _list(
        "Your actions",
        actions.owned,
        yours,
        "None open. Any lesson can become one: *Make it an action* on an autopsy or a shared lesson.",
    )
    blocks += _list("Actions you asked of others", actions.asked, asked, None)
    blocks += _list("The team's open actions", actions.team, team, "None open.")
    blocks += _list("Recently closed", actions.closed, closed, None)
    blocks.append(note("Reminders for an action come on its day, in the owner's working hours."))
    return blocks
