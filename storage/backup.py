"""`rebound db backup` and `rebound db restore`: a SQLite database copied page by page through
SQLite's online backup API, while Rebound runs, then checked (integrity, and every table's rows
against the source's at the same moment).

SQLite restarts a backup taken in steps whenever another connection writes to the source, so
under a steady writer it would never end. Here the source connection holds one read transaction
across every step: each step reads the same snapshot (WAL lets the writers go on meanwhile), the
backup never restarts, and the row counts read in that transaction are the snapshot's.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import URL, make_url

from storage.migrate import migration_scripts

PAGES_PER_STEP = 256  # 1 MiB of 4 KiB pages a step: the bar moves, the steps cost nothing
BUSY_TIMEOUT = 30  # seconds to wait for a lock, as the app's own connections do
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
POSTGRES_BACKUP = (
    "is a PostgreSQL database: back it up with pg_dump and restore it with pg_restore (README: Backups)"
)


class BackupStopped(Exception):
    """The backup or restore did not happen or did not finish; the message says what is left."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Progress(Protocol):
    """What a backup or restore reports while it runs, step by step. `total` is 0 for a step
    that cannot say how far it got (the integrity check)."""

    def start(self, step: str, total: int) -> None: ...

    def advance(self, done: int) -> None: ...

    def finish(self) -> None: ...


@dataclass
class TableRows:
    """One table's rows in the source (at the backup's moment) and in the copy."""

    name: str
    source_rows: int
    copy_rows: int = -1

    @property
    def agrees(self) -> bool:
        return self.source_rows == self.copy_rows


@dataclass
class BackupReport:
    """What a backup or restore wrote and what its check found."""

    file: Path
    revision: str
    pages: int
    page_size: int
    tables: list[TableRows] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)  # ["ok"], or what the check found wrong
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(table.source_rows for table in self.tables)

    @property
    def size_bytes(self) -> int:
        return self.pages * self.page_size

    @property
    def intact(self) -> bool:
        return self.integrity == ["ok"]

    @property
    def disagreeing(self) -> list[TableRows]:
        return [table for table in self.tables if not table.agrees]


class BackupMismatch(BackupStopped):
    """The copy was made but failed its check; the report says where."""

    def __init__(self, message: str, report: BackupReport) -> None:
        super().__init__(message, 1)
        self.report = report


def sqlite_file(url: URL | str, setting: str = "DATABASE_URL") -> Path:
    """The file of the SQLite database at `url`; PostgreSQL and in-memory databases are refused."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "postgresql":
        raise BackupStopped(f"{shown} ({setting}) {POSTGRES_BACKUP}", 2)
    if parsed.database in (None, "", ":memory:"):
        raise BackupStopped(f"{shown} ({setting}) is an in-memory database: there is nothing to copy", 2)
    return Path(parsed.database)


def back_up(
    url: URL | str, to: Path, *, progress: Progress, pages_per_step: int | None = None
) -> BackupReport:
    """Copy the SQLite database at `url` into a new file `to`, then check the copy. The copy is
    written to `to`.partial and takes the name `to` only once checked; `to` is never overwritten."""
    source_file = sqlite_file(url)
    partial = to.with_name(to.name + ".partial")
    refuse_a_missing_database(source_file, url)
    refuse_an_unusable_target(to, partial, source_file)
    started = time.monotonic()
    created = False  # whether this run made `partial`, and so may delete it
    try:
        with snapshot_of(source_file) as source:
            report = BackupReport(to, rebound_revision(source, f"the database at {source_file}"), 0, 0)
            report.pages, report.page_size = page_count(source)
            report.tables = [TableRows(name, rows) for name, rows in row_counts(source).items()]
            os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            created = True
            with closing(sqlite3.connect(partial, isolation_level=None)) as copy:
                copy_pages(source, copy, report.pages, progress, pages_per_step or PAGES_PER_STEP)
        check_copy(partial, report, progress)
        report.seconds = time.monotonic() - started
        if not report.intact or report.disagreeing:
            raise BackupMismatch(
                f"the copy failed its check ({what_failed(report)}); {to} was not written", report
            )
        take_the_name(partial, to)
    except BaseException as error:
        if created:
            partial.unlink(missing_ok=True)
        if isinstance(error, BackupStopped):
            raise
        if isinstance(error, KeyboardInterrupt):
            raise BackupStopped(f"interrupted; {to} was not written", 130) from None
        if isinstance(error, sqlite3.Error | OSError):
            raise BackupStopped(f"the backup stopped ({reason(error)}); {to} was not written", 1) from None
        raise
    return report


def refuse_a_missing_database(file: Path, url: URL | str) -> None:
    # Connecting would create an empty file: a mistyped path must not pass for an empty database.
    if not file.is_file():
        raise BackupStopped(f"there is no database at {make_url(url).render_as_string()} (DATABASE_URL)", 2)


def refuse_an_unusable_target(to: Path, partial: Path, source: Path) -> None:
    if to.exists() and source.exists() and to.resolve() == source.resolve():
        raise BackupStopped(f"{to} is the database itself: name a new file", 2)
    if to.exists():
        raise BackupStopped(f"{to} already exists: a backup never replaces a file; name a new one", 2)
    if partial.exists():
        raise BackupStopped(
            f"{partial} exists: another backup to {to} is running, or one was killed (then delete that file)",
            2,
        )
    if not to.parent.is_dir():
        raise BackupStopped(f"there is no folder {to.parent} to write {to.name} in", 2)


@contextmanager
def snapshot_of(file: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the database holding one read transaction: the database at one moment,
    while other connections go on writing. query_only makes any write on it an error."""
    with closing(
        sqlite3.connect(f"{file.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT)
    ) as source:
        source.isolation_level = None  # BEGIN and COMMIT are ours: Python's own would end the snapshot
        source.execute("PRAGMA query_only = ON")
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        try:
            yield source
        finally:
            source.rollback()  # it wrote nothing; this only ends the snapshot


def rebound_revision(connection: sqlite3.Connection, what: str) -> str:
    """The Alembic revision a database is at; a database without one is not Rebound's."""
    try:
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except (sqlite3.OperationalError, ValueError):
        raise BackupStopped(f"{what} is not a Rebound database (it has no migration revision)", 2) from None
    return revision


def page_count(connection: sqlite3.Connection) -> tuple[int, int]:
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    return pages, connection.execute("PRAGMA page_size").fetchone()[0]


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Every table's rows, SQLite's own tables aside, by name."""
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "ORDER BY name"
        )
    ]
    return {name: connection.execute(f"SELECT count(*) FROM {quoted(name)}").fetchone()[0] for name in names}


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_pages(
    source: sqlite3.Connection, target: sqlite3.Connection, pages: int, progress: Progress, per_step: int
) -> None:
    """Every page of `source` into `target`, `per_step` pages at a time, through the backup API."""
    progress.start("copying pages", pages)
    source.backup(
        target, pages=per_step, progress=lambda _status, left, total: progress.advance(total - left)
    )
    # A copy of a WAL database says WAL in its header; a backup is one file, read alone.
    target.execute("PRAGMA journal_mode = DELETE").fetchone()
    progress.finish()


def check_copy(file: Path, report: BackupReport, progress: Progress) -> None:
    """Integrity and every table's rows, read back from the copy as it lies on disk."""
    with closing(read_only(file)) as copy:
        progress.start("checking integrity", 0)
        report.integrity = integrity(copy)
        progress.finish()
        if not report.intact:
            return
        progress.start("counting rows", len(report.tables))
        counts = row_counts(copy)
        for done, table in enumerate(report.tables, start=1):
            table.copy_rows = counts.pop(table.name, -1)
            progress.advance(done)
        report.tables += [TableRows(name, 0, rows) for name, rows in counts.items()]
        progress.finish()


def read_only(file: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)


def integrity(connection: sqlite3.Connection) -> list[str]:
    """SQLite's integrity check: ["ok"], or the first problems it found."""
    try:
        return [line for (line,) in connection.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError as error:  # so damaged the check itself cannot read it
        return [reason(error)]


def what_failed(report: BackupReport) -> str:
    if not report.intact:
        return f"integrity check: {'; '.join(report.integrity)}"
    return "rows differ in " + ", ".join(table.name for table in report.disagreeing)


def take_the_name(partial: Path, to: Path) -> None:
    """`partial` becomes `to`, durably, unless a file called `to` appeared meanwhile."""
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    try:
        os.link(partial, to)  # unlike a rename, a link never replaces a file that is there
    except FileExistsError:
        raise BackupStopped(
            f"{to} appeared while the backup ran: a backup never replaces a file", 2
        ) from None
    partial.unlink()
    folder = os.open(to.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@dataclass
class BackupContents:
    """A backup file, checked and found fit to restore."""

    file: Path
    revision: str
    newest: str  # this Rebound's newest revision, which the restore migrates to
    tables: dict[str, int]
    pages: int
    page_size: int


def inspect_backup(file: Path, url: URL | str) -> BackupContents:
    """Refuse anything but an intact SQLite database of Rebound's, at a revision this version
    knows (the same or older: the restore migrates it up). Nothing is written."""
    target = sqlite_file(url)
    if not file.is_file():
        raise BackupStopped(f"there is no file {file}", 2)
    if target.exists() and file.resolve() == target.resolve():
        raise BackupStopped(f"{file} is the database itself (DATABASE_URL): name a backup", 2)
    with open(file, "rb") as opened:
        if opened.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupStopped(f"{file} is not a SQLite database; nothing was restored", 2)
    scripts = migration_scripts(url)
    known = {script.revision for script in scripts.walk_revisions()}
    newest = ", ".join(sorted(scripts.get_heads()))
    try:
        with closing(read_only(file)) as backup:
            problems = integrity(backup)
            if problems != ["ok"]:
                raise BackupStopped(
                    f"{file} is damaged (integrity check: {'; '.join(problems)}); nothing was restored", 2
                )
            revision = rebound_revision(backup, str(file))
            if revision not in known:
                raise BackupStopped(
                    f"{file} is at migration {revision}, which this Rebound does not know (its newest "
                    f"is {newest}): restore it with the Rebound that made it",
                    2,
                )
            pages, page_size = page_count(backup)
            return BackupContents(file, revision, newest, row_counts(backup), pages, page_size)
    except sqlite3.DatabaseError as error:
        raise BackupStopped(
            f"{file} is not a SQLite database ({reason(error)}); nothing was restored", 2
        ) from None


def restore(contents: BackupContents, url: URL | str, *, progress: Progress) -> BackupReport:
    """Write the checked backup over the SQLite database at `url` (created if missing), through
    the backup API: the database's own connection writes every page, so a -wal file left beside
    it is taken into account, not replayed over the restored pages as it would be after a file
    copy. Then read it back: integrity, and every table's rows against the backup's."""
    target = sqlite_file(url)
    report = BackupReport(target, contents.revision, contents.pages, contents.page_size)
    report.tables = [TableRows(name, rows) for name, rows in contents.tables.items()]
    started = time.monotonic()
    try:
        with (
            closing(read_only(contents.file)) as backup,
            closing(sqlite3.connect(target, isolation_level=None, timeout=BUSY_TIMEOUT)) as live,
        ):
            live.execute("PRAGMA busy_timeout = 30000")
            progress.start("restoring pages", contents.pages)
            backup.backup(
                live, pages=PAGES_PER_STEP, progress=lambda _s, left, total: progress.advance(total - left)
            )
            progress.finish()
    except sqlite3.DatabaseError as error:
        raise BackupStopped(
            f"cannot write into {target} ({reason(error)}): if that file is damaged, move it and any "
            f"{target.name}-wal and {target.name}-shm beside it away, then run the command again",
            1,
        ) from None
    check_copy(target, report, progress)
    report.seconds = time.monotonic() - started
    if not report.intact or report.disagreeing:
        raise BackupMismatch(f"the restored database failed its check ({what_failed(report)})", report)
    return report


def reason(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
