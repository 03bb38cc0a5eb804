"""Which bot token speaks for which workspace, for work done outside a request (sweeps, CLI).

One workspace: the SLACK_BOT_TOKEN client for every row. Several (OAuth): each workspace's bot
token from slack_sdk's SQLAlchemy installation store, in Rebound's own database; a workspace
whose install is gone has no client, and its work is skipped, not retried forever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.web_api import web_client
from storage import Store

logger = logging.getLogger("rebound.installs")


class Installs:
    def __init__(
        self,
        *,
        single: WebClient | None = None,
        store: SQLAlchemyInstallationStore | None = None,
        make_client: Callable[[str], WebClient] | None = None,
        rebound_store: Store | None = None,
    ) -> None:
        self._single = single
        self._store = store
        self._rebound_store = rebound_store
        self._make_client = make_client
        self._own_team: str | None = None
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def one_workspace(cls, client: WebClient) -> Installs:
        return cls(single=client)

    @classmethod
    def oauth(
        cls, store: SQLAlchemyInstallationStore, make_client: Callable[[str], WebClient], rebound_store: Store
    ) -> Installs:
        return cls(store=store, make_client=make_client, rebound_store=rebound_store)

    def client_for(self, team_id: str) -> WebClient | None:
        """The client that speaks for `team_id` (a workspace, or an org for org-wide installs)."""
        if self._single is not None:
            return self._single
        assert self._store is not None and self._make_client is not None
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id) or self._store.find_bot(
            enterprise_id=team_id, team_id=None, is_enterprise_install=True
        )
        if bot is None or not bot.bot_token:
            return None
        with self._lock:
            client = self._clients.get(bot.bot_token)
            if client is None:
                client = self._clients[bot.bot_token] = self._make_client(bot.bot_token)
        return client

    def teams(self) -> list[str]:
        """The workspaces Rebound may speak in: the token's own, or every installed one."""
        if self._single is not None:
            if self._own_team is None:
                try:
                    self._own_team = str(self._single.auth_test().get("team_id") or "") or None
                except (SlackApiError, SlackClientError, OSError) as error:
                    logger.warning(
                        "Could not ask Slack which workspace this is (%s); trying again later", error
                    )
            return [self._own_team] if self._own_team else []
        assert self._store is not None and self._rebound_store is not None
        with self._rebound_store.read() as work:
            return work.workspaces.installed(self._store.client_id)


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, logger=logging.getLogger("rebound.oauth")
    )


def installs_for(settings: Settings, store: Store) -> Installs:
    """Who speaks for each workspace in sweeps: the one bot token, or each OAuth install's."""

    def sweep_client(token: str | None = None) -> WebClient:
        return web_client(settings, token, wait_out_rate_limits=False)

    if settings.oauth:
        assert settings.slack_client_id is not None
        return Installs.oauth(installation_store(settings.slack_client_id, store.engine), sweep_client, store)
    return Installs.one_workspace(sweep_client())
