"""A message as Slack's API takes it: the text notifications show, and the blocks as JSON."""

from __future__ import annotations

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from bot.blocks.message import Message


def test_as_kwargs_gives_the_notification_text_and_every_block_as_json():
    message = Message(text="Lessons learned", blocks=[HeaderBlock(text="This week"), DividerBlock()])
    assert message.as_kwargs() == {
        "text": "Lessons learned",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "This week", "emoji": True}},
            {"type": "divider"},
        ],
    }


def test_saying_is_one_mrkdwn_section_that_says_the_notification_text():
    message = Message.saying("Your reminders are *paused*.")
    assert message.text == "Your reminders are *paused*."
    assert message.as_kwargs()["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Your reminders are *paused*."}}
    ]
