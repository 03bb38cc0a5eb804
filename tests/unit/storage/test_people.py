"""Forgetting one person, on SQLite and PostgreSQL: nothing about them is left in any table,
what the team owns stays without their name, and everyone else's rows are untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select

from bot.deal_news import HUBSPOT, DealNews
from storage import Autopsy, BuyerAsk, FollowUp, LostDeal, Plan, Store
from tests.support.buyer_answering import buyer_answers
from tests.support.databases import mentions
from tests.support.examples import ANSWERS

TEAM, OTHER_TEAM = "T1", "T2"
LEAVER, TEAMMATE = "U0LEAVER", "U0STAYS"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def write(store: Store, user: str, view: str, *, team: str = TEAM, help_from: str | None = None) -> int:
    plans = [
        Plan(kind="touch_base", recipient_id=user, due_at=NOW + timedelta(days=30)),
        Plan(kind="revisit", recipient_id=user, due_at=NOW + timedelta(days=7)),
    ]
    if help_from:
        plans.append(Plan(kind="help_request", recipient_id=help_from, due_at=NOW))
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=team,
            user_id=user,
            view_id=view,
            answers=replace(ANSWERS, help_from=help_from),
            created_at=NOW,
            follow_ups=plans,
        )
        work.autopsies.add_revisit(
            team_id=team, user_id=user, autopsy_id=entry.id, view_id=f"R{view}", text="Later…", now=NOW
        )
    return entry.id


def lived_in(store: Store) -> dict[str, int]:
    """The leaver's and a teammate's data, tangled as a team's is: each asked the other for help."""
    ids = {
        "leavers": write(store, LEAVER, "V1", help_from=TEAMMATE),
        "teammates": write(store, TEAMMATE, "V2", help_from=LEAVER),
        "elsewhere": write(store, LEAVER, "V3", team=OTHER_TEAM),  # the same id in another workspace
    }
    with store.write() as work:
        for team in (TEAM, OTHER_TEAM):
            work.follow_ups.pause(team_id=team, user_id=LEAVER, now=NOW)
            work.follow_ups.remember_zone(team_id=team, user_id=LEAVER, tz="Europe/Paris", now=NOW)
        work.follow_ups.remember_zone(team_id=TEAM, user_id=TEAMMATE, tz="America/New_York", now=NOW)
        # As the sweep leaves them once delivered: each DM's conversation and timestamp.
        for number, follow_up in enumerate(
            work.session.scalars(select(FollowUp).where(FollowUp.autopsy_id == ids["leavers"]))
        ):
            follow_up.state, follow_up.channel_id, follow_up.message_ts = "sent", f"D{number}", f"1.{number}"
        news = DealNews(
            crm=HUBSPOT,
            deal_id="42",
            key="42@1",
            changed_at=NOW,
            stage="closedlost",
            lost=True,
            deal_name="Initech",
            amount=Decimal("1000"),
            currency="USD",
            reason="Price",
            owner_email="leaver@example.com",
        )
        work.lost_deals.receive(team_id=TEAM, news=[news], now=NOW)
        deal = work.session.scalars(select(LostDeal)).one()
        work.lost_deals.learn(deal.id, owner_id=LEAVER)
    # Each one's lost buyer answered the link they sent, the leaver's in words that name them.
    for name in ("leavers", "teammates"):
        buyer_answers(
            store,
            team_id=TEAM,
            autopsy_id=ids[name],
            at=NOW,
            main_reason="other",
            other_reason=f"{name} buyer's reason",
            changed_mind=f"Ask {LEAVER} to call" if name == "leavers" else "A pilot",
        )
    slack = SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine)
    slack.save(
        Installation(
            app_id="A1",
            team_id=TEAM,
            user_id=LEAVER,
            user_token="xoxp-leaver",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UBOT",
        )
    )
    return ids


def test_erasing_a_person_leaves_nothing_about_them_and_the_teams_rows_without_them(store):
    ids = lived_in(store)
    assert {
        "autopsies.user_id",
        "autopsies.help_from",
        "follow_ups.recipient_id",
        "buyer_asks.changed_mind",
    } <= set(mentions(store, LEAVER, team=TEAM))
    assert mentions(store, "leavers buyer's reason", team=TEAM) == ["buyer_asks.other_reason"]
    with store.read() as work:
        planned = work.people.erasure(team_id=TEAM, user_id=LEAVER)
        [token_hash] = work.session.scalars(
            select(BuyerAsk.token_hash).where(BuyerAsk.autopsy_id == ids["leavers"])
        )
    assert (planned.autopsies, planned.revisits, planned.pauses, planned.zones) == (1, 1, 1, 1)
    assert (planned.buyer_asks, planned.buyer_answers) == (1, 1)
    # Their touch-base, revisit, the DM that their buyer answered and the help request to the
    # teammate; the teammate's request to them.
    assert planned.follow_ups == 5
    assert (planned.helped, planned.crm_deals, planned.installs) == (1, 1, 1)
    assert {message.recipient_id for message in planned.messages} == {LEAVER, TEAMMATE}

    with store.write() as work:
        taken = work.people.erase(team_id=TEAM, user_id=LEAVER)
    assert taken == planned
    assert mentions(store, LEAVER, team=TEAM) == []
    assert mentions(store, "xoxp-leaver", team=TEAM) == []
    assert mentions(store, "leavers buyer's reason", team=TEAM) == []
    assert mentions(store, token_hash, team=TEAM) == []  # the link is gone: it opens nothing now
    with store.read() as work:
        assert work.people.erasure(team_id=TEAM, user_id=LEAVER).anything is False
        # The teammate's autopsy stays, every answer but the name of whom they asked.
        kept = work.session.get_one(Autopsy, ids["teammates"])
        assert (kept.user_id, kept.deal_name, kept.help_from) == (TEAMMATE, ANSWERS.deal_name, None)
        assert {
            f.kind for f in work.session.scalars(select(FollowUp).where(FollowUp.autopsy_id == kept.id))
        } == {
            "touch_base",
            "revisit",
            "buyer_answered",
        }
        assert len(work.autopsies.revisits(team_id=TEAM, autopsy_id=kept.id)) == 1
        assert work.buyer_asks.of_autopsy(team_id=TEAM, autopsy_id=kept.id).changed_mind == "A pilot"
        assert work.follow_ups.zones(team_id=TEAM, user_ids=[TEAMMATE], fresh_since=NOW) == {
            TEAMMATE: "America/New_York"
        }
        deal = work.session.scalars(select(LostDeal)).one()
        assert (deal.deal_name, deal.owner_id, deal.owner_email) == ("Initech", None, None)
    # The bot still speaks for the workspace; the same person elsewhere is another workspace's to erase.
    assert (
        SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine)
        .find_bot(enterprise_id=None, team_id=TEAM)
        .bot_token
        == "xoxb-1"
    )
    with store.read() as work:
        assert work.autopsies.own(team_id=OTHER_TEAM, user_id=LEAVER, autopsy_id=ids["elsewhere"]) is not None
        assert work.follow_ups.paused(team_id=OTHER_TEAM, user_id=LEAVER)


def test_erasing_someone_rebound_never_met_takes_nothing(store):
    lived_in(store)
    with store.write() as work:
        taken = work.people.erase(team_id=TEAM, user_id="U0NOBODY")
    assert not taken.anything and taken.messages == ()
    assert "autopsies.user_id" in mentions(store, LEAVER, team=TEAM)
