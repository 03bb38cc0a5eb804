"""What the weekly digest reads and writes: one row per workspace and digest week, claimed before
anything is posted, and the week's figures, aggregated in SQL on the (team_id, created_at),
(team_id, closed_at) and buyer asks' (team_id, answered_at) indexes, so composing a digest costs
what the week holds, not the history.

Private autopsies are left out of every figure here, not only out of the lessons: a count
can single a person out as surely as a name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from storage.autopsies import SHARED, Lesson
from storage.claims import interrupted
from storage.engine import upsert
from storage.models import Autopsy, BuyerAsk, Digest, FollowUp

CHECKS = ("check_listened", "check_timing", "check_market", "check_aggressive")


@dataclass(frozen=True)
class CustomerWords:
    """A lost buyer's answer as the team may read it: `user_id` (the rep who asked) is None when
    the autopsy was shared anonymously. Whether they may be contacted, and their 1-5 score, are
    for the rep alone."""

    deal_name: str
    user_id: str | None
    main_reason: str | None
    other_reason: str | None
    changed_mind: str | None

    @classmethod
    def columns(cls) -> tuple[Any, ...]:
        """What `shared_by` reads: an answered ask joined to its autopsy."""
        return (
            Autopsy.deal_name,
            Autopsy.user_id,
            Autopsy.sharing,
            BuyerAsk.main_reason,
            BuyerAsk.other_reason,
            BuyerAsk.changed_mind,
        )

    @classmethod
    def shared_by(cls, row: Any) -> CustomerWords:
        """A buyer's answer as its autopsy is shared: the rep named only when it is."""
        return cls(
            deal_name=row.deal_name,
            user_id=row.user_id if row.sharing == "named" else None,
            main_reason=row.main_reason,
            other_reason=row.other_reason,
            changed_mind=row.changed_mind,
        )


@dataclass(frozen=True)
class WeekFacts:
    """A workspace's shared autopsies and follow-ups in one window [starts_at, ends_at)."""

    lost: int = 0
    named_value_cents: int | None = None  # named deals only: an anonymous value could identify
    follow_ups_done: int = 0
    won_back: int = 0
    lessons: list[Lesson] = field(default_factory=list)  # the first `lesson_limit`, oldest first
    self_checks: dict[str, Counter[str]] = field(default_factory=dict)  # question -> yes/partly/no
    winners: list[tuple[str, str | None, int]] = field(default_factory=list)  # winner, competitor, n
    reasons: Counter[str] = field(default_factory=Counter)
    crm_lost: int = 0  # deals the CRM marked lost whose owner was asked for an autopsy
    crm_autopsies: int = 0  # how many of them got one
    customer_words: list[CustomerWords] = field(default_factory=list)  # the first `words_limit`
    customers_answered: int = 0  # buyers of shared autopsies who answered with words in the window
    reasons_compared: int = 0  # answered asks where both the rep and the buyer named a main reason
    reasons_agreed: int = 0  # ... and it was the same one

    @property
    def empty(self) -> bool:
        return not (
            self.lost or self.follow_ups_done or self.won_back or self.crm_lost or self.customers_answered
        )


@dataclass(frozen=True)
class WeekCount:
    """One bar of the trend chart: a week [starts_at, ends_at), its shared losses by kind, and
    deals won back."""

    starts_at: datetime
    ends_at: datetime
    lost_by_outcome: Counter[str]
    won_back: int


class Digests:
    """The digest weeks and figures of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # The week's figures
    def week_facts(
        self,
        *,
        team_id: str,
        starts_at: datetime,
        ends_at: datetime,
        lesson_limit: int,
        words_limit: int = 0,
    ) -> WeekFacts:
        """The window's figures, its first `lesson_limit` lessons and `words_limit` buyers' answers."""
        facts = self._autopsy_facts(team_id, starts_at, ends_at, lesson_limit)
        return replace(facts, **self._customer_facts(team_id, starts_at, ends_at, words_limit))

    def _autopsy_facts(
        self, team_id: str, starts_at: datetime, ends_at: datetime, lesson_limit: int
    ) -> WeekFacts:
        in_week = (
            Autopsy.team_id == team_id,
            Autopsy.created_at >= starts_at,
            Autopsy.created_at < ends_at,
            Autopsy.sharing.in_(SHARED),
        )
        named_value = case((Autopsy.sharing == "named", Autopsy.deal_value_cents))
        session = self.session
        lost, value = session.execute(select(func.count(), func.sum(named_value)).where(*in_week)).one()
        if not lost:
            done, won = self._answered(session, team_id, starts_at, ends_at)
            return WeekFacts(follow_ups_done=done, won_back=won)
        lessons = [
            Lesson.shared_by(row)
            for row in session.execute(
                select(*Lesson.columns())
                .where(*in_week)
                .order_by(Autopsy.created_at, Autopsy.id)
                .limit(lesson_limit)
            )
        ]
        competitor_key = func.lower(func.trim(Autopsy.competitor))
        winners = [
            (winner, shown, count)
            for winner, shown, count in session.execute(
                select(Autopsy.winner, func.min(Autopsy.competitor), func.count())
                .where(*in_week)
                .group_by(Autopsy.winner, competitor_key)
                .order_by(func.count().desc(), Autopsy.winner, competitor_key)
            )
        ]
        reasons = Counter(
            dict(
                session.execute(
                    select(Autopsy.main_reason, func.count())
                    .where(*in_week, Autopsy.main_reason.is_not(None))
                    .group_by(Autopsy.main_reason)
                ).all()
            )
        )
        done, won = self._answered(session, team_id, starts_at, ends_at)
        return WeekFacts(
            lost=lost,
            named_value_cents=value,
            follow_ups_done=done,
            won_back=won,
            lessons=lessons,
            self_checks=self._self_checks(session, in_week),
            winners=winners,
            reasons=reasons,
        )

    def _customer_facts(
        self, team_id: str, starts_at: datetime, ends_at: datetime, words_limit: int
    ) -> dict[str, Any]:
        """What lost buyers answered in the window, of shared autopsies only: private ones are left
        out of the counts too. A count that took them in would differ from the answers the team
        can see by exactly the private ones, and so tell whether their reps and buyers agreed."""
        in_window = (
            BuyerAsk.team_id == team_id,  # the (team_id, answered_at) index bounds it by the window
            BuyerAsk.answered_at >= starts_at,
            BuyerAsk.answered_at < ends_at,
        )
        with_words = or_(BuyerAsk.main_reason.is_not(None), BuyerAsk.changed_mind.is_not(None))

        # Each answer's autopsy read by its key, a subquery per answer rather than a join: joined,
        # PostgreSQL hashes the whole autopsies table once a week holds a thousand answers (77 ms
        # at 100,000 autopsies, bench/buyer_digest.py), and the digest would cost the history.
        def of_its_autopsy(column: Any) -> Any:
            return select(column).where(Autopsy.id == BuyerAsk.autopsy_id).scalar_subquery()

        week = (
            select(
                with_words.label("with_words"),
                BuyerAsk.main_reason.label("theirs"),
                of_its_autopsy(Autopsy.main_reason).label("mine"),
                of_its_autopsy(Autopsy.sharing).label("sharing"),
            )
            .where(*in_window)
            .subquery()
        )
        session = self.session
        spoke, compared, agreed = session.execute(
            select(
                func.count(case((week.c.with_words, 1))),
                func.count(case((week.c.theirs.is_not(None), week.c.mine))),  # both named a reason
                func.count(case((week.c.mine == week.c.theirs, 1))),  # ... the same one
            ).where(week.c.sharing.in_(SHARED))
        ).one()
        words = []
        if spoke and words_limit:
            # A join here: the first few in the window's order, which the index gives presorted.
            words = [
                CustomerWords.shared_by(row)
                for row in session.execute(
                    select(*CustomerWords.columns())
                    .join(Autopsy, Autopsy.id == BuyerAsk.autopsy_id)
                    .where(*in_window, Autopsy.sharing.in_(SHARED), with_words)
                    .order_by(BuyerAsk.answered_at, BuyerAsk.id)
                    .limit(words_limit)
                )
            ]
        return {
            "customer_words": words,
            "customers_answered": spoke,
            "reasons_compared": compared,
            "reasons_agreed": agreed,
        }

    def self_check_totals(
        self, *, team_id: str, starts_at: datetime, ends_at: datetime
    ) -> dict[str, Counter[str]]:
        """The self-check answers of shared autopsies in a window, counted per question."""
        in_window = (
            Autopsy.team_id == team_id,
            Autopsy.created_at >= starts_at,
            Autopsy.created_at < ends_at,
            Autopsy.sharing.in_(SHARED),
        )
        return self._self_checks(self.session, in_window)

    @staticmethod
    def _self_checks(session: Session, where: Sequence[Any]) -> dict[str, Counter[str]]:
        columns = [getattr(Autopsy, name) for name in CHECKS]
        totals: dict[str, Counter[str]] = {name: Counter() for name in CHECKS}
        for *answers, count in session.execute(
            select(*columns, func.count()).where(*where).group_by(*columns)
        ):
            for name, answer in zip(CHECKS, answers, strict=True):
                totals[name][answer] += count
        return totals

    @staticmethod
    def _answered(session: Session, team_id: str, starts_at: datetime, ends_at: datetime) -> tuple[int, int]:
        """Follow-ups of shared autopsies answered in the window: reached out (or won back), won back."""
        done, won = session.execute(
            select(
                func.count(),
                func.count(case((FollowUp.state == "won_back", 1))),
            )
            .select_from(FollowUp)
            .join(Autopsy, Autopsy.id == FollowUp.autopsy_id)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.closed_at >= starts_at,
                FollowUp.closed_at < ends_at,
                FollowUp.kind == "touch_base",
                FollowUp.state.in_(("done", "won_back")),
                Autopsy.sharing.in_(SHARED),
            )
        ).one()
        return done, won

    def weekly_counts(self, *, team_id: str, boundaries: Sequence[datetime]) -> list[WeekCount]:
        """Shared losses by kind and deals won back per window between consecutive `boundaries`."""
        weeks = [
            WeekCount(starts_at=start, ends_at=end, lost_by_outcome=Counter(), won_back=0)
            for start, end in pairwise(boundaries)
        ]
        if not weeks:
            return weeks

        def bucket(column: Any) -> Any:
            return case(*((column < end, index) for index, end in enumerate(boundaries[1:])))

        lost_bucket = bucket(Autopsy.created_at)
        won_bucket = bucket(FollowUp.closed_at)
        session = self.session
        for index, outcome, count in session.execute(
            select(lost_bucket, Autopsy.outcome, func.count())
            .where(
                Autopsy.team_id == team_id,
                Autopsy.created_at >= boundaries[0],
                Autopsy.created_at < boundaries[-1],
                Autopsy.sharing.in_(SHARED),
            )
            .group_by(lost_bucket, Autopsy.outcome)
        ):
            weeks[index].lost_by_outcome[outcome] += count
        for index, count in session.execute(
            select(won_bucket, func.count())
            .join(Autopsy, Autopsy.id == FollowUp.autopsy_id)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.closed_at >= boundaries[0],
                FollowUp.closed_at < boundaries[-1],
                FollowUp.state == "won_back",
                Autopsy.sharing.in_(SHARED),
            )
            .group_by(won_bucket)
        ):
            weeks[index] = replace(weeks[index], won_back=count)
        return weeks

    # Digest weeks: one row each, claimed before anything is posted
    def get(self, *, team_id: str, week: str) -> Digest | None:
        return self.session.scalars(
            select(Digest).where(Digest.team_id == team_id, Digest.week == week)
        ).one_or_none()

    def open(
        self,
        *,
        team_id: str,
        week: str,
        starts_at: datetime,
        ends_at: datetime,
        channel_id: str,
        now: datetime,
        missed: bool = False,
    ) -> bool:
        """Create the week's digest row unless it exists; True if this call created it. A `missed`
        week's digest is never posted: the next week's carries its lessons."""
        values = {
            "team_id": team_id,
            "week": week,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "channel_id": channel_id,
            "state": "missed" if missed else "pending",
            "attempt_at": ends_at,
            "attempts": 0,
            "created_at": now,
        }
        return (
            upsert(self.session, Digest, values, keys=("team_id", "week"), returning=Digest.id).scalar()
            is not None
        )

    def reopen(self, *, team_id: str, week: str, channel_id: str, now: datetime) -> None:
        """Make a failed or waiting digest claimable now, in the channel now chosen (an operator's retry)."""
        self.session.execute(
            update(Digest)
            .where(
                Digest.team_id == team_id,
                Digest.week == week,
                Digest.state.in_(("pending", "failed", "missed")),
            )
            .values(state="pending", attempt_at=now, channel_id=channel_id)
        )

    def claim(
        self, *, now: datetime, lease: timedelta, team_id: str | None = None, week: str | None = None
    ) -> list[Digest]:
        """Atomically take the digests due now (or whose sender died) for this process alone."""
        due = select(Digest.id).where(
            or_(
                and_(Digest.state == "pending", Digest.attempt_at <= now),
                and_(Digest.state == "sending", Digest.lease_until <= now),
            )
        )
        if team_id is not None:
            due = due.where(Digest.team_id == team_id)
        if week is not None:
            due = due.where(Digest.week == week)
        due = due.order_by(Digest.attempt_at).limit(50).with_for_update(skip_locked=True)
        claim = (
            update(Digest)
            .where(Digest.id.in_(due.scalar_subquery()))
            .values(state="sending", lease_until=now + lease, **interrupted(Digest))
            .returning(Digest.id)
            .execution_options(synchronize_session=False)
        )
        session = self.session
        ids = list(session.scalars(claim))
        if not ids:
            return []
        return list(session.scalars(select(Digest).where(Digest.id.in_(ids)).order_by(Digest.id)))

    def _settle(self, digest_id: int, **values: Any) -> None:
        self.session.execute(
            update(Digest)
            .where(Digest.id == digest_id, Digest.state == "sending")
            .values(lease_until=None, **values)
        )

    def mark_posted(self, digest_id: int, *, channel_id: str, message_ts: str, now: datetime) -> None:
        self._settle(
            digest_id,
            state="posted",
            channel_id=channel_id,
            message_ts=message_ts,
            posted_at=now,
            last_error=None,
        )

    def mark_skipped(self, digest_id: int, *, now: datetime) -> None:
        self._settle(digest_id, state="skipped", posted_at=now)

    def postpone(self, digest_id: int, *, until: datetime, error: str) -> None:
        self._settle(
            digest_id, state="pending", attempt_at=until, attempts=Digest.attempts + 1, last_error=error
        )

    def mark_failed(self, digest_id: int, *, error: str) -> None:
        self._settle(digest_id, state="failed", attempts=Digest.attempts + 1, last_error=error)
