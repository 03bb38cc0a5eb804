"""Asking the buyer, on SQLite and PostgreSQL: one link per autopsy shown again, a withdrawn or
expired one replaced, the buyer's answers kept once and correctable for an hour, and the rep's
"answered" DM handed to the follow-up sweep exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.asking import BUYER_ANSWERED, BuyerAsking
from bot.customer_side import BuyerAnswers, LinkKeys
from storage import Store
from tests.support.databases import follow_ups_of, migrated
from tests.support.examples import ANSWERS

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PUBLIC = "https://rebound.example.com"
PRICE = BuyerAnswers(main_reason="price", changed_mind="A pilot first")


@pytest.fixture
def store(database_url):
    store = migrated(database_url)
    yield store
    store.close()


def written(store: Store, view: str = "V1") -> int:
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id="T1",
            user_id="U1",
            view_id=view,
            answers=replace(ANSWERS, deal_name=f"Deal {view}"),
            created_at=NOW,
            follow_ups=(),
        )
    return entry.id


def token_of(link: str) -> str:
    assert link.startswith(f"{PUBLIC}/ask/")
    return link.rsplit("/", 1)[1]


def test_one_autopsy_has_one_link_shown_again_and_the_database_never_holds_it(store):
    asking = BuyerAsking(store, LinkKeys("secret"), PUBLIC, days=30)
    autopsy_id = written(store)
    first = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW)
    again = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(days=2))
    assert (first.made, again.made) == ("new", "same")
    assert again.link == first.link and again.state == "not opened yet"
    assert again.ask.expires_at == NOW + timedelta(days=30)
    other = asking.link(team_id="T1", autopsy_id=written(store, "V2"), now=NOW)
    assert other.link != first.link
    with store.engine.connect() as connection:
        dumped = " ".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM buyer_asks"))
    assert token_of(first.link) not in dumped and token_of(other.link) not in dumped


def test_the_link_opens_its_ask_once_and_an_unknown_one_opens_nothing(store):
    asking = BuyerAsking(store, LinkKeys("secret"), PUBLIC, days=30)
    autopsy_id = written(store)
    token = token_of(asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW).link)
    found = asking.open(token, now=NOW + timedelta(hours=1))
    assert found is not None and found.autopsy.id == autopsy_id and found.autopsy.deal_name == "Deal V1"
    asking.open(token, now=NOW + timedelta(hours=5))
    shown = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(hours=6))
    assert shown.state == "opened" and shown.ask.opened_at == NOW + timedelta(hours=1)
    assert asking.open(token[:-1] + ("A" if token[-1] != "A" else "B"), now=NOW) is None
    # Another server (another secret) does not derive this deployment's links.
    other_server = BuyerAsking(store, LinkKeys("other"), PUBLIC, days=30)
    moved = other_server.link(team_id="T1", autopsy_id=autopsy_id, now=NOW)
    assert (moved.made, moved.replaced) == ("renewed", "changed")
    assert asking.open(token, now=NOW) is None  # so its rep got a new link, and the old one is dead


def test_a_withdrawn_or_expired_link_stops_opening_and_asking_again_makes_a_new_one(store):
    asking = BuyerAsking(store, LinkKeys("secret"), PUBLIC, days=30)
    autopsy_id = written(store)
    old = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW)
    assert asking.withdraw(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(hours=1))
    assert not asking.withdraw(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(hours=2))
    found = asking.open(token_of(old.link), now=NOW + timedelta(hours=2))
    assert asking.answer(found, PRICE, now=NOW + timedelta(hours=2)) == "closed"
    renewed = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(days=1))
    assert renewed.made == "renewed" and renewed.link != old.link and renewed.state == "not opened yet"
    assert renewed.replaced == "withdrawn"
    assert asking.open(token_of(old.link), now=NOW + timedelta(days=1)) is None

    expired_at = NOW + timedelta(days=1, weeks=5)
    late = asking.open(token_of(renewed.link), now=expired_at)
    assert asking.answer(late, PRICE, now=expired_at) == "closed"
    again = asking.link(team_id="T1", autopsy_id=autopsy_id, now=expired_at)
    assert (again.made, again.replaced) == ("renewed", "expired")
    assert asking.link(team_id="T1", autopsy_id=autopsy_id, now=expired_at).replaced is None  # the same now


def test_the_first_answer_hands_the_rep_one_dm_and_corrections_last_an_hour(store):
    asking = BuyerAsking(store, LinkKeys("secret"), PUBLIC, days=30)
    autopsy_id = written(store)
    token = token_of(asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW).link)
    found = asking.open(token, now=NOW)
    assert asking.answer(found, PRICE, now=NOW + timedelta(minutes=1)) == "answered"
    corrected = BuyerAnswers(main_reason="timing", may_contact="yes")
    assert asking.answer(found, corrected, now=NOW + timedelta(minutes=50)) == "corrected"
    assert asking.answer(found, PRICE, now=NOW + timedelta(minutes=62)) == "closed"
    shown = asking.link(team_id="T1", autopsy_id=autopsy_id, now=NOW + timedelta(hours=2))
    assert shown.state == "answered" and shown.ask.answered_at == NOW + timedelta(minutes=1)
    assert (shown.ask.main_reason, shown.ask.changed_mind, shown.ask.may_contact) == ("timing", None, "yes")
    [dm] = follow_ups_of(store, team_id="T1", autopsy_id=autopsy_id)
    assert (dm.kind, dm.recipient_id, dm.state, dm.due_at) == (
        BUYER_ANSWERED,
        "U1",
        "pending",
        NOW + timedelta(minutes=61),  # once the answers can no longer change: the DM shows them as they stay
    )
