"""A database lived in through the real stores, every table populated (autopsies, follow-ups in
every state, revisits, pauses, zones, settings, digest weeks, lost deals, buyers' answers, the
buyer page's counts, installs), and everything in it read back table by table: what `rebound db
copy`, `backup` and `restore` keep."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, func, inspect, select

from bot.deal_news import HUBSPOT, SALESFORCE, DealNews
from storage import Base, Plan, Store, upgrade
from storage.actions import Commitment
from storage.searching import is_words_table
from tests.support.buyer_answering import asking, buyer_answers
from tests.support.examples import ANSWERS
from tests.support.slack_requests import unique

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # in the week of the digest due on Friday 27th
AS_OF = "2026-11-27T16:00:00+00:00"
LEASE = timedelta(minutes=5)
SHARING = ("named", "anonymous", "private")


def a_team_with_everything(url: str, team: str, rep: str) -> None:
    """A workspace that has used every part of Rebound, written through its own stores."""
    upgrade(url)
    with closing(Store.connect(url)) as store:
        people = [rep, unique("U"), unique("U")]
        helper = unique("U")
        autopsies = []
        with store.write() as work:
            for n in range(9):
                author = people[n % 3]
                plans = (
                    Plan(kind="touch_base", recipient_id=author, due_at=NOW - timedelta(minutes=n + 1)),
                    Plan(kind="revisit", recipient_id=author, due_at=NOW + timedelta(days=7), due_on=None),
                    Plan(kind="help_request", recipient_id=helper, due_at=NOW - timedelta(minutes=1)),
                )
                answers = replace(
                    ANSWERS,
                    deal_name=f"Deal {n}",
                    sharing=SHARING[n % 3],
                    lesson=f"Lesson {n}",
                    deal_value_cents=None if n == 4 else 100_000 * (n + 1),
                    help_from=helper,
                    competitor=("Initech", "initech inc.", "Globex")[n % 3],
                )
                entry, _ = work.autopsies.save(
                    team_id=team,
                    user_id=author,
                    view_id=unique("V"),
                    answers=answers,
                    created_at=NOW - timedelta(hours=n),
                    follow_ups=plans,
                )
                autopsies.append(entry)
            # A deal lost in HubSpot (its prompt a follow-up with no autopsy yet) and one in Salesforce.
            work.lost_deals.receive(
                team_id=team,
                news=[
                    DealNews(crm=HUBSPOT, deal_id="901", key="62515:901:closedlost:1", changed_at=NOW),
                    DealNews(
                        crm=SALESFORCE,
                        deal_id="006A",
                        key="04lA",
                        changed_at=NOW,
                        lost=True,
                        deal_name="Wayne",
                        amount=Decimal("900.50"),
                        owner_email="rep@example.com",
                    ),
                ],
                now=NOW,
            )
        with store.write() as work:
            claimed = work.follow_ups.claim_due(now=NOW - timedelta(seconds=1), limit=100, lease=LEASE)
        touch_bases = [due for due in claimed if due.follow_up.kind == "touch_base"]
        helps = [due for due in claimed if due.follow_up.kind == "help_request"]
        with store.write() as work:
            for due in [*touch_bases[:6], *helps[:2]]:
                work.follow_ups.mark_sent(due.follow_up.id, channel_id="D1", message_ts="1.2", now=NOW)
            for due, state in zip(touch_bases, ("done", "won_back", "let_go", "snoozed"), strict=False):
                work.follow_ups.answer(
                    team_id=team,
                    user_id=due.follow_up.recipient_id,
                    follow_up_id=due.follow_up.id,
                    state=state,
                    now=NOW,
                    due_at=NOW + timedelta(days=7) if state == "snoozed" else None,
                )
            work.follow_ups.answer(
                team_id=team, user_id=helper, follow_up_id=helps[0].follow_up.id, state="done", now=NOW
            )
            work.follow_ups.mark_failed(touch_bases[6].follow_up.id, error="user_not_found", now=NOW)
            work.follow_ups.postpone(
                touch_bases[7].follow_up.id,
                until=NOW + timedelta(hours=1),
                error="ratelimited",
                attempted=True,
            )  # touch_bases[8] stays claimed (sending), the revisits pending
            for entry in autopsies[:4]:
                work.autopsies.add_revisit(
                    team_id=team,
                    user_id=entry.user_id,
                    autopsy_id=entry.id,
                    view_id=unique("V"),
                    text=f"Now I see {entry.deal_name} differently",
                    now=NOW + timedelta(days=7),
                )
            work.follow_ups.pause(team_id=team, user_id=people[2], now=NOW)
            for person, zone in zip(people, ("Europe/Paris", "America/New_York", "Asia/Tokyo"), strict=True):
                work.follow_ups.remember_zone(team_id=team, user_id=person, tz=zone, now=NOW)
            work.workspaces.save_settings(
                team,
                now=NOW,
                digest_channel="C0LESSONS",
                digest_day="fri",
                digest_time="16:00",
                timezone="UTC",
                empty_week_note=True,
                hide_anonymous_deal_names=False,
                digest_chart=False,
                touch_base_days=45,
                revisit_days=10,
                company_name="Drill Co",
            )
            for week, starts in (
                ("2026-W46", datetime(2026, 11, 6, 16, tzinfo=UTC)),
                ("2026-W47", datetime(2026, 11, 13, 16, tzinfo=UTC)),
            ):
                work.digests.open(
                    team_id=team,
                    week=week,
                    starts_at=starts,
                    ends_at=starts + timedelta(days=7),
                    channel_id="C0LESSONS",
                    now=starts + timedelta(days=7),
                )
        with store.write() as work:
            [posted] = work.digests.claim(now=NOW, lease=LEASE, team_id=team, week="2026-W46")
            work.digests.mark_posted(posted.id, channel_id="C0LESSONS", message_ts="9.9", now=NOW)
        # Lost buyers: two answered their rep's link (one named, one anonymous autopsy), one link
        # was withdrawn; and the buyer's page counted a visit for its rate limit.
        for entry, reason in ((autopsies[0], "price"), (autopsies[1], "timing")):
            buyer_answers(
                store,
                team_id=team,
                autopsy_id=entry.id,
                at=NOW,
                main_reason=reason,
                changed_mind=f"{entry.deal_name}: a pilot would have done it",
                working_score=4,
                may_contact="later",
            )
        asking(store).link(team_id=team, autopsy_id=autopsies[3].id, now=NOW)
        asking(store).withdraw(team_id=team, autopsy_id=autopsies[3].id, now=NOW)
        with store.write() as work:
            work.page_limits.count("caller-hash", window_start=NOW)
            # An action a teammate owns, due in a week, and one its owner closed.
            made = []
            for entry, owner in ((autopsies[0], helper), (autopsies[1], people[1])):
                action, _ = work.actions.make(
                    team_id=team,
                    autopsy_id=entry.id,
                    made_by=entry.user_id,
                    view_id=unique("V"),
                    commitment=Commitment(
                        what=f"After {entry.deal_name}: ask about budget",
                        owner_id=owner,
                        due_on=(NOW + timedelta(days=7)).date(),
                    ),
                    reminder=Plan(
                        kind="action_due",
                        recipient_id=owner,
                        due_at=NOW + timedelta(days=7),
                        due_on=(NOW + timedelta(days=7)).date(),
                    ),
                    now=NOW,
                )
                made.append(action.id)
        with store.write() as work:
            closed = dict(team_id=team, owner_id=people[1], action_id=made[1], state="done", outcome=None)
            work.actions.close(**closed, now=NOW)
        installs = SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine)
        for enterprise, org_wide in ((None, False), (unique("E"), True)):
            installation = Installation(
                app_id="A0REBOUND",
                enterprise_id=enterprise,
                team_id=None if org_wide else team,
                bot_token=f"xoxb-{unique('B')}",
                bot_id="B0BOT",
                bot_user_id="U0BOT",
                bot_scopes="commands,chat:write",
                bot_refresh_token="xoxe-1",
                bot_token_expires_in=43200,
                user_id=rep,
                user_token="xoxp-1",
                user_scopes="",
                is_enterprise_install=org_wide,
                installed_at=NOW.timestamp(),
            )
            installs.save(installation)
        SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=store.engine).issue()


def tables_as_read(engine: Any) -> list[Table]:
    """Every table, as the code that owns it reads it: Rebound's models, slack_sdk's builders."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    created = {name for name in inspect(engine).get_table_names() if not is_words_table(name)}
    created -= {"alembic_version"}
    assert set(metadata.tables) == created, "a table the migrations create is missing from this test"
    return list(metadata.sorted_tables)


def everything(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, field by field, in id order."""
    with closing(Store.connect(url)) as store, store.engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)))
            for table in tables_as_read(store.engine)
        }


def highest_autopsy_id(url: str) -> int:
    with closing(Store.connect(url)) as store, store.read() as work:
        return work.session.scalar(select(func.max(Base.metadata.tables["autopsies"].c.id)))


def a_new_autopsy(url: str) -> int:
    with closing(Store.connect(url)) as store:
        with store.write() as work:
            entry, _ = work.autopsies.save(
                team_id=unique("T"),
                user_id=unique("U"),
                view_id=unique("V"),
                answers=ANSWERS,
                created_at=NOW,
                follow_ups=(Plan(kind="revisit", recipient_id="U", due_at=NOW),),
            )
        return entry.id
