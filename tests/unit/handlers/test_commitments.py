"""Actions' listeners: only a lesson the person may see becomes their action, even from a forged
click or form; a submission is stored once, then acknowledged and confirmed privately; only an
action's owner answers it; a day that is not after today is refused with why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import ids
from bot.blocks import action_items
from handlers import commitments
from storage.models import Action
from tests.support.examples import save_lesson
from tests.support.listener_calls import TEAM, USER, interaction
from tests.support.slack_requests import fill_form

AUTHOR, OWNER = "U0AUTHOR", "U0OWNER"


def action_form(store, autopsy_id: int, view_id: str = "V0ACTION", **answers: object) -> dict:
    with store.read() as work:
        entry = work.actions.lesson_for(team_id=TEAM, user_id=USER, autopsy_id=autopsy_id)
    today = datetime.now(UTC).date()
    form = {**action_items.action_modal(entry, maker_id=USER, today=today).to_dict(), "id": view_id}
    return {**form, "state": {"values": fill_form(form, {ids.ACTION_OWNER: OWNER, **answers})}}


def actions_in(store) -> list[Action]:
    with store.read() as work:
        return list(work.session.scalars(select(Action).order_by(Action.id)))


def test_a_forged_click_on_a_private_autopsy_opens_nothing(ack, context, client, logger, store):
    private = save_lesson(store, AUTHOR, team=TEAM, sharing="private")
    clicked = interaction(container={"type": "message", "channel_id": "C0LESSONS"})
    commitments.make_action(ack, clicked, {"value": str(private)}, context, client, logger)
    ack.assert_called_once_with()
    client.views_open.assert_not_called()
    [said] = client.chat_postEphemeral.call_args_list
    assert said.kwargs["text"] == commitments.NOT_ADOPTABLE


def test_a_forged_form_on_a_private_autopsy_stores_nothing(ack, context, client, logger, store):
    shared = save_lesson(store, AUTHOR, team=TEAM)
    private = save_lesson(store, AUTHOR, team=TEAM, sharing="private")
    forged = {**action_form(store, shared), "private_metadata": str(private)}
    commitments.save_action(ack, interaction(), forged, context, client, logger)
    ack.assert_called_once_with(response_action="errors", errors={ids.ACTION_WHAT: commitments.NOT_ADOPTABLE})
    assert actions_in(store) == []


def test_a_shared_lesson_becomes_an_action_once_and_its_maker_hears_privately(
    ack, context, client, logger, store
):
    shared = save_lesson(store, AUTHOR, team=TEAM)
    form = action_form(store, shared)
    commitments.save_action(ack, interaction(), form, context, client, logger)
    commitments.save_action(ack, interaction(), form, context, client, logger)  # Slack's retry
    [made] = actions_in(store)
    assert (made.made_by, made.owner_id, made.autopsy_id) == (USER, OWNER, shared)
    confirmations = [c for c in client.chat_postMessage.call_args_list if c.kwargs["channel"] == USER]
    assert len(confirmations) == 1 and "Action noted" in confirmations[0].kwargs["text"]
    assert {c.kwargs["user_id"] for c in client.views_publish.call_args_list} == {USER, OWNER}


def test_a_day_that_is_not_after_today_keeps_the_form_open(ack, context, client, logger, store):
    shared = save_lesson(store, AUTHOR, team=TEAM)
    today = datetime.now(UTC).date()
    form = action_form(store, shared, **{ids.ACTION_DUE_ON: (today - timedelta(days=1)).isoformat()})
    commitments.save_action(ack, interaction(), form, context, client, logger)
    assert list(ack.call_args.kwargs["errors"]) == [ids.ACTION_DUE_ON]
    assert actions_in(store) == []


def test_only_the_owner_answers_and_a_past_day_is_no_snooze(ack, context, client, logger, store):
    shared = save_lesson(store, AUTHOR, team=TEAM)
    commitments.save_action(ack, interaction(), action_form(store, shared), context, client, logger)
    [made] = actions_in(store)
    in_dm = {"container": {"type": "message", "channel_id": "D0REP"}}
    commitments.action_done(ack, interaction(**in_dm), {"value": str(made.id)}, context, client, logger)
    assert actions_in(store)[0].state == "open"  # the maker is not its owner
    assert "someone else's" in client.chat_postEphemeral.call_args.kwargs["text"]
    picked = {
        "action_id": ids.ACTION_SNOOZE_UNTIL,
        "block_id": ids.ACTION_DUE_ANSWERS.format(id=made.id),
        "selected_date": "2020-01-01",
    }
    commitments.action_snooze(ack, interaction(OWNER, **in_dm), picked, context, client, logger)
    assert "Please pick a day after today" in client.chat_postEphemeral.call_args.kwargs["text"]
    assert actions_in(store)[0].due_on == made.due_on
    commitments.action_done(
        ack, interaction(OWNER, **in_dm), {"value": str(made.id)}, context, client, logger
    )
    assert actions_in(store)[0].state == "done"
