"""Autopsies on SQLite and PostgreSQL: whether a workspace has any yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from storage import Store, upgrade
from tests.support.examples import ANSWERS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    upgrade(database_url)
    opened = Store.connect(database_url)
    yield opened
    opened.close()


def test_a_workspace_has_autopsies_once_someone_in_it_writes_one(store):
    with store.read() as work:
        assert not work.autopsies.any_written(team_id="T1")
    with store.write() as work:
        work.autopsies.save(team_id="T2", user_id="U1", view_id="V1", answers=ANSWERS, created_at=NOW)
    with store.read() as work:
        assert not work.autopsies.any_written(team_id="T1")  # another workspace's is not this one's
        assert work.autopsies.any_written(team_id="T2")
