"""Storage on SQLite and PostgreSQL: migrations, once-only saves, export, and reads per rep."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import inspect

from bot.autopsy import Answers
from storage import EXPORT_FIELDS, Store, upgrade

ANSWERS = Answers(
    deal_name="Acme Corp",
    outcome="customer_cancelled",
    deal_value_cents=1_999_999,
    winner="in_house",
    winner_reason="They hired two engineers instead",
    customer_said="We wanted more control.",
    check_listened="partly",
    check_timing="no",
    check_market="yes",
    check_aggressive="no",
    feelings="Disappointed, but I understand.",
    lesson="Ask about build-vs-buy in the first call.",
    touch_base_on=date(2027, 3, 1),
    help_from=None,
    sharing="anonymous",
)


def migrated(url: str) -> Store:
    upgrade(url)
    upgrade(url)  # running it again is harmless
    return Store.connect(url)


def test_migrations_create_the_autopsies_table_with_its_indexes(database_url):
    store = migrated(database_url)
    try:
        schema = inspect(store.engine)
        assert {"autopsies", "alembic_version"} <= set(schema.get_table_names())
        indexes = {index["name"]: index["column_names"] for index in schema.get_indexes("autopsies")}
        assert indexes["ix_autopsies_team_created"] == ["team_id", "created_at"]
        assert indexes["ix_autopsies_team_user_created"] == ["team_id", "user_id", "created_at"]
        assert store.ping()
    finally:
        store.close()


def test_an_autopsy_is_saved_once_per_view_even_under_concurrent_retries(database_url):
    store = migrated(database_url)
    try:
        first, is_new = store.save_autopsy(team_id="T1", user_id="U1", view_id="V1", answers=ANSWERS)
        assert is_new and first.id is not None
        again, is_new_again = store.save_autopsy(team_id="T1", user_id="U1", view_id="V1", answers=ANSWERS)
        assert (again.id, is_new_again) == (first.id, False)

        outcomes: list[bool] = []
        start = threading.Barrier(8)

        def save() -> None:
            start.wait()
            outcomes.append(store.save_autopsy(team_id="T1", user_id="U1", view_id="V2", answers=ANSWERS)[1])

        threads = [threading.Thread(target=save) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == [False] * 7 + [True]
        # The same view id in another workspace is another autopsy.
        assert store.save_autopsy(team_id="T2", user_id="U1", view_id="V1", answers=ANSWERS)[1]
        assert len(list(store.export_autopsies(team_id="T1"))) == 2
    finally:
        store.close()


def test_export_has_every_field_in_utc_and_filters_by_workspace(database_url):
    store = migrated(database_url)
    try:
        store.save_autopsy(team_id="T1", user_id="U1", view_id="V1", answers=ANSWERS)
        store.save_autopsy(
            team_id="T2", user_id="U9", view_id="V1", answers=replace(ANSWERS, deal_value_cents=None)
        )
        [row] = list(store.export_autopsies(team_id="T1"))
        assert tuple(row) == EXPORT_FIELDS
        assert row["deal_value"] == "19999.99"
        assert row["touch_base_on"] == "2027-03-01"
        assert datetime.fromisoformat(row["created_at"]).utcoffset().total_seconds() == 0
        assert row["lesson"] == ANSWERS.lesson and row["sharing"] == "anonymous"
        everything = list(store.export_autopsies())
        assert [r["team_id"] for r in everything] == ["T1", "T2"]
        assert everything[1]["deal_value"] is None
    finally:
        store.close()


def test_recent_autopsies_are_the_reps_own_newest_first(database_url):
    store = migrated(database_url)
    try:
        for n in range(7):
            store.save_autopsy(
                team_id="T1", user_id="U1", view_id=f"V{n}", answers=replace(ANSWERS, deal_name=f"D{n}")
            )
        store.save_autopsy(team_id="T1", user_id="U2", view_id="V99", answers=ANSWERS)
        store.save_autopsy(team_id="T2", user_id="U1", view_id="V98", answers=ANSWERS)
        recent = store.recent_autopsies(team_id="T1", user_id="U1")
        assert [entry.deal_name for entry in recent] == ["D6", "D5", "D4", "D3", "D2"]
        assert all(entry.created_at.tzinfo is not None for entry in recent)
        assert recent[0].created_at <= datetime.now(UTC)
    finally:
        store.close()
