"""Lost deals on SQLite and PostgreSQL: each notification stored once, the latest state winning,
one prompt per deal, and what the sweep, App Home and the digest read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.deal_news import HUBSPOT, SALESFORCE, DealNews
from storage import FollowUp, LostDeal, Plan, Store
from storage.lost_deals import Received
from tests.support.databases import migrated
from tests.support.examples import ANSWERS

TEAM = "T1"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
LEASE = timedelta(minutes=5)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = migrated(database_url)
    yield opened
    opened.close()


def news(
    deal_id: str = "006A", *, key: str | None = None, changed_at: datetime = NOW, **fields: Any
) -> DealNews:
    values: dict[str, Any] = dict(
        crm=SALESFORCE,
        deal_id=deal_id,
        key=key or f"{deal_id}@{changed_at:%Y%m%dT%H%M}",
        changed_at=changed_at,
        stage="Closed Lost",
        lost=True,
        deal_name=f"Deal {deal_id}",
        amount=Decimal("48000"),
        currency="USD",
        reason="Price",
        owner_email="dana@example.com",
    )
    return DealNews(**{**values, **fields})


def receive(store: Store, *items: DealNews, team: str = TEAM, now: datetime = NOW) -> Received:
    with store.write() as work:
        return work.lost_deals.receive(team_id=team, news=items, now=now)


def deal(store: Store, deal_id: str = "006A", crm: str = SALESFORCE, team: str = TEAM) -> LostDeal:
    with store.read() as work:
        return work.session.scalars(
            select(LostDeal).where(LostDeal.team_id == team, LostDeal.crm == crm, LostDeal.deal_id == deal_id)
        ).one()


def follow_ups(store: Store, lost_deal_id: int) -> list[FollowUp]:
    with store.read() as work:
        return list(
            work.session.scalars(
                select(FollowUp).where(FollowUp.lost_deal_id == lost_deal_id).order_by(FollowUp.id)
            )
        )


def send_due(store: Store, at: datetime, recipient: str = "U0DANA") -> list[int]:
    """As the sweep does: claim what is due, address it, and mark it sent at `at`."""
    with store.write() as work:
        claimed = work.follow_ups.claim_due(now=at, limit=100, lease=LEASE)
        for due in claimed:
            work.follow_ups.address(due.follow_up.id, recipient_id=recipient)
            work.follow_ups.mark_sent(
                due.follow_up.id, channel_id=f"D{recipient}", message_ts=f"{at.timestamp():.6f}", now=at
            )
    return [due.follow_up.id for due in claimed]


def prompted_with_reminder(store: Store) -> int:
    """A deal whose prompt reached its owner at NOW, its reminder due two days on: as the sweep leaves it."""
    receive(store, news())
    lost_deal_id = deal(store).id
    send_due(store, NOW)
    with store.write() as work:
        work.lost_deals.prompted(lost_deal_id)
        work.session.add(
            FollowUp(
                team_id=TEAM,
                lost_deal_id=lost_deal_id,
                kind="crm_reminder",
                recipient_id="U0DANA",
                due_at=NOW + timedelta(days=2),
                state="pending",
                attempts=0,
                created_at=NOW,
            )
        )
    return lost_deal_id


def test_the_same_notification_twice_is_stored_once_and_makes_one_prompt(store):
    """CRMs send again whatever they are not sure arrived; the rep must still get one DM."""
    first = news(key="04l-notification-1")
    assert receive(store, first, first) == Received(stored=1, ignored=1, prompts=1)
    assert receive(store, first) == Received(stored=0, ignored=1, prompts=0)
    stored = deal(store)
    assert (stored.deal_name, stored.amount_cents, stored.currency, stored.reason, stored.state) == (
        "Deal 006A",
        4_800_000,
        "USD",
        "Price",
        "waiting",
    )
    [prompt] = follow_ups(store, stored.id)
    assert (prompt.kind, prompt.state, prompt.due_at, prompt.recipient_id) == (
        "crm_prompt",
        "pending",
        NOW,
        None,
    )


def test_another_notification_that_the_deal_is_lost_makes_no_second_prompt(store):
    """Salesforce tells again on every edit of a lost opportunity: one prompt a deal, however often."""
    receive(store, news(key="n1"))
    later = receive(store, news(key="n2", changed_at=NOW + timedelta(hours=1), reason="Timing"))
    assert later == Received(stored=1, ignored=0, prompts=0)
    stored = deal(store)
    assert stored.reason == "Timing"
    assert len(follow_ups(store, stored.id)) == 1


def test_the_same_deal_id_in_another_workspace_or_crm_is_another_deal(store):
    receive(store, news(key="n1"))
    assert receive(store, news(key="n1"), team="T2").prompts == 1
    assert receive(store, news(key="n1", crm=HUBSPOT)).prompts == 1
    assert deal(store, team="T2").id != deal(store).id != deal(store, crm=HUBSPOT).id


def test_an_older_lost_arriving_after_a_newer_reopened_does_not_win(store):
    """Webhooks arrive out of order; a deal reopened since must not look lost again."""
    reopened = news(key="reopened", changed_at=NOW, stage="Negotiation", lost=False, reason=None)
    older_lost = news(key="lost", changed_at=NOW - timedelta(minutes=30), stage="Closed Lost", lost=True)
    receive(store, reopened)
    assert receive(store, older_lost).stored == 1  # stored (seen once), but not applied
    stored = deal(store)
    assert (stored.stage, stored.lost, stored.changed_at) == ("Negotiation", False, NOW)
    assert stored.reason is None  # nothing of the stale notification leaked in

    lost_again = news(key="lost-again", changed_at=NOW + timedelta(minutes=5), stage="Closed Lost", lost=True)
    receive(store, lost_again)
    stored = deal(store)
    assert (stored.stage, stored.lost, stored.changed_at) == ("Closed Lost", True, NOW + timedelta(minutes=5))


def test_a_newer_notification_without_some_fields_keeps_what_was_known(store):
    """HubSpot's webhook names only the stage: the deal's name and amount must not be wiped."""
    receive(store, news(key="n1"))
    receive(
        store,
        news(
            key="n2",
            changed_at=NOW + timedelta(minutes=1),
            stage="closedlost",
            lost=None,
            deal_name=None,
            amount=None,
            currency=None,
            reason=None,
            owner_email=None,
        ),
    )
    stored = deal(store)
    assert (stored.stage, stored.lost) == ("closedlost", None)
    assert (stored.deal_name, stored.amount_cents, stored.reason, stored.owner_email) == (
        "Deal 006A",
        4_800_000,
        "Price",
        "dana@example.com",
    )


def test_the_buyer_contact_a_crm_names_is_kept_and_a_later_notice_without_one_keeps_it(store):
    receive(store, news(key="n1", contact_name="Jo Buyer"))
    assert deal(store).contact_name == "Jo Buyer"
    receive(store, news(key="n2", changed_at=NOW + timedelta(minutes=1)))
    assert deal(store).contact_name == "Jo Buyer"


@pytest.mark.parametrize(
    "first",
    [
        {"lost": False, "stage": "Negotiation"},
        {"from_import": True},
    ],
    ids=["reopened", "from an import"],
)
def test_a_first_notification_that_is_no_loss_by_a_person_makes_no_prompt(store, first):
    """A deal reopened, or closed by a bulk import, is no one's loss to write about."""
    assert receive(store, news(key="first", **first)).prompts == 0
    assert follow_ups(store, deal(store).id) == []
    # Later really marked lost by its owner: now it gets its prompt.
    assert receive(store, news(key="second", changed_at=NOW + timedelta(days=1))).prompts == 1
    assert deal(store).from_import is False


def test_closing_a_deal_settles_its_open_follow_ups_and_a_second_close_says_so(store):
    """'Not this one' clicked twice (two devices) must decline once, and stop the reminder."""
    lost_deal_id = prompted_with_reminder(store)
    later = NOW + timedelta(hours=1)
    with store.write() as work:
        assert work.lost_deals.close(lost_deal_id, state="declined", now=later) is True
    with store.write() as work:
        assert work.lost_deals.close(lost_deal_id, state="done", now=later + timedelta(hours=1)) is False
    assert deal(store).state == "declined"
    assert [(f.kind, f.state, f.closed_at) for f in follow_ups(store, lost_deal_id)] == [
        ("crm_prompt", "cancelled", later),
        ("crm_reminder", "cancelled", later),
    ]
    assert send_due(store, NOW + timedelta(days=3)) == []  # the reminder never goes out


def test_an_autopsy_written_marks_the_deal_done_and_its_follow_ups_done(store):
    lost_deal_id = prompted_with_reminder(store)
    with store.write() as work:
        written, _ = work.autopsies.save(
            team_id=TEAM, user_id="U0DANA", view_id="V1", answers=ANSWERS, created_at=NOW
        )
        work.lost_deals.link_autopsy(lost_deal_id, autopsy_id=written.id, now=NOW)
    stored = deal(store)
    assert (stored.state, stored.autopsy_id) == ("done", written.id)
    assert [(f.kind, f.state) for f in follow_ups(store, lost_deal_id)] == [
        ("crm_prompt", "done"),
        ("crm_reminder", "done"),
    ]
    assert send_due(store, NOW + timedelta(days=3)) == []  # no reminder about a deal written up
    with store.write() as work:
        work.lost_deals.prompted(lost_deal_id)  # a late delivery report changes nothing
    assert deal(store).state == "done"


def test_messages_are_the_prompt_and_reminder_that_reached_someone_in_order(store):
    """What is drawn again once answered: never a follow-up that was never sent."""
    lost_deal_id = prompted_with_reminder(store)
    [prompt_id] = [f.id for f in follow_ups(store, lost_deal_id) if f.kind == "crm_prompt"]
    with store.read() as work:
        assert [f.id for f, _ in work.lost_deals.messages(team_id=TEAM, lost_deal_id=lost_deal_id)] == [
            prompt_id
        ]
    [reminder_id] = send_due(store, NOW + timedelta(days=2))
    with store.read() as work:
        shown = work.lost_deals.messages(team_id=TEAM, lost_deal_id=lost_deal_id)
        assert [(f.id, d.id) for f, d in shown] == [(prompt_id, lost_deal_id), (reminder_id, lost_deal_id)]
        assert work.lost_deals.messages(team_id="T2", lost_deal_id=lost_deal_id) == []


def test_a_prompt_waits_until_it_is_due_and_no_longer_once_it_reached_its_owner(store):
    """What the playground tells a person who marked a deal lost: the DM is there, or when it comes."""
    receive(store, news("006A"))
    with store.read() as work:
        assert work.lost_deals.prompt_waits_until(team_id=TEAM, crm=SALESFORCE, deal_id="006A") == NOW
        assert work.lost_deals.prompt_waits_until(team_id=TEAM, crm=HUBSPOT, deal_id="006A") is None
        assert work.lost_deals.prompt_waits_until(team_id="T2", crm=SALESFORCE, deal_id="006A") is None
    send_due(store, NOW)
    with store.read() as work:
        assert work.lost_deals.prompt_waits_until(team_id=TEAM, crm=SALESFORCE, deal_id="006A") is None


def test_prompts_sent_counts_only_crm_dms_that_reached_that_person_since_then(store):
    """The daily allowance: what else the rep received, or what is still waiting, does not count."""
    yesterday, today = NOW - timedelta(days=1), NOW.replace(hour=0)
    receive(store, news("old"), now=yesterday)
    send_due(store, yesterday)  # yesterday's prompt
    receive(store, news("a"), news("b"), news("c"))
    send_due(store, NOW)  # two of today's, then one answered: still sent today
    with store.write() as work:
        work.lost_deals.close(deal(store, "a").id, state="done", now=NOW)
    receive(store, news("other"))
    send_due(store, NOW, recipient="U0OTHER")  # someone else's
    receive(store, news("waiting"), now=NOW + timedelta(hours=1))  # not sent yet
    receive(store, news("elsewhere"), team="T2")
    send_due(store, NOW + timedelta(minutes=1))  # the same person id in another workspace
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM,
            user_id="U0REP",
            view_id="V9",
            answers=ANSWERS,
            created_at=NOW,
            follow_ups=(Plan(kind="help_request", recipient_id="U0DANA", due_at=NOW),),
        )
    send_due(store, NOW + timedelta(minutes=2))  # a help request, not a CRM prompt
    with store.read() as work:
        assert work.lost_deals.prompts_sent(team_id=TEAM, recipient_id="U0DANA", since=today) == 3
        assert work.lost_deals.prompts_sent(team_id=TEAM, recipient_id="U0DANA", since=yesterday) == 4
        assert work.lost_deals.prompts_sent(team_id=TEAM, recipient_id="U0OTHER", since=today) == 1
        assert work.lost_deals.prompts_sent(team_id="T2", recipient_id="U0DANA", since=today) == 1
        assert work.lost_deals.prompts_sent(team_id=TEAM, recipient_id="U0NOBODY", since=today) == 0


def settle(store: Store, deal_id: str, state: str, *, team: str = TEAM) -> None:
    lost_deal_id = deal(store, deal_id, team=team).id
    with store.write() as work:
        if state == "prompted":
            work.lost_deals.prompted(lost_deal_id)
        elif state != "waiting":
            work.lost_deals.close(lost_deal_id, state=state, note=deal_id, now=NOW)


def test_unmatched_lists_only_deals_lost_since_then_with_no_one_in_slack_newest_first(store):
    """App Home's list for admins: this week's, and only those someone must act on."""
    since = NOW - timedelta(days=7)
    for deal_id, hours_ago, state in [
        ("u-old", 24 * 8, "unmatched"),
        ("u-1", 30, "unmatched"),
        ("u-2", 2, "unmatched"),
        ("u-3", 10, "unmatched"),
        ("p", 1, "prompted"),
        ("s", 1, "skipped"),
        ("w", 1, "waiting"),
    ]:
        receive(store, news(deal_id, changed_at=NOW - timedelta(hours=hours_ago)))
        settle(store, deal_id, state)
    receive(store, news("u-t2"), team="T2")
    settle(store, "u-t2", "unmatched", team="T2")
    with store.read() as work:
        listed = work.lost_deals.unmatched(team_id=TEAM, since=since)
    assert [d.deal_id for d in listed] == ["u-2", "u-3", "u-1"]
    assert [d.note for d in listed] == ["u-2", "u-3", "u-1"]


def test_share_counts_the_weeks_prompted_deals_and_how_many_got_an_autopsy(store):
    """The digest's "n of m lost deals got an autopsy": skipped and unmatched deals are no one's to write."""
    week = NOW - timedelta(days=7)
    for deal_id, at, state in [
        ("done-1", NOW - timedelta(days=1), "done"),
        ("done-2", NOW - timedelta(days=6), "done"),
        ("declined", NOW - timedelta(days=2), "declined"),
        ("prompted", week, "prompted"),
        ("skipped", NOW - timedelta(days=1), "skipped"),
        ("unmatched", NOW - timedelta(days=1), "unmatched"),
        ("waiting", NOW - timedelta(days=1), "waiting"),
        ("before", week - timedelta(seconds=1), "done"),
        ("after", NOW, "done"),
    ]:
        receive(store, news(deal_id, changed_at=at))
        settle(store, deal_id, state)
    receive(store, news("other-team", changed_at=NOW - timedelta(days=1)), team="T2")
    settle(store, "other-team", "done", team="T2")
    with store.read() as work:
        assert work.lost_deals.share(team_id=TEAM, starts_at=week, ends_at=NOW) == (4, 2)
        assert work.lost_deals.share(team_id=TEAM, starts_at=NOW - timedelta(days=2), ends_at=NOW) == (2, 1)
        assert work.lost_deals.share(team_id="T3", starts_at=week, ends_at=NOW) == (0, 0)


def test_a_stale_loss_arriving_after_a_reopening_writes_no_prompt(store):
    """Out of order, the older "lost" is not the deal's state: nothing is owed to its owner."""
    receive(store, news(key="reopened", changed_at=NOW, stage="Negotiation", lost=False))
    received = receive(store, news(key="lost", changed_at=NOW - timedelta(minutes=30)))
    assert (received.stored, received.prompts) == (1, 0)
    assert follow_ups(store, deal(store).id) == []


def test_a_deal_skipped_as_reopened_and_lost_again_is_asked_about_this_time(store):
    receive(store, news(key="lost-1", changed_at=NOW))
    first = deal(store)
    with store.write() as work:  # the sweep found it reopened before its prompt went out
        work.lost_deals.close(first.id, state="skipped", note="reopened before its prompt went out", now=NOW)
    assert receive(store, news(key="lost-2", changed_at=NOW + timedelta(days=3))).prompts == 1
    again = deal(store)
    assert (again.state, again.note) == ("waiting", None)
    assert [f.state for f in follow_ups(store, again.id)] == ["cancelled", "pending"]


@pytest.mark.parametrize("answered", ["declined", "unmatched", "done"])
def test_a_deal_answered_or_with_no_one_in_slack_is_not_asked_about_again(store, answered):
    receive(store, news(key="lost-1", changed_at=NOW))
    with store.write() as work:
        work.lost_deals.close(deal(store).id, state=answered, now=NOW)
    assert receive(store, news(key="lost-2", changed_at=NOW + timedelta(days=3))).prompts == 0
    assert deal(store).state == answered
