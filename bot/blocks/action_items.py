"""Block Kit builders for actions: the "Make it an action" button and modal, the maker's private
confirmation, the owner's reminder on the due day with its answers, and the "Not doing" modal.

Pure. Where an action came from is said as its lesson's sharing allows (`origin`): an anonymous
lesson's deal and author are never named to anyone but its author, a private one's to no one else.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import commitments, ids
from bot.blocks.elements import note, section, text_input
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape, quote
from bot.working_hours import arrival_day
from storage import Autopsy, FollowUp
from storage.actions import ActionItem
from storage.models import Action

MAKE_LABEL = "Make it an action"


def make_button(autopsy_id: int) -> ButtonElement:
    return ButtonElement(text=MAKE_LABEL, action_id=ids.MAKE_ACTION, value=str(autopsy_id))


def make_offer(autopsy_id: int) -> list[Block]:
    """Under the thank-you DM: a line on what an action is, and the button."""
    return [
        note("A lesson helps most when it changes what we do. Give it an owner and a day:"),
        ActionsBlock(elements=[make_button(autopsy_id)]),
    ]


def origin(*, deal_name: str, sharing: str, author_id: str, reader_id: str) -> str:
    """Where an action came from, as `reader_id` may read it."""
    if reader_id == author_id:
        return f"from your lesson on *{escape(deal_name)}*"
    if sharing == "named":
        return f"from <@{author_id}>'s lesson on *{escape(deal_name)}*"
    if sharing == "anonymous":
        return "from a lesson shared anonymously"
    return "from a lesson not shared with the team"


def action_modal(entry: Autopsy, *, maker_id: str, today: date) -> View:
    """ "Make it an action": what we'll change (the lesson, to edit), its owner (the maker unless
    they choose someone) and its day (two weeks on unless they choose)."""
    came_from = origin(
        deal_name=entry.deal_name, sharing=entry.sharing, author_id=entry.user_id, reader_id=maker_id
    )
    return View(
        type="modal",
        callback_id=ids.ACTION_VIEW,
        private_metadata=str(entry.id),
        title=MAKE_LABEL,
        submit="Commit to it",
        close="Cancel",
        blocks=[
            section(f"Turn a lesson into something the team does, {came_from}."),
            text_input(
                ids.ACTION_WHAT,
                "What we'll change",
                commitments.WHAT_MAX,
                multiline=True,
                initial=entry.lesson[: commitments.WHAT_MAX],
            ),
            InputBlock(
                block_id=ids.ACTION_OWNER,
                label="Who owns it",
                hint="You, a teammate or a manager.",
                element=UserSelectElement(
                    action_id=ids.ACTION_OWNER, placeholder="Choose the owner", initial_user=maker_id
                ),
            ),
            InputBlock(
                block_id=ids.ACTION_DUE_ON,
                label="By when",
                element=DatePickerElement(
                    action_id=ids.ACTION_DUE_ON, initial_date=commitments.default_due(today).isoformat()
                ),
            ),
            note(
                "On that day, in their working hours, the owner gets one reminder with *Done*, "
                "*Not doing* and *Snooze*. Until then it shows in their App Home."
            ),
        ],
    )


def _day(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def made_notice(action: Action, *, maker_zone: ZoneInfo, now: datetime) -> Message:
    """The maker's private confirmation. Someone else who owns it hears of it on the day, with
    its reminder (and sees it in App Home meanwhile): no extra DM to interrupt them now."""
    arrives = arrival_day(now, maker_zone, action.due_on)
    what = quote(action.what, 600)
    if action.owner_id == action.made_by:
        later = f"On {_day(arrives)}, in your working hours, I'll ask how it went."
    else:
        later = (
            f"<@{action.owner_id}> owns it. They'll see it in their App Home now, and get one "
            f"reminder on {_day(action.due_on)} in their working hours: no message before that."
        )
    return Message(
        text=f"Action noted: {escape(action.what, 200)}",
        blocks=[section(f"*Action noted.* What we'll change:\n{what}"), note(later)],
    )


def _closing(action: Action, follow_up: FollowUp, zone: ZoneInfo) -> str | None:
    """What the reminder says once answered; None while it waits for an answer."""
    if action.state == "done":
        return "Done :white_check_mark: Thank you: that's a lesson put to work."
    if action.state == "dropped":
        return f"Not doing it, because: _{escape(action.outcome or '', 300)}_ Thank you for saying why."
    if follow_up.state == "snoozed":
        comes_back = arrival_day(follow_up.due_at, zone, follow_up.due_on)
        return f"Snoozed: I'll remind you again on {_day(comes_back)}."
    return None


def due_dm(
    follow_up: FollowUp, action: Action, entry: Autopsy, *, zone: ZoneInfo, pause: ButtonElement
) -> Message:
    """The owner's reminder on the due day: the action, where it came from, who asked for it, and
    Done / Not doing / Snooze (a week, or a day picked) while it is open."""
    came_from = origin(
        deal_name=entry.deal_name, sharing=entry.sharing, author_id=entry.user_id, reader_id=action.owner_id
    )
    asked = "" if action.made_by == action.owner_id else f" · asked by <@{action.made_by}>"
    blocks: list[Block] = [
        section(f"*An action you own is due:*\n{quote(action.what, 1000)}"),
        note(f"Made {action.created_at.astimezone(zone):%-d %b %Y}{asked} · {came_from}"),
    ]
    closing = _closing(action, follow_up, zone)
    if closing is not None:
        blocks.append(note(closing))
    else:
        value = str(action.id)
        blocks.append(
            ActionsBlock(
                block_id=ids.ACTION_DUE_ANSWERS.format(id=action.id),
                elements=[
                    ButtonElement(text="Done", action_id=ids.ACTION_DONE, value=value, style="primary"),
                    ButtonElement(text="Not doing", action_id=ids.ACTION_NOT_DOING, value=value),
                    ButtonElement(text="Snooze a week", action_id=ids.ACTION_SNOOZE_WEEK, value=value),
                    DatePickerElement(action_id=ids.ACTION_SNOOZE_UNTIL, placeholder="Snooze until…"),
                    pause,
                ],
            )
        )
    return Message(text=f"An action you own is due: {escape(action.what, 150)}", blocks=blocks)


def not_doing_modal(action: Action) -> View:
    return View(
        type="modal",
        callback_id=ids.ACTION_DROP_VIEW,
        private_metadata=str(action.id),
        title="Not doing it",
        submit="Close the action",
        close="Cancel",
        blocks=[
            section(f"What we were to change:\n{quote(action.what, 1000)}"),
            text_input(
                ids.ACTION_WHY,
                "Why not?",
                commitments.WHY_MAX,
                multiline=True,
                hint="It stays with the action as its outcome: knowing why helps the team too.",
            ),
        ],
    )


def open_for(made_at: datetime, now: datetime) -> str:
    """An open action's age, in whole weeks ("open 3 weeks"); younger than a week, "new"."""
    weeks = max((now - made_at).days, 0) // 7
    if weeks == 0:
        return "new this week"
    return f"open {weeks} {'week' if weeks == 1 else 'weeks'}"


def owner_name(item: ActionItem) -> str:
    """Who owns an action, for the team to read: never the author of an anonymous lesson."""
    if item.sharing == "anonymous" and item.action.owner_id == item.author_id:
        return "its owner, not named"
    return f"<@{item.action.owner_id}>"


def more_line(shown: int, total: int, where: str) -> str | None:
    """ "…and 4 more" under a list cut short, saying where the rest are."""
    rest = total - shown
    return f"…and {rest} more {where}" if rest > 0 else None
