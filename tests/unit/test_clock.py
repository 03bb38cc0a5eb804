"""One clock: `clock.now()` is the system's time unless a program makes Rebound follow its own,
the playground's clock is shared through its file by every process that reads it and only goes
forward, and ruff refuses code that reads the wall clock anywhere but clock/__init__.py."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

import clock
from playground.playground_clock import PlaygroundClock
from tests.support import ROOT


def test_now_is_the_systems_time_until_rebound_is_told_to_follow_another_clock():
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.now().tzinfo is not None
    then = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
    try:
        clock.follow(lambda: then)
        assert clock.now() == then
    finally:
        clock.follow(clock.system_now)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_playgrounds_clock_is_shared_through_its_file_and_never_goes_back(tmp_path):
    page, bot = PlaygroundClock(tmp_path / "clock"), PlaygroundClock(tmp_path / "clock")
    assert abs(bot.now() - datetime.now(UTC)) < timedelta(seconds=5)
    page.move_to(datetime.now(UTC) + timedelta(days=30))
    assert timedelta(days=29, hours=23) < bot.now() - datetime.now(UTC) <= timedelta(days=30)
    page.move_to(datetime.now(UTC) + timedelta(days=2))  # back: refused
    assert bot.now() - datetime.now(UTC) > timedelta(days=29)
    restarted = PlaygroundClock(tmp_path / "clock")
    assert restarted.now() - datetime.now(UTC) > timedelta(days=29)


def test_a_clock_file_edited_into_nonsense_reads_as_the_systems_time(tmp_path):
    (tmp_path / "clock").write_text("next tuesday")
    assert abs(PlaygroundClock(tmp_path / "clock").now() - datetime.now(UTC)) < timedelta(seconds=5)


def ruff(source: str, as_file: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251"]
    return subprocess.run(
        [*command, "--stdin-filename", as_file, "-"], input=source, capture_output=True, text=True, cwd=ROOT
    )


WALL_CLOCK_READS = [
    "from datetime import UTC, datetime\nnow = datetime.now(UTC)\n",
    "import datetime\ntoday = datetime.date.today()\n",
    "import time\nstarted = time.time()\n",
    "from datetime import datetime\nnow = datetime.utcnow()\n",
]


@pytest.mark.parametrize("source", WALL_CLOCK_READS)
@pytest.mark.parametrize(
    "where",
    ["bot/followups/example.py", "handlers/example.py", "storage/example.py", "playground/example.py"],
)
def test_ruff_refuses_a_wall_clock_read_outside_the_clock(source, where):
    checked = ruff(source, where)
    assert checked.returncode == 1 and "TID251" in checked.stdout, checked.stdout + checked.stderr
    assert "clock.now()" in checked.stdout


def test_ruff_lets_the_clock_read_the_system_time_and_durations_use_monotonic():
    assert ruff(WALL_CLOCK_READS[0], "clock/__init__.py").returncode == 0
    assert ruff("import time\nstarted = time.monotonic()\n", "bot/example.py").returncode == 0
