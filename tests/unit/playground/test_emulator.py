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


def test_an_update_keeps_the_view_s_id_and_refuses_a_stale_hash_or_a_view_slack_never_made(slack):
    opened = slack.views_open(trigger_id=new_trigger_id(), view=FORM)["view"]
    updated = slack.views_update(view_id=opened["id"], hash=opened["hash"], view=FORM)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert refusal(lambda: slack.views_update(view_id=opened["id"], hash=opened["hash"], view=FORM)) == (
        "hash_conflict"
    )
    assert refusal(lambda: slack.views_update(view_id="V0NEVERMADE", view=FORM)) == "not_found"


def test_a_message_to_a_person_lands_in_their_dm_and_only_a_posted_one_can_be_updated(slack):
    posted = slack.chat_postMessage(channel="U0RILEY", text="Time to touch base")
    assert posted["channel"] == "D0RILEY"
    assert slack.chat_update(channel=posted["channel"], ts=posted["ts"], text="Snoozed")["ts"] == posted["ts"]
    never_posted = lambda: slack.chat_update(channel="D0RILEY", ts="1.000001", text="?")  # noqa: E731
    assert refusal(never_posted) == "message_not_found"


def test_an_image_uploaded_through_slack_sdk_s_three_steps_is_kept_for_its_channel():
    emulator = SlackEmulator().start()
    try:
        slack = WebClient(token="xoxb-unit", base_url=emulator.api_url)
        picture = b"\x89PNG\r\n\x1a\n" + b"chart" * 100
        done = slack.files_upload_v2(channel="C0LESSONS", content=picture, filename="trend.png", title="T")
        file_id = done["files"][0]["id"]
        assert emulator.uploads[file_id] == picture
        assert emulator.file_types[file_id] == "image/png"
        assert [call.method for call in emulator.calls if call.method.startswith("files.")] == [
            "files.getUploadURLExternal",
            "files.completeUploadExternal",
        ]
    finally:
        emulator.stop()
