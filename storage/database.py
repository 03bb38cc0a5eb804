"""The database behind Rebound: one engine and one sessionmaker per process, and the few
operations the rest of the code needs. Nothing outside `storage/` writes SQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from storage.models import Autopsy


def make_engine(url: URL | str) -> Engine:
    """An engine tuned for Rebound's use: threads in one process, several processes on PostgreSQL."""
    engine = create_engine(
        url,
        pool_pre_ping=True,
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


class Store:
    """Rebound's storage: the small set of things the app asks of its database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: URL | str) -> Store:
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def save_autopsy(self, *, team_id: str, user_id: str, view_id: str, answers: Any) -> tuple[Autopsy, bool]:
        """Store an autopsy once per (workspace, view); return it and whether it is new.

        The commit happens before this returns, so Slack is acknowledged only for what is stored.
        """
        fields = asdict(answers)
        try:
            with self.session.begin() as session:
                entry = Autopsy(team_id=team_id, user_id=user_id, view_id=view_id, **fields)
                session.add(entry)
            return entry, True
        except IntegrityError:
            with self.session() as session:
                existing = session.scalars(
                    select(Autopsy).where(Autopsy.team_id == team_id, Autopsy.view_id == view_id)
                ).one_or_none()
            if existing is None:
                raise
            return existing, False

    def recent_autopsies(self, *, team_id: str, user_id: str, limit: int = 5) -> list[Autopsy]:
        """A rep's newest autopsies, newest first."""
        with self.session() as session:
            rows = session.scalars(
                select(Autopsy)
                .where(Autopsy.team_id == team_id, Autopsy.user_id == user_id)
                .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                .limit(limit)
            )
            return list(rows)

    def export_autopsies(self, *, team_id: str | None = None) -> Iterator[Mapping[str, Any]]:
        """Every autopsy (of one workspace, or all), oldest first, streamed row by row."""
        query = select(Autopsy).order_by(Autopsy.team_id, Autopsy.created_at, Autopsy.id)
        if team_id is not None:
            query = query.where(Autopsy.team_id == team_id)
        with self.session() as session:
            for row in session.scalars(query.execution_options(yield_per=500)):
                yield export_row(row)


EXPORT_FIELDS = (
    "id",
    "team_id",
    "user_id",
    "created_at",
    "deal_name",
    "outcome",
    "deal_value",
    "winner",
    "winner_reason",
    "customer_said",
    "check_listened",
    "check_timing",
    "check_market",
    "check_aggressive",
    "feelings",
    "lesson",
    "touch_base_on",
    "help_from",
    "sharing",
)


def export_row(entry: Autopsy) -> dict[str, Any]:
    """An autopsy as plain values, in EXPORT_FIELDS order."""
    cents = entry.deal_value_cents
    values = {
        field: getattr(entry, field) for field in EXPORT_FIELDS if field not in ("deal_value", "created_at")
    }
    values["created_at"] = entry.created_at.isoformat()
    values["deal_value"] = None if cents is None else f"{cents // 100}.{cents % 100:02d}"
    if entry.touch_base_on is not None:
        values["touch_base_on"] = entry.touch_base_on.isoformat()
    return {field: values[field] for field in EXPORT_FIELDS}


__all__ = ["EXPORT_FIELDS", "Store", "export_row", "make_engine"]
