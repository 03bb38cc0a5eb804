"""Buyer asks and the public page's counts, on SQLite and PostgreSQL: one ask per autopsy however
often it is asked for, a link renewed or withdrawn, the buyer's answers kept once and corrected
within the hour, and request counts that every process shares."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from playground.emulator import TEAM_ID
from storage import BuyerAsk, Store
from storage.models import PageVisits
from tests.support.examples import IN_WEEK, save_lesson

HOUR = timedelta(hours=1)
ANSWERS = {
    "main_reason": "price",
    "other_reason": None,
    "changed_mind": "A smaller first order.",
    "working_with": "Quick and kind.",
    "working_score": 4,
    "may_contact": "later",
}


def ask_of(store: Store, autopsy_id: int, *, seed: str = "seed-1", token_hash: str = "hash-1") -> BuyerAsk:
    with store.write() as work:
        return work.buyer_asks.start(
            team_id=TEAM_ID,
            autopsy_id=autopsy_id,
            seed=seed,
            token_hash=token_hash,
            now=IN_WEEK,
            expires_at=IN_WEEK + timedelta(days=30),
        )


def answer(store: Store, ask_id: int, at, **changes) -> str:
    with store.write() as work:
        return work.buyer_asks.answer(ask_id, answers={**ANSWERS, **changes}, now=at, correct_until=HOUR)


def stored(store: Store, ask_id: int) -> BuyerAsk:
    with store.read() as work:
        found = work.session.get(BuyerAsk, ask_id)
        assert found is not None
        return found


def test_an_autopsy_has_one_ask_however_often_it_is_asked_for(store):
    autopsy = save_lesson(store, "U1")
    first = ask_of(store, autopsy)
    again = ask_of(store, autopsy, seed="seed-2", token_hash="hash-2")
    assert (again.id, again.token_seed, again.token_hash) == (first.id, "seed-1", "hash-1")
    other = ask_of(store, save_lesson(store, "U1"), seed="seed-3", token_hash="hash-3")
    assert other.id != first.id
    with store.read() as work:
        assert work.buyer_asks.of_autopsy(team_id=TEAM_ID, autopsy_id=autopsy).id == first.id
        assert work.buyer_asks.of_autopsy(team_id="T0OTHER", autopsy_id=autopsy) is None
        both = work.buyer_asks.of_autopsies(team_id=TEAM_ID, autopsy_ids=[autopsy, other.autopsy_id, 999])
        assert {ask.id for ask in both.values()} == {first.id, other.id}
        assert work.buyer_asks.of_autopsies(team_id=TEAM_ID, autopsy_ids=[]) == {}


def test_a_link_is_found_by_its_hash_with_its_autopsy_and_opened_once(store):
    autopsy = save_lesson(store, "U1", deal_name="Initech")
    ask = ask_of(store, autopsy)
    with store.write() as work:
        found = work.buyer_asks.by_token_hash("hash-1")
        assert found is not None and (found.ask.id, found.autopsy.deal_name) == (ask.id, "Initech")
        assert work.buyer_asks.by_token_hash("hash-unknown") is None
        work.buyer_asks.opened(ask.id, now=IN_WEEK + HOUR)
        work.buyer_asks.opened(ask.id, now=IN_WEEK + 2 * HOUR)
    assert stored(store, ask.id).opened_at == IN_WEEK + HOUR


def test_answers_are_kept_once_corrected_within_the_hour_then_closed(store):
    ask = ask_of(store, save_lesson(store, "U1"))
    sent = IN_WEEK + timedelta(days=2)
    assert answer(store, ask.id, sent) == "answered"
    kept = stored(store, ask.id)
    assert (kept.answered_at, kept.opened_at, kept.main_reason, kept.working_score) == (
        sent,
        sent,
        "price",
        4,
    )
    assert answer(store, ask.id, sent + timedelta(minutes=59), main_reason="timing") == "corrected"
    corrected = stored(store, ask.id)
    assert (corrected.answered_at, corrected.main_reason) == (sent, "timing")  # still sent when first sent
    assert answer(store, ask.id, sent + timedelta(minutes=61), main_reason="service") == "closed"
    assert stored(store, ask.id).main_reason == "timing"


def test_a_withdrawn_or_expired_link_takes_no_answer_and_an_answered_one_cannot_be_withdrawn(store):
    withdrawn = ask_of(store, save_lesson(store, "U1"))
    with store.write() as work:
        assert work.buyer_asks.withdraw(withdrawn.id, now=IN_WEEK + HOUR) is True
        assert work.buyer_asks.withdraw(withdrawn.id, now=IN_WEEK + 2 * HOUR) is False
    assert stored(store, withdrawn.id).withdrawn_at == IN_WEEK + HOUR
    assert answer(store, withdrawn.id, IN_WEEK + 3 * HOUR) == "closed"
    expired = ask_of(store, save_lesson(store, "U1"), seed="seed-2", token_hash="hash-2")
    assert answer(store, expired.id, IN_WEEK + timedelta(days=30)) == "closed"
    assert stored(store, expired.id).answered_at is None
    answered = ask_of(store, save_lesson(store, "U1"), seed="seed-3", token_hash="hash-3")
    answer(store, answered.id, IN_WEEK + HOUR)
    with store.write() as work:
        assert work.buyer_asks.withdraw(answered.id, now=IN_WEEK + 2 * HOUR) is False


def test_a_renewed_link_is_a_new_one_unopened_and_an_answered_ask_is_never_renewed(store):
    ask = ask_of(store, save_lesson(store, "U1"))
    later = IN_WEEK + timedelta(days=40)
    with store.write() as work:
        work.buyer_asks.opened(ask.id, now=IN_WEEK + HOUR)
        work.buyer_asks.withdraw(ask.id, now=IN_WEEK + 2 * HOUR)
        work.buyer_asks.renew(
            ask.id, seed="seed-2", token_hash="hash-2", now=later, expires_at=later + timedelta(days=30)
        )
        assert work.buyer_asks.by_token_hash("hash-1") is None  # the old link leads nowhere
    renewed = stored(store, ask.id)
    assert (renewed.token_seed, renewed.created_at, renewed.opened_at, renewed.withdrawn_at) == (
        "seed-2",
        later,
        None,
        None,
    )
    assert answer(store, ask.id, later + HOUR) == "answered"
    with store.write() as work:
        work.buyer_asks.renew(ask.id, seed="seed-3", token_hash="hash-3", now=later, expires_at=later)
    assert stored(store, ask.id).token_hash == "hash-2"


def test_the_export_reads_the_asks_of_the_autopsies_it_names(store):
    asks = [ask_of(store, save_lesson(store, "U1"), seed=f"s{n}", token_hash=f"h{n}") for n in range(4)]
    with store.read() as work:
        exported = list(work.buyer_asks.for_export([asks[0].autopsy_id, asks[1].autopsy_id]))
        assert sorted(ask.id for ask in exported) == [asks[0].id, asks[1].id]
        assert list(work.buyer_asks.for_export([])) == []


def test_deleting_an_autopsy_deletes_its_ask(store):
    autopsy = save_lesson(store, "U1")
    ask = ask_of(store, autopsy)
    with store.write() as work:
        assert work.autopsies.delete(team_id=TEAM_ID, user_id="U1", autopsy_id=autopsy)
    with store.read() as work:
        assert work.session.get(BuyerAsk, ask.id) is None


def test_requests_are_counted_per_caller_and_window_and_windows_that_are_over_go(store):
    window = IN_WEEK.replace(minute=0)
    with store.write() as work:
        assert [work.page_limits.count("a" * 64, window_start=window) for _ in range(3)] == [1, 2, 3]
        assert work.page_limits.count("b" * 64, window_start=window) == 1
    with store.write() as work:
        assert work.page_limits.count("a" * 64, window_start=window) == 4  # in another unit of work
        assert work.page_limits.count("a" * 64, window_start=window + timedelta(minutes=10)) == 1
    with store.read() as work:
        rows = work.session.execute(select(PageVisits.who, PageVisits.window_start, PageVisits.count))
        assert sorted(rows) == [("a" * 64, window + timedelta(minutes=10), 1)]


def test_counts_from_many_threads_at_once_add_up(store):
    window = IN_WEEK.replace(minute=0)
    totals: list[int] = []

    def visit() -> None:
        for _ in range(10):
            with store.write() as work:
                totals.append(work.page_limits.count("c" * 64, window_start=window))

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(totals) == list(range(1, 41))  # each request saw its own count: none lost, none twice
    with store.read() as work:
        assert work.session.scalar(select(func.sum(PageVisits.count))) == 40
