"""What people saw in the playground comes back after a restart: the conversations and Home tabs,
the files Rebound uploaded (new ones numbered after them), and messages the bot can still update."""

from __future__ import annotations

from slack_sdk import WebClient

from playground.client import Person, SlackClient
from playground.emulator import SlackEmulator
from playground.keeping import PlaygroundKeeper

RILEY = Person("U0RILEY", "Riley Chen", "Account executive", "America/New_York")


def running(tmp_path):
    emulator = SlackEmulator().start()
    client = SlackClient(
        emulator,
        events_url="http://127.0.0.1:9/",
        signing_secret="s",
        people=[RILEY],
        channels={"C0LESSONS": "lessons"},
    )
    return emulator, client, PlaygroundKeeper(tmp_path / "slack.json", client, emulator)


def test_a_restart_brings_back_the_dm_its_file_and_a_message_the_bot_can_update(tmp_path):
    emulator, client, keeper = running(tmp_path)
    bot = WebClient(token="xoxb-playground", base_url=emulator.api_url)
    try:
        posted = bot.chat_postMessage(channel=RILEY.id, text="Your autopsy of Acme is saved")
        bot.files_upload_v2(
            channel="C0LESSONS", content=b"deal,lesson\n", filename="export.csv", title="Export"
        )
        keeper.save()
    finally:
        emulator.stop()

    emulator, client, keeper = running(tmp_path)
    bot = WebClient(token="xoxb-playground", base_url=emulator.api_url)
    try:
        assert keeper.restore()
        conversations = client.state()["conversations"]
        assert [m["text"] for m in conversations["D0RILEY"]] == ["Your autopsy of Acme is saved"]
        [file] = conversations["C0LESSONS"][0]["files"]
        assert emulator.uploads[file["id"]] == b"deal,lesson\n"
        assert bot.chat_update(channel="D0RILEY", ts=posted["ts"], text="Updated")["ok"]
        again = bot.files_upload_v2(channel="C0LESSONS", content=b"x", filename="again.csv", title="Again")
        assert again["file"]["id"] != file["id"]
    finally:
        emulator.stop()


def test_a_first_start_has_nothing_to_restore(tmp_path):
    emulator, _client, keeper = running(tmp_path)
    try:
        assert not keeper.restore()
    finally:
        emulator.stop()
