"""The database connection: one engine per process, tuned for SQLite and PostgreSQL, and the one
upsert every aggregate uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Result, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.orm import DeclarativeBase, Session


def make_engine(url: URL | str, *, pool_size: int = 5, pool_timeout: float = 30) -> Engine:
    """An engine tuned for Rebound's use: threads in one process, several processes on PostgreSQL.

    `pool_size` connections are kept per process (as many again may open under a burst);
    a request waits at most `pool_timeout` seconds for one, then fails instead of hanging.
    """
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout,
        connect_args={"timeout": 30, "check_same_thread": False}
        if str(url).startswith("sqlite")
        else {"connect_timeout": 10},
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while one writer writes; busy_timeout makes writers queue, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upsert(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    *,
    keys: Sequence[str],
    changes: Mapping[str, Any] | None = None,
    returning: Any = None,
) -> Result[Any]:
    """INSERT a row, or on a clash of `keys` apply `changes` to the row there (None: leave it).

    Both dialects say it the same way (ON CONFLICT), so two processes meeting the same row at
    once both succeed, and a retried Slack request is a no-op, without catching an error.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    if changes:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=dict(changes))
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    if returning is not None:
        statement = statement.returning(returning)
    return session.execute(statement)
