"""Listeners called as Bolt calls them, with what Rebound's middleware puts in the context, a
real store on SQLite, and a mocked `ack` and Web API client: what a listener acknowledges,
stores and sends, without a server or a Slack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import MagicMock, create_autospec

import pytest
from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.admins import Admins
from bot.config import load_settings
from bot.workspace import FollowUpDefaultsCache
from bot.zones import PersonZones
from storage import Store, upgrade
from tests.support.listener_calls import TEAM, USER


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    upgrade(url)
    opened = Store.connect(url)
    yield opened
    opened.close()


@pytest.fixture
def context(store: Store, tmp_path: Path, client: MagicMock) -> BoltContext:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-unit"}, dotenv_dir=tmp_path)
    return BoltContext(
        team_id=TEAM,
        client=client,
        store=store,
        settings=settings,
        admins=Admins(settings.admins),
        follow_up_defaults=FollowUpDefaultsCache(store),
        zones=PersonZones(store, settings.timezone),
    )


@pytest.fixture
def client() -> MagicMock:
    web = create_autospec(WebClient, instance=True)
    web.users_info.return_value = {"ok": True, "user": {"id": USER, "is_admin": False}}
    web.conversations_open.return_value = {"ok": True, "channel": {"id": "D0REP"}}
    web.chat_postMessage.return_value = {"ok": True, "channel": "D0REP", "ts": "1.0001"}
    return web


@pytest.fixture
def ack() -> MagicMock:
    return MagicMock()


@pytest.fixture
def logger() -> logging.Logger:
    return logging.getLogger("rebound.test")
