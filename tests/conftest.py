"""Fixtures every test may ask for: the fake Slack, the real bot as a process, and databases
(SQLite, PostgreSQL). What they are made of lives in tests/support/."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.emulator import SlackEmulator
from tests.support.bot_process import Bot, bot_env, start_bot
from tests.support.databases import postgres_schema


@pytest.fixture(scope="session")
def fake() -> Iterator[SlackEmulator]:
    server = SlackEmulator().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bot(fake: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """One real `rebound serve` (gunicorn, HTTP mode, SQLite) for the journey tests."""
    home = tmp_path_factory.mktemp("bot")
    running = start_bot(bot_env(fake, f"sqlite:///{home / 'rebound.db'}"), home)
    yield running
    assert running.stop() == 0, running.log_text()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL, each time on an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rebound.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """A test that runs the command line in-process (`rebound.cli.main`) sets up logging on the
    stream pytest captured for it; later tests must not log into that closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
