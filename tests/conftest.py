"""Shared fixtures: the fake Slack, the real bot as a process, and databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from playground.emulator import SlackEmulator
from storage import FollowUp, Store
from tests.schemas import private_schema
from tests.slack_requests import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(fake: SlackEmulator, database_url: str, **extra: str) -> dict[str, str]:
    """The environment an operator would give Rebound, pointed at the fake Slack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REBOUND_", "DATABASE_URL"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(free_port()),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def rebound(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the `rebound` command line as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "rebound", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Bot:
    """A running `rebound serve` process."""

    process: subprocess.Popen[bytes]
    url: str
    env: dict[str, str]
    cwd: Path
    log: Path

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def export(self, team: str) -> list[dict]:
        done = rebound("export", "--format", "json", "--team", team, env=self.env, cwd=self.cwd)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_bot(
    env: dict[str, str],
    cwd: Path,
    *args: str,
    wait_healthy: bool = True,
    command: str = "serve",
    clock_file: Path | None = None,
) -> Bot:
    """`rebound <command>`; with `clock_file`, `serve --no-scheduler` on the clock that file keeps (as
    the playground starts it: playground/bot_process.py), so a test can say when "now" is."""
    log = cwd / f"rebound-{uuid.uuid4().hex[:8]}.log"
    argv = ["playground.bot_process", str(clock_file)] if clock_file else ["rebound", command, *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", *argv],
            env=env,
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    bot = Bot(process, f"http://127.0.0.1:{env['PORT']}", env, cwd, log)
    if wait_healthy:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"rebound serve exited with {process.returncode}:\n{bot.log_text()}")
            try:
                with urllib.request.urlopen(f"{bot.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                bot.stop(signal.SIGKILL)
                raise AssertionError(f"rebound serve never became healthy:\n{bot.log_text()}")
            time.sleep(0.1)
    return bot


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


# PostgreSQL: TEST_DATABASE_URL names a server; each run works in a schema of its own.
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REBOUND_REQUIRE_POSTGRES") == "1"


def postgres_or_skip() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REBOUND_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    return POSTGRES_URL


def _unreachable(error: Exception) -> None:
    message = f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error}"  # named but not there
    if REQUIRE_POSTGRES:
        pytest.fail(message)
    pytest.skip(message)


def postgres_schema() -> AbstractContextManager[str]:
    """A URL whose connections live in a fresh schema of their own, dropped afterwards."""
    return private_schema(postgres_or_skip(), "rebound_test", unreachable=_unreachable)


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


def follow_ups_of(store: Store, *, team_id: str, autopsy_id: int) -> list[FollowUp]:
    """An autopsy's follow-ups as stored, in the order they were written."""
    with store.read() as work:
        return list(
            work.session.scalars(
                select(FollowUp)
                .where(FollowUp.team_id == team_id, FollowUp.autopsy_id == autopsy_id)
                .order_by(FollowUp.id)
            )
        )
