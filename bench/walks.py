"""Benchmark: the three walks of issue 27, measured instead of read: which of Rebound's modules
a piece of work passes through, in order, and how often it comes back to one it had left.

Run from the root of the checkout to measure (its code is the code walked, whichever copy of this
file runs), e.g. the tree before issue 27 with today's script:

    .venv/bin/python bench/walks.py                  # ~35 s; --only hubspot, --runs 3, --reading entries
    cd ../wt-before && PYTHONPATH=$PWD ../main/.venv/bin/python ../wt-walks/bench/walks.py

The walks. Each in one process, against the fake Slack (playground.emulator.SlackEmulator) and a
temporary SQLite file, with Rebound built as a `rebound serve` worker builds it (`HttpServer.load`:
the app factory, the WSGI app, the CRM inbox, the scheduler's sweeps, which are handed over
instead of scheduled), and requests signed as Slack and HubSpot sign them. Rebound's clock is held
at a Wednesday noon (UTC; the digest: a Friday, 16:01).

1. autopsy: a filled autopsy form (`view_submission`) through the WSGI app: stored, acked, the
   thank-you DM, App Home redrawn. The form was opened by `/lost-deal` before the walk.
2. hubspot: a signed HubSpot webhook (a deal moved to Closed Lost) through the CRM inbox to the
   stored lost deal; a minute later the scheduler's follow-up sweep: the deal read from the fake
   HubSpot, its owner found in Slack by email, the prompt DM sent, its reminder planned.
3. digest: the scheduler's digest sweep at the due moment of a week holding 4 autopsies: the week
   read and composed, the post made, the chart uploaded, the digest marked posted.

Each run of a walk gets a Rebound of its own that has walked it once unrecorded (imports, caches,
HubSpot's stages; another rep, deal or week), so every run starts from the same state; `--runs`
runs (default 2) must agree, or the exit status is 1. Only the walk is recorded: from just before
the request is dispatched (or the sweep called) until its work is done (the listener or the sweep
has returned), after start-up, the form's opening and the seeding; so the window runs past the DM
to what the same piece of work does after it (the receipt, the reminder, App Home).

How it is recorded. `sys.setprofile` in the main thread, and `threading.setprofile` for Bolt's
listener threads, record each call into a frame of Rebound's packages (bot, handlers, storage,
rebound, clock) and each return to one; library frames are skipped (A -> SQLAlchemy -> A is A) and
so are the fakes' threads. The listener thread's records are put in whole where it started, so a
request reads as one thread of work. Web API calls are noted with the module that made them.

How to read it. A stop: an entry in the path once consecutive records in the same room are
merged. A return: a stop in a room the walk had already left (returns = stops - distinct).
Distinct: how many rooms. To post: the stops up to the first chat.postMessage. Two readings:

* control: where the work is, calls and returns alike (A calls B, B returns: A -> B -> A, 1 return).
  The walk as it happens: coming back to a caller counts, as issue 27's "delivery <-> crm/prompts".
* entries: only calls from another module or a library (A -> B); coming back to a caller is not a
  stop, so a module called three times is three stops but its caller is one.

Three views, each a kind of room:

* modules: every module;
* product: storage/ and the clock left out, stepped through rather than stopped at (read by control,
  one unit of work alone is 11 stops in storage: Work enters all five aggregates' modules);
* folders: modules merged into their folder (bot/crm, bot/followups, storage, ...): the layers.

The paths printed are those of `--reading` (default control), with the Slack calls in [brackets]
after the stop they were made in (named with their room when the stop is another: an entries path
does not show coming back). The figures depend only on the code and the data the walk carries (4
autopsies in the digest's week, 2 in the workspace for App Home), not on the machine.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, ClassVar
from wsgiref.util import setup_testing_defaults

# The checkout measured is the one this is run from, not the one this file sits in.
CHECKOUT = Path.cwd().resolve()
sys.path.insert(0, str(CHECKOUT))

PACKAGES = frozenset({"bot", "handlers", "storage", "rebound", "clock"})
FAKES = ("playground", "tests", "socketserver", "http.server")  # a thread running these is a fake's
SIGNING_SECRET = "walks-signing-secret"
HUBSPOT_SECRET = "walks-hubspot-client-secret"
PUBLIC_URL = "https://rebound.example.com"
HUBSPOT_PATH = "/crm/hubspot"
EVENTS_PATH = "/slack/events"
DIGEST_CHANNEL = "C0DIGEST01"
WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # working hours for a rep in UTC
FIRST_DIGEST = datetime(2026, 11, 6, 16, 1, tzinfo=UTC)  # a Friday, a minute after the default digest time


def in_checkout(module: str) -> bool:
    """Whether `module` is a file of the checkout, asked before importing it: a package the
    checkout lacks may import from an editable install of another one, and bring its modules."""
    where = CHECKOUT.joinpath(*module.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def first(name: str, *modules: str) -> Any:
    """`name` from the first of `modules` in the checkout that has it: the tree moves, the walks stay."""
    for module in modules:
        if in_checkout(module):
            found = importlib.import_module(module)
            if hasattr(found, name):
                return getattr(found, name)
    raise SystemExit(f"walks: none of {', '.join(modules)} in {CHECKOUT} has {name}")


def is_rebound(module: str) -> bool:
    return module.partition(".")[0] in PACKAGES


# Recording


class Tracer:
    """The profile function, installed in every thread from the start and in the main thread for
    each window; outside a window it returns at once."""

    def __init__(self) -> None:
        from slack_sdk.web.base_client import BaseClient

        self.recording = False
        # (thread, how, name): how is "enter" (a call from another module or a library), "call"
        # (from the same module), "return" (to a Rebound caller), or "slack" (a Web API call).
        self.events: list[tuple[int, str, str]] = []
        self.main = threading.main_thread().ident
        self._api_call = BaseClient.api_call.__code__
        self._modules: dict[CodeType, str | None] = {}
        self._walkers: dict[int, bool] = {}  # thread -> is it the walk's (not a fake server's)

    def module_of(self, frame: FrameType) -> str | None:
        code = frame.f_code
        try:
            return self._modules[code]
        except KeyError:
            name = str(frame.f_globals.get("__name__") or "")
            module = self._modules[code] = name if is_rebound(name) else None
            return module

    def caller(self, frame: FrameType) -> str:
        """The Rebound module nearest the top of `frame`'s stack."""
        stack: FrameType | None = frame
        while stack is not None:
            module = self.module_of(stack)
            if module is not None:
                return module
            stack = stack.f_back
        return "?"

    def _walks(self, thread: int, frame: FrameType) -> bool:
        known = self._walkers.get(thread)
        if known is None:
            stack: FrameType | None = frame
            names = []
            while stack is not None:
                names.append(str(stack.f_globals.get("__name__") or ""))
                stack = stack.f_back
            known = thread == self.main or not any(name.startswith(FAKES) for name in names)
            self._walkers[thread] = known
        return known

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        if not self.recording:
            return
        if event == "call":
            if frame.f_code is self._api_call:
                thread = threading.get_ident()
                if self._walks(thread, frame):
                    self.events.append(
                        (thread, "slack", f"{self.caller(frame)}:{frame.f_locals.get('api_method')}")
                    )
                return
            module = self.module_of(frame)
            if module is None:
                return
            caller = self.module_of(frame.f_back) if frame.f_back is not None else None
            how = "call" if caller == module else "enter"
        elif event == "return" and frame.f_back is not None:
            module = self.module_of(frame.f_back)
            how = "return"
        else:
            return
        if module is not None:
            thread = threading.get_ident()
            if self._walks(thread, frame):
                self.events.append((thread, how, module))

    @contextmanager
    def window(self) -> Iterator[list[tuple[str, str]]]:
        """Record inside the block; the list given is filled with the walk, spliced, at its end."""
        walk: list[tuple[str, str]] = []
        self.events, self._walkers = [], {}
        self.recording = True
        sys.setprofile(self.profile)
        try:
            yield walk
        finally:
            sys.setprofile(None)
            self.recording = False
        walk.extend(self.spliced())

    def spliced(self) -> list[tuple[str, str]]:
        """The main thread's records, each other thread's records put in whole where it began."""
        by_thread: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for thread, kind, name in self.events:
            by_thread[thread].append((kind, name))
        walk: list[tuple[str, str]] = []
        for thread, kind, name in self.events:
            if thread == self.main:
                walk.append((kind, name))
            elif thread in by_thread:
                walk.extend(by_thread.pop(thread))
        return walk


@dataclass
class Stop:
    room: str
    slack: list[str] = field(default_factory=list)


# A reading: which records make the path. "control": where the work is, calls and returns alike
# (A calls B, B returns: A -> B -> A). "entries": only entries into a module from another one or
# from a library, so coming back to a caller is not a stop (A -> B).
READINGS = {"control": ("enter", "call", "return"), "entries": ("enter",)}


def is_clock(module: str) -> bool:
    return module == "clock" or module.endswith(".clock")  # clock/ today, bot/clock.py before issue 27


def product(module: str) -> str | None:
    """Modules above the bottom layers: storage and the clock are stepped through, not stopped at."""
    return None if module.partition(".")[0] == "storage" or is_clock(module) else module


def folder(module: str) -> str:
    """The folder a module sits in (a package's __init__ is its own folder): bot.crm.prompts -> bot/crm."""
    imported = sys.modules.get(module)
    package = module if hasattr(imported, "__path__") else module.rpartition(".")[0] or module
    return package.replace(".", "/")


VIEWS: dict[str, Callable[[str], str | None]] = {"modules": str, "product": product, "folders": folder}


def stops(walk: list[tuple[str, str]], reading: str, view: str) -> list[Stop]:
    """The walk's stops: its records of the kinds `reading` names, each module seen as `view`
    sees it, consecutive ones in the same room merged; Web API calls kept with the stop before,
    named with the room that made them when that is another."""
    kept, room = READINGS[reading], VIEWS[view]
    path: list[Stop] = []
    for how, name in walk:
        if how == "slack":
            caller, _, method = name.partition(":")
            if path:
                made = room(caller)
                path[-1].slack.append(method if made in (None, path[-1].room) else f"{made}: {method}")
            continue
        here = room(name)
        if how in kept and here is not None and (not path or path[-1].room != here):
            path.append(Stop(here))
    return path


@dataclass(frozen=True)
class Figures:
    stops: int
    returns: int
    distinct: int
    to_post: int | None  # stops up to and including the one that called chat.postMessage first
    path: str
    most: str  # the rooms entered most often

    @classmethod
    def of(cls, path: list[Stop]) -> Figures:
        entered: dict[str, int] = defaultdict(int)
        to_post = None
        for index, stop in enumerate(path):
            entered[stop.room] += 1
            if to_post is None and any(call.endswith("chat.postMessage") for call in stop.slack):
                to_post = index + 1
        shown = " → ".join(stop.room + (f" [{', '.join(stop.slack)}]" if stop.slack else "") for stop in path)
        ranked = sorted(entered.items(), key=lambda item: (-item[1], item[0]))[:8]
        most = ", ".join(f"{room} {times}" for room, times in ranked)
        return cls(len(path), len(path) - len(entered), len(entered), to_post, shown, most)


# The Rebound under test


class JobBook:
    """Stands in for APScheduler's BackgroundScheduler while the server builds its sweeps: keeps
    each job as it would be called, starts nothing."""

    made: ClassVar[list[JobBook]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.jobs: dict[str, Callable[[], Any]] = {}
        JobBook.made.append(self)

    def add_job(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        name = str(kwargs.get("id") or func.__name__)
        self.jobs[name] = partial(func, *(kwargs.get("args") or ()), **(kwargs.get("kwargs") or {}))

    def start(self, *args: Any, **kwargs: Any) -> None:
        pass

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        pass


class Moment:
    """Rebound's clock for the walks: it stands still unless moved."""

    def __init__(self) -> None:
        self.at = WEDNESDAY

    def now(self) -> datetime:
        return self.at


class Rebound:
    """One `rebound serve` worker on a fresh SQLite file, as HttpServer.load builds it."""

    def __init__(self, fake: Any, home: Path, **extra: str) -> None:
        load_settings = first("load_settings", "bot.config")
        upgrade = first("upgrade", "storage")
        server = first("HttpServer", "rebound.server", "bot.runtime.server")
        scheduler = importlib.import_module(server.__module__.rpartition(".")[0] + ".scheduler")
        environ = {
            "SLACK_BOT_TOKEN": "xoxb-walks",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": f"sqlite:///{home / 'rebound.db'}",
            "LOG_LEVEL": "WARNING",
            **extra,
        }
        settings = load_settings(environ, dotenv_dir=home)
        upgrade(settings.database_url)
        real, scheduler.BackgroundScheduler = scheduler.BackgroundScheduler, JobBook
        try:
            self.wsgi = server(settings, scheduler=True).load()
        finally:
            scheduler.BackgroundScheduler = real
        self.jobs = JobBook.made.pop().jobs

    def job(self, word: str) -> Callable[[], Any]:
        """The scheduler's job whose id has `word` in it (follow_up_sweep, digest_sweep); for
        "follow", failing that, the one job that is not the digest's."""
        found = [job for name, job in self.jobs.items() if word in name]
        if not found and word == "follow":
            found = [job for name, job in self.jobs.items() if "digest" not in name]
        if len(found) != 1:
            raise SystemExit(f"walks: no single scheduler job named like {word!r} in {sorted(self.jobs)}")
        return found[0]

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[str, bytes]:
        """One POST through the WSGI app, as gunicorn hands it over."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        setup_testing_defaults(environ)
        answered: list[str] = []
        chunks = self.wsgi(environ, lambda status, headers, exc_info=None: answered.append(status))
        return answered[0], b"".join(chunks)

    def slack(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[str, bytes]:
        """A request to Slack's Request URL, signed as Slack signs it (`headers`: signed already)."""
        return self.post(EVENTS_PATH, body, headers or signed_by_slack(body))


def signed_by_slack(body: bytes) -> dict[str, str]:
    sign = first("sign", "playground.client")
    return {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}


def settle(timeout: float = 20) -> None:
    """Wait until no thread but this one is inside Rebound: the listener's work is done."""
    main = threading.main_thread().ident
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 3:
        busy = False
        for thread, frame in sys._current_frames().items():
            stack: FrameType | None = frame
            while thread != main and stack is not None and not busy:
                busy = is_rebound(str(stack.f_globals.get("__name__") or ""))
                stack = stack.f_back
        quiet = 0 if busy else quiet + 1
        if time.monotonic() > deadline:
            raise SystemExit("walks: a listener never finished")
        time.sleep(0.02)


# The walks


def requests_module() -> Any:
    for module in ("tests.slack_requests", "tests.support.slack_requests", "tests.support"):
        found = importlib.import_module(module) if in_checkout(module) else None
        if hasattr(found, "view_submission") and hasattr(found, "slash_command"):
            return found
    raise SystemExit("walks: no test module builds Slack's requests (slash_command, view_submission)")


def answers() -> dict[str, Any]:
    ids = importlib.import_module("bot.ids")
    return {
        ids.OUTCOME: "new_deal_lost",
        ids.DEAL_VALUE: "48000",
        ids.WINNER: "competitor",
        ids.COMPETITOR: "Globex",
        ids.MAIN_REASON: "price",
        ids.WINNER_REASON: "They came in cheaper",
        ids.CUSTOMER_SAID: "You were late with the proposal.",
        ids.CHECK_LISTENED: "yes",
        ids.CHECK_TIMING: "partly",
        ids.CHECK_MARKET: "no",
        ids.CHECK_AGGRESSIVE: "no",
        ids.FEELINGS: "Gutted.",
        ids.LESSON: "Send the proposal within 48 hours of the demo.",
    }


class Walks:
    """Each walk in a Rebound of its own, walked once unrecorded then once recorded, so every run
    of a walk starts from the same state."""

    def __init__(self, tracer: Tracer, fake: Any, hubspot: Any, home: Path, moment: Moment) -> None:
        self.tracer, self.fake, self.hubspot, self.home, self.moment = tracer, fake, hubspot, home, moment
        self.requests = requests_module()
        self.serial = 0

    def new(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}0WALK{self.serial:04d}"

    def rebound(self, **extra: str) -> Rebound:
        home = self.home / self.new("rebound-")
        home.mkdir()
        return Rebound(self.fake, home, **extra)

    def open_form(self, rebound: Rebound, user: str) -> dict[str, Any]:
        """`/lost-deal`, and the form Slack was asked to open, as Slack holds it (with an id)."""
        trigger = first("new_trigger_id", "playground.emulator")()
        command = self.requests.slash_command(
            "Acme Corp", user=user, trigger_id=trigger, response_url=self.fake.response_url(trigger)
        )
        rebound.slack(command)
        [call] = self.fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
        settle()
        view = call.args["view"]
        return {**(json.loads(view) if isinstance(view, str) else view), "id": self.new("V")}

    def submission(self, view: dict[str, Any], user: str) -> bytes:
        fill_form = first("fill_form", "playground.forms")
        return self.requests.view_submission(view, fill_form(view, answers()), user=user)

    def submit(self, rebound: Rebound, user: str) -> None:
        status, body = rebound.slack(self.submission(self.open_form(rebound, user), user))
        settle()
        if not status.startswith("200") or body:
            raise SystemExit(f"walks: a submission was answered {status} {body[:200]!r}")

    def posted(self, channel: str, what: str) -> None:
        if not self.fake.delivered("chat.postMessage", lambda call: call.args.get("channel") == channel):
            raise SystemExit(f"walks: {what} never reached the fake Slack")

    def autopsy(self) -> list[tuple[str, str]]:
        self.moment.at = WEDNESDAY
        rebound = self.rebound()
        self.submit(rebound, self.new("U"))  # the warm-up
        user = self.new("U")
        body = self.submission(self.open_form(rebound, user), user)
        headers = signed_by_slack(body)  # the signing reads the playground's clock: not in the walk
        self.fake.reset()
        with self.tracer.window() as walk:
            status, answer = rebound.slack(body, headers)
            self.fake.wait_for("chat.postMessage", lambda call: call.args.get("channel") == user)
            settle()
        if not status.startswith("200") or answer:
            raise SystemExit(f"walks: the submission was answered {status} {answer[:200]!r}")
        self.posted(user, "the thank-you DM")
        return walk

    def hubspot_prompt(self) -> list[tuple[str, str]]:
        fakes = ("playground.fake_hubspot", "playground.hubspot", "playground.fakes.hubspot")
        event, signed = first("stage_change_event", *fakes), first("signed_webhook", *fakes)
        portal = first("PORTAL_ID", *fakes)
        self.moment.at = WEDNESDAY
        rebound = self.rebound(
            REBOUND_PUBLIC_URL=PUBLIC_URL,
            HUBSPOT_ACCESS_TOKEN=first("TOKEN", *fakes),
            HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
            HUBSPOT_API_URL=self.hubspot.url,
        )
        sweep = rebound.job("follow")
        for recorded in (False, True):  # the warm-up, then the walk
            deal, owner, user = 9_000_000 + self.serial, f"8{self.serial:05d}", self.new("U")
            email = f"{user.lower()}@example.com"
            self.hubspot.add_owner(owner, email)
            self.hubspot.add_deal(deal, name=f"Deal {deal}", owner_id=owner)
            self.fake.emails[email] = user
            now_ms = int(self.moment.at.timestamp() * 1000)
            lost = [event(portal, deal, "closedlost", now_ms - 60_000)]
            body, headers = signed(HUBSPOT_SECRET, PUBLIC_URL + HUBSPOT_PATH, lost, now_ms)
            self.fake.reset()
            with self.tracer.window() if recorded else nullcontext([]) as walk:
                status, _ = rebound.post(HUBSPOT_PATH, body, headers)
                self.moment.at += timedelta(minutes=1)
                sweep()
            if not status.startswith("204"):
                raise SystemExit(f"walks: the HubSpot webhook was answered {status}")
            self.posted(user, "the CRM prompt")
            self.moment.at += timedelta(minutes=1)
        return walk

    def digest(self) -> list[tuple[str, str]]:
        rebound = self.rebound(REBOUND_DIGEST_CHANNEL=DIGEST_CHANNEL)
        sweep = rebound.job("digest")
        for week, recorded in enumerate((False, True)):  # the warm-up's week, then the walk's
            due = FIRST_DIGEST + timedelta(weeks=week)
            self.moment.at = due - timedelta(days=2)  # the week's Wednesday
            for _ in range(4):
                self.submit(rebound, self.new("U"))
            self.moment.at = due
            self.fake.reset()
            with self.tracer.window() if recorded else nullcontext([]) as walk:
                sweep()
            self.posted(DIGEST_CHANNEL, "the digest")
        return walk


WALKS = (
    ("autopsy", "view_submission → stored → ack → thank-you DM → App Home", Walks.autopsy),
    (
        "hubspot",
        "signed webhook → CRM inbox → lost deal stored → sweep → CRM prompt DM",
        Walks.hubspot_prompt,
    ),
    ("digest", "the digest sweep → the week read → post → marked posted", Walks.digest),
)


def checkout() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(CHECKOUT), "log", "-1", "--format=%h %cs"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return f"{CHECKOUT}" + (f" (commit {commit})" if commit else "")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=2, help="recorded runs of each walk, which must agree (default 2)"
    )
    parser.add_argument(
        "--reading", choices=list(READINGS), default="control", help="the paths printed (default control)"
    )
    parser.add_argument(
        "--only", choices=[name for name, _, _ in WALKS], action="append", help="this walk only"
    )
    args = parser.parse_args()

    tracer = Tracer()
    threading.setprofile(tracer.profile)  # before any thread starts, so Bolt's listeners have it
    moment = Moment()
    first("follow", "clock", "bot.clock")(moment.now)
    first("configure_logging", "bot.config")("WARNING")
    emulator = first("SlackEmulator", "playground.emulator")
    fake_hubspot = first(
        "FakeHubSpot", "playground.fake_hubspot", "playground.hubspot", "playground.fakes.hubspot"
    )
    print(f"Rebound at {checkout()}")
    print(f"Python {sys.version.split()[0]}; each walk recorded {args.runs} times, each after a warm-up")
    disagree = []
    with ExitStack() as stack:
        fake = emulator().start()
        stack.callback(fake.stop)
        hubspot = stack.enter_context(fake_hubspot())
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rebound-walks-")))
        walks = Walks(tracer, fake, hubspot, home, moment)
        for number, (name, title, walk) in enumerate(WALKS, 1):
            if args.only and name not in args.only:
                continue
            runs = [walk(walks) for _ in range(args.runs)]
            print(f"\n{number}. {name}: {title}")
            print(f"   {'view':<8} {'reading':<8} {'stops':>6} {'returns':>8} {'distinct':>9} {'to post':>8}")
            shown = {}
            for view in VIEWS:
                for reading in READINGS:
                    seen = [Figures.of(stops(run, reading, view)) for run in runs]
                    if any(other != seen[0] for other in seen[1:]):
                        disagree.append(f"{name} ({view}, {reading})")
                    figures = seen[0]
                    print(
                        f"   {view:<8} {reading:<8} {figures.stops:>6} {figures.returns:>8} "
                        f"{figures.distinct:>9} {figures.to_post or '-':>8}"
                    )
                    if reading == args.reading:
                        shown[view] = figures
            for view, figures in shown.items():
                print(f"   {view} path ({args.reading}): {figures.path}")
            print(f"   most entered ({args.reading}): {shown['modules'].most}")
    strays = sorted(name for name in list(sys.modules) if is_rebound(name) and not in_checkout(name))
    if strays:
        print(f"\nNot from {CHECKOUT}, so not the code measured: {', '.join(strays)}")
    if disagree:
        print(f"\nRuns disagree: {', '.join(disagree)}. The figures are not repeatable as measured.")
    return 1 if disagree or strays else 0


if __name__ == "__main__":
    sys.exit(main())
