"""Losses per month by main reason and by competitor, the team's view of whether its lessons work:
shared autopsies (a private one is never counted, nor its actions) and the CRM's lost deals no
autopsy was written of (by the reason the CRM gave), beside the actions made on those autopsies.

Counted in SQL, per month between the boundaries given (month starts in the workspace's zone)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from storage.autopsies import SHARED
from storage.models import Action, Autopsy, Competitor, LostDeal


@dataclass(frozen=True)
class MonthlyLosses:
    """One reason's or competitor's losses and actions made, a number per month, oldest first."""

    key: str  # the reason, or the competitor's key
    name: str  # the competitor's name as the team knows it; the reason itself for a reason
    losses: tuple[int, ...]
    actions: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.losses)


@dataclass(frozen=True)
class LossTrend:
    month_starts: tuple[datetime, ...]  # one per month shown, and the end of the last
    reasons: tuple[MonthlyLosses, ...]  # most losses first
    competitors: tuple[MonthlyLosses, ...]  # the `top` with most losses, most first


def _month(column: Any, boundaries: Sequence[datetime]) -> Any:
    """The month a moment falls in, as its index among `boundaries`' months."""
    return case(
        *((and_(column >= start, column < end), n) for n, (start, end) in enumerate(pairwise(boundaries)))
    )


class LossTrends:
    """The loss trends of a unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def monthly(self, *, team_id: str, month_starts: Sequence[datetime], top: int = 5) -> LossTrend:
        """Each main reason's and each of the `top` competitors' losses per month."""
        months = len(month_starts) - 1
        first, end = month_starts[0], month_starts[-1]
        shared = (Autopsy.team_id == team_id, Autopsy.sharing.in_(SHARED))
        month = _month(Autopsy.created_at, month_starts).label("month")
        autopsies = self.session.execute(
            select(month, Autopsy.main_reason, Autopsy.competitor_key, func.count())
            .where(*shared, Autopsy.created_at >= first, Autopsy.created_at < end)
            .group_by(month, Autopsy.main_reason, Autopsy.competitor_key)
        ).all()
        crm_month = _month(LostDeal.changed_at, month_starts).label("month")
        crm = self.session.execute(
            select(crm_month, LostDeal.main_reason, func.count())
            .where(
                LostDeal.team_id == team_id,
                LostDeal.lost.is_(True),
                LostDeal.autopsy_id.is_(None),  # one with an autopsy is counted as that autopsy
                LostDeal.main_reason.is_not(None),
                LostDeal.changed_at >= first,
                LostDeal.changed_at < end,
            )
            .group_by(crm_month, LostDeal.main_reason)
        ).all()
        made_month = _month(Action.created_at, month_starts).label("month")
        made = self.session.execute(
            select(made_month, Autopsy.main_reason, Autopsy.competitor_key, func.count())
            .join(Autopsy, Autopsy.id == Action.autopsy_id)
            .where(Action.team_id == team_id, *shared, Action.created_at >= first, Action.created_at < end)
            .group_by(made_month, Autopsy.main_reason, Autopsy.competitor_key)
        ).all()
        lost_to: dict[str, Counter[int]] = {}
        lost_for: dict[str, Counter[int]] = {}
        for n, reason, competitor, count in autopsies:
            if reason:
                lost_for.setdefault(reason, Counter())[n] += count
            if competitor:
                lost_to.setdefault(competitor, Counter())[n] += count
        for n, reason, count in crm:
            lost_for.setdefault(reason, Counter())[n] += count
        acted_for: dict[str, Counter[int]] = {}
        acted_on: dict[str, Counter[int]] = {}
        for n, reason, competitor, count in made:
            if reason:
                acted_for.setdefault(reason, Counter())[n] += count
            if competitor:
                acted_on.setdefault(competitor, Counter())[n] += count

        def ranked(counts: dict[str, Counter[int]], limit: int | None = None) -> list[str]:
            return sorted(counts, key=lambda key: (-counts[key].total(), key))[:limit]

        def series(key: str, name: str, losses: Counter[int], actions: Counter[int] | None) -> MonthlyLosses:
            return MonthlyLosses(
                key,
                name,
                tuple(losses[n] for n in range(months)),
                tuple((actions or Counter())[n] for n in range(months)),
            )

        leaders = ranked(lost_to, top)
        names = dict(
            self.session.execute(
                select(Competitor.key, Competitor.name).where(
                    Competitor.team_id == team_id, Competitor.key.in_(leaders)
                )
            ).all()
        )
        return LossTrend(
            month_starts=tuple(month_starts),
            reasons=tuple(series(key, key, lost_for[key], acted_for.get(key)) for key in ranked(lost_for)),
            competitors=tuple(
                series(key, names.get(key, key), lost_to[key], acted_on.get(key)) for key in leaders
            ),
        )
