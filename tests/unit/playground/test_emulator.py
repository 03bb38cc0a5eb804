"""The emulator keeps Slack's rules the bot depends on, whoever calls it: slack_sdk's own client here."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground.emulator import TRIGGER_LIFE, SlackEmulator, new_trigger_id

FORM = {"type": "modal", "title": {"type": "plain_text", "text": "Autopsy"}, "blocks": []}


@pytest.fixture
def slack() -> Iterator[WebClient]:
    emulator = SlackEmulator().start()
    yield WebClient(token="xoxb-unit", base_url=emulator.api_url)
    emulator.stop()


def refusal(call) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    return refused.value.response["error"]


def test_a_trigger_opens_one_view_and_no_second(slack):
    trigger = new_trigger_id()
    opened = slack.views_open(trigger_id=trigger, view=FORM)
    assert opened["view"]["id"].startswith("V") and opened["view"]["hash"]
    assert refusal(lambda: slack.views_open(trigger_id=trigger, view=FORM)) == "exchanged_trigger_id"
    assert refusal(lambda: slack.views_push(trigger_id=trigger, view=FORM)) == "exchanged_trigger_id"


def test_a_trigger_older_than_three_seconds_has_expired(slack):
    made = int((time.time() - TRIGGER_LIFE - 0.5) * 1000)
    assert refusal(lambda: slack.views_open(trigger_id=f"{made}.1.abc", view=FORM)) == "expired_trigger_id"


@pytest.mark.parametrize("trigger", ["", "trigger.123", "not-a-trigger"])
def test_a_trigger_slack_never_handed_out_is_invalid(slack, trigger):
    assert refusal(lambda: slack.views_open(trigger_id=trigger, view=FORM)) == "invalid_trigger_id"


def test_every_trigger_handed_out_is_its_own():
    assert len({new_trigger_id() for _ in range(1000)}) == 1000
