"""What lost buyers answered in a digest's week, on SQLite and PostgreSQL: their words as each
autopsy is shared (a name only for named ones, nothing of private ones), how often rep and buyer
named the same main reason, and the week read through the (team_id, answered_at) index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from storage import CustomerWords, Store, WeekFacts, upgrade
from tests.support.buyer_answering import buyer_answers
from tests.support.examples import IN_WEEK, save_lesson

TEAM = "T1"
STARTS, ENDS = datetime(2026, 11, 20, 16, 0, tzinfo=UTC), datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def lost(store: Store, user: str, deal: str, *, sharing: str = "named", reason: str | None = "price") -> int:
    return save_lesson(store, user, team=TEAM, deal_name=deal, sharing=sharing, main_reason=reason)


def answers(store: Store, autopsy_id: int, at: datetime = IN_WEEK, **said: object) -> None:
    buyer_answers(store, team_id=TEAM, autopsy_id=autopsy_id, at=at, **said)


def week(store: Store, words_limit: int = 10) -> WeekFacts:
    with store.read() as work:
        return work.digests.week_facts(
            team_id=TEAM, starts_at=STARTS, ends_at=ENDS, lesson_limit=20, words_limit=words_limit
        )


def test_the_week_s_buyers_speak_as_each_autopsy_is_shared_and_agreement_counts_shared_ones(store):
    acme = lost(store, "U0ANN", "Acme")
    secret = lost(store, "U0BOB", "Secret Co", sharing="anonymous", reason="timing")
    hidden = lost(store, "U0CAT", "Hidden Inc", sharing="private")
    quiet = lost(store, "U0DAN", "Quiet Co", reason=None)
    earlier = save_lesson(store, "U0EVE", team=TEAM, at=STARTS - timedelta(weeks=3), deal_name="Old Co")
    unanswered = lost(store, "U0FAY", "Waiting Co")
    later = lost(store, "U0GUS", "Later Co")
    elsewhere = save_lesson(store, "U0ANN", team="T2", deal_name="Acme")
    answers(store, acme, main_reason="price", changed_mind="A pilot.")
    answers(store, secret, IN_WEEK + timedelta(hours=1), main_reason="other", other_reason="Your CEO")
    answers(store, hidden, main_reason="price", changed_mind="PRIVATE WORDS")
    answers(store, quiet, IN_WEEK + timedelta(hours=2), main_reason="price")
    answers(store, earlier, IN_WEEK + timedelta(hours=3), changed_mind="Call in spring.")  # an old deal
    answers(store, later, ENDS, main_reason="price", changed_mind="Next week's")
    buyer_answers(store, team_id="T2", autopsy_id=elsewhere, at=IN_WEEK, main_reason="price")
    with store.write() as work:  # asked only: the buyer has not answered
        work.buyer_asks.start(
            team_id=TEAM, autopsy_id=unanswered, seed="s", token_hash="h", now=IN_WEEK, expires_at=ENDS
        )

    facts = week(store)
    assert facts.customer_words == [
        CustomerWords("Acme", "U0ANN", "price", None, "A pilot."),
        CustomerWords("Secret Co", None, "other", "Your CEO", None),
        CustomerWords("Quiet Co", "U0DAN", "price", None, None),
        CustomerWords("Old Co", "U0EVE", None, None, "Call in spring."),
    ]
    assert facts.customers_answered == 4
    # Acme: price and price; Secret Co: timing and other. Quiet Co's rep named none; private: never.
    assert (facts.reasons_compared, facts.reasons_agreed) == (2, 1)
    assert not facts.empty


def test_only_a_score_is_no_words_and_the_first_ones_are_read_oldest_first(store):
    scored = lost(store, "U0ANN", "Scored Co")
    answers(store, scored, working_score=2, may_contact="no")
    for number in range(4):
        autopsy_id = lost(store, f"U{number}", f"Deal {number}")
        answers(store, autopsy_id, IN_WEEK + timedelta(hours=4 - number), changed_mind=f"Said {number}")
    facts = week(store, words_limit=2)
    assert [words.deal_name for words in facts.customer_words] == ["Deal 3", "Deal 2"]
    assert facts.customers_answered == 4 and facts.reasons_compared == 0
    assert week(store, words_limit=0).customer_words == []  # `/lost-deal stats` reads the counts only


def test_a_week_of_answers_alone_is_not_empty(store):
    old = save_lesson(store, "U0ANN", team=TEAM, at=STARTS - timedelta(days=30))
    answers(store, old, changed_mind="Cheaper elsewhere.")
    facts = week(store)
    assert facts.lost == 0 and facts.customers_answered == 1 and not facts.empty


def test_the_week_s_answers_are_read_through_the_team_answered_index(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    store = Store.connect(url)
    try:
        answers(store, lost(store, "U0ANN", "Acme"), main_reason="price", changed_mind="A pilot.")
        read: list[str] = []
        event.listen(
            store.engine, "before_cursor_execute", lambda _c, _k, sql, *_: read.append(sql), named=False
        )
        week(store)
        asked = [sql for sql in read if "FROM buyer_asks" in sql]
        assert len(asked) == 2  # the counts, then the words
        with store.engine.connect() as connection:
            for sql in asked:
                plan = " ".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1,) * sql.count("?"))
                )
                assert "buyer_asks USING INDEX ix_buyer_asks_team_answered" in plan, plan
                assert "SCAN" not in plan, plan
    finally:
        store.close()
