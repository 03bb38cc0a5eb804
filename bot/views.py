"""Block Kit builders for Rebound's surfaces: the autopsy modal and App Home.

Pure functions returning slack_sdk models, so Slack's limits are checked before Slack sees them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import autopsy, ids, reminders, workspace
from bot.digest import Schedule, lesson_text
from bot.mrkdwn import clip, escape, quote
from storage import Autopsy, FollowUp, JournalEntry, Lesson


def _options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def _text_input(
    block_id: str,
    label: str,
    limit: int,
    *,
    optional: bool = False,
    multiline: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
    initial: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            multiline=multiline,
            max_length=limit,
            placeholder=placeholder,
            initial_value=initial or None,
        ),
    )


def _select(
    block_id: str,
    label: str,
    choices: dict[str, str],
    placeholder: str,
    *,
    optional: bool = False,
    initial: str | None = None,
) -> InputBlock:
    options = _options(choices)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(
            action_id=block_id,
            placeholder=placeholder,
            options=options,
            initial_option=_pick(options, initial),
        ),
    )


def _pick(options: list[Option], value: str | None) -> Option | None:
    return next((option for option in options if option.value == value), None)


def _self_check(block_id: str, question: str, initial: str | None) -> InputBlock:
    options = _options(autopsy.ANSWERS)
    return InputBlock(
        block_id=block_id,
        label=question,
        element=RadioButtonsElement(
            action_id=block_id, options=options, initial_option=_pick(options, initial)
        ),
    )


def _money(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}".removesuffix(".00")


def autopsy_modal(
    deal_name: str,
    today: date,
    *,
    entry: Autopsy | None = None,
    touch_base_days: int = autopsy.TOUCH_BASE_DEFAULT_DAYS,
) -> View:
    """The one-screen autopsy form, with the deal pre-filled from `/lost-deal <deal>`;
    or, given the rep's `entry`, that autopsy to edit, every answer filled in."""
    sharing = _options(autopsy.SHARING)
    was = (lambda name: getattr(entry, name)) if entry is not None else (lambda name: None)
    skip = _options({"skip": "Don't remind me to touch base"})
    touch_base_on = was("touch_base_on") or autopsy.touch_base_default(today, touch_base_days)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Losing a deal stings. Take five minutes while it's fresh: an honest look back "
                "now is what turns this *no* into your next *yes*. It isn't a verdict on you."
            )
        ),
        _text_input(
            ids.DEAL,
            "Deal or prospect",
            autopsy.DEAL_MAX,
            initial=(was("deal_name") or deal_name)[: autopsy.DEAL_MAX],
            placeholder="Acme Corp",
        ),
        _select(ids.OUTCOME, "What happened?", autopsy.OUTCOMES, "Choose one", initial=was("outcome")),
        InputBlock(
            block_id=ids.DEAL_VALUE,
            label="Deal value",
            optional=True,
            hint="Optional. Numbers only, e.g. 12000.",
            element=NumberInputElement(
                action_id=ids.DEAL_VALUE,
                is_decimal_allowed=True,
                min_value="0",
                initial_value=_money(was("deal_value_cents")),
            ),
        ),
        _select(ids.WINNER, "Who got the sale?", autopsy.WINNERS, "Choose one", initial=was("winner")),
        _text_input(
            ids.COMPETITOR,
            "If it was a competitor, which one?",
            autopsy.COMPETITOR_MAX,
            optional=True,
            placeholder="Initech",
            initial=was("competitor"),
        ),
        _select(
            ids.MAIN_REASON,
            "The main reason, in a word",
            autopsy.REASONS,
            "Choose one",
            optional=True,
            initial=was("main_reason"),
        ),
        _text_input(
            ids.WINNER_REASON,
            "Why did they win?",
            autopsy.WINNER_REASON_MAX,
            optional=True,
            multiline=True,
            placeholder="What tipped it their way?",
            initial=was("winner_reason"),
        ),
        _text_input(
            ids.CUSTOMER_SAID,
            "What did the customer say when you asked why?",
            autopsy.CUSTOMER_SAID_MAX,
            optional=True,
            multiline=True,
            hint="Haven't asked yet? Most people will tell you honestly. It's worth a short call.",
            initial=was("customer_said"),
        ),
        DividerBlock(),
        SectionBlock(
            text=MarkdownTextObject(
                text="*A quick, honest self-check.* Your answers stay yours: "
                "the team digest only counts them, never with a name."
            )
        ),
        *(
            _self_check(block_id, question, was(block_id))
            for block_id, question in autopsy.SELF_CHECKS.items()
        ),
        DividerBlock(),
        _text_input(
            ids.FEELINGS,
            "Write it down: what happened, and how do you feel right now?",
            autopsy.FEELINGS_MAX,
            multiline=True,
            hint="Private unless you share it. When you read it again later, you may see an answer here.",
            initial=was("feelings"),
        ),
        _text_input(
            ids.LESSON,
            "The lesson, in one sentence, for the team",
            autopsy.LESSON_MAX,
            placeholder="Next time I will…",
            initial=was("lesson"),
        ),
        InputBlock(
            block_id=ids.TOUCH_BASE_ON,
            label="Touch base again on",
            optional=True,
            hint="A gracious check-in later can win them back. I'll remind you that day.",
            element=DatePickerElement(action_id=ids.TOUCH_BASE_ON, initial_date=touch_base_on.isoformat()),
        ),
        InputBlock(
            block_id=ids.NO_TOUCH_BASE,
            label="Or",
            optional=True,
            element=CheckboxesElement(
                action_id=ids.NO_TOUCH_BASE,
                options=skip,
                initial_options=skip if entry is not None and entry.touch_base_on is None else None,
            ),
        ),
        InputBlock(
            block_id=ids.HELP_FROM,
            label="Want a teammate to think it through with you?",
            optional=True,
            hint="Optional. Asking for help is a strength, not a weakness.",
            element=UserSelectElement(
                action_id=ids.HELP_FROM, placeholder="Choose a teammate", initial_user=was("help_from")
            ),
        ),
        InputBlock(
            block_id=ids.SHARING,
            label="Share this autopsy",
            element=RadioButtonsElement(
                action_id=ids.SHARING,
                options=sharing,
                initial_option=_pick(sharing, was("sharing")) or sharing[0],
            ),
        ),
    ]
    if entry is not None:
        return View(
            type="modal",
            callback_id=ids.AUTOPSY_EDIT_VIEW,
            private_metadata=str(entry.id),
            title="Edit your autopsy",
            submit="Save changes",
            close="Cancel",
            blocks=blocks,
        )
    return View(
        type="modal",
        callback_id=ids.AUTOPSY_VIEW,
        title="Lost deal autopsy",
        submit="Save",
        close="Not now",
        blocks=blocks,
    )


_DEAL = "\u0000deal\u0000"  # stands for the deal in the cached JSON; no text the rep types has NUL


@lru_cache(maxsize=64)
def _autopsy_modal_json(today: date, touch_base_days: int) -> tuple[str, str]:
    """Today's form as compact JSON (no spaces after , and :, 8% fewer bytes to send), without a
    deal and with `_DEAL` as the deal. Built and validated by slack_sdk here, once a day per
    default a workspace chose."""

    def form(deal: str) -> str:
        view = autopsy_modal(deal, today, touch_base_days=touch_base_days).to_dict()
        return json.dumps(view, separators=(",", ":"))

    return form(""), form(_DEAL)


def autopsy_modal_json(
    deal_name: str, today: date, touch_base_days: int = autopsy.TOUCH_BASE_DEFAULT_DAYS
) -> str:
    """`autopsy_modal(deal_name, today)` as the JSON string views.open takes, without building,
    validating and encoding 20 blocks per command: only the deal's JSON string literal changes,
    and the deal is cut to its limit as the builder cuts it."""
    blank, template = _autopsy_modal_json(today, touch_base_days)
    deal = deal_name[: autopsy.DEAL_MAX]
    if not deal:
        return blank
    return template.replace(json.dumps(_DEAL), json.dumps(deal), 1)


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
    """What App Home shows one rep: their follow-ups, a page of their autopsies, the team's lessons."""

    upcoming: Sequence[tuple[FollowUp, Autopsy]]
    journal: Sequence[JournalEntry]
    total: int
    offset: int
    team_lessons: Sequence[Lesson]
    is_admin: bool = False
    hide_anonymous_deal_names: bool = False


def _text(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _note(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def home(page: HomePage) -> View:
    """App Home: a way in, what is coming up, the rep's own journal, and what the team learned."""
    actions = [
        ButtonElement(text="Log a lost deal", action_id=ids.LOG_LOST_DEAL, style="primary"),
        ButtonElement(text="Export my data", action_id=ids.EXPORT_MINE),
    ]
    if page.is_admin:
        actions.append(ButtonElement(text="Workspace settings", action_id=ids.OPEN_SETTINGS))
    blocks: list[Block] = [
        HeaderBlock(text="Rebound"),
        _text(
            "Lost a deal? Write down what happened while it's fresh. "
            "I'll remind you to touch base later, and your lesson can help the whole team."
        ),
        ActionsBlock(block_id="home_actions", elements=actions),
        DividerBlock(),
        HeaderBlock(text="Coming up"),
    ]
    if not page.upcoming:
        blocks.append(_text("No touch-base reminders waiting. Each autopsy can set one."))
    for follow_up, entry in page.upcoming[:UPCOMING]:
        when = follow_up.due_on or follow_up.due_at.date()
        state = " (snoozed)" if follow_up.state == "snoozed" else ""
        blocks.append(_text(f"*Touch base with {escape(entry.deal_name)}* · {when:%a %-d %b %Y}{state}"))
        blocks.append(
            ActionsBlock(
                block_id=f"home_follow_up_{follow_up.id}", elements=reminders.touch_base_buttons(follow_up)
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text=f"Your autopsies ({page.total})")]
    if not page.journal:
        blocks.append(_text("Nothing yet. When a deal slips away, `/lost-deal` is here."))
    for item in page.journal[:PAGE]:
        blocks += _journal_entry(item)
    paging = []
    if page.offset > 0:
        newer = str(max(page.offset - PAGE, 0))
        paging.append(ButtonElement(text="Newer", action_id=ids.HOME_NEWER, value=newer))
    if page.offset + PAGE < page.total:
        paging.append(ButtonElement(text="Show more", action_id=ids.HOME_PAGE, value=str(page.offset + PAGE)))
    if paging:
        blocks.append(ActionsBlock(block_id="home_paging", elements=paging))
        blocks.append(_note(f"{page.offset + 1} to {min(page.offset + PAGE, page.total)} of {page.total}"))
    blocks += [DividerBlock(), HeaderBlock(text="What the team learned, last 30 days")]
    if not page.team_lessons:
        blocks.append(_text("No lessons shared in the last 30 days."))
    for lesson in page.team_lessons[:TEAM_LESSONS]:
        blocks.append(_text(lesson_text(lesson, hide_anonymous_deal_names=page.hide_anonymous_deal_names)))
    return View(type="home", blocks=blocks)


def _journal_entry(item: JournalEntry) -> list[Block]:
    entry = item.autopsy
    what = autopsy.OUTCOMES.get(entry.outcome, entry.outcome)
    won_by = escape(autopsy.who_won(entry.winner, entry.competitor))
    menu = OverflowMenuElement(
        action_id=ids.AUTOPSY_MENU,
        options=[
            Option(value=f"edit:{entry.id}", text="Edit"),
            Option(value=f"delete:{entry.id}", text="Delete"),
        ],
    )
    facts = [f"Written {entry.created_at:%-d %b %Y}", SHARED_AS.get(entry.sharing, entry.sharing)]
    if item.touch_base is not None:
        when = item.touch_base.due_on or item.touch_base.due_at.date()
        state = FOLLOW_UP_STATES.get(item.touch_base.state, item.touch_base.state)
        facts.append(f"touch base {when:%-d %b %Y}: {state}")
    if item.revisits:
        latest = escape(clip(item.latest_revisit or "", 150))
        facts.append(f"{item.revisits} {'revisit' if item.revisits == 1 else 'revisits'}, latest: _{latest}_")
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{escape(entry.deal_name)}* · {what} · who won: {won_by}\n"
                f"{quote(clip(entry.lesson, 300))}"
            ),
            accessory=menu,
        ),
        _note(" · ".join(facts)),
    ]


SHARED_AS = {"named": "shared with your name", "anonymous": "shared anonymously", "private": "private"}


def delete_modal(entry: Autopsy) -> View:
    """The confirmation step before an autopsy and its reminders are deleted."""
    return View(
        type="modal",
        callback_id=ids.AUTOPSY_DELETE_VIEW,
        private_metadata=str(entry.id),
        title="Delete this autopsy?",
        submit="Delete",
        close="Keep it",
        blocks=[
            _text(
                f"*{escape(entry.deal_name)}*, written {entry.created_at:%-d %b %Y}.\n"
                "Deleting it removes your answers, your revisits and its reminders. It can't be undone."
            )
        ],
    )


def notice(title: str, text: str) -> View:
    """A modal that only says something (after a failure, where a form can't stay open)."""
    return View(type="modal", title=title, close="Close", blocks=[_text(text)])


def settings_modal(schedule: Schedule, defaults: workspace.FollowUpDefaults) -> View:
    """The workspace settings, for admins: the digest's channel, day, time and zone, what it
    shows, and the follow-up defaults. Filled in with what is in force now."""
    days = _options(workspace.DAY_NAMES)
    toggles = _options(workspace.OPTIONS)
    on = {
        "empty_week_note": schedule.empty_week_note,
        "hide_anonymous_deal_names": schedule.hide_anonymous_deal_names,
        "digest_chart": schedule.chart,
    }
    return View(
        type="modal",
        callback_id=ids.SETTINGS_VIEW,
        title="Workspace settings",
        submit="Save",
        close="Cancel",
        blocks=[
            _text("*The weekly digest*"),
            InputBlock(
                block_id=ids.SET_CHANNEL,
                label="Post it in",
                optional=True,
                hint="No channel, no digest. For a private channel, invite Rebound there first.",
                element=ConversationSelectElement(
                    action_id=ids.SET_CHANNEL,
                    placeholder="Choose a channel",
                    initial_conversation=schedule.channel,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
            InputBlock(
                block_id=ids.SET_DAY,
                label="On",
                element=StaticSelectElement(
                    action_id=ids.SET_DAY, options=days, initial_option=_pick(days, schedule.day)
                ),
            ),
            InputBlock(
                block_id=ids.SET_TIME,
                label="At",
                element=TimePickerElement(action_id=ids.SET_TIME, initial_time=schedule.at.strftime("%H:%M")),
            ),
            _text_input(
                ids.SET_ZONE,
                "In the time zone",
                64,
                initial=schedule.zone.key,
                hint="For example Europe/Paris.",
            ),
            InputBlock(
                block_id=ids.SET_OPTIONS,
                label="What it shows",
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.SET_OPTIONS,
                    options=toggles,
                    initial_options=[option for option in toggles if on[option.value]] or None,
                ),
            ),
            DividerBlock(),
            _text("*Follow-ups*"),
            _days_input(
                ids.SET_TOUCH_BASE_DAYS,
                "Suggest touching base after (days)",
                defaults.touch_base_days,
                workspace.TOUCH_BASE_DAYS,
            ),
            _days_input(
                ids.SET_REVISIT_DAYS,
                "Ask to revisit the notes after (days)",
                defaults.revisit_days,
                workspace.REVISIT_DAYS,
            ),
            _note("Changes apply from the next minute's sweep; nothing needs a restart."),
        ],
    )


def _days_input(block_id: str, label: str, days: int, bounds: tuple[int, int]) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=NumberInputElement(
            action_id=block_id,
            is_decimal_allowed=False,
            min_value=str(bounds[0]),
            max_value=str(bounds[1]),
            initial_value=str(days),
        ),
    )
