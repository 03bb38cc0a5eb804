"""People: forgetting one person in one workspace, when they leave or ask (App Home's "Delete
everything I wrote", `rebound purge --user`).

What they wrote goes: their autopsies with every revisit and reminder, the links they sent lost
buyers and the buyers' answers, the actions they made (and those made of their lessons), their other
reminders, their pause and their cached time zone. What is the team's stays, without them: a
teammate's autopsy that asked them for help, a CRM deal they owned, the record of an install they
made, an action a teammate made that they owned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.follow_ups import FollowUps, SentMessage
from storage.models import (
    Action,
    Autopsy,
    BuyerAsk,
    FollowUp,
    LostDeal,
    PersonZone,
    ReminderPause,
    Revisit,
)
from storage.workspaces import SLACK_INSTALLATIONS

ERASED = ""  # what an install record keeps in place of its installer: slack_sdk requires a value


@dataclass(frozen=True)
class Erasure:
    """What forgetting a person takes (or took): rows deleted, rows kept without them, and the DMs
    that showed what they wrote, to draw again."""

    autopsies: int = 0
    revisits: int = 0
    buyer_asks: int = 0  # links they sent lost buyers about their autopsies
    buyer_answers: int = 0  # ... the buyers answered: their words go with the autopsy
    follow_ups: int = 0
    pauses: int = 0
    zones: int = 0
    helped: int = 0  # teammates' autopsies that asked them for help: kept, their name removed
    crm_deals: int = 0  # CRM deals they owned: kept for the team, their name and email removed
    installs: int = 0  # install records naming them as the installer: kept, the name removed
    actions: int = 0  # actions they made, or made of their lessons: deleted, with what was written
    handed_back: int = 0  # teammates' actions they owned: kept, back with their maker, no outcome
    messages: tuple[SentMessage, ...] = ()

    @property
    def anything(self) -> bool:
        """Whether there is anything to erase. A cached time zone alone is not: Rebound learns it
        again from Slack whenever the person opens App Home, so it would never be "nothing"."""
        kept = (self.helped, self.crm_deals, self.installs)
        wrote = (self.autopsies, self.revisits, self.buyer_asks, self.follow_ups, self.pauses, self.actions)
        return any((*wrote, *kept, self.handed_back))


class People:
    """One person's rows across aggregates, in a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def erasure(self, *, team_id: str, user_id: str) -> Erasure:
        """What `erase` would take, counted, changing nothing."""
        own = self._own_autopsies(team_id, user_id)
        count = self._count
        return Erasure(
            autopsies=count(select(Autopsy.id).where(Autopsy.id.in_(own))),
            revisits=count(select(Revisit.id).where(self._revisits(team_id, user_id, own))),
            buyer_asks=count(select(BuyerAsk.id).where(self._buyer_asks(team_id, own))),
            buyer_answers=count(
                select(BuyerAsk.id).where(self._buyer_asks(team_id, own), BuyerAsk.answered_at.is_not(None))
            ),
            follow_ups=count(
                select(FollowUp.id).where(
                    self._follow_ups(team_id, user_id, own),
                    # A handed-back action's reminder stays, for its maker.
                    FollowUp.action_id.is_(None)
                    | FollowUp.action_id.not_in(
                        select(Action.id).where(self._handed_back(team_id, user_id, own))
                    ),
                )
            ),
            pauses=count(select(ReminderPause.user_id).where(*self._person(ReminderPause, team_id, user_id))),
            zones=count(select(PersonZone.user_id).where(*self._person(PersonZone, team_id, user_id))),
            helped=count(select(Autopsy.id).where(self._helped(team_id, user_id))),
            crm_deals=count(select(LostDeal.id).where(self._owned_deals(team_id, user_id))),
            installs=count(select(SLACK_INSTALLATIONS.c.user_id).where(self._installed(team_id, user_id))),
            actions=count(select(Action.id).where(self._actions(team_id, user_id, own))),
            handed_back=count(select(Action.id).where(self._handed_back(team_id, user_id, own))),
            messages=tuple(
                FollowUps(self.session).messages_of_any(team_id=team_id, autopsy_ids=own)
                + self._action_reminders(team_id, user_id, own)
            ),
        )

    def erase(self, *, team_id: str, user_id: str) -> Erasure:
        """Forget the person `user_id` in `team_id`; what was taken, counted as `erasure` counts."""
        taken = self.erasure(team_id=team_id, user_id=user_id)
        own = self._own_autopsies(team_id, user_id)
        owned_deals = select(LostDeal.id).where(self._owned_deals(team_id, user_id))
        # A teammate's action they owned stays the team's commitment: it goes back to whoever made
        # it (who wrote what it says), its reminder with it; only the outcome, their words, goes.
        handed_back = select(Action.id).where(self._handed_back(team_id, user_id, own))
        self._run(
            update(FollowUp)
            .where(FollowUp.team_id == team_id, FollowUp.action_id.in_(handed_back))
            .values(
                recipient_id=select(Action.made_by).where(Action.id == FollowUp.action_id).scalar_subquery(),
                state=case(
                    (FollowUp.state.in_(("sent", "sending", "snoozed")), "pending"), else_=FollowUp.state
                ),
                lease_until=None,
                channel_id=None,
                message_ts=None,
            )
        )
        self._run(
            update(Action).where(Action.id.in_(handed_back)).values(owner_id=Action.made_by, outcome=None)
        )
        made = select(Action.id).where(self._actions(team_id, user_id, own))
        # Children first and explicitly, not only ON DELETE CASCADE: nothing is left on any backend.
        self._run(delete(FollowUp).where(FollowUp.team_id == team_id, FollowUp.action_id.in_(made)))
        self._run(delete(Action).where(Action.id.in_(made)))
        self._run(delete(FollowUp).where(self._follow_ups(team_id, user_id, own)))
        self._run(delete(FollowUp).where(FollowUp.team_id == team_id, FollowUp.lost_deal_id.in_(owned_deals)))
        self._run(delete(Revisit).where(self._revisits(team_id, user_id, own)))
        self._run(delete(BuyerAsk).where(self._buyer_asks(team_id, own)))
        self._run(delete(Autopsy).where(Autopsy.id.in_(own)))
        self._run(delete(ReminderPause).where(*self._person(ReminderPause, team_id, user_id)))
        self._run(delete(PersonZone).where(*self._person(PersonZone, team_id, user_id)))
        self._run(update(Autopsy).where(self._helped(team_id, user_id)).values(help_from=None))
        self._run(
            update(LostDeal)
            .where(self._owned_deals(team_id, user_id))
            .values(owner_id=None, owner_email=None)
        )
        self._run(
            update(SLACK_INSTALLATIONS)
            .where(self._installed(team_id, user_id))
            .values(user_id=ERASED, user_token=None, user_refresh_token=None, user_scopes=None)
        )
        return taken

    def _action_reminders(self, team_id: str, user_id: str, own: Select[tuple[int]]) -> list[SentMessage]:
        """The reminders sent of the actions they made on teammates' lessons: to draw again without
        what they wrote (those of their own lessons are among their autopsies' messages)."""
        made = select(Action.id).where(
            Action.team_id == team_id, Action.made_by == user_id, Action.autopsy_id.not_in(own)
        )
        rows = self.session.execute(
            select(FollowUp.recipient_id, FollowUp.channel_id, FollowUp.message_ts)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.action_id.in_(made),
                FollowUp.channel_id.is_not(None),
                FollowUp.message_ts.is_not(None),
            )
            .order_by(FollowUp.id)
        )
        return [SentMessage(*row) for row in rows]

    def _run(self, statement: Any) -> None:
        self.session.execute(statement.execution_options(synchronize_session=False))

    def _count(self, query: Select[Any]) -> int:
        return self.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    @staticmethod
    def _own_autopsies(team_id: str, user_id: str) -> Select[tuple[int]]:
        return select(Autopsy.id).where(Autopsy.team_id == team_id, Autopsy.user_id == user_id)

    @staticmethod
    def _person(model: Any, team_id: str, user_id: str) -> tuple[ColumnElement[bool], ...]:
        return (model.team_id == team_id, model.user_id == user_id)

    @staticmethod
    def _revisits(team_id: str, user_id: str, own: Select[tuple[int]]) -> ColumnElement[bool]:
        return (Revisit.team_id == team_id) & or_(Revisit.user_id == user_id, Revisit.autopsy_id.in_(own))

    @staticmethod
    def _buyer_asks(team_id: str, own: Select[tuple[int]]) -> ColumnElement[bool]:
        return (BuyerAsk.team_id == team_id) & BuyerAsk.autopsy_id.in_(own)

    @staticmethod
    def _follow_ups(team_id: str, user_id: str, own: Select[tuple[int]]) -> ColumnElement[bool]:
        return (FollowUp.team_id == team_id) & or_(
            FollowUp.recipient_id == user_id, FollowUp.autopsy_id.in_(own)
        )

    @staticmethod
    def _actions(team_id: str, user_id: str, own: Select[tuple[int]]) -> ColumnElement[bool]:
        return (Action.team_id == team_id) & or_(Action.made_by == user_id, Action.autopsy_id.in_(own))

    @staticmethod
    def _handed_back(team_id: str, user_id: str, own: Select[tuple[int]]) -> ColumnElement[bool]:
        return (
            (Action.team_id == team_id)
            & (Action.owner_id == user_id)
            & (Action.made_by != user_id)
            & Action.autopsy_id.not_in(own)
        )

    @staticmethod
    def _helped(team_id: str, user_id: str) -> ColumnElement[bool]:
        return (Autopsy.team_id == team_id) & (Autopsy.help_from == user_id) & (Autopsy.user_id != user_id)

    @staticmethod
    def _owned_deals(team_id: str, user_id: str) -> ColumnElement[bool]:
        return (LostDeal.team_id == team_id) & (LostDeal.owner_id == user_id)

    @staticmethod
    def _installed(team_id: str, user_id: str) -> ColumnElement[bool]:
        installs = SLACK_INSTALLATIONS.c
        return or_(installs.team_id == team_id, installs.enterprise_id == team_id) & (
            installs.user_id == user_id
        )
