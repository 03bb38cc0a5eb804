"""Whether Rebound offers to ask lost buyers: only with a public page it serves itself over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from rebound.app import buyer_asking_for
from storage import Store

BASE = {"SLACK_BOT_TOKEN": "xoxb-unit", "SLACK_SIGNING_SECRET": "unit-secret"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.connect(f"sqlite:///{tmp_path / 'rebound.db'}")


@pytest.mark.parametrize(
    ("extra", "offered"),
    [
        ({}, False),  # no public URL
        ({"REBOUND_PUBLIC_URL": "https://rebound.example.com/"}, True),
        (
            {"REBOUND_PUBLIC_URL": "https://rebound.example.com", "SLACK_APP_TOKEN": "xapp-1"},
            False,
        ),  # Socket Mode
    ],
    ids=["without a public URL", "over HTTP", "in Socket Mode"],
)
def test_asking_is_offered_only_where_the_buyers_page_is_served(store, extra, offered):
    settings = load_settings({**BASE, **extra}, dotenv_dir=Path("/"))
    asking = buyer_asking_for(settings, store)
    assert (asking is not None) == offered
    if asking is not None:
        assert (asking.public_url, asking.life.days) == ("https://rebound.example.com", 30)


def test_the_operator_chooses_how_long_links_stay_open(store):
    env = {**BASE, "REBOUND_PUBLIC_URL": "https://rebound.example.com", "REBOUND_ASK_DAYS": "7"}
    asking = buyer_asking_for(load_settings(env, dotenv_dir=Path("/")), store)
    assert asking is not None and asking.life.days == 7
