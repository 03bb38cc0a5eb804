"""Rebound's replies to a rep: the thank-you DM, the help text, `/lost-deal list` and `stats`.

Pure functions; every piece of user text is escaped before it reaches mrkdwn. Answers to a
command are ephemeral: only the rep sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import autopsy, ids
from bot.blocks.action_items import make_offer
from bot.blocks.buyer_link import ask_offer
from bot.blocks.digest_post import patterns
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape, quote
from bot.working_hours import arrival_day
from storage import AuthorStats, JournalEntry, WeekFacts

STATS_DAYS = 90


def _day(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def thank_you(
    answers: autopsy.Answers,
    *,
    zone: ZoneInfo,
    now: datetime,
    ask_for: int | None = None,
    action_for: int | None = None,
) -> Message:
    """The DM after an autopsy: what they wrote, briefly, and a warm word with no judgment; the day
    its touch-base reminder will arrive for the rep, who is in `zone`; when Rebound can ask
    the lost buyer for their side, the button to, for autopsy `ask_for`; and the button that makes
    autopsy `action_for`'s lesson an action."""
    deal = escape(answers.deal_name)
    winner = escape(autopsy.who_won(answers.winner, answers.competitor))
    if answers.winner_reason:
        winner = f"{winner}: {escape(answers.winner_reason, 300)}"
    summary = (
        f"*{deal}* · {autopsy.OUTCOMES[answers.outcome]}\n"
        f"*Who got the sale:* {winner}\n"
        f"*Your lesson for the team:*\n{quote(answers.lesson, 800)}"
    )
    if answers.touch_base_on:
        arrives = arrival_day(now, zone, answers.touch_base_on)
        later = f"On {_day(arrives)} I'll remind you to touch base with {deal}, gently."
        if arrives != answers.touch_base_on:  # a weekend, or a day whose working hours are over
            later = (
                f"Reminders come on weekdays, 9:00 to 17:00 your time: on {_day(arrives)} "
                f"I'll remind you to touch base with {deal}, gently."
            )
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
    if ask_for is not None:
        blocks += ask_offer(answers.deal_name, ask_for)
    if action_for is not None:
        blocks += make_offer(action_for)
    return Message(text=f"Your autopsy of {deal} is saved. Thank you for writing it down.", blocks=blocks)


HELP_TEXT = (
    f"*{ids.COMMAND}* helps you learn from a lost deal.\n"
    f"• `{ids.COMMAND} Acme Corp`: open a short autopsy of the deal with Acme Corp\n"
    f"• `{ids.COMMAND}`: the same, naming the deal in the form\n"
    f"• `{ids.COMMAND} list`: your last 10 autopsies\n"
    f"• `{ids.COMMAND} stats`: your numbers and the team's\n"
    f"• `{ids.COMMAND} lessons Initech`: what the team learned about a competitor, a reason or words\n"
    f"• `{ids.COMMAND} pause` / `resume`: stop and restart my reminders (nothing is dropped)\n"
    f"• `{ids.COMMAND} help`: this message · App Home: everything you wrote, to read, edit or export\n"
    "You'll answer a few honest questions, write down how it went, and pick a day to touch base again. "
    "I'll remind you then, and your lesson can help the team in the weekly digest."
)


def help_message() -> Message:
    return Message.saying(HELP_TEXT)


def form_unavailable(again: str = f"try `{ids.COMMAND}` again") -> Message:
    """Slack refused to open a form (its trigger expired): what to do, `again`."""
    return Message.saying(
        f"Sorry, Slack closed the window for opening the form before I could. Please {again}."
    )


def gone(what: str) -> Message:
    """A click on a message whose autopsy (or CRM deal: `what`) was deleted since."""
    return Message.saying(f"This {what} was deleted, so there's nothing to answer here any more.")


def not_yours() -> Message:
    """A click on a follow-up that is someone else's to answer."""
    return Message.saying("This one is someone else's to answer, so I've left it as it is.")


def export_failed() -> Message:
    return Message.saying(
        "Sorry, I couldn't put your export together just now. Please try *Export my data* again in a minute."
    )


def _count(number: int, one: str, many: str | None = None) -> str:
    """`number` and its noun, singular for one: "1 touch-base", "2 touch-bases"."""
    return f"{number} {one if number == 1 else many or one + 's'}"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def journal_list(entries: Sequence[JournalEntry], total: int, zone: ZoneInfo) -> Message:
    """The rep's latest autopsies, newest first, dated in their zone (ephemeral)."""
    if not entries:
        return Message(
            text="No autopsies yet",
            blocks=[
                _section("You haven't written an autopsy yet. When a deal slips away, `/lost-deal` is here.")
            ],
        )
    lines = []
    for item in entries:  # a section each: ten long deal names would not fit in one
        entry = item.autopsy
        what = autopsy.OUTCOMES.get(entry.outcome, entry.outcome)
        lesson = escape(entry.lesson, 120)
        written = entry.created_at.astimezone(zone)
        lines.append(f"• *{escape(entry.deal_name)}* · {what} · {written:%-d %b %Y}\n   _{lesson}_")
    shown = len(entries)
    if shown == total:  # all of them: "Your last 1 of 1 autopsies" counted nothing left out
        title = "Your autopsy" if total == 1 else f"Your {total} autopsies"
    else:
        title = f"Your last {shown} of {total} autopsies"
    blocks = [
        HeaderBlock(text=title),
        *(_section(line) for line in lines),
        ContextBlock(
            elements=[MarkdownTextObject(text="Edit, delete or read them in full in Rebound's App Home.")]
        ),
    ]
    return Message(text=title, blocks=blocks)


def stats(mine: AuthorStats, team: WeekFacts) -> Message:
    """The rep's own figures and the team's patterns of the last 90 days (ephemeral)."""
    if mine.total:
        kinds = ", ".join(
            f"{autopsy.OUTCOMES.get(outcome, outcome).lower()} {count}"
            for outcome, count in mine.by_outcome.most_common()
        )
        own = (
            f"*You:* {_count(mine.total, 'autopsy', 'autopsies')} ({kinds}) · "
            f"{_count(mine.reached_out, 'touch-base')} done · {mine.won_back} won back"
        )
    else:
        own = "*You:* no autopsies yet."
    shared = (
        f"*The team, last {STATS_DAYS} days:* {_count(team.lost, 'shared autopsy', 'shared autopsies')} · "
        f"{_count(team.follow_ups_done, 'touch-base')} done · {team.won_back} won back"
    )
    blocks = [
        HeaderBlock(text="Lost deals, in numbers"),
        _section(own),
        _section(shared),
        *(_section(text) for text in patterns(team, None, period=f"in the last {STATS_DAYS} days")),
        ContextBlock(elements=[MarkdownTextObject(text="Private autopsies count only in your own line.")]),
    ]
    return Message(text="Lost deals, in numbers", blocks=blocks)
