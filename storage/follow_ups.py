"""Follow-ups: the gentle DMs Rebound owes someone, claimed by a sweep and settled once Slack
has answered; the recipient's answer; paused reminders; and the time zone each person is in.

A sweep's claim is atomic: on PostgreSQL rows other sweeps hold are skipped (FOR UPDATE SKIP
LOCKED); SQLite runs the single UPDATE as its one writer. Only the sweep holding a claim settles it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.claims import interrupted
from storage.engine import upsert
from storage.models import Action, Autopsy, BuyerAsk, FollowUp, LostDeal, PersonZone, ReminderPause

OPEN = ("pending", "snoozed", "sent")  # a follow-up still waiting for its answer


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A follow-up to create with an autopsy: what, for whom, and from when."""

    kind: str
    recipient_id: str
    due_at: datetime
    due_on: date | None = None


@dataclass(frozen=True)
class Due:
    """A follow-up and the autopsy it is about, with its buyer's ask when it has one (the rep's
    "<deal> answered" DM draws the buyer's answers); or, for a CRM prompt, the lost deal (no
    autopsy yet); for an action's reminder, the action too."""

    follow_up: FollowUp
    autopsy: Autopsy
    lost_deal: LostDeal | None = None
    buyer_ask: BuyerAsk | None = None
    action: Action | None = None


@dataclass(frozen=True)
class SentMessage:
    """A follow-up's DM as Slack keeps it: who it went to, and where, to draw it again."""

    recipient_id: str
    channel_id: str
    message_ts: str


def _with_subject(query: Any) -> Any:
    """A follow-up's autopsy, or its lost deal (CRM prompts come before any autopsy); and the
    action an `action_due` reminder is about."""
    return (
        query.outerjoin(Autopsy, Autopsy.id == FollowUp.autopsy_id)
        .outerjoin(LostDeal, LostDeal.id == FollowUp.lost_deal_id)
        .outerjoin(Action, Action.id == FollowUp.action_id)
    )


def _recipient_paused() -> Any:
    """The follow-up's recipient paused their reminders: it waits for them, not for a sweep."""
    return exists().where(
        ReminderPause.team_id == FollowUp.team_id, ReminderPause.user_id == FollowUp.recipient_id
    )


def new_follow_up(team_id: str, autopsy_id: int, plan: Plan) -> FollowUp:
    return FollowUp(team_id=team_id, autopsy_id=autopsy_id, state="pending", attempts=0, **asdict(plan))


class FollowUps:
    """The follow-ups of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # The sweep's side
    def claim_due(self, *, now: datetime, limit: int, lease: timedelta) -> list[Due]:
        """Take up to `limit` due follow-ups for this sweep alone.

        Due means pending (or snoozed) with due_at reached, or claimed by a sweep whose lease
        ran out (a process killed mid-send). People who paused reminders are left waiting.
        """
        due = (
            select(FollowUp.id)
            .where(
                or_(
                    and_(FollowUp.state.in_(("pending", "snoozed")), FollowUp.due_at <= now),
                    and_(FollowUp.state == "sending", FollowUp.lease_until <= now),
                ),
                ~_recipient_paused(),
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
        ids = list(self.session.scalars(claim))
        if not ids:
            return []
        rows = self.session.execute(
            _with_subject(select(FollowUp, Autopsy, LostDeal, Action))
            .where(FollowUp.id.in_(ids))
            .order_by(FollowUp.due_at, FollowUp.id)
        )
        return self._with_buyer_asks(list(rows))

    def _with_buyer_asks(self, rows: Sequence[Any]) -> list[Due]:
        """Each follow-up with its autopsy's buyer ask, if it has one: a second query on the asks'
        unique autopsy index (as an outer join, PostgreSQL's planner scanned every ask)."""
        autopsy_ids = [entry.id for _, entry, _, _ in rows if entry is not None]
        asks: dict[int, BuyerAsk] = {}
        if autopsy_ids:
            found = self.session.scalars(
                select(BuyerAsk)
                .where(BuyerAsk.autopsy_id.in_(autopsy_ids))
                .execution_options(populate_existing=True)
            )
            asks = {ask.autopsy_id: ask for ask in found}
        return [
            Due(follow_up, entry, deal, asks.get(entry.id) if entry is not None else None, action)
            for follow_up, entry, deal, action in rows
        ]

    def oldest_due(self, *, now: datetime) -> datetime | None:
        """When the follow-up that has waited longest to be sent fell due (pending or snoozed, or
        claimed and not yet sent), or None when none waits: the sweep's lag, for /metrics. People
        who paused their reminders are not waiting for a sweep."""
        return self.session.scalar(
            select(func.min(FollowUp.due_at)).where(
                FollowUp.state.in_(("pending", "snoozed", "sending")),
                FollowUp.due_at <= now,
                ~_recipient_paused(),
            )
        )

    def _settle(self, follow_up_id: int, **values: Any) -> None:
        self.session.execute(
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

    def address(self, follow_up_id: int, *, recipient_id: str) -> None:
        """Name a claimed CRM prompt's recipient, once the sweep found the deal's owner in Slack."""
        self.session.execute(
            update(FollowUp).where(FollowUp.id == follow_up_id).values(recipient_id=recipient_id)
        )

    def cancel(self, follow_up_id: int, *, now: datetime) -> None:
        """Close a claimed follow-up that has nothing to say any more (its deal was settled)."""
        self._settle(follow_up_id, state="cancelled", closed_at=now)

    def mark_failed(self, follow_up_id: int, *, error: str, now: datetime) -> None:
        self._settle(
            follow_up_id, state="failed", attempts=FollowUp.attempts + 1, last_error=error, closed_at=now
        )

    # The recipient's side
    def get(self, *, team_id: str, follow_up_id: int) -> Due | None:
        row = self.session.execute(
            _with_subject(select(FollowUp, Autopsy, LostDeal, Action))
            .where(FollowUp.team_id == team_id, FollowUp.id == follow_up_id)
            .execution_options(populate_existing=True)  # as it is now, also after this unit's writes
        ).one_or_none()
        return None if row is None else self._with_buyer_asks([row])[0]

    def own(self, *, team_id: str, user_id: str, follow_up_id: int, kind: str | None = None) -> Due | None:
        """The follow-up, if it is this person's to answer (and of `kind`); None for anyone else's."""
        due = self.get(team_id=team_id, follow_up_id=follow_up_id)
        if due is None or due.follow_up.recipient_id != user_id or kind not in (None, due.follow_up.kind):
            return None
        return due

    def answer(
        self,
        *,
        team_id: str,
        user_id: str,
        follow_up_id: int,
        state: str,
        now: datetime,
        due_at: datetime | None = None,
        due_on: date | None = None,
        kind: str | None = None,
    ) -> tuple[Due | None, bool]:
        """Record the recipient's answer to a follow-up (of `kind`); return it and whether this
        changed it; (None, False) when it is not theirs to answer.

        Only the recipient can answer, and only once: a second click finds it answered already.
        `due_at` snoozes it until then (`due_on`: that moment's day, in the recipient's zone).
        """
        mine = self.own(team_id=team_id, user_id=user_id, follow_up_id=follow_up_id, kind=kind)
        if mine is None:
            return None, False
        values: dict[str, Any] = {"state": state}
        if due_at is not None:
            values.update(due_at=due_at, due_on=due_on)
        else:
            values.update(closed_at=now)
        changed = self.session.execute(
            update(FollowUp)
            .where(
                FollowUp.id == follow_up_id,
                # From its DM or from App Home; a snooze does not stack on a snooze.
                FollowUp.state.in_(("pending", "sent") if due_at is not None else OPEN),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        return self.own(team_id=team_id, user_id=user_id, follow_up_id=follow_up_id), bool(changed)

    def messages_of(self, *, team_id: str, autopsy_id: int) -> list[SentMessage]:
        """The DMs an autopsy's follow-ups put in people's conversations, whatever their answer."""
        return self.messages_of_any(team_id=team_id, autopsy_ids=[autopsy_id])

    def messages_of_any(self, *, team_id: str, autopsy_ids: Any) -> list[SentMessage]:
        """The same for several autopsies (`autopsy_ids`: ids, or a query selecting them)."""
        rows = self.session.execute(
            select(FollowUp.recipient_id, FollowUp.channel_id, FollowUp.message_ts)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.autopsy_id.in_(autopsy_ids),
                FollowUp.channel_id.is_not(None),
                FollowUp.message_ts.is_not(None),
            )
            .order_by(FollowUp.id)
        )
        return [SentMessage(*row) for row in rows]

    def upcoming(self, *, team_id: str, user_id: str, limit: int) -> list[tuple[FollowUp, Autopsy]]:
        """The rep's touch-base reminders still open, soonest first."""
        rows = self.session.execute(
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

    def soonest_touch_base(self, *, team_id: str) -> FollowUp | None:
        """The pending touch-base reminder whose day (`due_on`, always set) comes first in the workspace."""
        return self.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.kind == "touch_base",
                FollowUp.state == "pending",
                FollowUp.due_on.is_not(None),
            )
            .order_by(FollowUp.due_on, FollowUp.id)
            .limit(1)
        ).first()

    # Paused reminders
    def pause(self, *, team_id: str, user_id: str, now: datetime) -> bool:
        """Pause someone's reminders; False if they already were."""
        values = {"team_id": team_id, "user_id": user_id, "paused_at": now}
        added = upsert(
            self.session, ReminderPause, values, keys=("team_id", "user_id"), returning=ReminderPause.user_id
        )
        return added.scalar() is not None

    def resume(self, *, team_id: str, user_id: str) -> bool:
        """Resume someone's reminders; False if they were not paused."""
        return bool(
            self.session.execute(
                delete(ReminderPause).where(
                    ReminderPause.team_id == team_id, ReminderPause.user_id == user_id
                )
            ).rowcount
        )

    def paused(self, *, team_id: str, user_id: str) -> bool:
        return self.session.get(ReminderPause, (team_id, user_id)) is not None

    # Time zones, as users.info last said
    def zones(self, *, team_id: str, user_ids: Sequence[str], fresh_since: datetime) -> dict[str, str]:
        rows = self.session.execute(
            select(PersonZone.user_id, PersonZone.tz).where(
                PersonZone.team_id == team_id,
                PersonZone.user_id.in_(user_ids),
                PersonZone.fetched_at >= fresh_since,
            )
        )
        return {user_id: tz for user_id, tz in rows}

    def remember_zone(self, *, team_id: str, user_id: str, tz: str, now: datetime) -> None:
        upsert(
            self.session,
            PersonZone,
            {"team_id": team_id, "user_id": user_id, "tz": tz, "fetched_at": now},
            keys=("team_id", "user_id"),
            changes={"tz": tz, "fetched_at": now},
        )
