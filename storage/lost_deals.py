"""Lost deals from the CRM: each notification stored once, the latest one winning, and a prompt
(a `crm_prompt` follow-up) written with the first notification that may mean a loss; then what
the sweep learns of the deal and what became of the prompt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.engine import upsert
from storage.models import DealNewsSeen, FollowUp, LostDeal

PROMPT, REMINDER = "crm_prompt", "crm_reminder"
CLOSED = ("done", "declined", "skipped", "unmatched")  # nothing more to send about the deal


@dataclass(frozen=True)
class Received:
    """What a batch of notifications changed: news stored, duplicates or stale ones ignored."""

    stored: int
    ignored: int
    prompts: int


def cents(amount: Decimal | None) -> int | None:
    if amount is None or not amount.is_finite() or abs(amount) >= 10**16:
        return None
    return int((amount * 100).to_integral_value())


class LostDeals:
    """The lost deals of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def receive(self, *, team_id: str, news: Iterable[Any], now: datetime) -> Received:
        """Store each notification once; apply it to its deal only if it is newer than what the
        deal says (duplicates and out-of-order deliveries change nothing); and write the deal's
        prompt, due now, when the newest notification may mean a loss no import made: once, or
        again if the deal was skipped before (reopened) and is lost again."""
        stored = ignored = prompts = 0
        for item in news:
            deal_id = upsert(
                self.session,
                LostDeal,
                {
                    "team_id": team_id,
                    "crm": item.crm,
                    "deal_id": item.deal_id,
                    "changed_at": item.changed_at,
                    "from_import": item.from_import,
                    "state": "waiting",
                    "created_at": now,
                },
                keys=("team_id", "crm", "deal_id"),
                changes={"team_id": team_id},  # no change: RETURNING names the row either way
                returning=LostDeal.id,
            ).scalar_one()
            seen = upsert(
                self.session,
                DealNewsSeen,
                {
                    "team_id": team_id,
                    "crm": item.crm,
                    "key": item.key[:200],
                    "lost_deal_id": deal_id,
                    "received_at": now,
                },
                keys=("team_id", "crm", "key"),
                returning=DealNewsSeen.key,
            ).scalar()
            if seen is None:
                ignored += 1
                continue
            stored += 1
            values = {
                "changed_at": item.changed_at,
                "stage": item.stage,
                "lost": item.lost,
                "from_import": item.from_import,
            }
            for name, value in (
                ("deal_name", item.deal_name),
                ("currency", item.currency),
                ("reason", item.reason),
                ("main_reason", item.main_reason),
                ("pipeline", item.pipeline),
                ("owner_email", item.owner_email),
                ("owner_id", item.owner_user_id),
                ("deal_url", item.deal_url),
                ("contact_name", item.contact_name),
                ("amount_cents", cents(item.amount)),
            ):
                if value is not None:
                    values[name] = value
            state = self.session.execute(  # the deal's state if this news is its newest, else None
                update(LostDeal)
                .where(LostDeal.id == deal_id, LostDeal.changed_at <= item.changed_at)
                .values(**values)
                .returning(LostDeal.state)
                .execution_options(synchronize_session=False)
            ).scalar()
            if state is None or item.lost is False or item.from_import:
                continue  # older than what the deal says, reopened, or no person's loss
            if state == "skipped":  # reopened (or excluded) before, and now lost again: ask this time
                self.session.execute(
                    update(LostDeal).where(LostDeal.id == deal_id).values(state="waiting", note=None)
                )
            elif state != "waiting":
                continue  # asked already, answered, or its owner is no one in Slack
            has_prompt = self.session.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(
                    FollowUp.lost_deal_id == deal_id,
                    FollowUp.kind == PROMPT,
                    FollowUp.state.in_(("pending", "sending", "snoozed")),
                )
            )
            if not has_prompt:
                self.session.add(
                    FollowUp(
                        team_id=team_id,
                        lost_deal_id=deal_id,
                        kind=PROMPT,
                        recipient_id=item.owner_user_id,
                        due_at=now,
                        state="pending",
                        attempts=0,
                        created_at=now,
                    )
                )
                prompts += 1
        return Received(stored=stored, ignored=ignored, prompts=prompts)

    def get(self, *, team_id: str, lost_deal_id: int) -> LostDeal | None:
        return self.session.scalars(
            select(LostDeal)
            .where(LostDeal.team_id == team_id, LostDeal.id == lost_deal_id)
            .execution_options(populate_existing=True)
        ).one_or_none()

    def learn(self, lost_deal_id: int, **facts: Any) -> None:
        """What the sweep read of the deal (from the CRM's API, or Slack's owner)."""
        self.session.execute(update(LostDeal).where(LostDeal.id == lost_deal_id).values(**facts))

    def close(self, lost_deal_id: int, *, state: str, note: str | None = None, now: datetime) -> bool:
        """Settle a deal (done, declined, skipped, unmatched) and its open follow-ups; False if it was."""
        changed = self.session.execute(
            update(LostDeal)
            .where(LostDeal.id == lost_deal_id, LostDeal.state.not_in(CLOSED))
            .values(state=state, note=note)
        ).rowcount
        self.session.execute(
            update(FollowUp)
            .where(FollowUp.lost_deal_id == lost_deal_id, FollowUp.state.in_(("pending", "snoozed", "sent")))
            .values(state="cancelled" if state != "done" else "done", closed_at=now)
        )
        return bool(changed)

    def prompted(self, lost_deal_id: int) -> None:
        self.session.execute(
            update(LostDeal)
            .where(LostDeal.id == lost_deal_id, LostDeal.state == "waiting")
            .values(state="prompted")
        )

    def prompt_sent(
        self, lost_deal_id: int, *, team_id: str, recipient_id: str, remind_at: datetime, now: datetime
    ) -> None:
        """A deal's prompt reached its owner: the deal is prompted, and its one reminder waits
        until `remind_at`."""
        self.prompted(lost_deal_id)
        self.session.add(
            FollowUp(
                team_id=team_id,
                lost_deal_id=lost_deal_id,
                kind=REMINDER,
                recipient_id=recipient_id,
                state="pending",
                attempts=0,
                created_at=now,
                due_at=remind_at,
            )
        )

    def link_autopsy(self, lost_deal_id: int, *, autopsy_id: int, now: datetime) -> None:
        self.close(lost_deal_id, state="done", now=now)
        self.session.execute(
            update(LostDeal).where(LostDeal.id == lost_deal_id).values(autopsy_id=autopsy_id)
        )

    def messages(self, *, team_id: str, lost_deal_id: int) -> list[tuple[FollowUp, LostDeal]]:
        """The deal's prompt and reminder that reached someone, to draw again once answered."""
        rows = self.session.execute(
            select(FollowUp, LostDeal)
            .join(LostDeal, LostDeal.id == FollowUp.lost_deal_id)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.lost_deal_id == lost_deal_id,
                FollowUp.message_ts.is_not(None),
            )
            .order_by(FollowUp.id)
            .execution_options(populate_existing=True)
        )
        return [(follow_up, deal) for follow_up, deal in rows]

    def prompt_waits_until(self, *, team_id: str, crm: str, deal_id: str) -> datetime | None:
        """When the prompt about a deal is due while it still waits to be sent (for its owner's
        working hours); None once it is sent, or when there is none."""
        return self.session.scalar(
            select(FollowUp.due_at)
            .join(LostDeal, LostDeal.id == FollowUp.lost_deal_id)
            .where(
                LostDeal.team_id == team_id,
                LostDeal.crm == crm,
                LostDeal.deal_id == deal_id,
                FollowUp.kind == PROMPT,
                FollowUp.state == "pending",
            )
        )

    def prompts_sent(self, *, team_id: str, recipient_id: str, since: datetime) -> int:
        """How many CRM prompts and reminders reached this person since `since` (the daily cap)."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(
                    FollowUp.team_id == team_id,
                    FollowUp.recipient_id == recipient_id,
                    FollowUp.kind.in_((PROMPT, REMINDER)),
                    FollowUp.sent_at >= since,
                )
            )
            or 0
        )

    def unmatched(self, *, team_id: str, since: datetime) -> list[LostDeal]:
        """Deals lost since `since` whose owner is no one in Slack, newest first: for admins."""
        return list(
            self.session.scalars(
                select(LostDeal)
                .where(
                    LostDeal.team_id == team_id, LostDeal.state == "unmatched", LostDeal.changed_at >= since
                )
                .order_by(LostDeal.changed_at.desc())
                .limit(50)
            )
        )

    def share(self, *, team_id: str, starts_at: datetime, ends_at: datetime) -> tuple[int, int]:
        """CRM-lost deals in a week that were prompted or done, and how many of them got an autopsy."""
        rows = self.session.execute(
            select(LostDeal.state, func.count())
            .where(
                LostDeal.team_id == team_id,
                LostDeal.changed_at >= starts_at,
                LostDeal.changed_at < ends_at,
                LostDeal.state.in_(("prompted", "done", "declined")),
            )
            .group_by(LostDeal.state)
        )
        counts = {state: count for state, count in rows}
        return sum(counts.values()), counts.get("done", 0)
