"""The DMs Rebound sends, as the fake Slack received them, and the clicks on their buttons."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from playground.emulator import Call, SlackEmulator, conversation_of, new_trigger_id
from tests.support.bot_process import Bot
from tests.support.slack_requests import FORM, message_button, send


def dm_saying(fake: SlackEmulator, user: str, text: str) -> Call:
    """The one DM to `user` whose text holds `text` (waiting for it), its blocks checked valid."""
    [found] = fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == user and text in c.args["text"]
    )
    for block in found.args["blocks"]:
        Block.parse(block).validate_json()
    return found


def button_value(message: Call, action_id: str) -> str:
    for block in message.args["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {json.dumps(message.args['blocks'])[:300]}")


def click(bot: Bot, message: Call, action_id: str, *, user: str, team: str, value: str | None = None) -> str:
    """Click a button on a DM as Slack sends it; return the trigger_id."""
    trigger = new_trigger_id()
    value = value if value is not None else button_value(message, action_id)
    body = message_button(message.args, action_id, value, user=user, team=team, trigger_id=trigger)
    assert send(bot.events_url, body, FORM).status == 200
    return trigger


def pick_date(
    bot: Bot, message: Call, action_id: str, block_id: str, day: str, *, user: str, team: str
) -> None:
    """Pick `day` in the datepicker `action_id` of a DM's block `block_id`, as Slack sends it."""
    body = message_button(
        message.args, action_id, "", user=user, team=team, trigger_id=new_trigger_id(), picked=(block_id, day)
    )
    assert send(bot.events_url, body, FORM).status == 200


def updates(fake: SlackEmulator, channel: str, count: int = 1) -> list[Call]:
    """The redraws of messages in `channel` (a person's ID means the DM with them, as in Slack)."""
    return fake.wait_for("chat.update", lambda c: c.args["channel"] == conversation_of(channel), count=count)
