"""Workspaces: which ones Rebound knows, the settings their admins chose, and forgetting one
entirely (`rebound purge`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import column, delete, select, text, union
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session

from storage.engine import upsert
from storage.models import (
    Autopsy,
    BuyerAsk,
    Digest,
    FollowUp,
    PersonZone,
    ReminderPause,
    Revisit,
    WorkspaceSettings,
)

SETTINGS = (
    "digest_channel",
    "digest_day",
    "digest_time",
    "timezone",
    "empty_week_note",
    "hide_anonymous_deal_names",
    "digest_chart",
    "touch_base_days",
    "revisit_days",
    "company_name",
)
# Everything one workspace's rows live in, children first; and slack_sdk's install tables (0005).
WORKSPACE_TABLES = (
    FollowUp,
    Revisit,
    BuyerAsk,
    Autopsy,
    ReminderPause,
    PersonZone,
    WorkspaceSettings,
    Digest,
)
INSTALL_TABLES = ("slack_bots", "slack_installations")
# The columns Rebound reads of slack_sdk's bots table, which slack_sdk's installation store owns.
SLACK_BOTS = table_clause(
    "slack_bots",
    column("client_id"),
    column("team_id"),
    column("enterprise_id"),
    column("is_enterprise_install"),
    column("bot_token"),
)
# ... and of its installations table, as far as they name the person who installed the app.
SLACK_INSTALLATIONS = table_clause(
    "slack_installations",
    column("team_id"),
    column("enterprise_id"),
    column("user_id"),
    column("user_token"),
    column("user_refresh_token"),
    column("user_scopes"),
)


class Workspaces:
    """The workspaces of a unit of work (`Store.write()` or `Store.read()`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self) -> list[str]:
        """Every workspace Rebound knows: with settings, or with at least one autopsy."""
        known = union(select(WorkspaceSettings.team_id), select(Autopsy.team_id).distinct())
        return sorted(self.session.scalars(select(known.subquery().c[0])))

    def installed(self, client_id: str) -> list[str]:
        """The workspaces the Slack app `client_id` is installed in with a bot token; an org-wide
        install counts as its org."""
        bots = SLACK_BOTS.c
        rows = self.session.execute(
            select(bots.team_id, bots.enterprise_id, bots.is_enterprise_install)
            .where(bots.client_id == client_id, bots.bot_token.is_not(None))
            .distinct()
        )
        return sorted({(enterprise if org else team) or "" for team, enterprise, org in rows} - {""})

    def settings(self, team_id: str) -> WorkspaceSettings | None:
        return self.session.get(WorkspaceSettings, team_id)

    def save_settings(self, team_id: str, *, now: datetime, **values: Any) -> None:
        """Set some of a workspace's settings (None: back to the operator's default)."""
        unknown = set(values) - set(SETTINGS)
        if unknown:
            raise ValueError(f"not a workspace setting: {', '.join(sorted(unknown))}")
        changes = {"updated_at": now, **values}
        upsert(
            self.session,
            WorkspaceSettings,
            {"team_id": team_id, **changes},
            keys=("team_id",),
            changes=changes,
        )

    def purge(self, team_id: str) -> dict[str, int]:
        """Delete everything Rebound holds about one workspace, its install included; rows per table."""
        deleted: dict[str, int] = {}
        for model in WORKSPACE_TABLES:
            deleted[model.__tablename__] = self.session.execute(
                delete(model).where(model.team_id == team_id)
            ).rowcount
        for table in INSTALL_TABLES:
            deleted[table] = self.session.execute(
                text(f"DELETE FROM {table} WHERE team_id = :team OR enterprise_id = :team"), {"team": team_id}
            ).rowcount
        return deleted
