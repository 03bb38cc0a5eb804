"""Which workspaces the Slack app is installed in, read from slack_sdk's own tables, on SQLite and
PostgreSQL: what the sweeps and `rebound digest` walk through under OAuth; and purging one."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select

from storage import BuyerAsk
from tests.support.buyer_answering import buyer_answers
from tests.support.examples import save_lesson


def install(
    slack: SQLAlchemyInstallationStore, team: str | None, *, org: str | None = None, token: str | None
):
    slack.save(
        Installation(
            app_id="A1",
            enterprise_id=org,
            team_id=team,
            is_enterprise_install=team is None,
            user_id="U1",
            bot_token=token,
            bot_id="B1" if token else None,
            bot_user_id="UBOT" if token else None,
        )
    )


def test_installed_workspaces_are_those_with_a_bot_token_for_this_app_an_org_install_as_its_org(store):
    ours = SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine)
    install(ours, "T1", token="xoxb-1")
    install(ours, None, org="E1", token="xoxb-org")
    install(ours, "T2", token=None)  # a user-token-only install: nothing for the sweeps to send with
    install(SQLAlchemyInstallationStore(client_id="999.000", engine=store.engine), "T3", token="xoxb-3")
    with store.read() as work:
        assert work.workspaces.installed("111.222") == ["E1", "T1"]
        assert work.workspaces.installed("999.000") == ["T3"]
        assert work.workspaces.installed("nobody") == []


def test_purging_a_workspace_takes_its_buyers_links_and_answers_and_leaves_another_s(store):
    answered = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    for team in ("T1", "T2"):
        autopsy_id = save_lesson(store, "U1", team=team)
        buyer_answers(store, team_id=team, autopsy_id=autopsy_id, at=answered, changed_mind=f"Said in {team}")
    with store.write() as work:
        deleted = work.workspaces.purge("T1")
    assert deleted["buyer_asks"] == 1 and deleted["autopsies"] == 1
    with store.read() as work:
        assert list(work.session.scalars(select(BuyerAsk.changed_mind))) == ["Said in T2"]
