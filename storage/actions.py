"""Actions: a lesson the team commits to, its owner's reminder on the due day (a follow-up of kind
`action_due`, sent by the same sweep as every other), and its outcome once closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.autopsies import SHARED
from storage.engine import upsert
from storage.follow_ups import Plan
from storage.models import Action, Autopsy, FollowUp

OPEN_REMINDER = ("pending", "snoozed", "sending", "sent")  # a reminder not yet answered
CLOSED = ("done", "dropped")


@dataclass(frozen=True, kw_only=True)
class Commitment:
    """What a new action says: the change, its owner and its day."""

    what: str
    owner_id: str
    due_on: date


@dataclass(frozen=True)
class ActionItem:
    """An action with what a reader may need of its lesson: the deal, how it was shared and by
    whom (a builder shows the deal and the author only where the sharing allows)."""

    action: Action
    deal_name: str
    sharing: str
    author_id: str


@dataclass(frozen=True)
class ActionList:
    """The first few actions of a list, and how many there are in all."""

    items: Sequence[ActionItem] = ()
    total: int = 0


class Actions:
    """The actions of a unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def make(
        self,
        *,
        team_id: str,
        autopsy_id: int,
        made_by: str,
        view_id: str,
        commitment: Commitment,
        reminder: Plan,
        now: datetime,
    ) -> tuple[Action, bool]:
        """Store an action and its owner's reminder once per (workspace, view); return it and
        whether it is new (Slack may deliver the same submission twice)."""
        values = {
            "team_id": team_id,
            "autopsy_id": autopsy_id,
            "view_id": view_id,
            "made_by": made_by,
            "owner_id": commitment.owner_id,
            "what": commitment.what,
            "due_on": commitment.due_on,
            "state": "open",
            "created_at": now,
        }
        new_id = upsert(
            self.session, Action, values, keys=("team_id", "view_id"), returning=Action.id
        ).scalar()
        if new_id is None:
            existing = self.session.scalars(
                select(Action).where(Action.team_id == team_id, Action.view_id == view_id)
            ).one()
            return existing, False
        self.session.add(
            FollowUp(
                team_id=team_id,
                autopsy_id=autopsy_id,
                action_id=new_id,
                kind=reminder.kind,
                recipient_id=reminder.recipient_id,
                due_at=reminder.due_at,
                due_on=reminder.due_on,
                state="pending",
                attempts=0,
            )
        )
        return self.session.get_one(Action, new_id), True

    def owned(self, *, team_id: str, owner_id: str, action_id: int) -> Action | None:
        """The action, if this person owns it; None for anyone else's."""
        return self.session.scalars(
            select(Action).where(
                Action.team_id == team_id, Action.owner_id == owner_id, Action.id == action_id
            )
        ).one_or_none()

    def close(
        self, *, team_id: str, owner_id: str, action_id: int, state: str, outcome: str | None, now: datetime
    ) -> Action | None:
        """Done or dropped (`state`), by its owner, once: its reminder is answered with it. None
        when it is not theirs or was closed already (a second click, another process)."""
        closed = self.session.execute(
            update(Action)
            .where(
                Action.team_id == team_id,
                Action.owner_id == owner_id,
                Action.id == action_id,
                Action.state == "open",
            )
            .values(state=state, outcome=outcome, closed_at=now)
            .returning(Action.id)
            .execution_options(synchronize_session=False)
        ).scalar()
        if closed is None:
            return None
        self.session.execute(
            update(FollowUp)
            .where(FollowUp.action_id == action_id, FollowUp.state.in_(OPEN_REMINDER))
            .values(state=state, closed_at=now)  # as a touch-base's answer is its state
            .execution_options(synchronize_session=False)
        )
        return self.session.get_one(Action, action_id, populate_existing=True)

    def snooze(
        self, *, team_id: str, owner_id: str, action_id: int, until: date, reminder_at: datetime
    ) -> Action | None:
        """Move an open action to a later day; its reminder comes again then."""
        action = self.owned(team_id=team_id, owner_id=owner_id, action_id=action_id)
        if action is None or action.state != "open":
            return None
        action.due_on = until
        self.session.execute(
            update(FollowUp)
            .where(FollowUp.action_id == action_id, FollowUp.state.in_(OPEN_REMINDER))
            .values(state="snoozed", due_at=reminder_at, due_on=until, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return action

    # Making one: which lesson a person may turn into an action
    def lesson_for(self, *, team_id: str, user_id: str, autopsy_id: int) -> Autopsy | None:
        """The autopsy whose lesson this person may make an action of: their own, whatever its
        sharing; a teammate's only when shared (named or anonymous). A private autopsy is never
        anyone else's to see, so a forged id finds nothing."""
        return self.session.scalars(
            select(Autopsy).where(
                Autopsy.team_id == team_id,
                Autopsy.id == autopsy_id,
                or_(Autopsy.user_id == user_id, Autopsy.sharing.in_(SHARED)),
            )
        ).one_or_none()

    def reminder_of(self, *, team_id: str, action_id: int) -> int | None:
        """The follow-up that reminds the owner of this action (its DM is drawn from it)."""
        return self.session.scalar(
            select(func.max(FollowUp.id)).where(FollowUp.team_id == team_id, FollowUp.action_id == action_id)
        )

    # Reading lists of them: App Home and the digest
    def _list(self, where: Sequence[Any], order: Sequence[Any], limit: int) -> ActionList:
        rows = self.session.execute(
            select(Action, Autopsy.deal_name, Autopsy.sharing, Autopsy.user_id)
            .join(Autopsy, Autopsy.id == Action.autopsy_id)
            .where(*where)
            .order_by(*order, Action.id)
            .limit(limit)
        )
        items = [ActionItem(action, deal, sharing, author) for action, deal, sharing, author in rows]
        if len(items) < limit:
            return ActionList(items, len(items))
        total = self.session.scalar(
            select(func.count())
            .select_from(Action)
            .join(Autopsy, Autopsy.id == Action.autopsy_id)
            .where(*where)
        )
        return ActionList(items, total or 0)

    def owned_open(self, *, team_id: str, owner_id: str, limit: int) -> ActionList:
        """The open actions this person owns, soonest due first."""
        where = (Action.team_id == team_id, Action.owner_id == owner_id, Action.state == "open")
        return self._list(where, (Action.due_on,), limit)

    def asked_of_others(self, *, team_id: str, made_by: str, limit: int) -> ActionList:
        """The open actions this person made for someone else to own, soonest due first."""
        where = (
            Action.team_id == team_id,
            Action.made_by == made_by,
            Action.owner_id != made_by,
            Action.state == "open",
        )
        return self._list(where, (Action.due_on,), limit)

    def team_open(self, *, team_id: str, made_before: datetime, limit: int) -> ActionList:
        """The team's open actions from shared lessons, oldest first; a private autopsy's never,
        not even counted."""
        where = (
            Action.team_id == team_id,
            Action.state == "open",
            Action.created_at < made_before,
            Autopsy.sharing.in_(SHARED),
        )
        return self._list(where, (Action.created_at,), limit)

    def done_between(self, *, team_id: str, starts_at: datetime, ends_at: datetime, limit: int) -> ActionList:
        """Actions from shared lessons done in [starts_at, ends_at), first done first."""
        where = (
            Action.team_id == team_id,
            Action.closed_at >= starts_at,
            Action.closed_at < ends_at,
            Action.state == "done",
            Autopsy.sharing.in_(SHARED),
        )
        return self._list(where, (Action.closed_at,), limit)

    def recently_closed(self, *, team_id: str, user_id: str, limit: int) -> ActionList:
        """The actions this person owned or made that were closed, latest first: their history."""
        # Each side of the OR whole, so each has its index (owner's, maker's): with the team and
        # state outside it, SQLite read every closed action of the team (78 ms at 100,000).
        closed = (Action.team_id == team_id, Action.state.in_(CLOSED))
        theirs = or_(and_(*closed, Action.owner_id == user_id), and_(*closed, Action.made_by == user_id))
        return self._list((theirs,), (Action.closed_at.desc(),), limit)

    # The export
    def on_teammates_lessons(self, *, team_id: str, user_id: str) -> list[Action]:
        """The actions this person made (they wrote what) or owns (they wrote the outcome) on
        teammates' lessons, oldest first: their own export holds these beside their autopsies,
        whose rows carry the actions of their own lessons."""
        return list(
            self.session.scalars(
                select(Action)
                .join(Autopsy, Autopsy.id == Action.autopsy_id)
                .where(
                    Action.team_id == team_id,
                    or_(Action.made_by == user_id, Action.owner_id == user_id),
                    Autopsy.user_id != user_id,
                )
                .order_by(Action.created_at, Action.id)
            )
        )
