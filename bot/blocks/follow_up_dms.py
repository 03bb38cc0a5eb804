"""Block Kit builders for the follow-up DMs: touch base, revisit your notes, a teammate's help
request, and "<deal> answered" when the lost buyer gave their side.

Each message is drawn from the follow-up's state, so a click can redraw it with chat.update:
the buttons go once answered, and a second click of the same button draws the same message.
Days are named in the reader's zone (`zone`), a coming one as the day the DM will arrive. The
buyer's answers show only in the author's own DMs, never in a teammate's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.asking import BUYER_ANSWERED
from bot.blocks import action_items, buyer_link
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape, quote
from bot.working_hours import delivery_time
from storage import Autopsy, BuyerAsk, Due, FollowUp, Revisit


def build(
    due: Due,
    revisits: Sequence[Revisit] = (),
    *,
    paused: bool = False,
    zone: ZoneInfo,
    offer_asking: bool = False,
) -> Message:
    """The DM for a follow-up, as it should look now to its recipient, who is in `zone`; with
    `offer_asking`, a touch-base offers to ask the lost buyer for their side."""
    follow_up, entry, ask = due.follow_up, due.autopsy, due.buyer_ask
    if follow_up.kind == BUYER_ANSWERED:
        return buyer_link.answered_dm(entry, ask, zone)
    if due.action is not None:
        pause = _pause_button(paused, follow_up)
        return action_items.due_dm(follow_up, due.action, entry, zone=zone, pause=pause)
    if follow_up.kind == "touch_base":
        return touch_base(follow_up, entry, revisits, paused, zone, ask=ask, offer_asking=offer_asking)
    if follow_up.kind == "revisit":
        return revisit(follow_up, entry, revisits, paused, zone, ask=ask)
    if follow_up.kind != "help_request":
        raise KeyError(follow_up.kind)
    return help_request(follow_up, entry, revisits, paused, zone)  # a teammate's: nothing of the buyer's


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%A %-d %B}"


def _pause_button(paused: bool, follow_up: FollowUp) -> ButtonElement:
    if paused:
        return ButtonElement(text="Resume my reminders", action_id=ids.RESUME, value=str(follow_up.id))
    return ButtonElement(text="Pause my reminders", action_id=ids.PAUSE, value=str(follow_up.id))


def _answered(follow_up: FollowUp) -> bool:
    return follow_up.state not in ("pending", "sending", "sent")


def _what_was_written(entry: Autopsy, *, for_author: bool) -> str:
    """The autopsy's summary, worded for its author ("your lesson") or for a teammate, who reads
    about the author's deal ("<@rep>'s lesson")."""
    winner = escape(autopsy.who_won(entry.winner, entry.competitor))
    if entry.winner_reason:
        winner = f"{winner}: {escape(entry.winner_reason, 500)}"
    author = f"<@{entry.user_id}>"
    told, lesson = (
        ("What they told you", "Your lesson")
        if for_author
        else (f"What the customer told {author}", f"{author}'s lesson")
    )
    lines = [f"*Who got the sale:* {winner}"]
    if entry.customer_said:
        lines.append(f"*{told}:*\n{quote(entry.customer_said, 1000)}")
    lines.append(f"*{lesson}:*\n{quote(entry.lesson, 800)}")
    return "\n".join(lines)


TOUCH_BASE_ANSWERS = {
    "done": "You reached out. That's how doors reopen: well done.",
    "won_back": "You won them back! :tada: The moment to start selling really is when they say no.",
    "let_go": "You let this one go. Not every door needs reopening; the lesson stays with you.",
    "failed": "This reminder could not be delivered.",
    "cancelled": "No reminder any more: you changed the touch-base date.",
}


def touch_base_buttons(follow_up: FollowUp) -> list[ButtonElement]:
    """The answers to a touch-base reminder, in its DM and in App Home."""
    value = str(follow_up.id)
    label = autopsy.TOUCH_BASE_CHOICES
    buttons = [ButtonElement(text=label["done"], action_id=ids.REACHED_OUT, value=value, style="primary")]
    if follow_up.state != "snoozed":  # a snooze does not stack on a snooze
        buttons += [
            ButtonElement(text="Snooze a week", action_id=ids.SNOOZE_WEEK, value=value),
            ButtonElement(text="Snooze a month", action_id=ids.SNOOZE_MONTH, value=value),
        ]
    return [
        *buttons,
        ButtonElement(text=label["won_back"], action_id=ids.WON_BACK, value=value),
        ButtonElement(text=label["let_go"], action_id=ids.LET_GO, value=value),
    ]


def _answered_by_buyer(ask: BuyerAsk | None) -> BuyerAsk | None:
    return ask if ask is not None and ask.answered_at is not None else None


def touch_base(
    follow_up: FollowUp,
    entry: Autopsy,
    _revisits: Sequence[Revisit],
    paused: bool,
    zone: ZoneInfo,
    *,
    ask: BuyerAsk | None = None,
    offer_asking: bool = False,
) -> Message:
    """Time to touch base: what the rep wrote (and the buyer's side, once they answered), the
    answers, and while unanswered the offer to ask the buyer."""
    deal, lost_on = escape(entry.deal_name), _day(entry.created_at, zone)
    answered = _answered_by_buyer(ask)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Time to touch base with {deal}.* You lost this one on {lost_on}. "
                "Here is what you wrote back then:"
            )
        ),
        SectionBlock(text=MarkdownTextObject(text=_what_was_written(entry, for_author=True))),
        *(
            [SectionBlock(text=MarkdownTextObject(text=buyer_link.their_side(entry, answered, zone)))]
            if answered
            else []
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="A gracious way back in: share a product improvement that answers what they said, "
                    "or simply ask how things are going. No pressure, no told-you-so."
                )
            ]
        ),
    ]
    if follow_up.state == "snoozed":
        comes_back = delivery_time(follow_up.due_at, zone, follow_up.due_on)  # as the sweep will send it
        blocks.append(_closing(f"Snoozed: I'll remind you again on {_day(comes_back, zone)}."))
    elif _answered(follow_up):
        blocks.append(_closing(TOUCH_BASE_ANSWERS.get(follow_up.state, follow_up.state)))
    else:
        ask_button = (
            [buyer_link.ask_button(entry.deal_name, entry.id)] if offer_asking and not answered else []
        )
        blocks.append(
            ActionsBlock(
                block_id=ids.TOUCH_BASE_ANSWERS,
                elements=[*touch_base_buttons(follow_up), _pause_button(paused, follow_up), *ask_button],
            )
        )
    return Message(text=f"Time to touch base with {deal}", blocks=blocks)


def revisit(
    follow_up: FollowUp,
    entry: Autopsy,
    revisits: Sequence[Revisit],
    paused: bool,
    zone: ZoneInfo,
    *,
    ask: BuyerAsk | None = None,
) -> Message:
    checks = "\n".join(
        f"• {question} *{autopsy.ANSWERS.get(getattr(entry, block_id), '?')}*"
        for block_id, question in autopsy.SELF_CHECKS.items()
    )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*On {_day(entry.created_at, zone)} you wrote about {escape(entry.deal_name)}.* "
                "Reading it again now, you may see an answer you couldn't see then."
            )
        ),
        SectionBlock(text=MarkdownTextObject(text=f"*How it felt:*\n{quote(entry.feelings, 2500)}")),
        SectionBlock(text=MarkdownTextObject(text=f"*Your self-check:*\n{checks}")),
        SectionBlock(text=MarkdownTextObject(text=_what_was_written(entry, for_author=True))),
    ]
    if (answered := _answered_by_buyer(ask)) is not None:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=buyer_link.their_side(entry, answered, zone)))
        )
    for seen in revisits[-3:]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*What you saw on {_day(seen.created_at, zone)}:*\n{quote(seen.text, 2500)}"
                )
            )
        )
    if follow_up.state == "done":
        blocks.append(_closing("Thank you for looking back. It's written down with the autopsy."))
    elif not _answered(follow_up):
        blocks.append(
            ActionsBlock(
                block_id=ids.REVISIT_ANSWERS,
                elements=[
                    ButtonElement(
                        text="Add what I see now",
                        action_id=ids.ADD_REVISIT,
                        value=str(follow_up.id),
                        style="primary",
                    ),
                    _pause_button(paused, follow_up),
                ],
            )
        )
    return Message(text=f"Revisit your notes on {escape(entry.deal_name)}", blocks=blocks)


def help_request(
    follow_up: FollowUp, entry: Autopsy, _revisits: Sequence[Revisit], paused: bool, _zone: ZoneInfo
) -> Message:
    deal = escape(entry.deal_name)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"<@{entry.user_id}> lost *{deal}* and would value your help thinking it through."
            )
        )
    ]
    if entry.sharing != "private":
        summary = (
            f"*What happened:* {autopsy.OUTCOMES.get(entry.outcome, entry.outcome)}\n"
            + _what_was_written(entry, for_author=False)
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
    if follow_up.state == "done":
        blocks.append(_closing(f"You said you'll reach out to <@{entry.user_id}>. Thank you."))
    elif follow_up.state == "let_go":
        blocks.append(_closing(f"No problem. I've let <@{entry.user_id}> know you can't right now."))
    elif not _answered(follow_up):
        value = str(follow_up.id)
        blocks.append(
            ActionsBlock(
                block_id=ids.HELP_ANSWERS,
                elements=[
                    ButtonElement(
                        text="I'll reach out", action_id=ids.HELP_YES, value=value, style="primary"
                    ),
                    ButtonElement(text="Can't right now", action_id=ids.HELP_NO, value=value),
                    _pause_button(paused, follow_up),
                ],
            )
        )
    return Message(text=f"A teammate asks for your help with {deal}", blocks=blocks)


def help_answer(follow_up: FollowUp, entry: Autopsy) -> Message:
    """Tells the rep which answer their teammate picked."""
    helper, deal = f"<@{follow_up.recipient_id}>", escape(entry.deal_name)
    if follow_up.state == "done":
        text = f"{helper} will reach out to you about *{deal}*."
    else:
        text = (
            f"{helper} can't help with *{deal}* right now. Someone else on the team might: it's worth asking."
        )
    return Message.saying(text)


def taken_down(recipient_id: str, author_id: str) -> Message:
    """A follow-up DM once its autopsy is deleted: no buttons, and none of what the author wrote."""
    if recipient_id == author_id:
        text = "You deleted this autopsy, so there's nothing to do here any more."
    else:
        text = f"<@{author_id}> took this autopsy down, so there's nothing to answer here any more."
    return Message.saying(text)


def revisit_modal(follow_up: FollowUp, entry: Autopsy) -> View:
    return View(
        type="modal",
        callback_id=ids.REVISIT_VIEW,
        private_metadata=str(follow_up.id),
        title="Revisit your notes",
        submit="Save",
        close="Not now",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"Looking back at *{escape(entry.deal_name)}*.")),
            InputBlock(
                block_id=ids.REVISIT_TEXT,
                label="What do you see now?",
                element=PlainTextInputElement(
                    action_id=ids.REVISIT_TEXT, multiline=True, max_length=autopsy.REVISIT_MAX
                ),
            ),
        ],
    )


def pause_notice(paused: bool) -> Message:
    if paused:
        text = "Your reminders are paused. Nothing is lost: they'll wait until you `/lost-deal resume`."
    else:
        text = "Your reminders are back on. Anything that came due meanwhile will arrive in working hours."
    return Message.saying(text)


def _closing(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])
