"""`rebound db copy`: everything Rebound holds, from its database into an empty one, SQLite or
PostgreSQL either way, then checked table by table (row counts and a checksum of every value).

The tables are those the migrations create in the target (Rebound's and slack_sdk's installation
store), reflected from it, so a table a later migration adds is copied without being listed here.
The source is read in one snapshot (a read-only transaction) and streamed in primary-key order;
the target is written one transaction per batch. Should anything fail, Ctrl-C included, the rows
this run wrote are deleted again: the target is either a checked copy or as empty as it was.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import make_engine
from storage.migrate import applied_revisions, migration_scripts, upgrade
from storage.models import AutopsyTally
from storage.searching import is_words_table, is_written

BATCH_ROWS = 2_000  # rows per read and per target transaction: memory stays flat, commits stay few
NOT_COPIED = frozenset({"alembic_version"})  # the target's own, set by its migrations
TALLIES = AutopsyTally.__tablename__


class CopyStopped(Exception):
    """The copy did not happen or did not finish; the message says what became of the target."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Progress(Protocol):
    """What the copy reports while it runs, table by table."""

    def start(self, table: str, rows: int) -> None: ...

    def advance(self, copied: int) -> None: ...

    def finish(self) -> None: ...


@dataclass
class TableCopy:
    """One table's copy: rows and checksums on each side."""

    name: str
    source_rows: int
    source_checksum: str = ""
    target_rows: int = 0
    target_checksum: str = ""

    @property
    def agrees(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


@dataclass
class CopyReport:
    tables: list[TableCopy]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(table.source_rows for table in self.tables)

    @property
    def disagreeing(self) -> list[TableCopy]:
        return [table for table in self.tables if not table.agrees]


class CopyMismatch(CopyStopped):
    """Counts or checksums differ; the report says where."""

    def __init__(self, message: str, report: CopyReport) -> None:
        super().__init__(message, 1)
        self.report = report


def where(url: URL | str) -> str:
    """A database URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def copy_database(
    source_url: URL | str, target_url: URL | str, *, progress: Progress, batch_rows: int | None = None
) -> CopyReport:
    """Copy every Rebound row from `source_url` into `target_url`, migrated first and refused unless
    empty, then compare the two table by table. The source is only read."""
    batch_rows = batch_rows or BATCH_ROWS
    if where(source_url) == where(target_url):
        raise CopyStopped(f"the target is the source ({where(target_url)}): name another database", 2)
    refuse_a_missing_sqlite_file(source_url)
    source = make_engine(source_url, pool_size=1)
    target: Engine | None = None
    try:
        refuse_an_outdated_source(source, source_url)
        try:
            upgrade(target_url)
        except SQLAlchemyError as error:
            raise CopyStopped(
                f"cannot migrate the target at {where(target_url)}: {reason(error)}", 2
            ) from None
        target = make_engine(target_url, pool_size=1)
        tables = copied_tables(target)
        refuse_a_target_with_rows(target, tables, target_url)
        started = time.monotonic()
        report = CopyReport([], 0.0)
        with snapshot(source) as reading:
            try:
                copy_tables(reading, target, tables, report, progress=progress, batch_rows=batch_rows)
                if target.dialect.name == "postgresql":
                    move_sequences_past_copied_ids(target, tables)
                for copied, table in zip(report.tables, tables, strict=True):
                    copied.target_rows, copied.target_checksum = table_checksum(target, table, batch_rows)
            except BaseException as error:
                raise stopped_midway(error, target, tables, report) from error
        report.seconds = time.monotonic() - started
        if report.disagreeing:
            # A copy that does not match is no copy: leave the target as empty as it was.
            emptied = empty_again(target, tables)
            names = ", ".join(table.name for table in report.disagreeing)
            raise CopyMismatch(f"the target differs from the source in {names}; {emptied}", report)
        return report
    finally:
        source.dispose()
        if target is not None:
            target.dispose()


def refuse_a_missing_sqlite_file(url: URL | str) -> None:
    # Connecting would create an empty file: a mistyped path must not pass for an empty source.
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(file).exists():
        raise CopyStopped(f"there is no database at {where(url)} (DATABASE_URL)", 2)


def refuse_an_outdated_source(source: Engine, url: URL | str) -> None:
    """The source must be at the code's newest migration, or its rows would not fit the target."""
    heads = set(migration_scripts(url).get_heads())
    try:
        with source.connect() as connection:
            current = applied_revisions(connection)
    except SQLAlchemyError as error:
        raise CopyStopped(
            f"cannot read the source at {where(url)} (DATABASE_URL): {reason(error)}", 2
        ) from None
    if current == heads:
        return
    if not current:
        raise CopyStopped(f"the source at {where(url)} (DATABASE_URL) holds no Rebound database", 2)
    revision, newest = ", ".join(sorted(current)), ", ".join(sorted(heads))
    raise CopyStopped(
        f"the source at {where(url)} is at migration {revision}, not this Rebound's {newest}: "
        "run `rebound db upgrade` first",
        2,
    )


def copied_tables(engine: Engine) -> list[Table]:
    """Every table the migrations created in this database, parents before children."""
    metadata = MetaData()
    metadata.reflect(engine)
    return [
        table
        for table in metadata.sorted_tables
        # The target's triggers fill the words and the tallies as the autopsies go in.
        if table.name not in NOT_COPIED and not is_words_table(table.name) and table.name != TALLIES
    ]


def refuse_a_target_with_rows(target: Engine, tables: Sequence[Table], url: URL | str) -> None:
    with target.connect() as connection:
        holding = [t.name for t in tables if connection.scalar(select(1).select_from(t).limit(1))]
    if holding:
        raise CopyStopped(
            f"the target at {where(url)} already holds Rebound rows (in {', '.join(holding)}): "
            "copy into an empty database",
            2,
        )


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction on the source: every table as it was at one moment."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            # Python's sqlite3 starts no transaction for a SELECT: without BEGIN each table
            # would be read at its own moment. query_only makes any write on it an error.
            connection.exec_driver_sql("PRAGMA query_only = ON")
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA query_only = OFF")


def copy_tables(
    reading: Connection,
    target: Engine,
    tables: Sequence[Table],
    report: CopyReport,
    *,
    progress: Progress,
    batch_rows: int,
) -> None:
    """Stream each table from the source into the target, batch by batch, in foreign-key order."""
    sources = MetaData()
    sources.reflect(reading, only=[table.name for table in tables])
    with target.connect() as writing:
        for table in tables:
            source = sources.tables[table.name]
            copied = TableCopy(table.name, reading.scalar(select(func.count()).select_from(source)) or 0)
            report.tables.append(copied)
            progress.start(table.name, copied.source_rows)
            written = [column for column in table.columns if is_written(column)]
            columns = [column.name for column in written]
            convert = [to_column(column) for column in written]
            checksum = hashlib.sha256()
            done = 0
            for batch in stream(reading, source, columns, batch_rows):
                add_to_checksum(checksum, batch)
                rows = [
                    {name: fit(value) for name, fit, value in zip(columns, convert, row, strict=True)}
                    for row in batch
                ]
                with writing.begin():
                    writing.execute(table.insert(), rows)
                done += len(rows)
                progress.advance(done)
            copied.source_checksum = checksum.hexdigest()
            progress.finish()


def stream(
    connection: Connection, table: Table, columns: Sequence[str], batch_rows: int
) -> Iterator[Sequence[Any]]:
    """The table's rows in primary-key order, `batch_rows` at a time (a server-side cursor on
    PostgreSQL), never the whole table in memory."""
    query = select(*(table.c[name] for name in columns)).order_by(*key_order(connection, table))
    result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(query)
    try:
        yield from result.partitions()
    finally:
        result.close()


def key_order(connection: Connection, table: Table) -> list[Any]:
    """The ORDER BY both sides sort by: text keys in byte order (PostgreSQL's "C" collation is
    SQLite's own), so a checksum taken on each side hashes the rows in the same order."""
    keys = list(table.primary_key.columns) or list(table.columns)
    if connection.dialect.name != "postgresql":
        return keys
    return [key.collate("C") if isinstance(key.type, String) else key for key in keys]


def to_column(column: Column[Any]) -> Callable[[Any], Any]:
    """How a value read from the source is written to this target column: moments in UTC, aware
    where the column keeps a zone, naive where it does not (SQLite; slack_sdk's own columns)."""
    if isinstance(column.type, DateTime):
        return aware_utc if column.type.timezone else naive_utc
    return same


def same(value: Any) -> Any:
    return value


def aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def comparable(value: Any) -> Any:
    """A stored value as both dialects agree on it: a moment in UTC ISO (naive ones are UTC, as
    Rebound stores them), dates ISO, booleans as booleans, numbers as numbers, JSON sorted."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return aware_utc(value).isoformat()
    if isinstance(value, date | clock):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    raise TypeError(f"no comparable form for a {type(value).__name__} value")


def add_to_checksum(checksum: Any, rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        checksum.update(json.dumps([comparable(value) for value in row], ensure_ascii=False).encode())
        checksum.update(b"\n")


def table_checksum(engine: Engine, table: Table, batch_rows: int) -> tuple[int, str]:
    """Rows and checksum of a table as stored, read the same way as the source was."""
    checksum = hashlib.sha256()
    rows = 0
    with engine.connect() as connection:
        for batch in stream(
            connection, table, [column.name for column in table.columns if is_written(column)], batch_rows
        ):
            add_to_checksum(checksum, batch)
            rows += len(batch)
    return rows, checksum.hexdigest()


def move_sequences_past_copied_ids(target: Engine, tables: Sequence[Table]) -> None:
    """Copied rows keep their ids; PostgreSQL's sequences must start after them, or the next
    autopsy would collide with a copied one."""
    with target.begin() as connection:
        for table in tables:
            for key in table.primary_key.columns:
                if not isinstance(key.type, Integer):
                    continue
                quoted = connection.dialect.identifier_preparer.format_table(table)
                sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": quoted, "column": key.name},
                )
                if sequence is None:
                    continue
                highest = connection.scalar(select(func.max(key))) or 0
                connection.execute(
                    text("SELECT setval(:sequence, :next, false)"),
                    {"sequence": sequence, "next": highest + 1},
                )


def empty_again(target: Engine, tables: Sequence[Table]) -> str:
    """Delete every row this run wrote (the target held none before); say what became of it."""
    try:
        with target.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
    except (SQLAlchemyError, OSError) as error:
        return (
            f"the target still holds part of the copy and could not be emptied ({reason(error)}): "
            "empty its tables (or create the database again), then run the command again"
        )
    return "the target was emptied again, as it was before: run the command again"


def stopped_midway(
    error: BaseException, target: Engine, tables: Sequence[Table], report: CopyReport
) -> CopyStopped:
    """What to tell the operator when the copy stopped before its end, after cleaning up."""
    emptied = empty_again(target, tables)
    at = report.tables[-1].name if report.tables else "the first table"
    if isinstance(error, KeyboardInterrupt):
        return CopyStopped(f"interrupted while copying {at}; {emptied}", 130)
    cause = reason(error) if isinstance(error, SQLAlchemyError) else f"{type(error).__name__}: {error}"
    return CopyStopped(f"the copy stopped in {at} ({cause}); {emptied}", 1)


def reason(error: BaseException) -> str:
    return (str(getattr(error, "orig", None) or error).splitlines() or [type(error).__name__])[0]
