"""Autopsies and their revisits: what a rep wrote, what they see when they look back, what the
team may read of it, and the export. Every query names the workspace and, where it reads or
changes one person's rows, that person: only an autopsy's author may edit or delete it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.buyer_asks import BuyerAsks
from storage.competitors import Competitors
from storage.engine import upsert
from storage.follow_ups import Plan, new_follow_up
from storage.models import Action, Autopsy, BuyerAsk, FollowUp, Revisit

SHARED = ("named", "anonymous")
OPEN = ("pending", "snoozed", "sent")  # a follow-up still waiting for its answer
EXPORT_BATCH = 500  # autopsies read at a time by the export


@dataclass(frozen=True)
class Lesson:
    """One shared lesson as the team may see it: `user_id` is None when shared anonymously."""

    deal_name: str
    outcome: str
    winner: str
    competitor: str | None
    main_reason: str | None
    lesson: str
    user_id: str | None
    deal_value_cents: int | None
    crm: str | None = None
    crm_deal_url: str | None = None  # named lessons only: the deal in the CRM names its owner
    autopsy_id: int | None = None  # for "Make it an action": a teammate may adopt a shared lesson

    @classmethod
    def columns(cls) -> tuple[Any, ...]:
        """What `shared_by` reads of an autopsy, for a query that selects no more."""
        return (
            Autopsy.id,
            Autopsy.deal_name,
            Autopsy.outcome,
            Autopsy.winner,
            Autopsy.competitor,
            Autopsy.main_reason,
            Autopsy.lesson,
            Autopsy.user_id,
            Autopsy.sharing,
            Autopsy.deal_value_cents,
            Autopsy.crm,
            Autopsy.crm_deal_url,
        )

    @classmethod
    def shared_by(cls, row: Any) -> Lesson:
        """A shared autopsy (a model or a row with its columns) as the team may see it."""
        named = row.sharing == "named"
        return cls(
            deal_name=row.deal_name,
            outcome=row.outcome,
            winner=row.winner,
            competitor=row.competitor,
            main_reason=row.main_reason,
            lesson=row.lesson,
            user_id=row.user_id if named else None,
            deal_value_cents=row.deal_value_cents if named else None,
            crm=row.crm if named else None,
            crm_deal_url=row.crm_deal_url if named else None,
            autopsy_id=row.id,
        )


@dataclass(frozen=True)
class JournalEntry:
    """One of the rep's autopsies with what became of it: its touch-base state and revisits."""

    autopsy: Autopsy
    touch_base: FollowUp | None
    revisits: int
    latest_revisit: str | None


@dataclass(frozen=True)
class ExportEntry:
    """One autopsy as the export holds it: what the rep wrote, its touch-base (the latest, if
    any) with its outcome, its revisits, oldest first, the link its rep sent the lost buyer
    with the buyer's answers, if they asked, and the actions made of its lesson."""

    autopsy: Autopsy
    touch_base: FollowUp | None
    revisits: tuple[Revisit, ...]
    buyer_ask: BuyerAsk | None = None
    actions: tuple[Action, ...] = ()  # made of its lesson, by anyone, oldest first


@dataclass(frozen=True)
class AuthorStats:
    total: int
    by_outcome: Counter[str]
    reached_out: int  # touch-bases answered "I reached out" or "Won them back"
    won_back: int


class Autopsies:
    """The autopsies of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(
        self,
        *,
        team_id: str,
        user_id: str,
        view_id: str,
        answers: Any,
        created_at: datetime,
        follow_ups: Iterable[Plan] = (),
        origin: Mapping[str, Any] | None = None,
    ) -> tuple[Autopsy, bool]:
        """Store an autopsy and its follow-ups once per (workspace, view); return it and whether it is new.

        Slack may deliver the same submission twice, or at once: the second finds the first.
        `origin` is the CRM deal it came from (crm, crm_deal_id, crm_deal_url), if any.
        """
        values = {"team_id": team_id, "user_id": user_id, "view_id": view_id, "created_at": created_at}
        values.update(origin or {})
        new_id = upsert(
            self.session,
            Autopsy,
            {**values, **asdict(answers)},
            keys=("team_id", "view_id"),
            returning=Autopsy.id,
        ).scalar()
        if new_id is not None and answers.competitor:  # counted once, not again on Slack's retry
            key = Competitors(self.session).known_as(
                team_id=team_id, name=answers.competitor, counted=answers.sharing in SHARED
            )
            self.session.execute(update(Autopsy).where(Autopsy.id == new_id).values(competitor_key=key))
        if new_id is None:
            existing = self.session.scalars(
                select(Autopsy).where(Autopsy.team_id == team_id, Autopsy.view_id == view_id)
            ).one()
            return existing, False
        self.session.add_all(new_follow_up(team_id, new_id, plan) for plan in follow_ups)
        return self.session.get_one(Autopsy, new_id), True

    def any_written(self, *, team_id: str) -> bool:
        """Whether anyone in the workspace has written an autopsy yet."""
        return self.session.scalar(select(Autopsy.id).where(Autopsy.team_id == team_id).limit(1)) is not None

    def for_crm_deal(self, *, team_id: str, crm: str, deal_id: str) -> Autopsy | None:
        """The autopsy someone already wrote of this CRM deal, if any."""
        return self.session.scalars(
            select(Autopsy)
            .where(Autopsy.team_id == team_id, Autopsy.crm == crm, Autopsy.crm_deal_id == deal_id)
            .limit(1)
        ).first()

    def own(self, *, team_id: str, user_id: str, autopsy_id: int) -> Autopsy | None:
        """The autopsy, if this person wrote it; None for anyone else's (or none at all)."""
        return self.session.scalars(
            select(Autopsy).where(
                Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id
            )
        ).one_or_none()

    def update(
        self,
        *,
        team_id: str,
        user_id: str,
        autopsy_id: int,
        answers: Any,
        plans: Sequence[Plan],
        now: datetime,
    ) -> Autopsy | None:
        """Rewrite an autopsy with new answers and move its follow-ups to match; None if not the author's.

        `plans` are the follow-ups the new answers ask for (as for a new autopsy): the open
        touch-base takes the new date (or is cancelled when there is none now), a newly named
        helper gets a help request, and what was already answered stays as it was.
        """
        entry = self.session.scalars(
            select(Autopsy)
            .where(Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id)
            .with_for_update()
        ).one_or_none()
        if entry is None:
            return None
        shared = answers.sharing in SHARED
        if answers.competitor != entry.competitor or (shared and entry.sharing not in SHARED):
            entry.competitor_key = Competitors(self.session).known_as(
                team_id=team_id, name=answers.competitor, counted=shared
            )
        for name, value in asdict(answers).items():
            setattr(entry, name, value)
        existing = list(self.session.scalars(select(FollowUp).where(FollowUp.autopsy_id == entry.id)))
        touch_plan = next((plan for plan in plans if plan.kind == "touch_base"), None)
        for row in existing:
            if row.kind != "touch_base" or row.state not in ("pending", "snoozed"):
                continue
            if touch_plan is None:
                row.state, row.closed_at = "cancelled", now
            else:
                row.due_at, row.due_on, row.state = touch_plan.due_at, touch_plan.due_on, "pending"
        if touch_plan is not None and not any(row.kind == "touch_base" for row in existing):
            self.session.add(new_follow_up(team_id, entry.id, touch_plan))
        helpers = {row.recipient_id for row in existing if row.kind == "help_request"}
        for plan in plans:
            if plan.kind == "help_request" and plan.recipient_id not in helpers:
                self.session.add(new_follow_up(team_id, entry.id, plan))
        self.session.flush()
        return entry

    def delete(self, *, team_id: str, user_id: str, autopsy_id: int) -> bool:
        """Delete an autopsy with its follow-ups, revisits and buyer's link and answers; False if it
        is not the author's."""
        owned = self.session.scalar(
            select(Autopsy.id).where(
                Autopsy.team_id == team_id, Autopsy.user_id == user_id, Autopsy.id == autopsy_id
            )
        )
        if owned is None:
            return False
        # Explicit, not only ON DELETE CASCADE: nothing is left behind on any backend.
        self.session.execute(delete(FollowUp).where(FollowUp.autopsy_id == owned))
        self.session.execute(delete(Revisit).where(Revisit.autopsy_id == owned))
        self.session.execute(delete(BuyerAsk).where(BuyerAsk.autopsy_id == owned))
        self.session.execute(delete(Action).where(Action.autopsy_id == owned))
        self.session.execute(delete(Autopsy).where(Autopsy.id == owned))
        return True

    # Revisits
    def add_revisit(
        self, *, team_id: str, user_id: str, autopsy_id: int, view_id: str, text: str, now: datetime
    ) -> bool | None:
        """Add what the author sees now; None if the autopsy is not theirs, False if already stored."""
        owner = self.session.scalar(
            select(Autopsy.user_id).where(Autopsy.team_id == team_id, Autopsy.id == autopsy_id)
        )
        if owner != user_id:
            return None
        values = {
            "team_id": team_id,
            "autopsy_id": autopsy_id,
            "user_id": user_id,
            "view_id": view_id,
            "text": text,
            "created_at": now,
        }
        added = upsert(self.session, Revisit, values, keys=("team_id", "view_id"), returning=Revisit.id)
        return added.scalar() is not None

    def revisits(self, *, team_id: str, autopsy_id: int) -> list[Revisit]:
        return list(
            self.session.scalars(
                select(Revisit)
                .where(Revisit.team_id == team_id, Revisit.autopsy_id == autopsy_id)
                .order_by(Revisit.created_at, Revisit.id)
            )
        )

    # What the rep reads of their own
    def journal(
        self, *, team_id: str, user_id: str, offset: int, limit: int
    ) -> tuple[list[JournalEntry], int]:
        """A page of the rep's autopsies, newest first, and how many they have in all."""
        mine = (Autopsy.team_id == team_id, Autopsy.user_id == user_id)
        total = self.session.scalar(select(func.count()).select_from(Autopsy).where(*mine)) or 0
        entries = list(
            self.session.scalars(
                select(Autopsy)
                .where(*mine)
                .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        ids = [entry.id for entry in entries]
        touch = self._touch_bases(ids)
        counts = dict(
            self.session.execute(
                select(Revisit.autopsy_id, func.count())
                .where(Revisit.autopsy_id.in_(ids))
                .group_by(Revisit.autopsy_id)
            ).all()
        )
        latest: dict[int, str] = {}
        for autopsy_id, text in self.session.execute(
            select(Revisit.autopsy_id, Revisit.text)
            .where(Revisit.autopsy_id.in_(ids))
            .order_by(Revisit.created_at, Revisit.id)
        ):
            latest[autopsy_id] = text
        return [
            JournalEntry(entry, touch.get(entry.id), counts.get(entry.id, 0), latest.get(entry.id))
            for entry in entries
        ], total

    def _touch_bases(self, autopsy_ids: list[int]) -> dict[int, FollowUp]:
        """Each autopsy's touch-base follow-up (its latest), in one query."""
        return {
            row.autopsy_id: row
            for row in self.session.scalars(
                select(FollowUp)
                .where(FollowUp.autopsy_id.in_(autopsy_ids), FollowUp.kind == "touch_base")
                .order_by(FollowUp.id)
            )
        }

    def author_stats(self, *, team_id: str, user_id: str) -> AuthorStats:
        """One rep's own figures, private autopsies included (they are theirs)."""
        mine = (Autopsy.team_id == team_id, Autopsy.user_id == user_id)
        by_outcome = Counter(
            dict(
                self.session.execute(
                    select(Autopsy.outcome, func.count()).where(*mine).group_by(Autopsy.outcome)
                ).all()
            )
        )
        answered = Counter(
            dict(
                self.session.execute(
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

    # What the team reads
    def shared_lessons(self, *, team_id: str, since: datetime, limit: int) -> list[Lesson]:
        """The team's lessons shared since `since`, newest first; private ones never."""
        rows = self.session.scalars(
            select(Autopsy)
            .where(Autopsy.team_id == team_id, Autopsy.created_at >= since, Autopsy.sharing.in_(SHARED))
            .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
            .limit(limit)
        )
        return [Lesson.shared_by(row) for row in rows]

    def export(self, *, team_id: str | None = None, user_id: str | None = None) -> Iterator[ExportEntry]:
        """Every autopsy (of one workspace, or all; of one author, or all), oldest first, with its
        touch-base, revisits and buyer's answers, streamed while the unit of work is open."""
        query = select(Autopsy).order_by(Autopsy.team_id, Autopsy.created_at, Autopsy.id)
        if team_id is not None:
            query = query.where(Autopsy.team_id == team_id)
        if user_id is not None:
            query = query.where(Autopsy.user_id == user_id)
        # A batch's touch-bases, revisits, buyer asks and actions in four queries, not four per autopsy.
        for batch in self.session.scalars(query.execution_options(yield_per=EXPORT_BATCH)).partitions():
            ids = [entry.id for entry in batch]
            touch = self._touch_bases(ids)
            revisits: dict[int, list[Revisit]] = defaultdict(list)
            for revisit in self.session.scalars(
                select(Revisit).where(Revisit.autopsy_id.in_(ids)).order_by(Revisit.created_at, Revisit.id)
            ):
                revisits[revisit.autopsy_id].append(revisit)
            asks = {ask.autopsy_id: ask for ask in BuyerAsks(self.session).for_export(ids)}
            actions: dict[int, list[Action]] = defaultdict(list)
            for action in self.session.scalars(
                select(Action).where(Action.autopsy_id.in_(ids)).order_by(Action.id)
            ):
                actions[action.autopsy_id].append(action)
            for entry in batch:
                yield ExportEntry(
                    entry,
                    touch.get(entry.id),
                    tuple(revisits[entry.id]),
                    asks.get(entry.id),
                    tuple(actions[entry.id]),
                )
