"""Rebound's tables, as SQLAlchemy 2.x typed models. Every row carries its workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SLACK_ID = String(32)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC, aware on the way out on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Rebound stores aware datetimes only")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Autopsy(Base):
    """One rep's look back at one lost deal."""

    __tablename__ = "autopsies"
    __table_args__ = (
        # Slack may deliver the same submission twice; its view id makes the second one a no-op.
        UniqueConstraint("team_id", "view_id", name="uq_autopsies_team_view"),
        Index("ix_autopsies_team_created", "team_id", "created_at"),
        Index("ix_autopsies_team_user_created", "team_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    view_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal_name: Mapped[str] = mapped_column(String(150))
    outcome: Mapped[str] = mapped_column(String(32))
    deal_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    winner: Mapped[str] = mapped_column(String(32))
    winner_reason: Mapped[str | None] = mapped_column(Text)
    customer_said: Mapped[str | None] = mapped_column(Text)
    check_listened: Mapped[str] = mapped_column(String(8))
    check_timing: Mapped[str] = mapped_column(String(8))
    check_market: Mapped[str] = mapped_column(String(8))
    check_aggressive: Mapped[str] = mapped_column(String(8))
    feelings: Mapped[str] = mapped_column(Text)
    lesson: Mapped[str] = mapped_column(String(300))
    touch_base_on: Mapped[date | None] = mapped_column(Date)
    help_from: Mapped[str | None] = mapped_column(SLACK_ID)
    sharing: Mapped[str] = mapped_column(String(16))
