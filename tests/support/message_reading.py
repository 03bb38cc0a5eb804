"""Reading a built message as a person would: its text, once every block is checked valid."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.blocks.message import Message

# What a rep might type that must never reach Slack as markup: pings, mentions, links.
MARKUP = ("<!channel>", "<!here>", "<@U0EVIL>", "<https://evil")


def readable(node: Any) -> list[str]:
    """Every piece of text a person reads in a block (or a list of them), in order."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text"):
            return [node["text"]]
        return [text for value in node.values() for text in readable(value)]
    return [text for value in node for text in readable(value)] if isinstance(node, list) else []


def shown(message: Message | None, *, markup: tuple[str, ...] = MARKUP) -> str:
    """The message's text, once every block is checked valid (at most 50), with none of `markup`."""
    assert message is not None
    assert len(message.blocks) <= 50
    blocks = [block.to_dict() for block in message.blocks]
    for block in blocks:
        Block.parse(block).validate_json()
    text = "\n".join(readable(blocks))
    for piece in markup:
        assert piece not in text
    return text
