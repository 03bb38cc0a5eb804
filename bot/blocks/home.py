"""App Home as a person reads it: a way in, what is coming up, their journal, what the team learned.

Pure: `home(HomePage)` draws what the handler read from the store. Days are the rep's: in their
zone, a reminder's the day it reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.blocks import action_items, buyer_link, competitor_names, crm_prompts, loss_trends
from bot.blocks.digest_post import lesson_text
from bot.blocks.elements import note, section
from bot.blocks.follow_up_dms import touch_base_buttons
from bot.blocks.home_actions import HomeActions, action_sections
from bot.blocks.lessons_search import lessons_search
from bot.blocks.mrkdwn import escape, quote
from bot.lessons import LessonsAnswer
from bot.working_hours import arrival_day
from storage import Autopsy, BuyerAsk, FollowUp, JournalEntry, Lesson, LostDeal
from storage.loss_trends import LossTrend

PAGE = 10  # autopsies per page of App Home
UPCOMING = 5  # follow-ups shown in App Home
TEAM_LESSONS = 10  # the team's shared lessons shown in App Home
FOLLOW_UP_STATES = {
    "pending": "waiting",
    "sending": "on its way",
    "sent": "sent, waiting for your answer",
    "snoozed": "snoozed",
    "done": "you reached out",
    "won_back": "won back :tada:",
    "let_go": "let go",
    "failed": "could not be delivered",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class HomePage:
    """What App Home shows one rep: their follow-ups, a page of their autopsies (with their buyers'
    asks, by autopsy id), the team's lessons; whether Rebound can ask lost buyers for their side."""

    upcoming: Sequence[tuple[FollowUp, Autopsy]]
    journal: Sequence[JournalEntry]
    total: int
    offset: int
    team_lessons: Sequence[Lesson]
    zone: ZoneInfo  # the rep's
    now: datetime
    is_admin: bool = False
    hide_anonymous_deal_names: bool = False
    unmatched: Sequence[LostDeal] = ()  # admins only: CRM-lost deals whose owner is no one in Slack
    buyer_asks: Mapping[int, BuyerAsk] = field(default_factory=dict)
    asking_offered: bool = False
    actions: HomeActions | None = None
    loss_trend: LossTrend | None = None  # the team's losses per month
    team_zone: ZoneInfo | None = None  # the workspace's, whose months the trend counts
    lessons_found: LessonsAnswer | None = None  # what they searched for in the lessons, if they did


def home(page: HomePage) -> View:
    """App Home: a way in, what is coming up, the rep's own journal, and what the team learned."""
    actions = [
        ButtonElement(text="Log a lost deal", action_id=ids.LOG_LOST_DEAL, style="primary"),
        ButtonElement(text="Export my data", action_id=ids.EXPORT_MINE),
    ]
    if page.is_admin:
        actions.append(ButtonElement(text="Workspace settings", action_id=ids.OPEN_SETTINGS))
        actions.append(competitor_names.names_button())
    blocks: list[Block] = [
        HeaderBlock(text="Rebound"),
        section(
            "Lost a deal? Write down what happened while it's fresh. "
            "I'll remind you to touch base later, and your lesson can help the whole team."
        ),
        ActionsBlock(block_id=ids.HOME_ACTIONS, elements=actions),
    ]
    if page.is_admin and not page.asking_offered:  # why reps have no "Ask ... for their side"
        blocks.append(note(buyer_link.NOT_OFFERED))
    if page.is_admin and page.unmatched:
        blocks.append(section(crm_prompts.unmatched_line(list(page.unmatched))))
    blocks += lessons_search(page.lessons_found)
    blocks += [DividerBlock(), HeaderBlock(text="Coming up")]
    if not page.upcoming:
        blocks.append(section("No touch-base reminders waiting. Each autopsy can set one."))
    for follow_up, entry in page.upcoming[:UPCOMING]:
        when = touch_base_day(follow_up, page.zone, page.now)
        state = " (snoozed)" if follow_up.state == "snoozed" else ""
        blocks.append(section(f"*Touch base with {escape(entry.deal_name)}* · {when:%a %-d %b %Y}{state}"))
        blocks.append(
            ActionsBlock(
                block_id=ids.HOME_FOLLOW_UP.format(id=follow_up.id), elements=touch_base_buttons(follow_up)
            )
        )
    blocks += action_sections(page.actions, zone=page.zone, now=page.now) if page.actions else []
    blocks += [DividerBlock(), HeaderBlock(text=f"Your autopsies ({page.total})")]
    if not page.journal:
        blocks.append(section("Nothing yet. When a deal slips away, `/lost-deal` is here."))
    for item in page.journal[:PAGE]:
        ask = page.buyer_asks.get(item.autopsy.id)
        blocks += _journal_entry(item, page.zone, page.now, ask, offered=page.asking_offered)
    paging = []
    if page.offset > 0:
        newer = str(max(page.offset - PAGE, 0))
        paging.append(ButtonElement(text="Newer", action_id=ids.HOME_NEWER, value=newer))
    if page.offset + PAGE < page.total:
        paging.append(ButtonElement(text="Show more", action_id=ids.HOME_PAGE, value=str(page.offset + PAGE)))
    if paging:
        blocks.append(ActionsBlock(block_id=ids.HOME_PAGING, elements=paging))
        blocks.append(note(f"{page.offset + 1} to {min(page.offset + PAGE, page.total)} of {page.total}"))
    blocks += [DividerBlock(), HeaderBlock(text="What the team learned, last 30 days")]
    if not page.team_lessons:
        blocks.append(section("No lessons shared in the last 30 days."))
    for lesson in page.team_lessons[:TEAM_LESSONS]:
        shown = section(lesson_text(lesson, hide_anonymous_deal_names=page.hide_anonymous_deal_names))
        if lesson.autopsy_id is not None:  # a teammate adopts it
            shown.accessory = action_items.make_button(lesson.autopsy_id)
        blocks.append(shown)
    trend = page.loss_trend
    if trend is not None and (trend.reasons or trend.competitors):  # whether the lessons work
        blocks += [DividerBlock(), *loss_trends.trend_blocks(trend, page.team_zone or page.zone)]
    blocks += [
        DividerBlock(),
        note(
            "Leaving, or want a clean slate? You can delete everything you wrote, after a look at what goes."
        ),
        ActionsBlock(
            block_id=ids.HOME_YOUR_DATA,
            elements=[ButtonElement(text="Delete everything I wrote", action_id=ids.ERASE_MINE)],
        ),
    ]
    return View(type="home", blocks=blocks)


def touch_base_day(follow_up: FollowUp, zone: ZoneInfo, now: datetime) -> date:
    """The day a touch-base reminder reaches the rep in `zone`: the day it will, while it waits; the
    day it did, once sent; the day it was to, when answered before it came."""
    if follow_up.state in ("pending", "sending", "snoozed"):
        return arrival_day(max(now, follow_up.due_at), zone, follow_up.due_on)
    if follow_up.sent_at is not None:
        return follow_up.sent_at.astimezone(zone).date()
    return arrival_day(follow_up.due_at, zone, follow_up.due_on)


def _journal_entry(
    item: JournalEntry, zone: ZoneInfo, now: datetime, ask: BuyerAsk | None, *, offered: bool
) -> list[Block]:
    """An autopsy in the journal: what it says, its facts, and the buyer's side (their answers,
    or where the link stands, and the button to ask)."""
    entry = item.autopsy
    what = autopsy.OUTCOMES.get(entry.outcome, entry.outcome)
    won_by = escape(autopsy.who_won(entry.winner, entry.competitor))
    menu = OverflowMenuElement(
        action_id=ids.AUTOPSY_MENU,
        options=[
            Option(value=f"edit:{entry.id}", text="Edit"),
            Option(value=f"action:{entry.id}", text=action_items.MAKE_LABEL),
            Option(value=f"delete:{entry.id}", text="Delete"),
        ],
    )
    facts = [
        f"Written {entry.created_at.astimezone(zone):%-d %b %Y}",
        SHARED_AS.get(entry.sharing, entry.sharing),
    ]
    if item.touch_base is not None:
        when = touch_base_day(item.touch_base, zone, now)
        state = FOLLOW_UP_STATES.get(item.touch_base.state, item.touch_base.state)
        facts.append(f"touch base {when:%-d %b %Y}: {state}")
    if (in_crm := crm_prompts.deal_link(entry.crm, entry.crm_deal_url)) is not None:
        facts.append(in_crm)
    if item.revisits:
        latest = escape(item.latest_revisit or "", 150)
        facts.append(f"{item.revisits} {'revisit' if item.revisits == 1 else 'revisits'}, latest: _{latest}_")
    answered = ask is not None and ask.answered_at is not None
    if ask is not None and not answered:
        facts.append(buyer_link.asked_line(ask, zone, now))
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{escape(entry.deal_name)}* · {what} · who won: {won_by}\n{quote(entry.lesson, 600)}"
            ),
            accessory=menu,
        ),
        note(" · ".join(facts)),
    ]
    if ask is not None and answered:
        blocks.append(section(buyer_link.their_side(entry, ask, zone)))
    elif offered:
        blocks.append(
            ActionsBlock(
                block_id=ids.HOME_ASK_BUYER.format(id=entry.id),
                elements=[buyer_link.ask_button(entry.deal_name, entry.id)],
            )
        )
    return blocks


SHARED_AS = {"named": "shared with your name", "anonymous": "shared anonymously", "private": "private"}
