"""Databases for the tests: a throw-away PostgreSQL schema (for the benchmarks too), the server
TEST_DATABASE_URL names or a skip, a migrated store, follow-ups read back as stored, and a copy's progress
unseen."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlalchemy import String, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage import FollowUp, Store, upgrade


@contextmanager
def private_schema(
    server: str, prefix: str, *, unreachable: Callable[[Exception], None] | None = None
) -> Iterator[str]:
    """A URL on `server` whose connections live in a fresh schema of their own, dropped after.

    If the server cannot be reached, `unreachable(error)` decides (skip, fail); without it the
    error is raised.
    """
    base = make_url(server)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        admin.dispose()
        if unreachable is None:
            raise
        unreachable(error)
        raise
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# PostgreSQL: TEST_DATABASE_URL names a server; each run works in a schema of its own.
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REBOUND_REQUIRE_POSTGRES") == "1"


def postgres_or_skip() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REBOUND_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    return POSTGRES_URL


def _unreachable(error: Exception) -> None:
    message = f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error}"  # named but not there
    if REQUIRE_POSTGRES:
        pytest.fail(message)
    pytest.skip(message)


def postgres_schema() -> AbstractContextManager[str]:
    """A URL whose connections live in a fresh schema of their own, dropped afterwards."""
    return private_schema(postgres_or_skip(), "rebound_test", unreachable=_unreachable)


def migrated(url: str) -> Store:
    upgrade(url)
    upgrade(url)  # running it again is harmless
    return Store.connect(url)


def follow_ups_of(store: Store, *, team_id: str, autopsy_id: int) -> list[FollowUp]:
    """An autopsy's follow-ups as stored, in the order they were written."""
    with store.read() as work:
        return list(
            work.session.scalars(
                select(FollowUp)
                .where(FollowUp.team_id == team_id, FollowUp.autopsy_id == autopsy_id)
                .order_by(FollowUp.id)
            )
        )


class Quiet:
    """A copy's progress, unseen."""

    def start(self, table: str, rows: int) -> None:
        pass

    def advance(self, copied: int) -> None:
        pass

    def finish(self) -> None:
        pass


def mentions(store: Store, value: str, *, team: str | None = None) -> list[str]:
    """Every `table.column` of every table whose text holds `value`: in rows of workspace `team`,
    or in any row."""
    found = []
    with store.engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            columns = inspector.get_columns(table)
            names = {column["name"] for column in columns}
            for column in columns:
                if not isinstance(column["type"], String) or column["name"] == "team_id":
                    continue
                where = f"{column['name']} LIKE :value"
                if team is not None and "team_id" in names:
                    where += " AND team_id = :team"
                query = text(f"SELECT COUNT(*) FROM {table} WHERE {where}")  # names from the inspector
                if connection.execute(query, {"value": f"%{value}%", "team": team}).scalar():
                    found.append(f"{table}.{column['name']}")
    return found
