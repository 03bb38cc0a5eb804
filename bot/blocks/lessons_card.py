"""The lessons card: what the team learned about a competitor, a main reason or some words, as
`/lost-deal lessons` answers privately and App Home's search box shows it.

Pure. Every number below 3 in it is said "fewer than 3" (`bot.lessons.said`); in a breakdown, a
reason or answer with fewer than 3 deals behind it is folded into one phrase with the others, and
a breakdown none of whose parts reaches 3 is not shown. Every piece of user text is escaped.
"""

from __future__ import annotations

from collections import Counter

from slack_sdk.models.blocks import Block, HeaderBlock

from bot import autopsy, ids
from bot.blocks.digest_post import customer_text, lesson_text
from bot.blocks.elements import note, section
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape
from bot.lessons import RECENT_DAYS, SMALL, Kind, LessonsAnswer, said
from storage.lessons import OpenAction

LESSONS_SHOWN = 5
WORDS_SHOWN = 3
TOO_FEW = "too few deals to show a pattern."
TRY_INSTEAD = "Try a competitor's name, a main reason such as `price`, or other words."
EXAMPLES = (
    f"• `{ids.COMMAND} lessons Initech`: a competitor your team has named\n"
    f"• `{ids.COMMAND} lessons price`: a main reason ("
    + ", ".join(autopsy.REASONS[code] for code in autopsy.REASONS if code != "other")
    + ")\n"
    f"• `{ids.COMMAND} lessons security review`: any words, searched in the lessons, reasons and "
    "customers' words the team shared"
)
HELP = (
    "*Lessons before your next pitch*\n"
    "Before you meet a competitor or an objection again, see what the team learned:\n"
    f"{EXAMPLES}\n"
    "Only you see the answer. It counts the autopsies shared with the team and your own; a teammate's "
    "private autopsy never shows, not even in a count."
)


def lessons_help() -> Message:
    """`/lost-deal lessons` with nothing after it: how to ask."""
    return Message.saying(HELP)


def lessons_message(answer: LessonsAnswer) -> Message:
    """The card as a private answer to `/lost-deal lessons <words>`."""
    return Message(text=escape(_title(answer)), blocks=lessons_card(answer))  # a notification is mrkdwn


def _title(answer: LessonsAnswer) -> str:
    subject = answer.subject
    if subject.kind is Kind.COMPETITOR:
        return f"Lessons about {subject.name}"
    if subject.kind is Kind.REASON:
        return f"Lessons about deals lost on {subject.name.lower()}"
    return f"Lessons that mention “{subject.name}”"


def _kind_line(answer: LessonsAnswer) -> str:
    subject = answer.subject
    if subject.kind is Kind.COMPETITOR:
        return f"A competitor your team has named, as *{escape(subject.name)}* (other spellings included)."
    if subject.kind is Kind.REASON:
        return "A main reason from the autopsy form, and the CRM's lost deals whose reason names it."
    return (
        f"Not a competitor or a main reason I know, so I searched the team's words for "
        f"*{escape(' '.join(subject.terms))}*: lessons, why they won, what customers said, CRM reasons."
    )


def lessons_card(
    answer: LessonsAnswer, *, lessons_shown: int = LESSONS_SHOWN, words_shown: int = WORDS_SHOWN
) -> list[Block]:
    """Counts, main reasons, the self-check, shared lessons, customers' words, deals won back and
    open actions: at most 10 blocks with the lessons and customers' words shown."""
    found, subject = answer.found, answer.subject
    blocks: list[Block] = [HeaderBlock(text=_title(answer)[:150]), note(_kind_line(answer))]
    if subject.kind is Kind.WORDS and not subject.terms:
        blocks.append(section(f"There are no words in that to search for. {TRY_INSTEAD}"))
        return blocks
    if not (found.lost or found.crm_lost or found.lessons):
        blocks.append(section(f"Nothing the team wrote yet that you can see. {TRY_INSTEAD}"))
        return blocks
    blocks.append(section(_deals_lost(answer)))
    blocks.append(section(_reasons(found.reasons)))
    if subject.kind is not Kind.REASON or found.lost:
        blocks.append(section(_self_checks(found.lost, found.self_checks)))
    blocks.append(
        section("*Shared lessons*, newest first" if found.lessons else "*Shared lessons:* none yet.")
    )
    shown = found.lessons[:lessons_shown]
    for lesson in shown:
        blocks.append(
            section(lesson_text(lesson, hide_anonymous_deal_names=answer.hide_anonymous_deal_names))
        )
    if (more := found.shared_lessons - len(shown)) > 0:
        blocks.append(note(f"…and {more} more shared {'lesson' if more == 1 else 'lessons'}"))
    if found.customer_words:
        blocks.append(section("*In the customer's words*"))
        for words in found.customer_words[:words_shown]:
            blocks.append(
                section(customer_text(words, hide_anonymous_deal_names=answer.hide_anonymous_deal_names))
            )
    blocks.append(section(f"*Deals won back:* {said(found.won_back)}"))
    blocks.append(section(_open_actions(found.open_actions, found.open_actions_total)))
    blocks.append(
        note(
            "Counted: autopsies shared with the team, and your own. Numbers under 3 are not shown: "
            "they could name a person."
        )
    )
    return blocks


def _deals_lost(answer: LessonsAnswer) -> str:
    found = answer.found
    lines = [
        f"*Deals lost* (autopsies): {said(found.lost_recent)} in the last {RECENT_DAYS} days, "
        f"{said(found.lost_earlier)} before."
    ]
    if found.crm_lost:
        lines.append(
            f"*Lost in the CRM, with no autopsy:* {said(found.crm_recent)} in the last {RECENT_DAYS} days, "
            f"{said(found.crm_earlier)} before."
        )
    return "\n".join(lines)


def _reasons(reasons: Counter[str]) -> str:
    """The reasons 3 or more deals were lost on, by name and count, most first; the others folded
    into one phrase ("and 2 other reasons, each fewer than 3"), or no pattern when none reaches 3."""
    counted = {escape(autopsy.REASONS.get(reason, reason)): count for reason, count in reasons.items()}
    common, few = _split(counted)
    if not common:
        return f"*Main reasons*: {TOO_FEW}"
    if len(few) == 1:
        common.append("and 1 other reason, fewer than 3")
    elif few:
        common.append(f"and {len(few)} other reasons, each fewer than 3")
    return "*Main reasons*: " + " · ".join(common)


def _self_checks(lost: int, checks: dict[str, Counter[str]]) -> str:
    """Each question's answers given 3 or more times, by count; the others named together
    ("Partly and No fewer than 3 each"). No pattern at all when no answer reaches 3 anywhere."""
    title = "*Self-check*"
    lines = []
    for name, question in autopsy.SELF_CHECKS.items():
        answers = checks.get(name, Counter())
        common, few = _split({label: answers[answer] for answer, label in autopsy.ANSWERS.items()})
        if few:
            common.append(f"{' and '.join(few)} fewer than 3{' each' if len(few) > 1 else ''}")
        lines.append(f"• {question} {' · '.join(common) or 'none'}")
    if lost < SMALL or not any(n >= SMALL for answers in checks.values() for n in answers.values()):
        return f"{title}: {TOO_FEW}"
    return "\n".join([title, *lines])


def _split(counts: dict[str, int]) -> tuple[list[str], list[str]]:
    """What 3 or more deals share, as "name count", most first; and the names of those fewer than 3
    (but some) share, whose number is never said: a list of "fewer than 3" reads heavy and says little."""
    common = sorted(((n, name) for name, n in counts.items() if n >= SMALL), key=lambda each: -each[0])
    return [f"{name} {n}" for n, name in common], [name for name, n in counts.items() if 0 < n < SMALL]


def _open_actions(actions: list[OpenAction], total: int) -> str:
    if not actions:
        return "*Open actions:* none."
    lines = [f"*Open actions* ({total})"]
    for action in actions:
        lines.append(f"• {escape(action.what, 300)} · <@{action.owner_id}> · due {action.due_on:%a %-d %b}")
    if total > len(actions):
        lines.append(f"…and {total - len(actions)} more")
    return "\n".join(lines)
