"""App Home's lessons search: a box that searches on Enter, and under it the lessons card of what
was asked, drawn for the person who asked only (App Home is theirs alone)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig

from bot import ids
from bot.blocks.lessons_card import lessons_card
from bot.lessons import LessonsAnswer

TYPED_MAX = 200  # a competitor, a reason or a few words
LESSONS_SHOWN = 3  # fewer than the command's card: App Home holds everything else too
WORDS_SHOWN = 2


def lessons_search(answer: LessonsAnswer | None) -> list[Block]:
    """The search box and, once something was asked, its card (at most 20 blocks)."""
    box = InputBlock(
        block_id=ids.HOME_LESSONS_SEARCH,
        label="A competitor, a main reason or any words",
        dispatch_action=True,
        optional=True,
        hint="Press Enter to search. Only you see what it finds.",
        element=PlainTextInputElement(
            action_id=ids.LESSONS_SEARCH,
            max_length=TYPED_MAX,
            placeholder="Initech, price, security review…",
            dispatch_action_config=DispatchActionConfig(trigger_actions_on=["on_enter_pressed"]),
        ),
    )
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Lessons before your next pitch"), box]
    if answer is not None:
        blocks += lessons_card(answer, lessons_shown=LESSONS_SHOWN, words_shown=WORDS_SHOWN)
    return blocks
