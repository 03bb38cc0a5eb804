"""The database behind Rebound: one engine and one sessionmaker per process, and the few
operations the rest of the code needs. Nothing outside `storage/` writes SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, create_engine, delete, event, exists, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from storage.claims import interrupted
from storage.digests import DigestStorage
from storage.journal import JournalStorage
from storage.models import (
    Autopsy,
    Digest,
    FollowUp,
    PersonZone,
    ReminderPause,
    Revisit,
    WorkspaceSettings,
)


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A follow-up to create with an autopsy: what, for whom, and from when."""

    kind: str
    recipient_id: str
    due_at: datetime
    due_on: date | None = None


@dataclass(frozen=True)
class Due:
    """A claimed follow-up and the autopsy it is about, ready to be sent."""

    follow_up: FollowUp
    autopsy: Autopsy


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


class Store(DigestStorage, JournalStorage):
    """Rebound's storage: the small set of things the app asks of its database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: URL | str, *, pool_size: int = 5, pool_timeout: float = 30) -> Store:
        return cls(make_engine(url, pool_size=pool_size, pool_timeout=pool_timeout))

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

    def save_autopsy(
        self,
        *,
        team_id: str,
        user_id: str,
        view_id: str,
        answers: Any,
        created_at: datetime,
        follow_ups: Iterable[Plan] = (),
    ) -> tuple[Autopsy, bool]:
        """Store an autopsy and its follow-ups once per (workspace, view); return it and whether it is new.

        The commit happens before this returns, so Slack is acknowledged only for what is stored.
        """
        fields = asdict(answers)
        try:
            with self.session.begin() as session:
                entry = Autopsy(
                    team_id=team_id, user_id=user_id, view_id=view_id, created_at=created_at, **fields
                )
                session.add(entry)
                session.flush()
                session.add_all(
                    FollowUp(
                        team_id=team_id, autopsy_id=entry.id, state="pending", attempts=0, **asdict(plan)
                    )
                    for plan in follow_ups
                )
            return entry, True
        except IntegrityError:
            with self.session() as session:
                existing = session.scalars(
                    select(Autopsy).where(Autopsy.team_id == team_id, Autopsy.view_id == view_id)
                ).one_or_none()
            if existing is None:
                raise
            return existing, False

    def autopsy(self, *, team_id: str, autopsy_id: int) -> Autopsy | None:
        with self.session() as session:
            return session.scalars(
                select(Autopsy).where(Autopsy.team_id == team_id, Autopsy.id == autopsy_id)
            ).one_or_none()

    # Follow-ups: the sweep's side
    def claim_due_follow_ups(self, *, now: datetime, limit: int, lease: timedelta) -> list[Due]:
        """Atomically take up to `limit` due follow-ups for this sweep alone.

        Due means pending (or snoozed) with due_at reached, or claimed by a sweep whose lease
        ran out (a process killed mid-send). People who paused reminders are left waiting.
        On PostgreSQL, rows other sweeps hold are skipped (FOR UPDATE SKIP LOCKED); SQLite
        runs the single UPDATE as its one writer.
        """
        paused = exists().where(
            ReminderPause.team_id == FollowUp.team_id, ReminderPause.user_id == FollowUp.recipient_id
        )
        due = (
            select(FollowUp.id)
            .where(
                or_(
                    and_(FollowUp.state.in_(("pending", "snoozed")), FollowUp.due_at <= now),
                    and_(FollowUp.state == "sending", FollowUp.lease_until <= now),
                ),
                ~paused,
            )
            .order_by(FollowUp.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(FollowUp)
            .where(FollowUp.id.in_(due.scalar_subquery()))
            .values(state="sending", lease_until=now + lease, **interrupted(FollowUp))
            .returning(FollowUp.id)
            .execution_options(synchronize_session=False)
        )
        with self.session.begin() as session:
            ids = list(session.scalars(claim))
            if not ids:
                return []
            rows = session.execute(
                select(FollowUp, Autopsy)
                .join(Autopsy, Autopsy.id == FollowUp.autopsy_id)
                .where(FollowUp.id.in_(ids))
                .order_by(FollowUp.due_at, FollowUp.id)
            )
            return [Due(follow_up, autopsy) for follow_up, autopsy in rows]

    def _settle(self, follow_up_id: int, **values: Any) -> None:
        # Only the sweep holding the claim may settle it.
        with self.session.begin() as session:
            session.execute(
                update(FollowUp)
                .where(FollowUp.id == follow_up_id, FollowUp.state == "sending")
                .values(lease_until=None, **values)
            )

    def mark_sent(self, follow_up_id: int, *, channel_id: str, message_ts: str, now: datetime) -> None:
        self._settle(
            follow_up_id,
            state="sent",
            sent_at=now,
            channel_id=channel_id,
            message_ts=message_ts,
            last_error=None,
        )

    def postpone(
        self, follow_up_id: int, *, until: datetime, error: str | None = None, attempted: bool
    ) -> None:
        """Give a claimed follow-up back, due again at `until` (outside working hours, or after a failure)."""
        values: dict[str, Any] = {"state": "pending", "due_at": until}
        if attempted:
            values.update(attempts=FollowUp.attempts + 1, last_error=error)
        self._settle(follow_up_id, **values)

    def mark_failed(self, follow_up_id: int, *, error: str, now: datetime) -> None:
        self._settle(
            follow_up_id, state="failed", attempts=FollowUp.attempts + 1, last_error=error, closed_at=now
        )

    # Follow-ups: the rep's side
    def follow_up(self, *, team_id: str, follow_up_id: int) -> Due | None:
        with self.session() as session:
            row = session.execute(
                select(FollowUp, Autopsy)
                .join(Autopsy, Autopsy.id == FollowUp.autopsy_id)
                .where(FollowUp.team_id == team_id, FollowUp.id == follow_up_id)
            ).one_or_none()
            return None if row is None else Due(*row)

    def answer_follow_up(
        self,
        *,
        team_id: str,
        user_id: str,
        follow_up_id: int,
        state: str,
        now: datetime,
        due_at: datetime | None = None,
    ) -> tuple[Due | None, bool]:
        """Record the recipient's answer to a sent follow-up; return it and whether this changed it.

        Only the recipient can answer, and only once: a second click finds it answered already.
        """
        values: dict[str, Any] = {"state": state}
        if due_at is not None:
            values.update(due_at=due_at, due_on=None)
        else:
            values.update(closed_at=now)
        with self.session.begin() as session:
            changed = session.execute(
                update(FollowUp)
                .where(
                    FollowUp.id == follow_up_id,
                    FollowUp.team_id == team_id,
                    FollowUp.recipient_id == user_id,
                    # From its DM or from App Home; a snooze does not stack on a snooze.
                    FollowUp.state.in_(
                        ("pending", "sent") if due_at is not None else ("pending", "snoozed", "sent")
                    ),
                )
                .values(**values)
            ).rowcount
        current = self.follow_up(team_id=team_id, follow_up_id=follow_up_id)
        if current is None or current.follow_up.recipient_id != user_id:
            return None, False
        return current, bool(changed)

    def pause_reminders(self, *, team_id: str, user_id: str, now: datetime) -> bool:
        """Pause someone's reminders; False if they already were."""
        try:
            with self.session.begin() as session:
                session.add(ReminderPause(team_id=team_id, user_id=user_id, paused_at=now))
        except IntegrityError:
            return False
        return True

    def resume_reminders(self, *, team_id: str, user_id: str) -> bool:
        """Resume someone's reminders; False if they were not paused."""
        with self.session.begin() as session:
            return bool(
                session.execute(
                    delete(ReminderPause).where(
                        ReminderPause.team_id == team_id, ReminderPause.user_id == user_id
                    )
                ).rowcount
            )

    def reminders_paused(self, *, team_id: str, user_id: str) -> bool:
        with self.session() as session:
            return session.get(ReminderPause, (team_id, user_id)) is not None

    # Time zones, as users.info last said
    def zones(self, *, team_id: str, user_ids: Sequence[str], fresh_since: datetime) -> dict[str, str]:
        with self.session() as session:
            rows = session.execute(
                select(PersonZone.user_id, PersonZone.tz).where(
                    PersonZone.team_id == team_id,
                    PersonZone.user_id.in_(user_ids),
                    PersonZone.fetched_at >= fresh_since,
                )
            )
            return {user_id: tz for user_id, tz in rows}

    def remember_zone(self, *, team_id: str, user_id: str, tz: str, now: datetime) -> None:
        # An upsert: two sweeps meeting the same new person at once must both succeed.
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        upsert = (
            dialect.insert(PersonZone)
            .values(team_id=team_id, user_id=user_id, tz=tz, fetched_at=now)
            .on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"tz": tz, "fetched_at": now})
        )
        with self.session.begin() as session:
            session.execute(upsert)

    # Revisits
    def add_revisit(
        self, *, team_id: str, user_id: str, autopsy_id: int, view_id: str, text: str, now: datetime
    ) -> bool | None:
        """Add what the author sees now; None if the autopsy is not theirs, False if already stored."""
        try:
            with self.session.begin() as session:
                owner = session.scalar(
                    select(Autopsy.user_id).where(Autopsy.team_id == team_id, Autopsy.id == autopsy_id)
                )
                if owner != user_id:
                    return None
                session.add(
                    Revisit(
                        team_id=team_id,
                        autopsy_id=autopsy_id,
                        user_id=user_id,
                        view_id=view_id,
                        text=text,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def revisits(self, *, team_id: str, autopsy_id: int) -> list[Revisit]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(Revisit)
                    .where(Revisit.team_id == team_id, Revisit.autopsy_id == autopsy_id)
                    .order_by(Revisit.created_at, Revisit.id)
                )
            )

    def follow_ups_of(self, *, team_id: str, autopsy_id: int) -> list[FollowUp]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(FollowUp)
                    .where(FollowUp.team_id == team_id, FollowUp.autopsy_id == autopsy_id)
                    .order_by(FollowUp.id)
                )
            )

    def purge_workspace(self, team_id: str) -> dict[str, int]:
        """Delete everything Rebound holds about one workspace, its install included; rows per table."""
        deleted: dict[str, int] = {}
        with self.session.begin() as session:
            for model in (FollowUp, Revisit, Autopsy, ReminderPause, PersonZone, WorkspaceSettings, Digest):
                table = model.__tablename__
                deleted[table] = session.execute(delete(model).where(model.team_id == team_id)).rowcount
            for table in ("slack_bots", "slack_installations"):  # slack_sdk's install tables (0005)
                deleted[table] = session.execute(
                    text(f"DELETE FROM {table} WHERE team_id = :team OR enterprise_id = :team"),
                    {"team": team_id},
                ).rowcount
        return deleted

    def export_autopsies(
        self, *, team_id: str | None = None, user_id: str | None = None
    ) -> Iterator[Mapping[str, Any]]:
        """Every autopsy (of one workspace, or all; of one author, or all), oldest first, streamed."""
        query = select(Autopsy).order_by(Autopsy.team_id, Autopsy.created_at, Autopsy.id)
        if team_id is not None:
            query = query.where(Autopsy.team_id == team_id)
        if user_id is not None:
            query = query.where(Autopsy.user_id == user_id)
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
    "competitor",
    "winner_reason",
    "main_reason",
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


__all__ = ["EXPORT_FIELDS", "Due", "Plan", "Store", "export_row", "make_engine"]
