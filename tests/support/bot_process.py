"""The real bot as an operator runs it: `rebound serve` (or `worker`) as a process, and the
`rebound` command line, pointed at the fake Slack."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

from bot.export import write_json
from playground.emulator import SlackEmulator
from rebound.cli import main
from storage import Store
from tests.support.slack_requests import SIGNING_SECRET


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
        """What `rebound export --format json --team <team>` prints, read here by the same code
        rather than by another process: a look at what is stored (test_cli.py runs the command)."""
        store = Store.connect(self.env["DATABASE_URL"])
        try:
            with store.read() as work:
                printed = io.StringIO()
                write_json(work.autopsies.export(team_id=team), printed)
        finally:
            store.close()
        return json.loads(printed.getvalue())

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
            time.sleep(0.05)
    return bot


def sweep_at(bot: Bot, moment: datetime) -> str:
    """`rebound reminders --as-of moment` against the bot's database, with the bot's environment
    and directory; what it printed. Run in this process: a process of its own cost ~1 s a sweep,
    mostly imports, and journeys sweep dozens of times (the command as a process, several at once
    and killed mid-send, is test_follow_up_processes.py's and test_crm_scale_out.py's to prove)."""
    printed, said = io.StringIO(), io.StringIO()
    with (
        patch.dict(os.environ, bot.env, clear=True),
        contextlib.chdir(bot.cwd),
        contextlib.redirect_stdout(printed),
        contextlib.redirect_stderr(said),
    ):
        status = main(["reminders", "--as-of", moment.isoformat()])
    assert status == 0, said.getvalue()
    return printed.getvalue()
