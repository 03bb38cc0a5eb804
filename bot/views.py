"""Block Kit builders for Rebound's surfaces: the autopsy modal and App Home.

Pure functions returning slack_sdk models, so Slack's limits are checked before Slack sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.mrkdwn import clip, escape
from storage import Autopsy


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
    block_id: str, label: str, choices: dict[str, str], placeholder: str, *, optional: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(action_id=block_id, placeholder=placeholder, options=_options(choices)),
    )


def _self_check(block_id: str, question: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=question,
        element=RadioButtonsElement(action_id=block_id, options=_options(autopsy.ANSWERS)),
    )


def autopsy_modal(deal_name: str, today: date) -> View:
    """The one-screen autopsy form, with the deal pre-filled from `/lost-deal <deal>`."""
    sharing = _options(autopsy.SHARING)
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
            initial=deal_name[: autopsy.DEAL_MAX],
            placeholder="Acme Corp",
        ),
        _select(ids.OUTCOME, "What happened?", autopsy.OUTCOMES, "Choose one"),
        InputBlock(
            block_id=ids.DEAL_VALUE,
            label="Deal value",
            optional=True,
            hint="Optional. Numbers only, e.g. 12000.",
            element=NumberInputElement(action_id=ids.DEAL_VALUE, is_decimal_allowed=True, min_value="0"),
        ),
        _select(ids.WINNER, "Who got the sale?", autopsy.WINNERS, "Choose one"),
        _text_input(
            ids.COMPETITOR,
            "If it was a competitor, which one?",
            autopsy.COMPETITOR_MAX,
            optional=True,
            placeholder="Initech",
        ),
        _select(ids.MAIN_REASON, "The main reason, in a word", autopsy.REASONS, "Choose one", optional=True),
        _text_input(
            ids.WINNER_REASON,
            "Why did they win?",
            autopsy.WINNER_REASON_MAX,
            optional=True,
            multiline=True,
            placeholder="What tipped it their way?",
        ),
        _text_input(
            ids.CUSTOMER_SAID,
            "What did the customer say when you asked why?",
            autopsy.CUSTOMER_SAID_MAX,
            optional=True,
            multiline=True,
            hint="Haven't asked yet? Most people will tell you honestly. It's worth a short call.",
        ),
        DividerBlock(),
        SectionBlock(
            text=MarkdownTextObject(
                text="*A quick, honest self-check.* Your answers stay yours: "
                "the team digest only counts them, never with a name."
            )
        ),
        *(_self_check(block_id, question) for block_id, question in autopsy.SELF_CHECKS.items()),
        DividerBlock(),
        _text_input(
            ids.FEELINGS,
            "Write it down: what happened, and how do you feel right now?",
            autopsy.FEELINGS_MAX,
            multiline=True,
            hint="Private unless you share it. When you read it again later, you may see an answer here.",
        ),
        _text_input(
            ids.LESSON,
            "The lesson, in one sentence, for the team",
            autopsy.LESSON_MAX,
            placeholder="Next time I will…",
        ),
        InputBlock(
            block_id=ids.TOUCH_BASE_ON,
            label="Touch base again on",
            optional=True,
            hint="A gracious check-in later can win them back. I'll remind you that day.",
            element=DatePickerElement(
                action_id=ids.TOUCH_BASE_ON, initial_date=autopsy.touch_base_default(today).isoformat()
            ),
        ),
        InputBlock(
            block_id=ids.NO_TOUCH_BASE,
            label="Or",
            optional=True,
            element=CheckboxesElement(
                action_id=ids.NO_TOUCH_BASE,
                options=[Option(value="skip", text="Don't remind me to touch base")],
            ),
        ),
        InputBlock(
            block_id=ids.HELP_FROM,
            label="Want a teammate to think it through with you?",
            optional=True,
            hint="Optional. Asking for help is a strength, not a weakness.",
            element=UserSelectElement(action_id=ids.HELP_FROM, placeholder="Choose a teammate"),
        ),
        InputBlock(
            block_id=ids.SHARING,
            label="Share this autopsy",
            element=RadioButtonsElement(action_id=ids.SHARING, options=sharing, initial_option=sharing[0]),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.AUTOPSY_VIEW,
        title="Lost deal autopsy",
        submit="Save",
        close="Not now",
        blocks=blocks,
    )


@lru_cache(maxsize=2)
def _blank_autopsy_modal(today: date) -> dict[str, Any]:
    return autopsy_modal("", today).to_dict()  # validated by slack_sdk here, once a day


def autopsy_modal_payload(deal_name: str, today: date) -> dict[str, Any]:
    """`autopsy_modal(deal_name, today).to_dict()`, without rebuilding and revalidating 20 blocks
    per command: only the deal field changes, and it is cut to its limit as the builder cuts it."""
    blank = _blank_autopsy_modal(today)
    deal = deal_name[: autopsy.DEAL_MAX]
    blocks = [
        {**block, "element": {**block["element"], "initial_value": deal}}
        if deal and block.get("block_id") == ids.DEAL
        else block
        for block in blank["blocks"]
    ]
    return {**blank, "blocks": blocks}


def home(recent: Sequence[Autopsy]) -> View:
    """App Home: a way in, and the rep's latest autopsies."""
    blocks: list[Block] = [
        HeaderBlock(text="Rebound"),
        SectionBlock(
            text=MarkdownTextObject(
                text="Lost a deal? Write down what happened while it's fresh. "
                "I'll remind you to touch base later, and your lesson can help the whole team."
            )
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Log a lost deal", action_id=ids.LOG_LOST_DEAL, style="primary")]
        ),
        DividerBlock(),
        HeaderBlock(text="Your latest autopsies"),
    ]
    if not recent:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text="Nothing yet. When a deal slips away, `/lost-deal` is here.")
            )
        )
    for entry in recent:
        what = autopsy.OUTCOMES.get(entry.outcome, entry.outcome)
        lesson = escape(clip(entry.lesson, 280))
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*{escape(entry.deal_name)}* · {what}\n_{lesson}_"))
        )
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"Written {entry.created_at:%d %b %Y}")])
        )
    return View(type="home", blocks=blocks)
