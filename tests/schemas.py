"""A throw-away PostgreSQL schema, for the tests and the benchmarks alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


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
