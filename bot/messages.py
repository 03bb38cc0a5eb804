"""Block Kit builders for the messages Rebound sends: the thank-you DM and the help text.

Pure functions; every piece of user text is escaped before it reaches mrkdwn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot import autopsy, ids
from bot.mrkdwn import clip, escape, quote


@dataclass(frozen=True)
class Message:
    """What chat.postMessage needs: blocks, and the plain text notifications show."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def _day(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def thank_you(answers: autopsy.Answers) -> Message:
    """The DM after an autopsy: what they wrote, briefly, and a warm word with no judgment."""
    deal = escape(answers.deal_name)
    winner = escape(autopsy.who_won(answers.winner, answers.competitor))
    if answers.winner_reason:
        winner = f"{winner}: {escape(clip(answers.winner_reason, 300))}"
    summary = (
        f"*{deal}* · {autopsy.OUTCOMES[answers.outcome]}\n"
        f"*Who got the sale:* {winner}\n"
        f"*Your lesson for the team:*\n{quote(answers.lesson)}"
    )
    if answers.touch_base_on:
        later = f"On {_day(answers.touch_base_on)} I'll remind you to touch base with {deal}, gently."
    else:
        later = "You chose not to schedule a touch-base; your notes are here whenever you want them."
    sharing = {
        "named": "Your lesson will appear in the team digest with your name.",
        "anonymous": "Your lesson will appear in the team digest without your name.",
        "private": "This autopsy stays private to you.",
    }[answers.sharing]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Thank you for writing this down while it's fresh. "
                "A lost deal is not a verdict on you: it's a lesson, and now it's on record."
            )
        ),
        SectionBlock(text=MarkdownTextObject(text=summary)),
        ContextBlock(elements=[MarkdownTextObject(text=f"{later} {sharing}")]),
    ]
    if answers.help_from:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"You asked <@{answers.help_from}> to think it through with you. Good call."
                    )
                ]
            )
        )
    return Message(
        text=f"Your autopsy of {answers.deal_name} is saved. Thank you for writing it down.", blocks=blocks
    )


HELP_TEXT = (
    f"*{ids.COMMAND}* helps you learn from a lost deal.\n"
    f"• `{ids.COMMAND} Acme Corp`: open a short autopsy of the deal with Acme Corp\n"
    f"• `{ids.COMMAND}`: the same, naming the deal in the form\n"
    f"• `{ids.COMMAND} list`: your last 10 autopsies\n"
    f"• `{ids.COMMAND} stats`: your numbers and the team's\n"
    f"• `{ids.COMMAND} pause` / `resume`: stop and restart my reminders (nothing is dropped)\n"
    f"• `{ids.COMMAND} help`: this message · App Home: everything you wrote, to read, edit or export\n"
    "You'll answer a few honest questions, write down how it went, and pick a day to touch base again. "
    "I'll remind you then, and your lesson can help the team in the weekly digest."
)


def help_message() -> Message:
    return Message(text=HELP_TEXT, blocks=[SectionBlock(text=MarkdownTextObject(text=HELP_TEXT))])


def form_unavailable() -> Message:
    text = (
        "Sorry, Slack closed the window for opening the form before I could. "
        f"Please try `{ids.COMMAND}` again."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
