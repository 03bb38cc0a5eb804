"""Hostile and broken input, generated (hypothesis): arbitrary Unicode (emoji, RTL, zero-width,
NUL), over-long values, missing, null and wrong-typed fields, unknown ids, rows that do not
exist. Every answer is a field error, a polite message or a 4xx; never a 500, never a traceback
in the log, never a row written from a refused request."""

from __future__ import annotations

import json
import string
import time
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import autopsy, ids, workspace
from tests.fake_slack import TEAM_ID
from tests.slack_requests import (
    APP_ID,
    FORM,
    JSON,
    event_callback,
    interactive,
    send,
    slash_command,
    unique,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PIECES = ["\u0000", "\u200b", "\u202e", "\U0001f600", "<!channel>", "<@U0EVIL>", "&", "\u05e9", " ", "\n"]
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=4000),  # any Unicode but lone surrogates
    st.lists(st.sampled_from(PIECES), max_size=400).map("".join),  # NUL, RTL, zero-width, emoji, markup
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=12,
)
BLOCK_IDS = st.sampled_from(
    [ids.DEAL, ids.OUTCOME, ids.DEAL_VALUE, ids.WINNER, ids.COMPETITOR, ids.MAIN_REASON, ids.LESSON,
     ids.FEELINGS, ids.TOUCH_BASE_ON, ids.NO_TOUCH_BASE, ids.HELP_FROM, ids.SHARING, ids.CHECK_TIMING,
     ids.SET_CHANNEL, ids.SET_DAY, ids.SET_TIME, ids.SET_ZONE, ids.SET_OPTIONS, ids.SET_REVISIT_DAYS, "nope"]
)  # fmt: skip
STATE_VALUES = st.dictionaries(
    BLOCK_IDS,
    st.one_of(JSONISH, st.dictionaries(BLOCK_IDS, st.dictionaries(
        st.sampled_from(["value", "selected_option", "selected_options", "selected_date", "selected_user",
                         "selected_conversation", "selected_time", "type"]),
        JSONISH, max_size=3), max_size=2)),
    max_size=8,
)  # fmt: skip
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(STATE_VALUES)
# Found by hypothesis in CI: a choice or a ticked list that is not an object or a list.
@example({"deal": {}, ids.SET_DAY: {ids.SET_DAY: {"selected_option": True}}})
@example({ids.SET_OPTIONS: {ids.SET_OPTIONS: {"selected_options": True}}})
@example(
    {
        ids.OUTCOME: {ids.OUTCOME: {"selected_option": 7}},
        ids.NO_TOUCH_BASE: {ids.NO_TOUCH_BASE: {"selected_options": "x"}},
    }
)
def test_any_form_state_reads_as_answers_or_field_errors(values):
    answers, errors = autopsy.read_submission(values, NOW)
    assert (answers is None) == bool(errors)
    assert all(isinstance(message, str) and message for message in errors.values())
    chosen, problems = workspace.read_settings(values)
    assert (chosen is None) == bool(problems)


@FAST
@given(text=TEXT)
def test_any_command_text_gets_an_answer(bot, fake, text):
    trigger = unique("trigger.")
    body = slash_command(text, user="U0HOSTILE", trigger_id=trigger, response_url=fake.response_url(trigger))
    assert send(bot.events_url, body, FORM).status == 200


def _payload(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "user": {"id": "U0HOSTILE", "username": "x", "team_id": TEAM_ID},
        "team": {"id": TEAM_ID, "domain": "x"},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "trigger_id": unique("trigger."),
        **extra,
    }


ACTION_IDS = st.sampled_from(
    [ids.REACHED_OUT, ids.WON_BACK, ids.SNOOZE_WEEK, ids.PAUSE, ids.RESUME, ids.ADD_REVISIT, ids.HELP_YES,
     ids.AUTOPSY_MENU, ids.HOME_PAGE, ids.HOME_NEWER, ids.EXPORT_MINE, ids.OPEN_SETTINGS, ids.LOG_LOST_DEAL,
     "unknown_action"]
)  # fmt: skip


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
        ids.AUTOPSY_DELETE_VIEW,
        ids.REVISIT_VIEW,
        ids.SETTINGS_VIEW,
        "zz",
    ]
)


@FAST
@given(callback=CALLBACKS, values=STATE_VALUES, metadata=st.one_of(st.none(), TEXT, st.integers().map(str)))
def test_any_submission_gets_errors_or_a_close(bot, callback, values, metadata):
    view = {"id": unique("V"), "type": "modal", "callback_id": callback, "state": {"values": values},
            "private_metadata": metadata, "blocks": []}  # fmt: skip
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
    trigger = unique("trigger.")
    body = slash_command(text, user="U0HOSTILE", trigger_id=trigger, response_url=fake.response_url(trigger))
    assert send(bot.events_url, body, FORM).status == 200
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert "evil" in json.dumps(view, ensure_ascii=False)
