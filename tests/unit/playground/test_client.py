"""The playground's Slack client signs what people do as Slack does, and applies the bot's answer
to a submission as Slack does: errors under their fields, update, push, clear, an empty ack closes,
and no answer within 3 seconds leaves the modal open with Slack's own complaint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from playground.client import Person, SlackClient, sign
from playground.emulator import SlackEmulator, new_trigger_id
from playground.local_server import LocalServer, QuietHandler

SECRET = "playground-secret"
RILEY = "U0RILEY"
FORM = {
    "type": "modal",
    "callback_id": "autopsy",
    "title": {"type": "plain_text", "text": "Autopsy"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [],
}


class AnsweringBot(LocalServer):
    """A bot that answers every request with `answer` after `delay` seconds, keeping what it got."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] | None = None
        self.delay = 0.0
        self.received: list[tuple[dict[str, str], bytes]] = []
        super().__init__(_AnsweringHandler)


class _AnsweringHandler(QuietHandler):
    server: AnsweringBot

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        time.sleep(self.server.delay)
        raw = json.dumps(self.server.answer).encode() if self.server.answer else b""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def setup() -> Iterator[tuple[SlackClient, AnsweringBot, WebClient]]:
    emulator = SlackEmulator().start()
    bot = AnsweringBot().start()
    client = SlackClient(
        emulator,
        events_url=f"http://127.0.0.1:{bot.port}/slack/events",
        signing_secret=SECRET,
        people=[Person(RILEY, "Riley Chen", "Account executive", "America/New_York")],
        channels={"C0LESSONS": "lessons"},
    )
    yield client, bot, WebClient(token="xoxb-unit", base_url=emulator.api_url)
    bot.stop()
    emulator.stop()


def open_form(client: SlackClient, bot: AnsweringBot, web: WebClient) -> str:
    """A slash command whose trigger the bot (here, the test) uses to open the form; its view id."""
    client.command(RILEY, "D0RILEY", "/lost-deal Acme")
    trigger = dict(parse_qsl(bot.received[-1][1].decode()))["trigger_id"]
    return web.views_open(trigger_id=trigger, view=FORM)["view"]["id"]


def titled(title: str) -> dict[str, Any]:
    return {**FORM, "title": {"type": "plain_text", "text": title}}


def stack(client: SlackClient) -> list[dict[str, Any]]:
    return client.state()["modals"].get(RILEY, [])


@pytest.fixture
def opened(setup) -> tuple[SlackClient, AnsweringBot, WebClient, str]:
    client, bot, web = setup
    return client, bot, web, open_form(client, bot, web)


def test_what_people_do_is_signed_so_that_slack_sdk_s_verifier_accepts_it(opened):
    _, bot, _, _ = opened
    headers, body = bot.received[-1]
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(
        body + b"&user_id=U0EVE", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    old = sign(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid(body, old["X-Slack-Request-Timestamp"], old["X-Slack-Signature"])


def test_the_slash_command_hands_the_bot_a_trigger_that_opens_the_form_for_that_person(opened):
    client, _, _, view_id = opened
    assert [view["id"] for view in stack(client)] == [view_id]


def test_errors_show_under_their_fields_and_the_modal_stays_open(opened):
    client, bot, _, view_id = opened
    bot.answer = {"response_action": "errors", "errors": {"lesson": "Please write the lesson."}}
    assert client.submit(RILEY, view_id, {})["ok"]
    assert stack(client)[0]["errors"] == {"lesson": "Please write the lesson."}


def test_update_replaces_the_view_in_place_and_push_stacks_a_new_one(opened):
    client, bot, _, view_id = opened
    bot.answer = {"response_action": "update", "view": titled("Thanks")}
    client.submit(RILEY, view_id, {})
    assert [(view["id"], view["title"]["text"]) for view in stack(client)] == [(view_id, "Thanks")]
    bot.answer = {"response_action": "push", "view": titled("Sure?")}
    client.submit(RILEY, view_id, {})
    assert [view["title"]["text"] for view in stack(client)] == ["Thanks", "Sure?"]
    bot.answer = {"response_action": "clear"}
    client.submit(RILEY, stack(client)[-1]["id"], {})
    assert stack(client) == []


def test_an_empty_ack_closes_the_modal_and_the_submission_carries_the_state_slack_sends(opened):
    client, bot, _, view_id = opened
    values = {"deal": {"deal": {"type": "plain_text_input", "value": "Acme"}}}
    assert client.submit(RILEY, view_id, values)["ok"]
    assert stack(client) == []
    payload = json.loads(dict(parse_qsl(bot.received[-1][1].decode()))["payload"])
    assert payload["type"] == "view_submission" and payload["view"]["state"]["values"] == values
    assert payload["view"]["id"] == view_id and payload["user"]["id"] == RILEY


def test_a_bot_silent_for_three_seconds_leaves_the_modal_open_with_slack_s_complaint(opened):
    client, bot, _, view_id = opened
    bot.delay = 3.3
    answer = client.submit(RILEY, view_id, {})
    assert answer == {"ok": False, "error": "We had some trouble connecting. Try again?"}
    assert [view["id"] for view in stack(client)] == [view_id]


def test_a_view_opened_on_a_trigger_handed_to_nobody_shows_to_no_one(setup):
    client, _, web = setup
    assert web.views_open(trigger_id=new_trigger_id(), view=FORM)["ok"]
    assert client.state()["modals"] == {}


def test_enter_in_app_home_s_search_box_sends_the_block_actions_slack_sends(setup):
    client, bot, web = setup
    box = {
        "type": "input",
        "block_id": "home_lessons_search",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "A competitor"},
        "element": {"type": "plain_text_input", "action_id": "lessons_search"},
    }
    view_id = web.views_publish(user_id=RILEY, view={"type": "home", "blocks": [box]})["view"]["id"]
    typed = {"type": "plain_text_input", "action_id": "lessons_search", "block_id": "home_lessons_search"}
    values = {"home_lessons_search": {"lessons_search": {"type": "plain_text_input", "value": "Initech"}}}
    assert client.act(RILEY, {"kind": "home"}, {**typed, "value": "Initech"}, values)["ok"]
    payload = json.loads(dict(parse_qsl(bot.received[-1][1].decode()))["payload"])
    assert payload["type"] == "block_actions" and payload["user"]["id"] == RILEY
    assert payload["container"] == {"type": "view", "view_id": view_id}
    [action] = payload["actions"]
    assert {k: v for k, v in action.items() if k != "action_ts"} == {**typed, "value": "Initech"}
    assert payload["view"]["id"] == view_id and payload["view"]["state"] == {"values": values}
    assert payload["view"]["blocks"][0]["dispatch_action"] is True
