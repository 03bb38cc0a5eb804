"""Follow-ups across real processes: two `rebound reminders` at once, one killed mid-send,
and `rebound worker` / `rebound serve` catching up at start.

The session's fake Slack is shared with other tests and a background bot, so every assertion
is about users no other test uses.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.followups.planning import plan
from bot.sweep import LEASE
from bot.working_hours import delivery_time
from playground.emulator import TEAM_ID, Call, SlackEmulator
from storage import FollowUp, Store, upgrade
from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.databases import follow_ups_of
from tests.support.examples import ANSWERS
from tests.support.moments import working_zone
from tests.support.slack_requests import unique

AS_OF = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # a Wednesday, noon in UTC
WRITTEN = AS_OF - timedelta(days=7, hours=1)  # so each revisit (a week on) is an hour overdue at AS_OF


def write(store: Store, user: str, *, written: datetime, helper: str | None = None) -> int:
    """An autopsy with the follow-ups plan() gives it: a revisit a week on, a help request if asked."""
    answers = replace(ANSWERS, touch_base_on=None, help_from=helper)
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=TEAM_ID,
            user_id=user,
            view_id=unique("V"),
            answers=answers,
            created_at=written,
            follow_ups=plan(answers, author_id=user, now=written),
        )
    return entry.id


def only(store: Store, autopsy_id: int) -> FollowUp:
    [follow_up] = follow_ups_of(store, team_id=TEAM_ID, autopsy_id=autopsy_id)
    return follow_up


def delivered_to(fake: SlackEmulator, users: Iterable[str]) -> list[Call]:
    people = set(users)
    return fake.delivered("chat.postMessage", lambda call: call.args.get("channel") in people)


def follow_up_id(call: Call) -> int:
    """Which follow-up a DM is: every one carries its id on the pause button."""
    blocks = call.args["blocks"]
    for block in json.loads(blocks) if isinstance(blocks, str) else blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.PAUSE:
                return int(element["value"])
    raise AssertionError(f"a follow-up DM without its pause button: {call.args}")


def reminders(env: dict[str, str], cwd: Path, as_of: datetime) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rebound", "reminders", "--as-of", as_of.isoformat()],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rebound.db'}"
    return request.getfixturevalue("postgres_url")


def test_two_sweeps_started_at_once_deliver_each_follow_up_once(fake, postgres_url, tmp_path):
    upgrade(postgres_url)  # migrated up front: the two processes then only find it up to date
    # Claims go in due order: the help requests, then the revisits. Whichever process claims
    # first takes the first 200, the other the last 25; those 25 go to reps of their own, so
    # the two never look up one person's zone at the same instant (see the test after this one).
    reps = [unique("U") for _ in range(8)]
    late_reps = [unique("U") for _ in range(2)]
    helpers = [unique("U") for _ in range(3)]
    everyone = reps + late_reps + helpers
    fake.zones.update(dict.fromkeys(everyone, "UTC"))
    store = Store.connect(postgres_url)
    try:
        written = [
            write(
                store,
                reps[n % len(reps)] if n < 125 else late_reps[n % len(late_reps)],
                written=WRITTEN + timedelta(seconds=n),
                helper=helpers[n % len(helpers)] if n % 2 == 0 else None,
            )
            for n in range(150)
        ]
        owed = {f.id for found in written for f in follow_ups_of(store, team_id=TEAM_ID, autopsy_id=found)}
        assert len(owed) == 150 + 75  # more than one sweep batch (200), so each process loops

        env = bot_env(fake, postgres_url)
        # 10 ms per DM keeps the first process busy long enough that the second surely gets a share.
        sweeps: list[subprocess.Popen[str]] = []
        try:
            with fake.slow("chat.postMessage", 0.01):
                sweeps += [reminders(env, tmp_path, AS_OF), reminders(env, tmp_path, AS_OF)]
                outputs = [sweep.communicate(timeout=60) for sweep in sweeps]
        finally:
            for sweep in sweeps:
                if sweep.poll() is None:
                    sweep.kill()
                    sweep.wait()
        for sweep, (out, err) in zip(sweeps, outputs, strict=True):
            assert sweep.returncode == 0, f"{out}\n{err}"
            assert "Traceback" not in err
        sent_by = [int(re.search(r": (\d+) sent,", out).group(1)) for out, _ in outputs]
        assert sum(sent_by) == len(owed) and min(sent_by) > 0, sent_by

        times = Counter(follow_up_id(call) for call in delivered_to(fake, everyone))
        assert set(times) == owed
        assert set(times.values()) == {1}, [id_ for id_, n in times.items() if n > 1]
        assert len(fake.find("chat.postMessage", lambda c: c.args.get("channel") in everyone)) == len(owed)
        assert {
            f.state for found in written for f in follow_ups_of(store, team_id=TEAM_ID, autopsy_id=found)
        } == {"sent"}

        again = rebound("reminders", "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert ": 0 sent," in again.stdout
        assert len(delivered_to(fake, everyone)) == len(owed)
    finally:
        store.close()


class Rendezvous(SlackEmulator):
    """A fake Slack of its own that holds users.info about `user` until two such calls are in."""

    def __init__(self, user: str) -> None:
        super().__init__()
        self.user = user
        self.meeting = threading.Barrier(2, timeout=20)

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None = None, at: float | None = None
    ) -> dict[str, Any]:
        if method == "users.info" and args.get("user") == self.user:
            with contextlib.suppress(threading.BrokenBarrierError):
                self.meeting.wait()
        return super()._answer(method, args, token, at)


def test_two_sweeps_meeting_one_person_first_time_both_deliver(postgres_url, tmp_path):
    """Two sweeps each hold a follow-up for one person whose zone neither has cached yet.

    The first process claims 200 (a batch), the second the 201st; both ask users.info about the
    person, and the fake answers them together, as a busy Slack may.
    """
    upgrade(postgres_url)
    user = unique("U")
    slack = Rendezvous(user).start()
    store = Store.connect(postgres_url)
    sweeps: list[subprocess.Popen[str]] = []
    try:
        for n in range(201):
            write(store, user, written=WRITTEN + timedelta(seconds=n))
        env = bot_env(slack, postgres_url)
        sweeps += [reminders(env, tmp_path, AS_OF), reminders(env, tmp_path, AS_OF)]
        outputs = [sweep.communicate(timeout=60) for sweep in sweeps]
        assert len(slack.find("users.info")) == 2  # they did meet
        assert [sweep.returncode for sweep in sweeps] == [0, 0], [err.splitlines()[-1] for _, err in outputs]
        assert len(slack.delivered("chat.postMessage")) == 201
    finally:
        for sweep in sweeps:
            if sweep.poll() is None:
                sweep.kill()
                sweep.wait()
        store.close()
        slack.stop()


def test_a_sweep_killed_mid_send_is_delivered_once_after_its_lease(fake, any_database, tmp_path):
    upgrade(any_database)
    user = unique("U")
    fake.zones[user] = "UTC"
    store = Store.connect(any_database)
    try:
        found = write(store, user, written=WRITTEN)
        env = bot_env(fake, any_database)
        # users.info hangs, so the process sits between its claim and chat.postMessage. The fake
        # sleeps before it records a call, so the claim is watched in the database instead.
        sweep = None
        try:
            with fake.slow("users.info", 30):
                sweep = reminders(env, tmp_path, AS_OF)
                until(
                    lambda: sweep.poll() is not None or only(store, found).state == "sending",
                    timeout=20,
                    what="the claim",
                )
                assert sweep.poll() is None, sweep.communicate()
                sweep.send_signal(signal.SIGKILL)
                sweep.communicate(timeout=10)
        finally:
            if sweep is not None and sweep.poll() is None:
                sweep.kill()
                sweep.wait()
        assert sweep.returncode == -signal.SIGKILL
        claimed = only(store, found)
        assert (claimed.state, claimed.lease_until) == ("sending", AS_OF + LEASE)
        assert delivered_to(fake, [user]) == []

        early = rebound(
            "reminders", "--as-of", (AS_OF + timedelta(minutes=1)).isoformat(), env=env, cwd=tmp_path
        )
        assert early.returncode == 0, early.stderr
        assert delivered_to(fake, [user]) == []  # the dead sweep's lease still holds it
        assert only(store, found).state == "sending"

        late = rebound(
            "reminders", "--as-of", (AS_OF + timedelta(minutes=6)).isoformat(), env=env, cwd=tmp_path
        )
        assert late.returncode == 0, late.stderr
        [dm] = delivered_to(fake, [user])
        assert follow_up_id(dm) == claimed.id
        settled = only(store, found)
        assert (settled.state, settled.sent_at) == ("sent", AS_OF + timedelta(minutes=6))
    finally:
        store.close()


# The scheduler sweeps at datetime.now(), so catching up is checked at the real time, for a
# recipient in a zone where it is working hours now (tests/support/moments.py). When no zone on
# Earth is (about Saturday 05:00 to Sunday 19:00 UTC), the proof of the catch-up sweep is that it
# took the overdue row and gave it back, unsent, for Monday 9:00 UTC.


@dataclass
class Overdue:
    """A fresh database holding one revisit a day overdue."""

    store: Store
    user: str
    autopsy_id: int
    zone: str
    working: bool  # whether it is working hours for the user now
    due_at: datetime  # as written, before any sweep

    def row(self) -> FollowUp:
        return only(self.store, self.autopsy_id)


def overdue(fake: SlackEmulator, url: str) -> Overdue:
    upgrade(url)
    store = Store.connect(url)
    now = datetime.now(UTC)
    user = unique("U")
    zone, working = working_zone(now)
    fake.zones[user] = zone
    found = write(store, user, written=now - timedelta(days=8))
    return Overdue(store, user, found, zone, working, only(store, found).due_at)


def assert_caught_up(fake: SlackEmulator, owed: Overdue) -> None:
    if owed.working:
        until(lambda: owed.row().state == "sent", timeout=10, what="the first sweep's delivery")
        [dm] = delivered_to(fake, [owed.user])
        assert follow_up_id(dm) == owed.row().id
    else:
        until(
            lambda: (row := owed.row()).state == "pending" and row.due_at != owed.due_at,
            timeout=10,
            what="the first sweep's postponement",
        )
        row = owed.row()
        assert (row.attempts, row.lease_until) == (0, None)
        assert row.due_at == delivery_time(datetime.now(UTC), ZoneInfo(owed.zone))
        assert delivered_to(fake, [owed.user]) == []
        assert fake.find("users.info", lambda c: c.args.get("user") == owed.user)


def test_worker_catches_up_at_start_and_stops_cleanly(fake, tmp_path):
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    owed = overdue(fake, url)
    try:
        worker = start_bot(bot_env(fake, url), tmp_path, command="worker", wait_healthy=False)
        try:
            assert_caught_up(fake, owed)
        finally:
            status = worker.stop()
        assert status == 0, worker.log_text()
        assert "Traceback" not in worker.log_text()
    finally:
        owed.store.close()


def test_serve_catches_up_at_start_unless_told_not_to(fake, tmp_path):
    homes = [tmp_path / "with", tmp_path / "without"]
    for home in homes:
        home.mkdir()
    databases = [f"sqlite:///{home / 'rebound.db'}" for home in homes]
    sweeping, quiet = (overdue(fake, url) for url in databases)
    try:
        served = start_bot(bot_env(fake, databases[0]), homes[0])
        unswept = start_bot(bot_env(fake, databases[1]), homes[1], "--no-scheduler")
        try:
            assert_caught_up(fake, sweeping)
            time.sleep(3)  # well past the moment the one with a scheduler swept
            row = quiet.row()
            assert (row.state, row.due_at, row.attempts, row.lease_until) == (
                "pending",
                quiet.due_at,
                0,
                None,
            )
            assert fake.find("users.info", lambda c: c.args.get("user") == quiet.user) == []
            assert fake.find("chat.postMessage", lambda c: c.args.get("channel") == quiet.user) == []
        finally:
            statuses = [served.stop(), unswept.stop()]
        assert statuses == [0, 0], served.log_text() + unswept.log_text()
        for bot in (served, unswept):
            assert "Traceback" not in bot.log_text()
    finally:
        for owed in (sweeping, quiet):
            owed.store.close()
