"""App Home's lessons search: a box that sends on Enter, and the card of what was asked under it,
shorter than the command's, so the fullest App Home with the fullest card stays under 100 blocks."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot import ids
from bot.blocks.lessons_search import lessons_search
from tests.support.examples import FULLEST_LESSONS
from tests.support.message_reading import readable


def test_the_box_searches_on_enter_and_nothing_is_shown_before_a_search():
    blocks = [block.to_dict() for block in lessons_search(None)]
    box = next(block for block in blocks if block.get("block_id") == ids.HOME_LESSONS_SEARCH)
    assert box["dispatch_action"] is True
    assert box["element"]["action_id"] == ids.LESSONS_SEARCH
    assert box["element"]["dispatch_action_config"] == {"trigger_actions_on": ["on_enter_pressed"]}
    assert "Only you see what it finds" in "\n".join(readable(blocks))
    assert len(blocks) == 3


def test_the_card_under_the_box_is_shorter_than_the_command_s():
    blocks = lessons_search(FULLEST_LESSONS)
    for block in blocks:
        Block.parse(block.to_dict()).validate_json()
    assert len(blocks) <= 20
    text = "\n".join(readable([block.to_dict() for block in blocks]))
    assert "Lessons about Initech" in text and "…and 37 more shared lessons" in text
    assert "<!channel>" not in text
