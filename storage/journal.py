"""The rep's own journal: what App Home, `/lost-deal list` and "Export my data" read, and the
edits and deletions only an autopsy's author may make. Every query names the workspace and,
where it reads or changes one person's rows, that person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.digests import SHARED, Lesson
from storage.models import Autopsy, FollowUp, Revisit

OPEN = ("pending", "snoozed", "sent")  # a follow-up still waiting for its answer


@dataclass(frozen=True)
class JournalEntry:
    """One of the rep's autopsies with what became of it: its touch-base state and revisits."""

    autopsy: Autopsy
    touch_base: FollowUp | None
    revisits: int
    latest_revisit: str | None


@dataclass(frozen=True)
class AuthorStats:
    total: int
    by_outcome: Counter[str]
    reached_out: int  # touch-bases answered "I reached out" or "Won them back"
    won_back: int


class JournalStorage:
    """The journal's half of `Store` (which provides `session`)."""

    session: sessionmaker[Session]

    def upcoming_follow_ups(
        self, *, team_id: str, user_id: str, limit: int
    ) -> list[tuple[FollowUp, Autopsy]]:
        """The rep's touch-base reminders still open, soonest first."""
        with self.session() as session:
            rows = session.execute(
                select(FollowUp, Autopsy)
                .join(Autopsy, Autopsy.id == FollowUp.autopsy_id)
                .where(
                    FollowUp.team_id == team_id,
                    FollowUp.recipient_id == user_id,
                    FollowUp.kind == "touch_base",
                    FollowUp.state.in_(OPEN),
                )
                .order_by(FollowUp.due_at, FollowUp.id)
                .limit(limit)
            )
            return [(follow_up, entry) for follow_up, entry in rows]

    def journal(
        self, *, team_id: str, user_id: str, offset: int, limit: int
    ) -> tuple[list[JournalEntry], int]:
        """A page of the rep's autopsies, newest first, and how many they have in all."""
        mine = (Autopsy.team_id == team_id, Autopsy.user_id == user_id)
        with self.session() as session:
            total = session.scalar(select(func.count()).select_from(Autopsy).where(*mine)) or 0
            entries = list(
                session.scalars(
                    select(Autopsy)
                    .where(*mine)
                    .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
            ids = [entry.id for entry in entries]
            touch = {
                row.autopsy_id: row
                for row in session.scalars(
                    select(FollowUp)
                    .where(FollowUp.autopsy_id.in_(ids), FollowUp.kind == "touch_base")
                    .order_by(FollowUp.id)
                )
            }
            counts = dict(
                session.execute(
                    select(Revisit.autopsy_id, func.count())
                    .where(Revisit.autopsy_id.in_(ids))
                    .group_by(Revisit.autopsy_id)
                ).all()
            )
            latest: dict[int, str] = {}
            for autopsy_id, text in session.execute(
                select(Revisit.autopsy_id, Revisit.text)
                .where(Revisit.autopsy_id.in_(ids))
                .order_by(Revisit.created_at, Revisit.id)
            ):
                latest[autopsy_id] = text
        return [
            JournalEntry(entry, touch.get(entry.id), counts.get(entry.id, 0), latest.get(entry.id))
            for entry in entries
        ], total

    def shared_lessons(self, *, team_id: str, since: datetime, limit: int) -> list[Lesson]:
        """The team's lessons shared since `since`, newest first; private ones never."""
        with self.session() as session:
            rows = session.scalars(
                select(Autopsy)
                .where(Autopsy.team_id == team_id, Autopsy.created_at >= since, Autopsy.sharing.in_(SHARED))
                .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                .limit(limit)
            )
            return [Lesson.shared_by(row) for row in rows]

    def own_autopsy(self, *, team_id: str, user_id: str, autopsy_id: int) -> Autopsy | None:
        """The autopsy, if this person wrote it; None for anyone else's (or none at all)."""
        with self.session() as session:
            return session.scalars(
                select(Autopsy).where(
                    Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id
                )
            ).one_or_none()

    def update_autopsy(
        self,
        *,
        team_id: str,
        user_id: str,
        autopsy_id: int,
        answers: Any,
        plans: Sequence[Any],
        now: datetime,
    ) -> Autopsy | None:
        """Rewrite an autopsy with new answers and move its follow-ups to match; None if not the author's.

        `plans` are the follow-ups the new answers ask for (as for a new autopsy): the open
        touch-base takes the new date (or is cancelled when there is none now), a newly named
        helper gets a help request, and what was already answered stays as it was.
        """
        with self.session.begin() as session:
            entry = session.scalars(
                select(Autopsy)
                .where(Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id)
                .with_for_update()
            ).one_or_none()
            if entry is None:
                return None
            for name, value in asdict(answers).items():
                setattr(entry, name, value)
            existing = list(session.scalars(select(FollowUp).where(FollowUp.autopsy_id == entry.id)))
            touch_plan = next((plan for plan in plans if plan.kind == "touch_base"), None)
            open_touch = [
                row for row in existing if row.kind == "touch_base" and row.state in ("pending", "snoozed")
            ]
            for row in open_touch:
                if touch_plan is None:
                    row.state, row.closed_at = "cancelled", now
                else:
                    row.due_at, row.due_on, row.state = touch_plan.due_at, touch_plan.due_on, "pending"
            if touch_plan is not None and not any(row.kind == "touch_base" for row in existing):
                session.add(
                    FollowUp(
                        team_id=team_id,
                        autopsy_id=entry.id,
                        state="pending",
                        attempts=0,
                        **asdict(touch_plan),
                    )
                )
            helpers = {row.recipient_id for row in existing if row.kind == "help_request"}
            for plan in plans:
                if plan.kind == "help_request" and plan.recipient_id not in helpers:
                    session.add(
                        FollowUp(
                            team_id=team_id, autopsy_id=entry.id, state="pending", attempts=0, **asdict(plan)
                        )
                    )
            session.flush()
            return entry

    def delete_autopsy(self, *, team_id: str, user_id: str, autopsy_id: int) -> bool:
        """Delete an autopsy with its follow-ups and revisits; False if it is not the author's."""
        with self.session.begin() as session:
            owned = session.scalar(
                select(Autopsy.id).where(
                    Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id
                )
            )
            if owned is None:
                return False
            # Explicit, not only ON DELETE CASCADE: nothing is left behind on any backend.
            session.execute(delete(FollowUp).where(FollowUp.autopsy_id == owned))
            session.execute(delete(Revisit).where(Revisit.autopsy_id == owned))
            session.execute(delete(Autopsy).where(Autopsy.id == owned))
            return True

    def author_stats(self, *, team_id: str, user_id: str) -> AuthorStats:
        """One rep's own figures, private autopsies included (they are theirs)."""
        mine = (Autopsy.team_id == team_id, Autopsy.user_id == user_id)
        with self.session() as session:
            by_outcome = Counter(
                dict(
                    session.execute(
                        select(Autopsy.outcome, func.count()).where(*mine).group_by(Autopsy.outcome)
                    ).all()
                )
            )
            answered = Counter(
                dict(
                    session.execute(
                        select(FollowUp.state, func.count())
                        .where(
                            FollowUp.team_id == team_id,
                            FollowUp.recipient_id == user_id,
                            FollowUp.kind == "touch_base",
                            FollowUp.state.in_(("done", "won_back")),
                        )
                        .group_by(FollowUp.state)
                    ).all()
                )
            )
        return AuthorStats(
            total=sum(by_outcome.values()),
            by_outcome=by_outcome,
            reached_out=answered["done"] + answered["won_back"],
            won_back=answered["won_back"],
        )
