"""A CRM prompt that reached its owner, on SQLite and PostgreSQL: the deal is prompted and its one
reminder is written, due when the CRM's side said; a deal answered meanwhile stays answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.deal_news import SALESFORCE, DealNews
from storage import FollowUp, LostDeal, Store
from storage.lost_deals import PROMPT, REMINDER

TEAM = "T1"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
REMIND_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # two working days on


def lost_deal(store: Store) -> LostDeal:
    news = DealNews(
        crm=SALESFORCE,
        deal_id="006A",
        key="006A@1",
        changed_at=NOW,
        lost=True,
        deal_name="Acme",
        amount=Decimal("48000"),
        owner_email="dana@example.com",
    )
    with store.write() as work:
        work.lost_deals.receive(team_id=TEAM, news=[news], now=NOW)
    with store.read() as work:
        return work.session.scalars(select(LostDeal)).one()


def follow_ups(store: Store) -> list[FollowUp]:
    with store.read() as work:
        return list(work.session.scalars(select(FollowUp).order_by(FollowUp.id)))


def test_a_sent_prompt_leaves_the_deal_prompted_and_one_reminder_waiting(store):
    deal = lost_deal(store)
    with store.write() as work:
        work.lost_deals.prompt_sent(
            deal.id, team_id=TEAM, recipient_id="U0DANA", remind_at=REMIND_AT, now=NOW
        )
    with store.read() as work:
        assert work.lost_deals.get(team_id=TEAM, lost_deal_id=deal.id).state == "prompted"
    prompt, reminder = follow_ups(store)
    assert prompt.kind == PROMPT
    assert (reminder.team_id, reminder.lost_deal_id, reminder.kind, reminder.recipient_id) == (
        TEAM,
        deal.id,
        REMINDER,
        "U0DANA",
    )
    assert (reminder.state, reminder.attempts, reminder.autopsy_id) == ("pending", 0, None)
    assert reminder.due_at.replace(tzinfo=UTC) == REMIND_AT
    assert reminder.created_at.replace(tzinfo=UTC) == NOW


def test_the_reminder_is_due_only_when_the_crm_side_said(store):
    deal = lost_deal(store)
    with store.write() as work:
        work.lost_deals.prompt_sent(
            deal.id, team_id=TEAM, recipient_id="U0DANA", remind_at=REMIND_AT, now=NOW
        )
    with store.write() as work:
        claimed = work.follow_ups.claim_due(
            now=REMIND_AT - timedelta(seconds=1), limit=10, lease=timedelta(minutes=5)
        )
    assert [due.follow_up.kind for due in claimed] == [PROMPT]
    with store.write() as work:
        claimed = work.follow_ups.claim_due(now=REMIND_AT, limit=10, lease=timedelta(minutes=5))
    assert [(due.follow_up.kind, due.lost_deal.id) for due in claimed] == [(REMINDER, deal.id)]


def test_a_deal_answered_before_its_prompt_was_marked_stays_answered(store):
    """The rep may click "Not this one" in the moment between Slack's ok and the sweep's mark."""
    deal = lost_deal(store)
    with store.write() as work:
        work.lost_deals.close(deal.id, state="declined", now=NOW)
        work.lost_deals.prompt_sent(
            deal.id, team_id=TEAM, recipient_id="U0DANA", remind_at=REMIND_AT, now=NOW
        )
    with store.read() as work:
        assert work.lost_deals.get(team_id=TEAM, lost_deal_id=deal.id).state == "declined"
