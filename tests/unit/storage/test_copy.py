"""The pieces of `rebound db copy` on their own: which tables it copies and in what order, how a
value is written to the other dialect, and the checksum both dialects agree on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, inspect, text

from storage import Store, upgrade
from storage.copy import aware_utc, comparable, copied_tables, naive_utc, table_checksum

PARIS_WINTER = timezone(timedelta(hours=1))


def test_every_table_the_migrations_create_is_copied_parents_first(database_url):
    upgrade(database_url)
    store = Store.connect(database_url)
    try:
        tables = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
        order = [table.name for table in copied_tables(store.engine)]
    finally:
        store.close()
    # The words searched and the autopsies' tallies are not copied: the target's own triggers (and
    # PostgreSQL's generated columns) make them from the rows copied.
    created = {name for name in tables if not name.startswith(("autopsy_words", "buyer_answer_words"))}
    created = {name for name in created if not name.startswith("lost_deal_words")}
    assert "autopsy_tallies" in created
    assert set(order) == created - {"autopsy_tallies"}
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= created  # slack_sdk's
    assert {"actions", "competitors"} <= created
    assert order.index("autopsies") < min(order.index("follow_ups"), order.index("revisits"))


def test_a_moment_compares_the_same_naive_in_utc_or_aware_in_any_zone():
    naive = datetime(2026, 11, 23, 9, 30, 0, 123456)
    assert comparable(naive) == comparable(naive.replace(tzinfo=UTC)) == "2026-11-23T09:30:00.123456+00:00"
    assert comparable(datetime(2026, 11, 23, 10, 30, 0, 123456, tzinfo=PARIS_WINTER)) == comparable(naive)
    assert comparable(naive) != comparable(naive + timedelta(microseconds=1))


def test_values_compare_by_what_they_mean_not_how_a_driver_returns_them():
    assert comparable(True) is True and comparable(1) == 1  # a boolean stays a boolean
    assert comparable(date(2027, 3, 1)) == "2027-03-01"
    assert comparable(Decimal("19999.00")) == comparable(19999) == 19999
    assert comparable(Decimal("0.50")) == "0.5"
    assert comparable({"b": 1, "a": [1, 2]}) == comparable({"a": [1, 2], "b": 1})
    assert comparable(None) is None and comparable("<!here>") == "<!here>"
    with pytest.raises(TypeError):
        comparable(object())


def test_a_moment_is_written_in_utc_aware_or_naive_as_the_column_keeps_it():
    paris = datetime(2026, 11, 23, 10, 30, tzinfo=PARIS_WINTER)
    assert aware_utc(datetime(2026, 11, 23, 9, 30)) == paris
    assert aware_utc(paris).tzinfo == UTC
    assert naive_utc(paris) == datetime(2026, 11, 23, 9, 30)
    assert naive_utc(datetime(2026, 11, 23, 9, 30)) == datetime(2026, 11, 23, 9, 30)
    assert aware_utc(None) is None and naive_utc(None) is None


ZONES = [("T1", "U_b", "Europe/Paris"), ("T1", "Ua", "UTC"), ("T1", "u0", "Asia/Tokyo"), ("T1", "U-2", "UTC")]


def zones_checksum(url: str) -> str:
    upgrade(url)
    store = Store.connect(url)
    try:
        with store.write() as work:
            if store.engine.dialect.name == "postgresql":  # as on a server created with a locale
                work.session.execute(
                    text('ALTER TABLE person_zones ALTER COLUMN user_id TYPE varchar(32) COLLATE "en-x-icu"')
                )
            for team, user, tz in ZONES:
                work.follow_ups.remember_zone(
                    team_id=team, user_id=user, tz=tz, now=datetime(2026, 11, 23, tzinfo=UTC)
                )
        metadata = MetaData()
        metadata.reflect(store.engine, only=["person_zones"])
        rows, checksum = table_checksum(store.engine, metadata.tables["person_zones"], batch_rows=2)
    finally:
        store.close()
    assert rows == len(ZONES)
    return checksum


def test_sqlite_and_postgresql_agree_on_a_checksum_whatever_their_collation(tmp_path, postgres_url):
    # Keys mixing case, digits and punctuation sort differently under a locale's collation.
    assert zones_checksum(f"sqlite:///{tmp_path / 'zones.db'}") == zones_checksum(postgres_url)
