"""`rebound playground`: the Slack emulator, the real `rebound serve` pointed at it, and the page.

The bot runs as it would against Slack, unchanged, in a process of its own with the playground's
own tokens, signing secret, Slack URL and SQLite file, whatever `.env` says, and its one clock
following the playground's (playground/bot_process.py). The playground runs the minute's sweeps
itself, as of that clock, so jumping ahead delivers what falls due.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import clock
from bot.config import Settings, load_settings
from bot.crm.prompter import CrmPrompter
from bot.digest.posting import DigestSweep
from bot.digest.week import week_due
from bot.followups.delivery import FollowUpSweep
from bot.slack.installs import installs_for
from playground.client import Person, SlackClient
from playground.crm import LostInHubSpot
from playground.demo import DemoFailed, DemoStory
from playground.emulator import TEAM_ID, SlackEmulator
from playground.fake_hubspot import TOKEN, FakeHubSpot
from playground.keeping import PlaygroundKeeper
from playground.page_server import PageServer
from playground.playground_clock import PlaygroundClock
from rebound.server import stop_on_signals
from storage import Store, upgrade

FOLDER = "rebound-playground"  # in the working directory: the database, Slack's side, the clock, the log
FIRST_PORT, PORTS_TRIED = 3000, 20
LESSONS = "C0LESSONS"
TEAM_ZONE = "America/New_York"
PEOPLE = [
    Person("U0RILEY", "Riley Chen", "Account executive", "America/New_York"),
    Person("U0SAM", "Sam Okafor", "Solutions engineer", "Europe/London"),
    Person("U0DANA", "Dana Ruiz", "Head of sales (admin)", "America/Los_Angeles", is_admin=True),
]
SWEEP_EVERY = 20.0  # seconds between sweeps while nobody jumps the clock


class Stop(Exception):
    """A clear reason the playground cannot start, printed as one line."""


def run(*, port: int | None, demo: bool, fresh: bool, browser: bool) -> int:
    folder = Path.cwd() / FOLDER
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(exist_ok=True)
    playground_clock = PlaygroundClock(folder / "clock")
    clock.follow(playground_clock.now)  # this process's own uses of the bot's code, too
    emulator = SlackEmulator().start()
    hubspot = FakeHubSpot().start()
    env = bot_environment(emulator, folder / "rebound.db", hubspot)
    client = SlackClient(
        emulator,
        events_url=f"http://127.0.0.1:{env['PORT']}/slack/events",
        signing_secret=env["SLACK_SIGNING_SECRET"],
        people=PEOPLE,
        channels={LESSONS: "lessons"},
        clock=playground_clock,
    )
    try:
        page = _page_server(port, client)
    except OSError:
        emulator.stop()
        hubspot.stop()
        if port:
            taken = f"port {port} is taken (another playground?); try --port {port + 1}"
        else:
            last = FIRST_PORT + PORTS_TRIED - 1
            taken = f"ports {FIRST_PORT} to {last} are all taken; choose one with --port"
        print(f"rebound: {taken}", file=sys.stderr)
        return 2
    keeper = PlaygroundKeeper(folder / "slack.json", client, emulator, hubspot)
    keeper.restore()
    settings = load_settings(env, dotenv_dir=folder)
    upgrade(settings.database_url)
    store = settings.connect()
    sweeps = Sweeps(settings, store, client)
    bot = _start_bot(env, folder, playground_clock)
    stopping = threading.Event()
    stop_on_signals(stopping)  # before the address is printed: a SIGTERM right after it is Ctrl-C
    keeping = threading.Thread(target=keeper.keep, args=(stopping,))
    keeping.start()
    try:
        _wait_healthy(bot, env, folder)
        if demo and not has_autopsies(store):
            _live_the_demo(client, sweeps, playground_clock)
        page.clock = sweeps.jump
        page.crm = LostInHubSpot(
            hubspot,
            emulator,
            store,
            PEOPLE,
            secret=env["HUBSPOT_CLIENT_SECRET"],
            public_url=env["REBOUND_PUBLIC_URL"],
            bot_url=f"http://127.0.0.1:{env['PORT']}",
            sweep=sweeps.run,
            now=client.now,
        ).lose
        page.start()
        threading.Thread(target=sweeps.every, args=(stopping,), daemon=True).start()
        url = f"http://127.0.0.1:{page.port}/"
        print(f"Rebound playground: {url} (Ctrl-C to stop)", flush=True)
        print(f"It keeps its database, its Slack and the bot's log (rebound.log) in {folder}", flush=True)
        if browser:
            webbrowser.open(url)
        while not stopping.wait(0.5):  # a short wait, so Ctrl-C and SIGTERM are acted on at once
            pass
    except Stop as stop:
        print(f"rebound: {stop}", file=sys.stderr)
        return 1
    finally:
        stopping.set()
        page.stop()
        sweeps.finish()
        _stop(bot)
        keeping.join()
        emulator.stop()
        hubspot.stop()
        store.close()
    return 0


def _live_the_demo(client: SlackClient, sweeps: Sweeps, playground_clock: PlaygroundClock) -> None:
    """The demo's three weeks, lived through the real bot on the playground's clock from their first
    day, so every DM and digest arrives when it would have; then the clock is back at today."""
    now = playground_clock.now()
    playground_clock.start_at(now - timedelta(days=30))

    def live(moment: datetime) -> None:
        playground_clock.move_to(moment)
        sweeps.run()

    print("Rebound playground: living three weeks of a team's lost deals for the demo (once)…", flush=True)
    try:
        DemoStory(client, PEOPLE, zone=ZoneInfo(TEAM_ZONE), live=live).live_up_to(now)
    except DemoFailed as failed:
        raise Stop(f"the demo could not be written: {failed}") from None
    finally:
        playground_clock.move_to(now)


def _page_server(port: int | None, client: SlackClient) -> PageServer:
    """The page on `port`; without one, on 3000 or the next free port after it, as Vite and
    Jupyter do (other dev servers often hold 3000). OSError when none is free."""
    if port is not None:
        return PageServer(port, client)
    for candidate in range(FIRST_PORT, FIRST_PORT + PORTS_TRIED - 1):
        try:
            return PageServer(candidate, client)
        except OSError:
            continue
    return PageServer(FIRST_PORT + PORTS_TRIED - 1, client)


def bot_environment(emulator: SlackEmulator, database: Path, hubspot: FakeHubSpot) -> dict[str, str]:
    """The bot's settings: the playground's own (its HubSpot the fake one), and no other Slack,
    Rebound, CRM or database setting (the bot runs in the playground's folder, so no `.env` of
    the operator's is read either)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "REBOUND_", "DATABASE_", "HUBSPOT_", "SALESFORCE_"))
    }
    port = str(_free_port())
    env.update(
        SLACK_BOT_TOKEN="xoxb-playground",
        SLACK_SIGNING_SECRET=secrets.token_hex(16),
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=f"sqlite:///{database}",
        HOST="127.0.0.1",
        PORT=port,
        REBOUND_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HUBSPOT_ACCESS_TOKEN=TOKEN,
        HUBSPOT_CLIENT_SECRET=secrets.token_hex(16),
        HUBSPOT_API_URL=hubspot.url,
        REBOUND_DIGEST_CHANNEL=LESSONS,
        REBOUND_DIGEST_DAY="fri",
        REBOUND_DIGEST_TIME="16:00",
        REBOUND_TIMEZONE=TEAM_ZONE,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


class Sweeps:
    """The follow-up and digest sweeps, as of the playground's clock (the bot's own code)."""

    def __init__(self, settings: Settings, store: Store, client: SlackClient) -> None:
        speakers = installs_for(settings, store)
        self.settings, self.store, self.client = settings, store, client
        self.follow_ups = FollowUpSweep(
            store,
            speakers,
            settings.timezone,
            CrmPrompter(store, settings.crm),
            offer_asking=settings.buyer_page_url is not None,
        )
        self.digests = DigestSweep(store, speakers, settings)
        self._lock = threading.Lock()
        self._finished = False

    def run(self) -> None:
        with self._lock:
            if self._finished:
                return
            now = self.client.now()
            self.follow_ups.run(now)
            self.digests.run(now)

    def finish(self) -> None:
        """Wait for a sweep under way (the timer's or a page's jump) to end, and start no other.
        Both run on daemon threads: one still drawing a digest's chart (C++) when the interpreter
        exits is cut short in it, which aborts the process instead of letting it exit."""
        with self._lock:
            self._finished = True

    def every(self, stopping: threading.Event) -> None:
        while not stopping.wait(SWEEP_EVERY):
            self.run()

    def jump(self, asked: dict[str, Any]) -> dict[str, Any]:
        """Move the clock to a moment, an hour on, a week on, the next touch-base day or Friday's
        digest; sweep."""
        moment = self._moment(asked)
        if moment is None:
            return {"ok": False, "error": "not_a_moment"}
        if moment <= self.client.now():
            return {"ok": False, "error": "the playground's clock only goes forward"}
        self.client.set_clock(moment)
        self.run()
        return {"ok": True, "now": self.client.now().isoformat()}

    def _moment(self, asked: dict[str, Any]) -> datetime | None:
        now, jump = self.client.now(), asked.get("jump")
        if jump == "hour":  # a buyer's answers reach their rep once they can no longer change them
            return now + timedelta(hours=1)
        if jump == "week":  # a week on, when the team is at work
            return _working_morning(now + timedelta(days=7))
        if jump == "digest":
            # The workspace's own day, time and zone (App Home's settings), a minute past the moment
            return week_due(now + timedelta(days=7), self.digests.schedule(TEAM_ID)).ends_at + timedelta(
                minutes=1
            )
        if jump == "touch_base":
            return self._next_touch_base(now)
        try:
            moment = datetime.fromisoformat(str(asked.get("to")))
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def _next_touch_base(self, now: datetime) -> datetime | None:
        """10:00 on the next touch-base day in its rep's zone; a weekend's, the Monday's 10:00,
        when it is delivered (so the button always shows the DM)."""
        with self.store.read() as work:
            touch_base = work.follow_ups.soonest_touch_base(team_id=TEAM_ID)
        if touch_base is None:
            return now + timedelta(days=1)
        zone = ZoneInfo(next((p.tz for p in PEOPLE if p.id == touch_base.recipient_id), TEAM_ZONE))
        day = touch_base.due_on
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = datetime.combine(day, datetime.min.time().replace(hour=10), zone).astimezone(UTC)
        return max(moment, now + timedelta(minutes=1))


def _working_morning(moment: datetime) -> datetime:
    """`moment` if New York and London are both at work then (9:00-12:00 in the team's zone on a
    weekday), else the next 10:00 there: whatever the hour the jump is asked at, Riley's reminders
    and Sam's help request (London) are due and deliverable."""
    local = moment.astimezone(ZoneInfo(TEAM_ZONE))
    if local.weekday() < 5 and 9 <= local.hour < 12:
        return moment
    day = local.date() + timedelta(days=0 if local.hour < 9 else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=10), ZoneInfo(TEAM_ZONE)).astimezone(UTC)


def has_autopsies(store: Store) -> bool:
    with store.read() as work:
        return work.autopsies.any_written(team_id=TEAM_ID)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_bot(env: dict[str, str], workdir: Path, on: PlaygroundClock) -> subprocess.Popen[bytes]:
    log = (workdir / "rebound.log").open("ab")  # each run adds to the log
    return subprocess.Popen(
        [sys.executable, "-m", "playground.bot_process", str(on.path)],
        env=env,
        cwd=workdir,  # no `.env` of the operator's is read
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_healthy(bot: subprocess.Popen[bytes], env: dict[str, str], workdir: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            tail = (workdir / "rebound.log").read_text(errors="replace").strip().splitlines()[-1:]
            raise Stop(f"the bot stopped at start ({bot.returncode}): {' '.join(tail)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise Stop("the bot did not answer within 30 seconds")


def _stop(bot: subprocess.Popen[bytes]) -> None:
    if bot.poll() is None:
        os.killpg(bot.pid, signal.SIGTERM)
        try:
            bot.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(bot.pid, signal.SIGKILL)
            bot.wait()
