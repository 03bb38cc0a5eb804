"""What the storage tests share: a migrated store on SQLite and on PostgreSQL (`database_url`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import Store, upgrade


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on a freshly migrated database, closed after the test."""
    upgrade(database_url)
    opened = Store.connect(database_url)
    yield opened
    opened.close()
