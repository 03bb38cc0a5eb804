"""Answers on follow-up DMs: once, only by their recipient, with the DM redrawn and Home updated."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.errors import SlackApiError

from bot import ids
from handlers import actions
from storage import Plan
from tests.support.examples import ANSWERS
from tests.support.listener_calls import TEAM, USER, interaction


def sent_follow_up(store, kind: str = "touch_base", recipient: str = USER) -> int:
    now = datetime.now(UTC)
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM,
            user_id=USER,
            view_id=f"V{kind}",
            answers=ANSWERS,
            created_at=now,
            follow_ups=[Plan(kind=kind, recipient_id=recipient, due_at=now)],
        )
    with store.write() as work:
        [due] = work.follow_ups.claim_due(now=now, limit=1, lease=timedelta(minutes=5))
        work.follow_ups.mark_sent(due.follow_up.id, channel_id="D0REP", message_ts="7.7", now=now)
    return due.follow_up.id


def click(action_id: str, value: object, user: str = USER) -> tuple[dict, dict]:
    action = {"action_id": action_id, "value": value, "type": "button"}
    return interaction(user, actions=[action]), action


def state(store, follow_up_id: int) -> str:
    with store.read() as work:
        return work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id).follow_up.state


def test_won_them_back_is_recorded_the_dm_redrawn_and_home_updated(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store)
    body, action = click(ids.WON_BACK, str(follow_up_id))
    actions.answer_follow_up(ack, body, action, context, client, logger)
    ack.assert_called_once_with()
    assert state(store, follow_up_id) == "won_back"
    redrawn = client.chat_update.call_args.kwargs
    assert (redrawn["channel"], redrawn["ts"]) == ("D0REP", "7.7")
    assert "You won them back!" in str(redrawn["blocks"]) and ids.WON_BACK not in str(redrawn["blocks"])
    client.views_publish.assert_called_once()


def test_a_second_click_changes_nothing_and_home_is_not_redrawn(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store)
    for action_id in (ids.REACHED_OUT, ids.LET_GO):
        body, action = click(action_id, str(follow_up_id))
        actions.answer_follow_up(ack, body, action, context, client, logger)
    assert state(store, follow_up_id) == "done"
    assert client.views_publish.call_count == 1


@pytest.mark.parametrize("value", ["9999", "not-a-number", None, "1" * 40])
def test_a_forged_or_foreign_follow_up_is_refused(ack, context, client, logger, store, caplog, value):
    follow_up_id = sent_follow_up(store)
    body, action = click(ids.REACHED_OUT, value)
    actions.answer_follow_up(ack, body, action, context, client, logger)
    body, action = click(ids.REACHED_OUT, str(follow_up_id), user="U0INTRUDER")
    actions.answer_follow_up(ack, body, action, context, client, logger)
    assert state(store, follow_up_id) == "sent"
    assert caplog.text.count("is not theirs to answer") == 2
    client.chat_update.assert_not_called()


def test_a_touch_base_button_cannot_answer_a_help_request(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store, kind="help_request", recipient="U0MENTOR")
    body, action = click(ids.WON_BACK, str(follow_up_id), user="U0MENTOR")
    actions.answer_follow_up(ack, body, action, context, client, logger)
    assert state(store, follow_up_id) == "sent"


def test_the_helper_answers_and_the_rep_hears_which(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store, kind="help_request", recipient="U0MENTOR")
    body, action = click(ids.HELP_YES, str(follow_up_id), user="U0MENTOR")
    actions.answer_follow_up(ack, body, action, context, client, logger)
    told = client.chat_postMessage.call_args.kwargs
    assert told["channel"] == USER and "<@U0MENTOR> will reach out to you" in told["text"]


@pytest.mark.parametrize(("action_id", "days"), [(ids.SNOOZE_WEEK, (7, 9)), (ids.SNOOZE_MONTH, (28, 33))])
def test_a_snooze_moves_the_reminder_to_9_on_a_weekday_of_the_reps_zone_and_says_which(
    ack, context, client, logger, store, action_id, days
):
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14: most of the day, a date ahead of UTC
    client.users_info.return_value = {"ok": True, "user": {"id": USER, "is_admin": False, "tz": zone.key}}
    follow_up_id = sent_follow_up(store)
    body, action = click(action_id, str(follow_up_id))
    today = datetime.now(UTC).astimezone(zone).date()
    actions.answer_follow_up(ack, body, action, context, client, logger)
    with store.read() as work:
        snoozed = work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id).follow_up
    assert snoozed.state == "snoozed"
    comes_back = snoozed.due_at.astimezone(zone)
    assert (
        comes_back.weekday() < 5 and comes_back.time() == time(9, 0) and comes_back.date() == snoozed.due_on
    )
    assert days[0] <= (comes_back.date() - today).days <= days[1]
    says = f"Snoozed: I'll remind you again on {comes_back:%A %-d %B}."
    assert says in str(client.chat_update.call_args.kwargs["blocks"])


def test_when_slack_cannot_say_the_reps_zone_the_snooze_keeps_to_the_sweeps_default(
    ack, context, client, logger, store, caplog
):
    client.users_info.side_effect = SlackApiError("ratelimited", {"ok": False, "error": "ratelimited"})
    follow_up_id = sent_follow_up(store)
    body, action = click(ids.SNOOZE_WEEK, str(follow_up_id))
    actions.answer_follow_up(ack, body, action, context, client, logger)
    with store.read() as work:
        snoozed = work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id).follow_up
    comes_back = snoozed.due_at.astimezone(context["settings"].timezone)  # REBOUND_TIMEZONE, as the sweep
    assert snoozed.state == "snoozed" and comes_back.time() == time(9, 0) and comes_back.weekday() < 5
    assert f"again on {comes_back:%A %-d %B}." in str(client.chat_update.call_args.kwargs["blocks"])
    assert "Could not learn U0REP's time zone" in caplog.text


def in_dm(body: dict) -> dict:
    """The click as Slack sends it from a message: its container names the conversation."""
    return {**body, "container": {"type": "message", "channel_id": "D0REP", "message_ts": "7.7"}}


def autopsy_of(store, follow_up_id: int) -> int:
    with store.read() as work:
        return work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id).autopsy.id


def delete(store, autopsy_id: int) -> None:
    with store.write() as work:
        assert work.autopsies.delete(team_id=TEAM, user_id=USER, autopsy_id=autopsy_id)


@pytest.mark.parametrize("action_id", [ids.REACHED_OUT, ids.SNOOZE_MONTH, ids.ADD_REVISIT])
def test_a_click_on_a_deleted_autopsys_dm_is_answered_kindly_where_it_was_made(
    ack, context, client, logger, store, action_id
):
    follow_up_id = sent_follow_up(store, kind="revisit" if action_id == ids.ADD_REVISIT else "touch_base")
    delete(store, autopsy_of(store, follow_up_id))
    body, action = click(action_id, str(follow_up_id))
    handler = actions.add_revisit if action_id == ids.ADD_REVISIT else actions.answer_follow_up
    handler(ack, in_dm(body), action, context, client, logger)
    told = client.chat_postEphemeral.call_args.kwargs
    assert (told["channel"], told["user"]) == ("D0REP", USER)
    assert told["text"] == "This autopsy was deleted, so there's nothing to answer here any more."
    client.chat_update.assert_not_called()
    client.views_open.assert_not_called()


def test_a_click_on_someone_elses_follow_up_tells_the_clicker_it_is_not_theirs(
    ack, context, client, logger, store
):
    follow_up_id = sent_follow_up(store, kind="help_request", recipient="U0MENTOR")
    body, action = click(ids.HELP_YES, str(follow_up_id), user="U0INTRUDER")
    actions.answer_follow_up(ack, in_dm(body), action, context, client, logger)
    told = client.chat_postEphemeral.call_args.kwargs
    assert told["user"] == "U0INTRUDER" and "someone else's to answer" in told["text"]
    assert state(store, follow_up_id) == "sent"


def test_a_stale_click_in_app_home_draws_home_again(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store)
    delete(store, autopsy_of(store, follow_up_id))
    body, action = click(ids.LET_GO, str(follow_up_id))
    home = {
        **body,
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home"},
    }
    actions.answer_follow_up(ack, home, action, context, client, logger)
    client.views_publish.assert_called_once()
    assert str(follow_up_id) not in str(client.views_publish.call_args.kwargs["view"])
    client.chat_postEphemeral.assert_not_called()


def test_pausing_from_a_deleted_autopsys_dm_still_pauses_and_says_so(ack, context, client, logger, store):
    follow_up_id = sent_follow_up(store)
    delete(store, autopsy_of(store, follow_up_id))
    body, action = click(ids.PAUSE, str(follow_up_id))
    actions.pause_or_resume(ack, in_dm(body), action, context, client, logger)
    assert "Your reminders are paused." in client.chat_postEphemeral.call_args.kwargs["text"]
    with store.read() as work:
        assert work.follow_ups.paused(team_id=TEAM, user_id=USER)


def test_a_form_slack_would_not_open_from_a_dm_button_says_to_click_again(
    ack, context, client, logger, store
):
    follow_up_id = sent_follow_up(store, kind="revisit")
    client.views_open.side_effect = SlackApiError("expired", {"ok": False, "error": "expired_trigger_id"})
    body, action = click(ids.ADD_REVISIT, str(follow_up_id))
    actions.add_revisit(ack, in_dm(body), action, context, client, logger)
    assert "click the button again" in client.chat_postEphemeral.call_args.kwargs["text"]


def confirm_click(autopsy_id: object, user: str = USER) -> tuple[dict, dict]:
    """The red "Delete it" in the confirmation modal."""
    body, action = click(ids.AUTOPSY_DELETE, str(autopsy_id), user=user)
    return {
        **body,
        "container": {"type": "view", "view_id": "V0CONFIRM"},
        "view": {"id": "V0CONFIRM", "type": "modal"},
    }, action


def test_deleting_takes_down_the_help_request_and_the_modal_says_it_is_done(
    ack, context, client, logger, store
):
    follow_up_id = sent_follow_up(store, kind="help_request", recipient="U0MENTOR")
    autopsy_id = autopsy_of(store, follow_up_id)
    actions.delete_autopsy(ack, *confirm_click(autopsy_id), context, client, logger)
    ack.assert_called_once_with()
    with store.read() as work:
        assert work.autopsies.own(team_id=TEAM, user_id=USER, autopsy_id=autopsy_id) is None
    redrawn = client.chat_update.call_args.kwargs
    assert (redrawn["channel"], redrawn["ts"]) == ("D0REP", "7.7")
    assert f"<@{USER}> took this autopsy down" in redrawn["text"] and "actions" not in str(redrawn["blocks"])
    shown = client.views_update.call_args.kwargs
    assert shown["view_id"] == "V0CONFIRM"
    assert "is deleted" in str(shown["view"].to_dict()) and "<@U0MENTOR>" in str(shown["view"].to_dict())
    client.views_publish.assert_called_once()


def test_nobody_deletes_someone_elses_autopsy_and_the_modal_says_it_is_not_there(
    ack, context, client, logger, store
):
    follow_up_id = sent_follow_up(store)
    autopsy_id = autopsy_of(store, follow_up_id)
    for body, action in (confirm_click(autopsy_id, user="U0INTRUDER"), confirm_click("9999")):
        actions.delete_autopsy(ack, body, action, context, client, logger)
        assert "isn't here any more" in str(client.views_update.call_args.kwargs["view"].to_dict())
    with store.read() as work:
        assert work.autopsies.own(team_id=TEAM, user_id=USER, autopsy_id=autopsy_id) is not None
    client.chat_update.assert_not_called()


def test_the_settings_button_clicked_by_someone_no_longer_an_admin_explains_and_goes(
    ack, context, client, logger
):
    body = interaction(container={"type": "view", "view_id": "V0HOME"}, view={"id": "V0HOME", "type": "home"})
    actions.open_settings(ack, body, context, client, logger)
    notice = client.views_open.call_args.kwargs["view"].to_dict()
    assert "Only workspace admins can change these settings." in str(notice)
    assert ids.OPEN_SETTINGS not in str(client.views_publish.call_args.kwargs["view"])


def test_an_export_that_fails_says_so_in_the_dm(ack, context, client, logger, store):
    client.files_upload_v2.side_effect = SlackApiError("boom", {"ok": False, "error": "ratelimited"})
    actions.export_mine(ack, interaction(), context, client, logger)
    told = client.chat_postMessage.call_args.kwargs
    assert told["channel"] == USER and "couldn't put your export together" in told["text"]
