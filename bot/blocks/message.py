"""A message as chat.postMessage, chat.update and an ack take it: blocks, and the text notifications show."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock


@dataclass(frozen=True)
class Message:
    """What chat.postMessage needs: blocks, and the plain text notifications show."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}

    @classmethod
    def saying(cls, text: str) -> Message:
        """A message of one mrkdwn section that says `text`, also its notification."""
        return cls(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
