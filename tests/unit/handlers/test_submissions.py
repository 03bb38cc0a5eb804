"""Form submissions: checked, stored, only then acknowledged; a form that fails stays open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from sqlalchemy.exc import OperationalError

from bot import export, ids
from bot.blocks import autopsy_form
from handlers import submissions
from storage import Plan
from storage.autopsies import Autopsies
from tests.support.databases import follow_ups_of
from tests.support.examples import ANSWERS, GOOD
from tests.support.listener_calls import TEAM, USER, interaction
from tests.support.slack_requests import fill_form


def autopsy_view(view_id: str = "V0FORM", **answers: object) -> dict:
    form = {**autopsy_form.autopsy_modal("", datetime.now(UTC).date()).to_dict(), "id": view_id}
    chosen = {
        **GOOD,
        ids.TOUCH_BASE_ON: (datetime.now(UTC).date() + timedelta(days=30)).isoformat(),
        **answers,
    }
    return {**form, "state": {"values": fill_form(form, chosen)}}


def stored(store) -> list:
    with store.read() as work:
        return [export.record(entry) for entry in work.autopsies.export(team_id=TEAM)]


def test_a_saved_autopsy_is_acked_empty_then_the_rep_is_thanked(ack, context, client, logger, store):
    submissions.save_autopsy(ack, interaction(), autopsy_view(), context, client, logger)
    ack.assert_called_once_with()
    [row] = stored(store)
    assert (row["deal_name"], row["user_id"]) == ("Acme Corp", USER)
    kinds = sorted(f.kind for f in follow_ups_of(store, team_id=TEAM, autopsy_id=row["id"]))
    assert kinds == ["help_request", "revisit", "touch_base"]
    thanked = client.chat_postMessage.call_args.kwargs
    assert thanked["channel"] == USER and "Your autopsy of Acme Corp is saved" in thanked["text"]
    client.views_publish.assert_called_once()  # App Home shows it


def test_a_broken_autopsy_stays_open_with_its_errors_and_nothing_is_stored(
    ack, context, client, logger, store
):
    submissions.save_autopsy(ack, interaction(), autopsy_view(**{ids.LESSON: "  "}), context, client, logger)
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert list(ack.call_args.kwargs["errors"]) == [ids.LESSON]
    assert stored(store) == []
    client.chat_postMessage.assert_not_called()


def test_an_autopsy_the_database_refuses_keeps_the_form_open(ack, context, client, logger, store):
    with patch.object(Autopsies, "save", side_effect=OperationalError("INSERT", {}, Exception("locked"))):
        submissions.save_autopsy(ack, interaction(), autopsy_view(), context, client, logger)
    assert ack.call_args.kwargs == {
        "response_action": "errors",
        "errors": {ids.DEAL: "Sorry, I couldn't save this just now. Please try again."},
    }
    client.chat_postMessage.assert_not_called()


def test_the_same_submission_twice_is_stored_and_thanked_once(ack, context, client, logger, store):
    for _ in range(2):
        submissions.save_autopsy(ack, interaction(), autopsy_view("V0TWICE"), context, client, logger)
    assert len(stored(store)) == 1 and ack.call_count == 2
    assert client.chat_postMessage.call_count == 1


def test_the_revisit_uses_the_workspace_days(ack, context, client, logger, store):
    with store.write() as work:
        work.workspaces.save_settings(TEAM, revisit_days=3, now=datetime.now(UTC))
    before = datetime.now(UTC)
    submissions.save_autopsy(ack, interaction(), autopsy_view(), context, client, logger)
    [row] = stored(store)
    [revisit] = [f for f in follow_ups_of(store, team_id=TEAM, autopsy_id=row["id"]) if f.kind == "revisit"]
    assert timedelta(days=3) <= revisit.due_at - before < timedelta(days=3, minutes=1)


def written_revisit(store) -> int:
    """An autopsy whose "revisit your notes" DM was sent; the follow-up's id."""
    now = datetime.now(UTC)
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM,
            user_id=USER,
            view_id="V0OLD",
            answers=ANSWERS,
            created_at=now,
            follow_ups=[Plan(kind="revisit", recipient_id=USER, due_at=now)],
        )
    with store.write() as work:
        [due] = work.follow_ups.claim_due(now=now, limit=1, lease=timedelta(minutes=5))
        work.follow_ups.mark_sent(due.follow_up.id, channel_id="D0REP", message_ts="1.2", now=now)
    return due.follow_up.id


def revisit_view(follow_up_id: int, text: str) -> dict:
    view = {"id": "V0REVISIT", "private_metadata": str(follow_up_id)}
    return {**view, "state": {"values": {ids.REVISIT_TEXT: {ids.REVISIT_TEXT: {"value": text}}}}}


def test_a_revisit_and_the_answer_to_its_dm_are_stored_together(ack, context, client, logger, store):
    follow_up_id = written_revisit(store)
    submissions.save_revisit(
        ack, interaction(), revisit_view(follow_up_id, "I see it now."), context, client, logger
    )
    ack.assert_called_once_with()
    with store.read() as work:
        due = work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id)
        revisits = work.autopsies.revisits(team_id=TEAM, autopsy_id=due.autopsy.id)
    assert due.follow_up.state == "done" and [r.text for r in revisits] == ["I see it now."]
    redrawn = client.chat_update.call_args.kwargs
    assert redrawn["ts"] == "1.2" and "Thank you for looking back" in str(redrawn["blocks"])


def test_a_revisit_whose_answer_fails_stores_no_revisit_either(ack, context, client, logger, store):
    follow_up_id = written_revisit(store)
    failure = OperationalError("UPDATE", {}, Exception("gone"))
    with patch("storage.follow_ups.FollowUps.answer", side_effect=failure):
        submissions.save_revisit(
            ack, interaction(), revisit_view(follow_up_id, "Lost?"), context, client, logger
        )
    assert ack.call_args.kwargs["errors"] == {
        ids.REVISIT_TEXT: "Sorry, I couldn't save this just now. Please try again."
    }
    with store.read() as work:
        due = work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id)
        assert work.autopsies.revisits(team_id=TEAM, autopsy_id=due.autopsy.id) == []
    assert due.follow_up.state == "sent"


def test_an_empty_or_too_long_revisit_stays_open(ack, context, client, logger, store):
    follow_up_id = written_revisit(store)
    for text in ("   ", "x" * 3001):
        submissions.save_revisit(
            ack, interaction(), revisit_view(follow_up_id, text), context, client, logger
        )
        assert list(ack.call_args.kwargs["errors"]) == [ids.REVISIT_TEXT]
    client.chat_update.assert_not_called()


def test_someone_elses_revisit_is_refused_and_nothing_stored(ack, context, client, logger, store, caplog):
    follow_up_id = written_revisit(store)
    view = revisit_view(follow_up_id, "Not mine")
    submissions.save_revisit(ack, interaction("U0INTRUDER"), view, context, client, logger)
    assert ack.call_args.kwargs["errors"] == {ids.REVISIT_TEXT: submissions.NOTHING_TO_REVISIT}
    assert "Refused a revisit from U0INTRUDER" in caplog.text
    client.chat_update.assert_not_called()


def test_a_revisit_of_an_autopsy_deleted_meanwhile_stays_open_and_says_why(
    ack, context, client, logger, store
):
    """The rep typed what they see now: the form keeps it and says the autopsy is gone, instead of
    closing as if it were saved."""
    follow_up_id = written_revisit(store)
    with store.write() as work:
        due = work.follow_ups.get(team_id=TEAM, follow_up_id=follow_up_id)
        assert work.autopsies.delete(team_id=TEAM, user_id=USER, autopsy_id=due.autopsy.id)
    submissions.save_revisit(
        ack, interaction(), revisit_view(follow_up_id, "Too late"), context, client, logger
    )
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert "deleted" in ack.call_args.kwargs["errors"][ids.REVISIT_TEXT]


def test_an_edit_keeps_the_form_open_for_someone_elses_autopsy(ack, context, client, logger, store):
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=TEAM, user_id=USER, view_id="V0MINE", answers=ANSWERS, created_at=datetime.now(UTC)
        )
    view = {**autopsy_view("V0EDIT"), "private_metadata": str(entry.id)}
    submissions.save_edit(ack, interaction("U0INTRUDER"), view, context, client, logger)
    assert ack.call_args.kwargs["errors"] == {ids.DEAL: submissions.NOT_THERE_TO_EDIT}
    submissions.save_edit(ack, interaction(), view, context, client, logger)
    assert ack.call_args == ((), {})
    [row] = stored(store)
    assert row["deal_name"] == "Acme Corp" and row["lesson"] == GOOD[ids.LESSON]
