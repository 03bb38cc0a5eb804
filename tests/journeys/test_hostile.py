"""Hostile and broken input, generated (hypothesis): arbitrary Unicode (emoji, RTL, zero-width,
NUL), over-long values, missing, null and wrong-typed fields, unknown ids, rows that do not
exist. Every answer is a field error, a polite message or a 4xx; never a 500, never a traceback
in the log, never a row written from a refused request."""

from __future__ import annotations

import json
import string
import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot import ids
from playground.emulator import TEAM_ID, new_trigger_id
from tests.support.hostile_input import FAST, JSONISH, STATE_VALUES, TEXT
from tests.support.slack_requests import (
    APP_ID,
    FORM,
    JSON,
    event_callback,
    interactive,
    send,
    slash_command,
    unique,
)


@FAST
@given(text=TEXT)
def test_any_command_text_gets_an_answer(bot, fake, text):
    trigger = new_trigger_id()
    body = slash_command(text, user="U0HOSTILE", trigger_id=trigger, response_url=fake.response_url(trigger))
    assert send(bot.events_url, body, FORM).status == 200


def _payload(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "user": {"id": "U0HOSTILE", "username": "x", "team_id": TEAM_ID},
        "team": {"id": TEAM_ID, "domain": "x"},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "trigger_id": new_trigger_id(),
        **extra,
    }


ACTION_IDS = st.sampled_from(
    [
        ids.REACHED_OUT,
        ids.WON_BACK,
        ids.SNOOZE_WEEK,
        ids.PAUSE,
        ids.RESUME,
        ids.ADD_REVISIT,
        ids.HELP_YES,
        ids.AUTOPSY_MENU,
        ids.AUTOPSY_DELETE,
        ids.HOME_PAGE,
        ids.HOME_NEWER,
        ids.EXPORT_MINE,
        ids.OPEN_SETTINGS,
        ids.LOG_LOST_DEAL,
        "unknown_action",
    ]
)


@FAST
@given(action_id=ACTION_IDS, value=st.one_of(st.none(), TEXT, st.integers().map(str)), option=JSONISH)
def test_any_click_gets_a_plain_answer(bot, action_id, value, option):
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1.2"}
    if value is not None:
        action["value"] = value
    if option is not None:
        action["selected_option"] = option
    payload = _payload("block_actions", {"container": {"type": "view"}, "actions": [action]})
    assert send(bot.events_url, interactive(payload), FORM).status in (200, 404)


CALLBACKS = st.sampled_from(
    [
        ids.AUTOPSY_VIEW,
        ids.AUTOPSY_EDIT_VIEW,
        ids.REVISIT_VIEW,
        ids.SETTINGS_VIEW,
        "zz",
    ]
)


@FAST
@given(callback=CALLBACKS, values=STATE_VALUES, metadata=st.one_of(st.none(), TEXT, st.integers().map(str)))
def test_any_submission_gets_errors_or_a_close(bot, callback, values, metadata):
    view = {
        "id": unique("V"),
        "type": "modal",
        "callback_id": callback,
        "state": {"values": values},
        "private_metadata": metadata,
        "blocks": [],
    }
    reply = send(bot.events_url, interactive(_payload("view_submission", {"view": view})), FORM)
    assert reply.status in (200, 404)
    if reply.status == 200 and reply.body:
        assert reply.json().get("response_action") in ("errors", "update")


@FAST
@given(
    event=st.dictionaries(st.sampled_from(["type", "user", "tab", "channel", "view"]), JSONISH, max_size=5)
)
def test_any_event_gets_a_plain_answer(bot, event):
    assert send(bot.events_url, event_callback(event), JSON).status in (200, 400, 404)


def test_after_all_that_the_log_has_no_traceback(bot):
    time.sleep(0.5)  # work after the ack (DMs, App Home) finishes
    log = bot.log_text()
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 : log.index("Traceback") + 3000]
    assert json.dumps(log)  # the log is text, whatever went in


def test_tricky_characters_reach_the_bot_intact(bot, fake):
    text = "Acme \u202eevil\u200b \U0001f600 " + string.punctuation
    trigger = new_trigger_id()
    body = slash_command(text, user="U0HOSTILE", trigger_id=trigger, response_url=fake.response_url(trigger))
    assert send(bot.events_url, body, FORM).status == 200
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert "evil" in json.dumps(view, ensure_ascii=False)
