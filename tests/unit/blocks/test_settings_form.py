"""The workspace settings form as an admin sees it: filled in with what is in force, saved back unchanged."""

from __future__ import annotations

import json
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import ids, workspace
from bot.blocks import settings_form
from bot.digest.week import Schedule
from tests.support.slack_requests import fill_form

PARIS_FRIDAYS = Schedule(
    channel="C0SALES01",
    day="fri",
    at=time(16, 0),
    zone=ZoneInfo("Europe/Paris"),
    empty_week_note=False,
    hide_anonymous_deal_names=True,
    chart=True,
)
NOTHING_TICKED = Schedule(
    channel=None,
    day="mon",
    at=time(8, 30),
    zone=ZoneInfo("America/New_York"),
    empty_week_note=False,
    hide_anonymous_deal_names=False,
    chart=False,
)
DEFAULTS = workspace.FollowUpDefaults(touch_base_days=45, revisit_days=10)


def form(
    schedule: Schedule, defaults: workspace.FollowUpDefaults = DEFAULTS, company: str | None = None
) -> dict[str, Any]:
    view = settings_form.settings_modal(schedule, defaults, company=company)
    view.validate_json()
    return view.to_dict()


def fields(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block["element"] for block in body["blocks"] if block["type"] == "input"}


def test_the_form_is_filled_in_with_what_is_in_force():
    body = form(PARIS_FRIDAYS)
    assert (body["callback_id"], body["title"]["text"]) == (ids.SETTINGS_VIEW, "Workspace settings")
    shown = fields(body)
    assert shown[ids.SET_CHANNEL]["initial_conversation"] == "C0SALES01"
    assert [o["text"]["text"] for o in shown[ids.SET_DAY]["options"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert shown[ids.SET_DAY]["initial_option"]["text"]["text"] == "Friday"
    assert shown[ids.SET_TIME]["initial_time"] == "16:00"
    assert shown[ids.SET_ZONE]["initial_value"] == "Europe/Paris"
    ticked = [o["text"]["text"] for o in shown[ids.SET_OPTIONS]["initial_options"]]
    assert ticked == ["Hide the deal names of anonymous lessons", "Add the 12-week chart to the digest"]
    assert shown[ids.SET_TOUCH_BASE_DAYS]["initial_value"] == "45"
    assert shown[ids.SET_REVISIT_DAYS]["initial_value"] == "10"


def test_with_no_channel_and_nothing_ticked_those_fields_start_empty():
    shown = fields(form(NOTHING_TICKED, workspace.FollowUpDefaults()))
    assert "initial_conversation" not in shown[ids.SET_CHANNEL]
    assert "initial_options" not in shown[ids.SET_OPTIONS]
    assert len(shown[ids.SET_OPTIONS]["options"]) == len(workspace.OPTIONS)
    assert (shown[ids.SET_DAY]["initial_option"]["value"], shown[ids.SET_TIME]["initial_time"]) == (
        "mon",
        "08:30",
    )
    assert shown[ids.SET_TOUCH_BASE_DAYS]["initial_value"] == "90"  # the operator's defaults
    assert shown[ids.SET_REVISIT_DAYS]["initial_value"] == "7"


def test_the_follow_up_days_are_whole_numbers_within_what_is_allowed():
    shown = fields(form(PARIS_FRIDAYS))
    for block_id, (low, high) in [
        (ids.SET_TOUCH_BASE_DAYS, workspace.TOUCH_BASE_DAYS),
        (ids.SET_REVISIT_DAYS, workspace.REVISIT_DAYS),
    ]:
        element = shown[block_id]
        assert element["type"] == "number_input" and element["is_decimal_allowed"] is False
        assert (element["min_value"], element["max_value"]) == (str(low), str(high))


def test_only_the_channel_and_what_it_shows_may_be_left_empty():
    body = form(PARIS_FRIDAYS)
    optional = {block["block_id"] for block in body["blocks"] if block.get("optional")}
    assert optional == {ids.SET_CHANNEL, ids.SET_OPTIONS, ids.SET_COMPANY}
    assert fields(body)[ids.SET_ZONE]["max_length"] == 64


@pytest.mark.parametrize(
    ("schedule", "saved"),
    [
        (
            PARIS_FRIDAYS,
            {
                "digest_channel": "C0SALES01",
                "digest_day": "fri",
                "digest_time": "16:00",
                "timezone": "Europe/Paris",
                "empty_week_note": False,
                "hide_anonymous_deal_names": True,
                "digest_chart": True,
                "touch_base_days": 45,
                "revisit_days": 10,
                "company_name": None,
            },
        ),
        (
            NOTHING_TICKED,
            {
                "digest_channel": None,
                "digest_day": "mon",
                "digest_time": "08:30",
                "timezone": "America/New_York",
                "empty_week_note": False,
                "hide_anonymous_deal_names": False,
                "digest_chart": False,
                "touch_base_days": 45,
                "revisit_days": 10,
                "company_name": None,
            },
        ),
    ],
)
def test_an_untouched_form_saves_what_was_in_force(schedule, saved):
    submitted = fill_form({**form(schedule), "id": "V1"}, {})
    assert workspace.read_settings(submitted) == (saved, {})


def test_saved_settings_say_so_and_what_is_in_force_now():
    view = settings_form.saved(PARIS_FRIDAYS, workspace.FollowUpDefaults(touch_base_days=1, revisit_days=10))
    view.validate_json()
    body = view.to_dict()
    text = "\n".join(block.get("text", {}).get("text", "") for block in body["blocks"])
    assert "*Saved.*" in text and "submit" not in body and body["close"]["text"] == "Done"
    assert "*The weekly digest:* in <#C0SALES01> every Friday at 16:00 (Europe/Paris)." in text
    assert "suggest touching base after 1 day, and ask to revisit the notes after 10 days." in text


def test_saved_settings_without_a_channel_say_no_digest_is_posted():
    body = settings_form.saved(NOTHING_TICKED, DEFAULTS).to_dict()
    assert "*The weekly digest:* not posted: no channel is chosen." in json.dumps(body)


def test_the_company_buyers_see_is_filled_in_and_saved_as_typed_in_one_line():
    body = form(PARIS_FRIDAYS, company="Initech & <Sons>")
    [label] = [b["label"]["text"] for b in body["blocks"] if b.get("block_id") == ids.SET_COMPANY]
    assert label == "Your company's name as buyers see it"
    company = fields(body)[ids.SET_COMPANY]
    assert (company["initial_value"], company["max_length"]) == ("Initech & <Sons>", 80)
    typed = {ids.SET_COMPANY: {ids.SET_COMPANY: {"type": "plain_text_input", "value": "  Initech \n Ltd "}}}
    chosen, errors = workspace.read_settings(fill_form({**body, "id": "V1"}, {}) | typed)
    assert errors == {} and chosen is not None and chosen["company_name"] == "Initech Ltd"


def test_a_company_name_too_long_is_refused_under_its_field():
    body = form(PARIS_FRIDAYS)
    typed = {ids.SET_COMPANY: {ids.SET_COMPANY: {"type": "plain_text_input", "value": "x" * 81}}}
    chosen, errors = workspace.read_settings(fill_form({**body, "id": "V1"}, {}) | typed)
    assert chosen is None and errors == {ids.SET_COMPANY: "Please keep it under 80 characters (it has 81)."}


def test_saved_settings_show_the_company_escaped_or_that_there_is_none():
    named = settings_form.saved(PARIS_FRIDAYS, DEFAULTS, company="<!channel> & Co").to_dict()
    assert "*Your company's name as buyers see it:* *&lt;!channel&gt; &amp; Co*." in json.dumps(named)
    unnamed = json.dumps(settings_form.saved(PARIS_FRIDAYS, DEFAULTS).to_dict())
    assert "none yet, so the page and the note name no company" in unnamed
