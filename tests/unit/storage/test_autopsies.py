"""Autopsies on SQLite and PostgreSQL: whether a workspace has any yet, and deleting one with what
its lost buyer answered."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import BuyerAsk
from tests.support.buyer_answering import buyer_answers
from tests.support.examples import ANSWERS, save_lesson

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_workspace_has_autopsies_once_someone_in_it_writes_one(store):
    with store.read() as work:
        assert not work.autopsies.any_written(team_id="T1")
    with store.write() as work:
        work.autopsies.save(team_id="T2", user_id="U1", view_id="V1", answers=ANSWERS, created_at=NOW)
    with store.read() as work:
        assert not work.autopsies.any_written(team_id="T1")  # another workspace's is not this one's
        assert work.autopsies.any_written(team_id="T2")


def test_deleting_an_autopsy_takes_its_buyer_s_link_and_answers_and_no_one_else_s(store):
    mine, other = save_lesson(store, "U1", team="T1"), save_lesson(store, "U1", team="T1")
    for autopsy_id in (mine, other):
        buyer_answers(
            store, team_id="T1", autopsy_id=autopsy_id, at=NOW, changed_mind=f"Said of {autopsy_id}"
        )
    with store.write() as work:
        assert not work.autopsies.delete(team_id="T1", user_id="U2", autopsy_id=mine)  # not theirs
        assert work.autopsies.delete(team_id="T1", user_id="U1", autopsy_id=mine)
    with store.read() as work:
        assert list(work.session.scalars(select(BuyerAsk.changed_mind))) == [f"Said of {other}"]
