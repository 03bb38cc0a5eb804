"""The weekly "lessons learned" digest as a message: the week's lessons, what lost buyers said in
their own words, its patterns, a kind word.

Pure. Every piece of user text is escaped (a buyer's too), and a breakdown of fewer than three
autopsies is not shown (`SMALL`): small numbers name people.
"""

from __future__ import annotations

from collections import Counter

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import autopsy, customer_side
from bot.blocks import action_items, digest_actions, loss_trends
from bot.blocks.crm_prompts import deal_link
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape, quote, unformatted
from bot.digest.week import CHART_WEEKS, SMALL, Schedule, Week
from storage import CustomerWords, Lesson, WeekFacts
from storage.loss_trends import LossTrend

LESSONS_SHOWN = 20  # with the rest of the digest, well under Slack's 50 blocks
WORDS_SHOWN = 10  # buyers' answers: with 20 lessons, every pattern and the actions, 49 blocks at most
WORDS_QUOTED = 400  # what would have changed a buyer's mind, briefly: the rep reads it all
TOO_FEW = "too few {period} to show a pattern."
CLOSING = (
    "It isn't personal: a lost deal is a lesson, not a verdict. Learn it together, "
    "and touch base again. Today's *no* can be next quarter's *yes*."
)


def build(
    week: Week,
    facts: WeekFacts,
    earlier_checks: dict[str, Counter[str]],
    schedule: Schedule,
    actions: digest_actions.TeamActions | None = None,
    *,
    trend: LossTrend | None = None,
) -> Message | None:
    """The digest for one week, or None for an empty week when the workspace wants no note (open
    actions are carried every week, so a week with some is never left out); with the month's
    `trend` in the month's first digest."""
    title = f"Lessons learned · {week.span} to {week.last_day:%a %-d %b %Y}"
    carried = digest_actions.sections(actions, as_of=week.ends_at, period=week.this) if actions else []
    monthly = [DividerBlock(), *loss_trends.trend_blocks(trend, week.zone)] if trend is not None else []
    if facts.empty:
        if not (schedule.empty_week_note or carried):
            return None
        return Message(
            text=f"{title}: a quiet week",
            blocks=[
                HeaderBlock(text=title),
                _section(
                    "A quiet week: no lost deals were shared. If one slipped away, `/lost-deal` "
                    "takes five minutes, and the whole team learns from it."
                ),
                *carried,
                *monthly,
                ContextBlock(elements=[MarkdownTextObject(text=CLOSING)]),
            ],
        )
    blocks: list[Block] = [HeaderBlock(text=title), _section(_summary(facts, week.this)), DividerBlock()]
    if week.weeks > 1:  # weeks whose own digest never went out: say why this one reaches back
        blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=_carried_note(week))]))
    hide = schedule.hide_anonymous_deal_names
    if facts.lessons:
        blocks.append(_section("*This week's lessons*" if week.weeks == 1 else f"*Lessons of {week.this}*"))
        blocks.extend(_adoptable(lesson, hide) for lesson in facts.lessons[:LESSONS_SHOWN])
        hidden = facts.lost - min(len(facts.lessons), LESSONS_SHOWN)
        if hidden > 0:
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"…and {hidden} more {_plural(hidden, 'lesson')}: read them all in "
                            "Rebound's App Home, or ask your admin for `rebound export`."
                        )
                    ]
                )
            )
        blocks.append(DividerBlock())
    if facts.customer_words:
        blocks.extend(_customer_section(facts, week.this, hide_anonymous_deal_names=hide))
    blocks.extend(carried)
    blocks.extend(
        [
            *(_section(text) for text in patterns(facts, earlier_checks, period=week.this)),
            *monthly,
            DividerBlock(),
            ContextBlock(elements=[MarkdownTextObject(text=CLOSING)]),
        ]
    )
    won = f", {facts.won_back} won back" if facts.won_back else ""
    return Message(text=f"{title}: {facts.lost} {_plural(facts.lost, 'deal')} lost{won}", blocks=blocks)


def chart_title(week: Week) -> str:
    """The chart's caption: the same 12 weeks its ticks name, ending on this digest's week."""
    return f"Lost deals and deals won back, {CHART_WEEKS} weeks to {week.last_day:%-d %b %Y}"


def _adoptable(lesson: Lesson, hide: bool) -> SectionBlock:
    """A shared lesson with the button a teammate adopts it by: it becomes their action."""
    shown = _section(lesson_text(lesson, hide_anonymous_deal_names=hide))
    if lesson.autopsy_id is not None:
        shown.accessory = action_items.make_button(lesson.autopsy_id)
    return shown


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _money(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole:,}" if not part else f"{whole:,}.{part:02d}"


def _carried_note(week: Week) -> str:
    since = week.starts_at.astimezone(week.zone)
    return (
        f"This digest reaches back to {since:%a %-d %b}: no digest went out for those weeks, "
        "and every lesson shared is read once."
    )


def _summary(facts: WeekFacts, period: str = "this week") -> str:
    lines = []
    if facts.won_back:
        lines.append(
            f":tada: *{facts.won_back} {_plural(facts.won_back, 'deal')} won back {period}!* "
            "A no is where selling starts."
        )
    nothing = "*No lost deals shared*" if facts.crm_lost else "*No deals lost*"
    lost = f"*{facts.lost} {_plural(facts.lost, 'deal')} lost*" if facts.lost else nothing
    if facts.named_value_cents:
        lost += f" (named deals worth {_money(facts.named_value_cents)} in all)"
    done = facts.follow_ups_done
    lines.append(f"{lost} · {done} {_plural(done, 'follow-up')} done")
    if facts.crm_lost:
        lines.append(crm_share(facts.crm_lost, facts.crm_autopsies, period))
    return "\n".join(lines)


def crm_share(lost: int, autopsies: int, period: str = "this week") -> str:
    """How many of the deals the CRM marked lost got an autopsy: a share only with 3 or more behind it."""
    if lost < SMALL:
        return f"*From the CRM:* too few deals marked lost {period} to show how many got an autopsy."
    return (
        f"*From the CRM:* {autopsies} of {lost} deals marked lost got an autopsy "
        f"({_share(autopsies, lost)}%)."
    )


def lesson_text(lesson: Lesson, *, hide_anonymous_deal_names: bool) -> str:
    """One shared lesson in mrkdwn, as the digest and App Home show it."""
    if lesson.user_id is None and hide_anonymous_deal_names:
        deal = "A deal"
    else:
        deal = escape(lesson.deal_name, autopsy.DEAL_MAX * 5)
    what = autopsy.OUTCOMES.get(lesson.outcome, lesson.outcome)
    won_by = escape(autopsy.who_won(lesson.winner, lesson.competitor))
    by = f"<@{lesson.user_id}>" if lesson.user_id else "shared anonymously"
    if (in_crm := deal_link(lesson.crm, lesson.crm_deal_url)) is not None:
        by += f" · {in_crm}"
    return f"*{deal}* · {what} · who won: {won_by}\n{quote(lesson.lesson, 1000)}\n— {by}"


def _customer_section(facts: WeekFacts, period: str, *, hide_anonymous_deal_names: bool) -> list[Block]:
    """ "In the customer's words": buyers who answered their rep's link, shared as the autopsy is."""
    shown = facts.customer_words[:WORDS_SHOWN]
    blocks: list[Block] = [
        _section(
            f"*In the customer's words*\nWhat customers who chose otherwise told us {period}, "
            "when their rep asked."
        ),
        *(
            _section(customer_text(words, hide_anonymous_deal_names=hide_anonymous_deal_names))
            for words in shown
        ),
    ]
    more = facts.customers_answered - len(shown)
    if more > 0:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {more} more {_plural(more, 'customer')} answered: "
                        "every answer is in `rebound export`, ask your admin."
                    )
                ]
            )
        )
    blocks.append(DividerBlock())
    return blocks


def customer_text(words: CustomerWords, *, hide_anonymous_deal_names: bool) -> str:
    """One buyer's answer in mrkdwn: their main reason and what would have changed their mind.
    Not the rep's reason beside it: in a team channel that would read as a verdict on a named rep;
    the rep sees both in their own DM."""
    if words.user_id is None and hide_anonymous_deal_names:
        deal = "A deal"
    else:
        deal = escape(words.deal_name, autopsy.DEAL_MAX * 5)
    lines = [f"*{deal}*"]
    if words.main_reason is not None:
        reason = escape(customer_side.REASONS.get(words.main_reason, words.main_reason))
        if words.main_reason == "other" and words.other_reason:
            reason = f"{reason}: {escape(words.other_reason, customer_side.OTHER_MAX * 5)}"
        lines[0] += f" · their main reason: {reason}"
    if words.changed_mind:
        # Unformatted too: a buyer's *stars* show as typed, never as the team's formatting.
        said = quote(unformatted(words.changed_mind), WORDS_QUOTED)
        lines += ["What would have changed their mind:", said]
    lines.append(f"— <@{words.user_id}>'s customer" if words.user_id else "— a customer, shared anonymously")
    return "\n".join(lines)


def _share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def patterns(facts: WeekFacts, earlier: dict[str, Counter[str]] | None, *, period: str) -> list[str]:
    """The self-check, who won and the reasons, each shown only with 3 or more autopsies behind it;
    and, with 3 or more buyers' answers, how often rep and customer named the same main reason."""
    too_few = TOO_FEW.format(period=period)
    shown = [_self_checks(facts, earlier, too_few), _winners(facts, too_few), _reasons(facts, too_few)]
    if facts.reasons_compared >= SMALL:
        shown.append(_reasons_agreed(facts, period))
    return shown


def _self_checks(facts: WeekFacts, earlier: dict[str, Counter[str]] | None, too_few: str) -> str:
    """Yes / Partly / No per question; with `earlier`, the share of Yes against those weeks."""
    title = "*Self-check, all together*"
    if facts.lost < SMALL:
        return f"{title}: {too_few}"
    trend_note = ", and the share of Yes against the 4 weeks before" if earlier is not None else ""
    lines = [f"{title} (Yes / Partly / No{trend_note})"]
    for name, question in autopsy.SELF_CHECKS.items():
        now = facts.self_checks.get(name, Counter())
        counts = " / ".join(str(now[answer]) for answer in autopsy.ANSWERS)
        if earlier is None:
            lines.append(f"• {question} {counts}")
            continue
        share = _share(now["yes"], sum(now.values()))
        before = earlier.get(name, Counter())
        if sum(before.values()) < SMALL:
            trend = "no trend yet"
        else:
            then = _share(before["yes"], sum(before.values()))
            arrow = "↑" if share - then >= 10 else "↓" if then - share >= 10 else "→"
            trend = f"Yes {share}% {arrow} from {then}%"
        lines.append(f"• {question} {counts} · {trend}")
    return "\n".join(lines)


def _winners(facts: WeekFacts, too_few: str) -> str:
    title = "*Who won the deals we lost*"
    if facts.lost < SMALL:
        return f"{title}: {too_few}"
    ranked: Counter[str] = Counter()
    for winner, competitor, count in facts.winners:
        if winner == "competitor":
            name = escape(competitor.strip(), autopsy.COMPETITOR_MAX * 5) if competitor else ""
            ranked[name or "A competitor (not named)"] += count
        else:
            ranked[autopsy.WINNERS.get(winner, winner)] += count
    top = ranked.most_common(5)
    lines = [title] + [f"{place}. {name}: {count}" for place, (name, count) in enumerate(top, start=1)]
    rest = sum(ranked.values()) - sum(count for _, count in top)
    if rest:
        lines.append(f"…and {rest} more with others")
    return "\n".join(lines)


def _reasons(facts: WeekFacts, too_few: str) -> str:
    title = "*The most common reasons*"
    if sum(facts.reasons.values()) < SMALL:
        return f"{title}: {too_few}"
    ranked = " · ".join(
        f"{autopsy.REASONS.get(reason, reason)} {count}" for reason, count in facts.reasons.most_common()
    )
    return f"{title}: {ranked}"


def _reasons_agreed(facts: WeekFacts, period: str) -> str:
    """How often the rep's main reason was the buyer's, with `SMALL` answers or more behind it.
    Below that nothing is said, not even "too few": most weeks no buyer answers, and a line
    about it every week would be noise."""
    return (
        f"*Rep and customer named the same main reason* in {facts.reasons_agreed} of "
        f"{facts.reasons_compared} answers {period}."
    )
