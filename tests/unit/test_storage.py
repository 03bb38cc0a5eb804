"""Storage on SQLite and PostgreSQL: migrations, once-only saves, export (with buyers' answers),
claims and answers."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage import Autopsy, Base, Plan, Store
from storage.migrate import applied_revisions, migration_scripts, newest_revision, upgrade
from storage.searching import is_words_table
from tests.support.buyer_answering import buyer_answers
from tests.support.databases import follow_ups_of, migrated
from tests.support.examples import ANSWERS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def save(
    store: Store, team: str, user: str, view: str, *, plans: tuple[Plan, ...] = (), **changes: Any
) -> tuple[Autopsy, bool]:
    with store.write() as work:
        return work.autopsies.save(
            team_id=team,
            user_id=user,
            view_id=view,
            answers=replace(ANSWERS, **changes),
            created_at=NOW,
            follow_ups=plans,
        )


def in_threads(count: int, work) -> list:
    """Run `work` in `count` threads released at the same instant; return their results."""
    results: list = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        results.append(work())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_migrations_create_every_table_with_its_indexes(database_url):
    store = migrated(database_url)
    try:
        schema = inspect(store.engine)
        assert {"autopsies", "follow_ups", "revisits", "reminder_pauses", "person_zones"} <= set(
            schema.get_table_names()
        )
        indexes = {index["name"]: index["column_names"] for index in schema.get_indexes("autopsies")}
        assert indexes["ix_autopsies_team_created"] == ["team_id", "created_at"]
        assert indexes["ix_autopsies_team_user_created"] == ["team_id", "user_id", "created_at"]
        due = {index["name"]: index["column_names"] for index in schema.get_indexes("follow_ups")}
        assert due["ix_follow_ups_state_due"] == ["state", "due_at"]
        assert store.ping()
    finally:
        store.close()


def modelled(name: str | None, kind: str, _: object) -> bool:
    if kind == "table":
        return not (name or "").startswith("slack_") and not is_words_table(name or "")
    return not (kind in ("column", "index") and (name or "").endswith("words"))


def test_the_migrations_build_exactly_the_models(database_url):
    store = migrated(database_url)
    try:
        with store.engine.connect() as connection:
            # slack_sdk's installation tables are its own (built by its table builders in 0005);
            # the words searched are each database's own (FTS5 tables, tsvector columns: 0009).
            context = MigrationContext.configure(connection, opts={"include_name": modelled})
            drift = compare_metadata(context, Base.metadata)
        assert drift == []
    finally:
        store.close()


def test_an_autopsy_is_saved_once_per_view_even_under_concurrent_retries(database_url):
    store = migrated(database_url)
    try:
        plans = (Plan(kind="revisit", recipient_id="U1", due_at=NOW + timedelta(days=7)),)
        first, is_new = save(store, "T1", "U1", "V1", plans=plans)
        assert is_new and first.id is not None
        again, is_new_again = save(store, "T1", "U1", "V1", plans=plans)
        assert (again.id, is_new_again) == (first.id, False)
        outcomes = in_threads(8, lambda: save(store, "T1", "U1", "V2", plans=plans)[1])
        assert sorted(outcomes) == [False] * 7 + [True]
        # The same view id in another workspace is another autopsy.
        assert save(store, "T2", "U1", "V1")[1]
        with store.read() as work:
            assert len(list(work.autopsies.export(team_id="T1"))) == 2
        # Follow-ups were created once per stored autopsy, not once per delivery of the form.
        assert len(follow_ups_of(store, team_id="T1", autopsy_id=first.id)) == 1
    finally:
        store.close()


def test_the_export_holds_each_autopsy_with_its_touch_base_revisits_and_buyer_s_answers_across_batches(
    database_url, monkeypatch
):
    monkeypatch.setattr("storage.autopsies.EXPORT_BATCH", 2)  # 5 autopsies: 3 batches
    store = migrated(database_url)
    try:
        touch_base = (Plan(kind="touch_base", recipient_id="U1", due_at=NOW + timedelta(days=90)),)
        written = [
            save(store, "T1", "U1", f"V{n}", plans=touch_base, deal_name=f"D{n}")[0].id for n in range(5)
        ]
        save(store, "T2", "U9", "V1", deal_value_cents=None)
        with store.write() as work:
            for n, autopsy_id in enumerate(written):
                for k in range(n):  # written newest first: the export puts them oldest first
                    work.autopsies.add_revisit(
                        team_id="T1",
                        user_id="U1",
                        autopsy_id=autopsy_id,
                        view_id=f"R{n}.{k}",
                        text=f"D{n}, week {n - k}",
                        now=NOW + timedelta(weeks=n - k),
                    )
        [won] = follow_ups_of(store, team_id="T1", autopsy_id=written[3])
        with store.write() as work:
            work.follow_ups.answer(
                team_id="T1",
                user_id="U1",
                follow_up_id=won.id,
                state="won_back",
                now=NOW + timedelta(days=95),
            )
        for n in (1, 4):  # the first batch and the last
            buyer_answers(
                store, team_id="T1", autopsy_id=written[n], at=NOW + timedelta(days=n), changed_mind=f"D{n}"
            )
        with store.read() as work:
            entries = list(work.autopsies.export(team_id="T1"))
            everything = list(work.autopsies.export())
            mine = list(work.autopsies.export(team_id="T2", user_id="U9"))
        assert [entry.autopsy.deal_name for entry in entries] == ["D0", "D1", "D2", "D3", "D4"]
        assert [[seen.text for seen in entry.revisits] for entry in entries] == [
            [f"D{n}, week {week}" for week in range(1, n + 1)] for n in range(5)
        ]
        assert [entry.touch_base.state for entry in entries] == ["pending"] * 3 + ["won_back", "pending"]
        assert entries[3].touch_base.closed_at == NOW + timedelta(days=95)
        assert entries[0].autopsy.created_at == NOW and entries[0].autopsy.lesson == ANSWERS.lesson
        assert [entry.buyer_ask and entry.buyer_ask.changed_mind for entry in entries] == [
            None,
            "D1",
            None,
            None,
            "D4",
        ]
        assert [entry.autopsy.team_id for entry in everything] == ["T1"] * 5 + ["T2"]
        assert [
            (entry.autopsy.deal_value_cents, entry.touch_base, entry.revisits, entry.buyer_ask)
            for entry in mine
        ] == [(None, None, (), None)]
    finally:
        store.close()


def test_the_journal_is_the_reps_own_newest_first(database_url):
    store = migrated(database_url)
    try:
        for n in range(7):
            with store.write() as work:
                work.autopsies.save(
                    team_id="T1",
                    user_id="U1",
                    view_id=f"V{n}",
                    answers=replace(ANSWERS, deal_name=f"D{n}"),
                    created_at=NOW + timedelta(minutes=n),
                )
        save(store, "T1", "U2", "V99")
        save(store, "T2", "U1", "V98")
        with store.read() as work:
            page, total = work.autopsies.journal(team_id="T1", user_id="U1", offset=0, limit=5)
        recent = [item.autopsy for item in page]
        assert total == 7
        assert [entry.deal_name for entry in recent] == ["D6", "D5", "D4", "D3", "D2"]
        assert all(entry.created_at.tzinfo is not None for entry in recent)
    finally:
        store.close()


def due_now(recipient: str = "U1", minutes_ago: int = 1) -> Plan:
    return Plan(kind="revisit", recipient_id=recipient, due_at=NOW - timedelta(minutes=minutes_ago))


def test_concurrent_claims_never_share_a_follow_up(database_url):
    store = migrated(database_url)
    try:
        for n in range(60):
            save(store, "T1", f"U{n % 5}", f"V{n}", plans=(due_now(f"U{n % 5}", n),))
        save(
            store, "T1", "U1", "Vlater", plans=(Plan(kind="revisit", recipient_id="U1", due_at=NOW + LEASE),)
        )

        def claim_all() -> list[int]:
            mine: list[int] = []
            while True:
                with store.write() as work:
                    batch = work.follow_ups.claim_due(now=NOW, limit=7, lease=LEASE)
                if not batch:
                    return mine
                mine += [due.follow_up.id for due in batch]

        claims = in_threads(4, claim_all)
        every = [follow_up for claim in claims for follow_up in claim]
        assert len(every) == 60 and len(set(every)) == 60  # each due one claimed exactly once
        with store.write() as work:
            assert work.follow_ups.claim_due(now=NOW, limit=100, lease=LEASE) == []
    finally:
        store.close()


def test_a_claim_whose_lease_ran_out_can_be_taken_again(database_url):
    store = migrated(database_url)
    try:
        save(store, "T1", "U1", "V1", plans=(due_now(),))
        with store.write() as work:
            [claimed] = work.follow_ups.claim_due(now=NOW, limit=10, lease=LEASE)
        assert claimed.autopsy.deal_name == "Acme Corp"
        with store.write() as work:
            assert (
                work.follow_ups.claim_due(now=NOW + LEASE - timedelta(seconds=1), limit=10, lease=LEASE) == []
            )
        with store.write() as work:
            [again] = work.follow_ups.claim_due(now=NOW + LEASE, limit=10, lease=LEASE)
        assert again.follow_up.id == claimed.follow_up.id
        with store.write() as work:
            work.follow_ups.mark_sent(again.follow_up.id, channel_id="D1", message_ts="1.2", now=NOW + LEASE)
        with store.write() as work:
            assert work.follow_ups.claim_due(now=NOW + timedelta(days=9), limit=10, lease=LEASE) == []
    finally:
        store.close()


def test_paused_reminders_wait_and_come_back(database_url):
    store = migrated(database_url)
    try:
        save(store, "T1", "U1", "V1", plans=(due_now("U1"),))
        save(store, "T1", "U2", "V2", plans=(due_now("U2"),))
        with store.write() as work:
            assert work.follow_ups.pause(team_id="T1", user_id="U1", now=NOW)
        with store.write() as work:
            assert not work.follow_ups.pause(team_id="T1", user_id="U1", now=NOW)
            assert work.follow_ups.paused(team_id="T1", user_id="U1")
        with store.write() as work:
            claimed = work.follow_ups.claim_due(now=NOW, limit=9, lease=LEASE)
        assert [d.follow_up.recipient_id for d in claimed] == ["U2"]
        with store.write() as work:
            assert work.follow_ups.resume(team_id="T1", user_id="U1")
        with store.write() as work:
            assert not work.follow_ups.resume(team_id="T1", user_id="U1")
        with store.write() as work:
            claimed = work.follow_ups.claim_due(now=NOW, limit=9, lease=LEASE)
        assert [d.follow_up.recipient_id for d in claimed] == ["U1"]
    finally:
        store.close()


def test_a_follow_up_is_answered_once_and_only_by_its_recipient(database_url):
    store = migrated(database_url)
    try:
        save(store, "T1", "U1", "V1", plans=(due_now("U1"),))
        with store.write() as work:
            [due] = work.follow_ups.claim_due(now=NOW, limit=1, lease=LEASE)
        with store.write() as work:
            work.follow_ups.mark_sent(due.follow_up.id, channel_id="D1", message_ts="1.2", now=NOW)
        answer = {"team_id": "T1", "follow_up_id": due.follow_up.id, "now": NOW}
        with store.write() as work:
            assert work.follow_ups.answer(user_id="U2", state="done", **answer) == (None, False)
            assert work.follow_ups.answer(user_id="U1", state="done", **{**answer, "team_id": "T2"}) == (
                None,
                False,
            )
        with store.write() as work:
            answered, changed = work.follow_ups.answer(user_id="U1", state="won_back", **answer)
        assert changed and answered.follow_up.state == "won_back" and answered.follow_up.closed_at == NOW
        with store.write() as work:
            again, changed_again = work.follow_ups.answer(user_id="U1", state="let_go", **answer)
        assert not changed_again and again.follow_up.state == "won_back"
    finally:
        store.close()


def test_the_newest_revision_read_from_the_scripts_names_is_alembics_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    assert migration_scripts(url).get_heads() == [newest_revision()]
    upgrade(url)  # from nothing, Alembic runs every migration
    store = Store.connect(url)
    try:
        with store.engine.connect() as connection:
            assert applied_revisions(connection) == {newest_revision()}
    finally:
        store.close()
    upgrade(url)  # at the newest already: nothing to do, and nothing fails
