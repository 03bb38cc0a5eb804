"""The competitor field's options, answered as Bolt calls the listener: the team's names and what
the rep typed, from one read of the store; what was typed still, when the store cannot answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from handlers.options import competitor_names
from tests.support.examples import ANSWERS
from tests.support.listener_calls import TEAM, USER

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def offered(ack) -> list[tuple[str, str]]:
    [call] = ack.call_args_list
    return [(o["text"]["text"], o["value"]) for o in call.kwargs["options"]]


def test_the_rep_sees_the_team_s_matching_names_after_the_name_they_typed(ack, context, store, logger):
    for view, competitor in enumerate(("Initech", "initech inc.", "Globex", "Initrode")):
        with store.write() as work:
            answers = replace(ANSWERS, winner="competitor", competitor=competitor)
            work.autopsies.save(
                team_id=TEAM, user_id=USER, view_id=f"V{view}", answers=answers, created_at=NOW
            )
    competitor_names(ack=ack, payload={"value": "Init"}, context=context, logger=logger)
    assert offered(ack) == [("Use “Init”", "Init"), ("Initech", "Initech"), ("Initrode", "Initrode")]


def test_when_the_names_cannot_be_read_the_rep_can_still_name_one(ack, context, store, logger, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "read", broken)
    competitor_names(ack=ack, payload={"value": "Hooli"}, context=context, logger=logger)
    assert offered(ack) == [("Use “Hooli”", "Hooli")]
