"""Actions: a lesson the team commits to, its owner's reminder on the due day (a follow-up of kind
`action_due`, sent by the same sweep as every other), and its outcome once closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.engine import upsert
from storage.follow_ups import Plan
from storage.models import Action, FollowUp

OPEN_REMINDER = ("pending", "snoozed", "sending", "sent")  # a reminder not yet answered


@dataclass(frozen=True, kw_only=True)
class Commitment:
    """What a new action says: the change, its owner and its day."""

    what: str
    owner_id: str
    due_on: date


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
