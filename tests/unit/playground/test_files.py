"""A file the bot shares shows as Slack's client shows it: the page gets its title, name, type and
size in the names of Slack's file object, and a URL to download it from."""

from __future__ import annotations

from slack_sdk import WebClient

from playground.client import Person, SlackClient
from playground.emulator import SlackEmulator
from playground.files import file_card


def test_a_csv_is_a_card_with_its_title_name_type_and_size():
    card = file_card(
        "F1",
        name="rebound-my-autopsies.csv",
        title="Your autopsies in Rebound",
        mimetype="text/csv",
        size=2048,
    )
    assert card == {
        "id": "F1",
        "name": "rebound-my-autopsies.csv",
        "title": "Your autopsies in Rebound",
        "mimetype": "text/csv",
        "filetype": "csv",
        "pretty_type": "CSV",
        "size": 2048,
        "url": "/play/files/F1",
    }


def test_a_file_without_a_title_shows_its_name_and_one_without_an_extension_is_binary():
    chart = file_card("F2", name="Trend.PNG", title=None, mimetype="image/png", size=10)
    assert (chart["title"], chart["filetype"], chart["pretty_type"]) == ("Trend.PNG", "png", "PNG")
    blob = file_card("F3", name="notes", title="", mimetype="application/octet-stream", size=0)
    assert (blob["title"], blob["filetype"], blob["pretty_type"]) == ("notes", "binary", "Binary")


def test_a_csv_uploaded_in_slack_s_three_steps_shows_in_the_dm_with_its_name_and_size():
    emulator = SlackEmulator().start()
    try:
        client = SlackClient(
            emulator,
            events_url="http://127.0.0.1:9/slack/events",  # nobody acts here: no request is sent
            signing_secret="unused",
            people=[Person("U0RILEY", "Riley Chen", "Account executive", "America/New_York")],
            channels={"C0LESSONS": "lessons"},
        )
        content = 'Deal or prospect,The lesson\r\n"Acme, Inc.",Ask why\r\n' * 40
        slack = WebClient(token="xoxb-unit", base_url=emulator.api_url)
        dm = slack.conversations_open(users="U0RILEY")["channel"]["id"]
        slack.files_upload_v2(
            channel=dm,
            content=content,
            filename="rebound-my-autopsies.csv",
            title="Your autopsies in Rebound",
            initial_comment="Here is everything you wrote in Rebound: 40 autopsies, as a CSV file.",
        )
        [message] = client.state()["conversations"]["D0RILEY"]
        [shared] = message["files"]
        assert message["text"].startswith("Here is everything you wrote")
        assert (shared["title"], shared["name"]) == ("Your autopsies in Rebound", "rebound-my-autopsies.csv")
        assert (shared["mimetype"], shared["pretty_type"]) == ("text/csv", "CSV")
        assert shared["size"] == len(content.encode()) == len(emulator.uploads[shared["id"]])
    finally:
        emulator.stop()
