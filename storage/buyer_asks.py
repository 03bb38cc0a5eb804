"""Buyer asks: the link each autopsy's author sends the lost buyer, where it stands, and the
buyer's answers; with the counts the public page's rate limits share across processes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from storage.engine import upsert
from storage.models import Autopsy, BuyerAsk, PageVisits

# The buyer's answers, as the page's form gives them and the table keeps them.
ANSWER_FIELDS = (
    "main_reason",
    "other_reason",
    "changed_mind",
    "working_with",
    "working_score",
    "may_contact",
)


@dataclass(frozen=True)
class AskedOf:
    """An ask, found by its link, and the autopsy it is about."""

    ask: BuyerAsk
    autopsy: Autopsy


class BuyerAsks:
    """The buyer asks of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_autopsy(self, *, team_id: str, autopsy_id: int) -> BuyerAsk | None:
        return self.session.scalar(
            select(BuyerAsk).where(BuyerAsk.team_id == team_id, BuyerAsk.autopsy_id == autopsy_id)
        )

    def of_autopsies(self, *, team_id: str, autopsy_ids: list[int]) -> dict[int, BuyerAsk]:
        if not autopsy_ids:
            return {}
        rows = self.session.scalars(
            select(BuyerAsk).where(BuyerAsk.team_id == team_id, BuyerAsk.autopsy_id.in_(autopsy_ids))
        )
        return {row.autopsy_id: row for row in rows}

    def start(
        self,
        *,
        team_id: str,
        autopsy_id: int,
        seed: str,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> BuyerAsk:
        """The autopsy's ask: the one it has (asking twice, or two clicks at once), else a new one."""
        upsert(
            self.session,
            BuyerAsk,
            {
                "team_id": team_id,
                "autopsy_id": autopsy_id,
                "token_seed": seed,
                "token_hash": token_hash,
                "created_at": now,
                "expires_at": expires_at,
            },
            keys=("autopsy_id",),
        )
        found = self.of_autopsy(team_id=team_id, autopsy_id=autopsy_id)
        assert found is not None
        return found

    def renew(self, ask_id: int, *, seed: str, token_hash: str, now: datetime, expires_at: datetime) -> None:
        """A new link for an ask that was withdrawn or expired, unanswered: the old one stays dead."""
        self.session.execute(
            update(BuyerAsk)
            .where(BuyerAsk.id == ask_id, BuyerAsk.answered_at.is_(None))
            .values(
                token_seed=seed,
                token_hash=token_hash,
                created_at=now,
                expires_at=expires_at,
                opened_at=None,
                withdrawn_at=None,
            )
        )

    def withdraw(self, ask_id: int, *, now: datetime) -> bool:
        """Withdraw an unanswered link; False when it was answered or withdrawn already."""
        done = self.session.execute(
            update(BuyerAsk)
            .where(BuyerAsk.id == ask_id, BuyerAsk.withdrawn_at.is_(None), BuyerAsk.answered_at.is_(None))
            .values(withdrawn_at=now)
        )
        return bool(done.rowcount)

    def by_token_hash(self, token_hash: str) -> AskedOf | None:
        row = self.session.execute(
            select(BuyerAsk, Autopsy)
            .join(Autopsy, Autopsy.id == BuyerAsk.autopsy_id)
            .where(BuyerAsk.token_hash == token_hash)
        ).first()
        return None if row is None else AskedOf(*row)

    def opened(self, ask_id: int, *, now: datetime) -> None:
        self.session.execute(
            update(BuyerAsk).where(BuyerAsk.id == ask_id, BuyerAsk.opened_at.is_(None)).values(opened_at=now)
        )

    def answer(self, ask_id: int, *, answers: dict[str, Any], now: datetime, correct_until: timedelta) -> str:
        """Keep the buyer's answers: "answered" the first time, "corrected" within `correct_until`
        of that, "closed" after it (or for a link withdrawn since the page was drawn)."""
        first = self.session.execute(
            update(BuyerAsk)
            .where(
                BuyerAsk.id == ask_id,
                BuyerAsk.answered_at.is_(None),
                BuyerAsk.withdrawn_at.is_(None),
                BuyerAsk.expires_at > now,
            )
            .values(answered_at=now, opened_at=func.coalesce(BuyerAsk.opened_at, now), **answers)
        )
        if first.rowcount:
            return "answered"
        again = self.session.execute(
            update(BuyerAsk)
            .where(BuyerAsk.id == ask_id, BuyerAsk.answered_at > now - correct_until)
            .values(**answers)
        )
        return "corrected" if again.rowcount else "closed"

    def for_export(self, autopsy_ids: list[int]) -> Iterator[BuyerAsk]:
        if autopsy_ids:
            yield from self.session.scalars(select(BuyerAsk).where(BuyerAsk.autopsy_id.in_(autopsy_ids)))


class PageLimits:
    """Requests to the public pages per caller and window, counted in the database so that every
    process of a deployment counts the same requests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, who: str, *, window_start: datetime) -> int:
        """Count one more request by `who` in the window starting at `window_start`; the total."""
        counted = upsert(
            self.session,
            PageVisits,
            {"who": who, "window_start": window_start, "count": 1},
            keys=("who", "window_start"),
            changes={"count": PageVisits.count + 1},
            returning=PageVisits.count,
        ).scalar_one()
        if counted == 1:  # a new window for someone: the windows that are over go
            self.session.execute(delete(PageVisits).where(and_(PageVisits.window_start < window_start)))
        return counted
