"""The autopsy form: the one-screen modal of a lost deal's questions, to write or to edit, and the
confirmation before one is deleted.

Pure functions returning slack_sdk models, so Slack's limits are checked before Slack sees them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    DividerBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    RadioButtonsElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.blocks.elements import options, pick, section, select, text_input
from bot.blocks.mrkdwn import escape
from storage import Autopsy
from storage.competitors import NamedCompetitor, competitor_key

LOST_DEAL_METADATA = "lost_deal:"  # a form the CRM's prompt opened: which lost deal it is about
SHORTENED = (
    f"The name was longer than {autopsy.DEAL_MAX} characters, so it ends at a word with “…”. "
    "Change it as you like."
)


def _self_check(block_id: str, question: str, initial: str | None) -> InputBlock:
    choices_shown = options(autopsy.ANSWERS)
    return InputBlock(
        block_id=block_id,
        label=question,
        element=RadioButtonsElement(
            action_id=block_id, options=choices_shown, initial_option=pick(choices_shown, initial)
        ),
    )


OPTION_TEXT_MAX = 75  # Slack's limit on an option's text


def _named(name: str | None) -> Option | None:
    """A competitor's name as the field's option: its value is the name the form submits."""
    if not name or not name.strip():
        return None
    shown = name.strip()[: autopsy.COMPETITOR_MAX]
    return Option(value=shown, text=_shortened(shown, OPTION_TEXT_MAX))


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def competitor_options(typed: str, known: Sequence[NamedCompetitor]) -> list[Option]:
    """The competitor field's choices as the rep types: the names the team used that match (from
    `Competitors.suggest`), after "Use “<typed>”" unless one of them is already that name, so a
    competitor no one has named yet can be."""
    named = [option for option in (_named(each.name) for each in known) if option is not None]
    wanted = " ".join(typed.split())[: autopsy.COMPETITOR_MAX]
    key = competitor_key(wanted)
    if key is None or any(each.key == key for each in known):
        return named
    quoted = _shortened(wanted, OPTION_TEXT_MAX - len("Use “”"))
    return [Option(value=wanted, text=f"Use “{quoted}”"), *named]


def _money(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}".removesuffix(".00")


def autopsy_modal(
    deal_name: str,
    today: date,
    *,
    entry: Autopsy | None = None,
    touch_base_days: int = autopsy.TOUCH_BASE_DEFAULT_DAYS,
    prefill: Mapping[str, Any] | None = None,
    lost_deal_id: int | None = None,
    shortened: bool = False,
) -> View:
    """The one-screen autopsy form, with the deal pre-filled from `/lost-deal <deal>` (or, for a
    deal the CRM marked lost, the answers it already knows: `prefill`, and its `lost_deal_id`);
    or, given the rep's `entry`, that autopsy to edit, every answer filled in. A deal's name too
    long for the field is shortened at a word, and the field's hint says so (as it does when the
    caller `shortened` it already)."""
    sharing = options(autopsy.SHARING)
    known = prefill or {}
    was = (lambda name: getattr(entry, name)) if entry is not None else known.get
    skip = options({"skip": "Don't remind me to touch base"})
    touch_base_on = was("touch_base_on") or autopsy.touch_base_default(today, touch_base_days)
    deal = was("deal_name") or deal_name
    shown_deal = autopsy.deal_for_form(deal)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Losing a deal stings. Take five minutes while it's fresh: an honest look back "
                "now is what turns this *no* into your next *yes*. It isn't a verdict on you."
            )
        ),
        text_input(
            ids.DEAL,
            "Deal or prospect",
            autopsy.DEAL_MAX,
            initial=shown_deal,
            placeholder="Acme Corp",
            hint=SHORTENED if shortened or shown_deal != deal else None,
        ),
        select(ids.OUTCOME, "What happened?", autopsy.OUTCOMES, "Choose one", initial=was("outcome")),
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
        select(ids.WINNER, "Who got the sale?", autopsy.WINNERS, "Choose one", initial=was("winner")),
        InputBlock(
            block_id=ids.COMPETITOR,
            label="If it was a competitor, which one?",
            optional=True,
            hint="Type a few letters to pick a name your team used, or to name a new one.",
            element=ExternalDataSelectElement(
                action_id=ids.COMPETITOR,
                placeholder="Initech",
                min_query_length=1,
                initial_option=_named(was("competitor")),
            ),
        ),
        select(
            ids.MAIN_REASON,
            "The main reason, in a word",
            autopsy.REASONS,
            "Choose one",
            optional=True,
            initial=was("main_reason"),
        ),
        text_input(
            ids.WINNER_REASON,
            "Why did they win?",
            autopsy.WINNER_REASON_MAX,
            optional=True,
            multiline=True,
            placeholder="What tipped it their way?",
            initial=was("winner_reason"),
        ),
        text_input(
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
        text_input(
            ids.FEELINGS,
            "Write it down: what happened, and how do you feel right now?",
            autopsy.FEELINGS_MAX,
            multiline=True,
            hint="Private unless you share it. When you read it again later, you may see an answer here.",
            initial=was("feelings"),
        ),
        text_input(
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
            hint="A gracious check-in later can win them back. I'll remind you that day at 9:00, "
            "or on the Monday after if it's a weekend.",
            element=DatePickerElement(action_id=ids.TOUCH_BASE_ON, initial_date=touch_base_on.isoformat()),
        ),
        InputBlock(
            block_id=ids.NO_TOUCH_BASE,
            label="Rather not touch base again?",
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
                initial_option=pick(sharing, was("sharing")) or sharing[0],
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
        private_metadata=None if lost_deal_id is None else f"{LOST_DEAL_METADATA}{lost_deal_id}",
        title="Lost deal autopsy",
        submit="Save",
        close="Not now",
        blocks=blocks,
    )


def new_autopsy_form(
    deal_name: str,
    today: date,
    touch_base_days: int = autopsy.TOUCH_BASE_DEFAULT_DAYS,
    *,
    prefill: Mapping[str, Any] | None = None,
    lost_deal_id: int | None = None,
) -> View | str:
    """The form for a new autopsy, as views.open takes it: every path to the form comes here.

    Why it may be a JSON string: building and validating the form's 20 blocks with slack_sdk costs
    about 4 ms of CPU (bench/form.py), four times what Bolt spends on the rest of a command, and
    `/lost-deal` must open it within Slack's 3-second trigger under load. So a form with only the
    deal filled in is built once a day per touch-base default and encoded; each command swaps in
    its deal's JSON string. A CRM deal's form (`prefill`, `lost_deal_id`) is rare and built anew."""
    if prefill is not None or lost_deal_id is not None:
        return autopsy_modal(
            deal_name, today, touch_base_days=touch_base_days, prefill=prefill, lost_deal_id=lost_deal_id
        )
    deal = autopsy.deal_for_form(deal_name)
    blank, template = _encoded_forms(today, touch_base_days, deal != deal_name)
    if not deal:
        return blank
    return template.replace(json.dumps(_DEAL), json.dumps(deal), 1)


_DEAL = "\u0000deal\u0000"  # stands for the deal in the encoded form; no text the rep types has NUL


@lru_cache(maxsize=64)
def _encoded_forms(today: date, touch_base_days: int, shortened: bool) -> tuple[str, str]:
    """Today's form as compact JSON (8% fewer bytes to send), without a deal and with `_DEAL` as
    the deal (`shortened`: with the hint that says so), built and validated by slack_sdk."""

    def form(deal: str) -> str:
        view = autopsy_modal(deal, today, touch_base_days=touch_base_days, shortened=shortened).to_dict()
        return json.dumps(view, separators=(",", ":"))

    return form(""), form(_DEAL)


def delete_modal(entry: Autopsy, zone: ZoneInfo) -> View:
    """The confirmation step before an autopsy and its reminders are deleted (dated in `zone`, the
    rep's): its button is red (Slack's `danger`), which a modal's own submit button can never be."""
    return View(
        type="modal",
        callback_id=ids.AUTOPSY_DELETE_VIEW,
        private_metadata=str(entry.id),
        title="Delete this autopsy?",
        close="Keep it",
        blocks=[
            section(
                f"*{escape(entry.deal_name)}*, written {entry.created_at.astimezone(zone):%-d %b %Y}.\n"
                "Deleting it removes your answers, your revisits, its reminders, and any link you sent "
                "the customer, with their answers (the link stops working). It can't be undone."
            ),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Delete it", action_id=ids.AUTOPSY_DELETE, value=str(entry.id), style="danger"
                    )
                ]
            ),
        ],
    )


def deleted(entry: Autopsy, helpers: Sequence[str]) -> View:
    """What the confirmation shows once the autopsy is gone; `helpers`, whoever had its help request."""
    text = f"Your autopsy of *{escape(entry.deal_name)}* is deleted, with its revisits and reminders."
    if helpers:
        sent = " and ".join(f"<@{helper}>" for helper in helpers)
        requests, say = ("request", "says") if len(helpers) == 1 else ("requests", "say")
        text += f" The help {requests} you sent {sent} now {say} you took it down."
    return notice("Deleted", text)


def notice(title: str, text: str) -> View:
    """A modal that only says something (after a failure, where a form can't stay open)."""
    return View(type="modal", title=title, close="Close", blocks=[section(text)])
