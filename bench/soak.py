"""Soak: mixed Slack traffic while a chaos loop kills processes and Slack misbehaves (issue 7).

Run from the repository root:

    .venv/bin/python bench/soak.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/soak.py --minutes 3      # SQLite: one `rebound serve`, killed again and again

PostgreSQL: two web processes (`rebound serve --no-scheduler`) and two workers (`rebound
worker`), as README's "Several processes" deploys them. SQLite: one `rebound serve` running
its own sweeps. Rebound is installed (OAuth) in `--workspaces` workspaces, each with its own
digest channel and a digest due now; `--seeded` revisits per workspace fall due at moments
spread over the run; people's time zones are set to one where it is working hours now.

While `--threads` senders post signed commands, autopsy submissions (a fifth asking a teammate
for help, which is a follow-up due at once), clicks on the follow-up DMs and App Home opens,
spread over the web processes as a load balancer would (a refused connection goes to the other
one), the chaos loop SIGKILLs a random process (its whole process group) every `--kill-every`
seconds on average and starts it again at once, and the fake Slack answers a share
`--fault-rate` of Web API calls with a 500, a 503, a 429 or a dropped connection.

Then traffic and chaos stop, every process runs again and the sweeps drain what is owed: by
themselves (a claim held by a killed process waits out its 5-minute lease), or, with
`--catch-up`, with every process stopped (SIGTERM), through the operator's `rebound reminders`
and `rebound digest` run with `--as-of` past the lease (the short version CI runs). The
invariants, printed at the end:

* every acknowledged submission is stored exactly once;
* every follow-up that fell due is delivered exactly once (Slack's messages carry receipts);
* one digest per workspace and week;
* no row left claimed;
* no traceback in any process's log.

Exit status 1 if any invariant is broken.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import postgres_database, sqlite_database, table  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from bot import ids  # noqa: E402
from bot.blocks import autopsy_form  # noqa: E402
from bot.followups.planning import plan  # noqa: E402
from bot.sweep import LEASE  # noqa: E402
from playground.emulator import Call, SlackEmulator, new_trigger_id  # noqa: E402
from storage import Digest, FollowUp, Store, upgrade  # noqa: E402
from storage.models import Autopsy  # noqa: E402
from tests.support.bot_process import Bot, bot_env, free_port, rebound, start_bot  # noqa: E402
from tests.support.examples import ANSWERS as STORED_ANSWERS  # noqa: E402
from tests.support.lost_deal_form import FORM_ANSWERS as ANSWERS  # noqa: E402
from tests.support.moments import working_zone  # noqa: E402
from tests.support.oauth_installs import CLIENT_ID, CLIENT_SECRET, install  # noqa: E402
from tests.support.slack_requests import (  # noqa: E402
    FORM,
    JSON,
    event_callback,
    fill_form,
    message_button,
    signature_headers,
    slash_command,
    unique,
    view_submission,
)

ACK_WITHIN = 3.0  # seconds: Slack's limit for acknowledging a request
LATE = 0  # the status recorded for an answer that came after ACK_WITHIN
PEOPLE = [f"U0SOAK{n:03d}" for n in range(30)]
KINDS = {"command": 25, "submission": 35, "click": 20, "home": 20}


@dataclass
class Process:
    """One Rebound process the chaos loop may kill: web (with a fixed port) or worker."""

    name: str
    env: dict[str, str]
    home: Path
    args: tuple[str, ...]
    command: str = "serve"
    bot: Bot | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def port(self) -> int | None:
        return int(self.env["PORT"]) if self.command == "serve" else None

    def start(self, wait: bool) -> None:
        self.bot = start_bot(self.env, self.home, *self.args, command=self.command, wait_healthy=wait)
        self.logs.append(self.bot.log)

    def kill(self) -> None:
        assert self.bot is not None
        self.bot.stop(signal.SIGKILL)

    def stop(self) -> int:
        return self.bot.stop() if self.bot is not None else 0


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, status)
    acked: list[str] = field(default_factory=list)  # view IDs of acknowledged submissions
    kills: Counter[str] = field(default_factory=Counter)
    receipts_found: int = 0  # deliveries a sweep found already made by a process killed mid-send

    def count(self, kind: str, status: int) -> None:
        with self.lock:
            self.requests[kind, status] += 1


def send(ports: list[int], rng: random.Random, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST to a random web process; a refused or broken connection goes to the next (a load balancer)."""
    first = rng.randrange(len(ports))
    status, answer = -1, b""
    for port in ports[first:] + ports[:first]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            headers = {"Content-Type": content_type, **signature_headers(body)}
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer
            continue
        finally:
            connection.close()
    return status, answer


class Traffic:
    """What people do in Slack, from several threads, in every workspace."""

    def __init__(self, fake: SlackEmulator, teams: list[str], ports: list[int], tally: Tally) -> None:
        self.fake, self.teams, self.ports, self.tally = fake, teams, ports, tally
        self.form = autopsy_form.autopsy_modal("Soak Co", datetime.now(UTC).date()).to_dict()
        self.stop = threading.Event()

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        actions: dict[str, Callable[[random.Random, str, str], tuple[bytes, str] | None]] = {
            "command": self.command,
            "submission": self.submission,
            "click": self.click,
            "home": self.home,
        }
        while not self.stop.is_set():
            kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            team, user = rng.choice(self.teams), rng.choice(PEOPLE)
            request = actions[kind](rng, team, user)
            if request is None:
                continue
            body, content_type = request
            sent = time.monotonic()
            status, answer = send(self.ports, rng, body, content_type)
            late = time.monotonic() - sent > ACK_WITHIN
            self.tally.count(kind, status if not (late and status > 0) else LATE)
            if status < 0:
                time.sleep(0.2)  # every web process is down: Slack would show an error; people retry
            # Acknowledged, for Slack: a 200 without errors, within 3 seconds. Later, Slack has
            # already shown the rep an error and kept the form open; they press Save again.
            # (Bolt's "please reinstall" text is a 200 too, but not an ack Slack would accept.)
            if kind == "submission" and status == 200 and not late and not answer.strip():
                with self.tally.lock:
                    self.tally.acked.append(json.loads(_payload(body))["view"]["id"])

    def command(self, rng: random.Random, team: str, user: str) -> tuple[bytes, str]:
        trigger = new_trigger_id()
        return slash_command(
            rng.choice(["Acme Corp", "Globex", "", "help", "Initech <!channel>"]),
            user=user,
            team=team,
            trigger_id=trigger,
            response_url=self.fake.response_url(trigger),
        ), FORM

    def submission(self, rng: random.Random, team: str, user: str) -> tuple[bytes, str]:
        view = {**self.form, "id": unique("VSOAK")}
        answers = {**ANSWERS, ids.LESSON: f"Lesson {rng.randrange(10**6)}: listen first."}
        if rng.random() < 0.2:
            answers[ids.HELP_FROM] = rng.choice([p for p in PEOPLE if p != user])
        return view_submission(view, fill_form(view, answers), user=user, team=team), FORM

    def click(self, rng: random.Random, team: str, user: str) -> tuple[bytes, str] | None:
        dms = self.fake.delivered("chat.postMessage", lambda c: _receipt(c)[0] == "rebound_follow_up")
        if not dms:
            return None
        dm = rng.choice(dms[-200:])
        team = dm.token.removeprefix("xoxb-") if dm.token else team
        wanted = [ids.HELP_YES, ids.HELP_NO, ids.ADD_REVISIT, ids.REACHED_OUT]
        for block in dm.args.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") in wanted:
                    return message_button(
                        dm.args,
                        element["action_id"],
                        element["value"],
                        user=dm.args["channel"],
                        team=team,
                        trigger_id=new_trigger_id(),
                    ), FORM
        return None

    def home(self, rng: random.Random, team: str, user: str) -> tuple[bytes, str]:
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        return event_callback(event, team=team), JSON


def _payload(body: bytes) -> str:
    return parse_qs(body.decode())["payload"][0]


def _receipt(call: Call) -> tuple[str | None, str | None]:
    metadata = call.args.get("metadata") or {}
    return metadata.get("event_type"), (metadata.get("event_payload") or {}).get("key")


def chaos(processes: list[Process], every: float, stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.wait(rng.uniform(0.5, 1.5) * every):
        victim = rng.choice(processes)
        victim.kill()
        with tally.lock:
            tally.kills[victim.command] += 1
        victim.start(wait=False)  # back at once, as a supervisor would start it


def seed_workspaces(url: str, teams: list[str], seeded: int, start: datetime, span: timedelta) -> None:
    """Each workspace: its own digest channel; revisits falling due at moments over the run."""
    store = Store.connect(url)
    rng = random.Random(3)
    try:
        for team in teams:
            with store.write() as work:
                work.workspaces.save_settings(team, digest_channel=f"C0{team}", now=start)
            for n in range(seeded):
                user = rng.choice(PEOPLE)
                written = start - timedelta(days=8)
                answers = replace(STORED_ANSWERS, touch_base_on=None)
                with store.write() as work:
                    entry, _ = work.autopsies.save(
                        team_id=team,
                        user_id=user,
                        view_id=f"VSEED{team}{n}",
                        answers=answers,
                        created_at=written,
                        follow_ups=plan(answers, author_id=user, now=written),
                    )
                with store.write() as work:
                    session = work.session
                    session.execute(
                        update(FollowUp)
                        .where(FollowUp.autopsy_id == entry.id)
                        .values(due_at=start + span * rng.random(), due_on=None)
                    )
    finally:
        store.close()


def owed(store: Store) -> int:
    """Follow-ups and digests due now and not settled (claimed ones included)."""
    now = datetime.now(UTC)
    with store.read() as work:
        session = work.session
        follow_ups = session.scalar(
            select(func.count()).where(
                ((FollowUp.state.in_(("pending", "snoozed"))) & (FollowUp.due_at <= now))
                | (FollowUp.state == "sending")
            )
        )
        digests = session.scalar(
            select(func.count()).where(
                ((Digest.state == "pending") & (Digest.attempt_at <= now)) | (Digest.state == "sending")
            )
        )
    return int(follow_ups or 0) + int(digests or 0)


RECEIPT_FOUND = ("not sending it twice", "not posting it twice")  # bot.followups, bot.digest_sweep


def drain(store: Store, processes: list[Process], catch_up: bool, home: Path, tally: Tally) -> float:
    started = time.monotonic()
    if catch_up:
        # A sweep --as-of past the lease takes over every claim, live ones too: so the processes
        # stop first (SIGTERM: a sweep in progress finishes), as an operator would stop them.
        for process in processes:
            process.stop()
        env = {**processes[0].env}
        as_of = (datetime.now(UTC) + LEASE + timedelta(minutes=1)).isoformat()
        for command in (["reminders", "--as-of", as_of], ["digest", "--as-of", as_of]):
            done = rebound(*command, env=env, cwd=home, timeout=300)
            print(f"rebound {' '.join(command)}: {done.stdout.strip()}", file=sys.stderr)
            tally.receipts_found += sum(done.stderr.count(words) for words in RECEIPT_FOUND)
    deadline = time.monotonic() + (LEASE.total_seconds() + 180)
    while owed(store) and time.monotonic() < deadline:
        time.sleep(2)
    return time.monotonic() - started


def check(
    store: Store, fake: SlackEmulator, tally: Tally, teams: list[str], processes: list[Process]
) -> list[str]:
    """Each broken invariant, in words."""
    broken: list[str] = []
    acked = set(tally.acked)
    with store.read() as work:
        session = work.session
        stored = Counter(session.scalars(select(Autopsy.view_id).where(Autopsy.view_id.like("VSOAK%"))))
        follow_ups = list(session.scalars(select(FollowUp)))
        digests = list(session.scalars(select(Digest)))
    missing = acked - set(stored)
    twice = [view for view, n in stored.items() if n > 1]
    if missing:
        broken.append(f"{len(missing)} acknowledged submissions not stored (e.g. {sorted(missing)[:3]})")
    if twice:
        broken.append(f"{len(twice)} submissions stored more than once")

    posts = fake.delivered("chat.postMessage")
    receipts = [_receipt(call) for call in posts]
    dms = Counter(key for kind, key in receipts if kind == "rebound_follow_up")
    now = datetime.now(UTC)
    for row in follow_ups:
        times = dms[str(row.id)]
        if row.message_ts is not None and times != 1:
            broken.append(f"follow-up {row.id} ({row.kind}) delivered {times} times")
        elif row.message_ts is None and times:
            broken.append(f"follow-up {row.id} ({row.kind}) delivered {times} times but not recorded as sent")
        elif row.state in ("pending", "snoozed") and row.due_at <= now:
            broken.append(
                f"follow-up {row.id} ({row.kind}) due since {row.due_at:%H:%M:%S} and never delivered"
            )
        elif row.state in ("sending", "failed"):
            broken.append(f"follow-up {row.id} ({row.kind}) left {row.state} ({row.last_error})")
    digest_posts = Counter(
        (call.token, call.args.get("channel"), _receipt(call)[1])
        for call in posts
        if _receipt(call)[0] == "rebound_digest"
    )
    for team in teams:
        rows = [row for row in digests if row.team_id == team]
        if not rows:
            broken.append(f"no digest row for {team}")
        for row in rows:
            times = digest_posts[f"xoxb-{team}", row.channel_id, row.week]
            expected = 1 if row.state == "posted" else 0
            if row.state not in ("posted", "skipped") or times != expected:
                broken.append(f"digest {team} {row.week}: {row.state}, posted {times} times")
    tracebacks = sum(log.read_text(errors="replace").count("Traceback") for p in processes for log in p.logs)
    if tracebacks:
        broken.append(f"{tracebacks} tracebacks in the processes' logs")
    return broken


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="PostgreSQL server: 2 web + 2 workers (else SQLite, 1)"
    )
    parser.add_argument("--minutes", type=float, default=10, help="how long traffic and chaos run")
    parser.add_argument("--threads", type=int, default=4, help="senders")
    parser.add_argument("--kill-every", type=float, default=5, help="seconds between kills, on average")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of Web API calls that fail")
    parser.add_argument("--workspaces", type=int, default=4)
    parser.add_argument(
        "--seeded", type=int, default=25, help="revisits per workspace falling due in the run"
    )
    parser.add_argument(
        "--catch-up", action="store_true", help="drain with `rebound reminders/digest --as-of`"
    )
    args = parser.parse_args()

    fake = SlackEmulator().start()
    zone, working = working_zone(datetime.now(UTC))
    fake.zones.update(dict.fromkeys(PEOPLE, zone))
    if not working:
        print(
            "No time zone is in working hours now: follow-ups wait for Monday; fewer are due.",
            file=sys.stderr,
        )
    teams = [f"T0SOAK{n:02d}" for n in range(args.workspaces)]
    span = timedelta(minutes=args.minutes)
    tally = Tally()
    database = postgres_database(args.postgres) if args.postgres else sqlite_database()
    home = Path(tempfile.mkdtemp(prefix="rebound-soak-"))
    with database as url:
        start = datetime.now(UTC)
        due = start - timedelta(minutes=1)
        env = bot_env(
            fake,
            url,
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            REBOUND_TIMEZONE="UTC",
            REBOUND_DIGEST_DAY=f"{due:%a}".lower(),
            REBOUND_DIGEST_TIME=f"{due:%H:%M}",
        )
        del env["SLACK_BOT_TOKEN"]
        upgrade(url)
        if args.postgres:
            processes = [
                Process(f"web{n}", {**env, "PORT": str(free_port())}, home, ("--no-scheduler",))
                for n in (1, 2)
            ]
            processes += [Process(f"worker{n}", env, home, (), command="worker") for n in (1, 2)]
        else:
            processes = [Process("serve", env, home, ())]
        store = Store.connect(url)
        traffic_threads: list[threading.Thread] = []
        stop_chaos = threading.Event()
        try:
            for process in processes:
                process.start(wait=process.command == "serve")
            web = [p for p in processes if p.command == "serve"]
            for team in teams:
                install(web[0].bot, team)  # type: ignore[arg-type]
            # Only then is anything due: a follow-up due where Rebound is not installed fails for good.
            seed_workspaces(url, teams, args.seeded, datetime.now(UTC), span)
            traffic = Traffic(fake, teams, [p.port for p in web if p.port], tally)
            fake.chaos(args.fault_rate, seed=11)
            traffic_threads = [threading.Thread(target=traffic.run, args=(n,)) for n in range(args.threads)]
            for thread in traffic_threads:
                thread.start()
            killer = threading.Thread(target=chaos, args=(processes, args.kill_every, stop_chaos, tally, 5))
            killer.start()
            print(
                f"soak: {len(processes)} processes, {args.minutes:g} min, zone {zone}",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(span.total_seconds())
            stop_chaos.set()
            killer.join()
            traffic.stop.set()
            for thread in traffic_threads:
                thread.join()
            fake.chaos(0)
            for process in processes:
                if process.bot is None or process.bot.process.poll() is not None:
                    process.start(wait=False)
            drained = drain(store, processes, args.catch_up, home, tally)
            for process in processes:
                for log in process.logs:
                    text = log.read_text(errors="replace")
                    tally.receipts_found += sum(text.count(words) for words in RECEIPT_FOUND)
            broken = check(store, fake, tally, teams, processes)
            left = owed(store)
        finally:
            stop_chaos.set()
            for process in processes:
                process.stop()
            store.close()
    fake.stop()
    report(args, tally, fake, drained, left, broken)
    if broken:
        print(f"The processes' logs are kept in {home}")
        return 1
    shutil.rmtree(home)
    return 0


def report(
    args: argparse.Namespace, tally: Tally, fake: SlackEmulator, drained: float, left: int, broken: list[str]
) -> None:
    outcomes = Counter(call.outcome for call in fake.calls)
    faults = {k: v for k, v in outcomes.items() if k.startswith(("http:", "dropped"))}
    by_kind = Counter[str]()
    answered = Counter[str]()
    for (kind, status), n in tally.requests.items():
        by_kind[kind] += n
        answer = f"HTTP {status}" if status > 0 else "too late (> 3 s)" if status == LATE else "no answer"
        answered[f"{kind}: {answer}"] += n
    posts = fake.delivered("chat.postMessage")
    setup = "PostgreSQL, 2 web + 2 workers" if args.postgres else "SQLite, 1 process"
    print(
        f"\nSoak: {setup}, {args.minutes:g} min of traffic and chaos, "
        f"{args.threads} senders, {args.workspaces} workspaces"
    )
    rows = [
        ["requests sent", f"{sum(by_kind.values()):,}"],
        *[[f"  {key}", f"{n:,}"] for key, n in sorted(answered.items())],
        ["submissions acknowledged", f"{len(tally.acked):,}"],
        ["processes killed (SIGKILL)", ", ".join(f"{k} {n}" for k, n in sorted(tally.kills.items())) or "0"],
        ["Web API calls", f"{len(fake.calls):,}"],
        [
            "faults injected",
            f"{sum(faults.values()):,} ({', '.join(f'{k} {n}' for k, n in sorted(faults.items()))})",
        ],
        ["follow-ups delivered", f"{sum(1 for c in posts if _receipt(c)[0] == 'rebound_follow_up'):,}"],
        ["sends found already made (receipts)", str(tally.receipts_found)],
        ["digests posted", f"{sum(1 for c in posts if _receipt(c)[0] == 'rebound_digest'):,}"],
        ["drain after chaos (s)", f"{drained:.0f}" + (" (catch-up commands)" if args.catch_up else "")],
        ["still owed after the drain", str(left)],
        ["invariant violations", str(len(broken))],
    ]
    table(["figure", "value"], rows)
    for line in broken[:50]:
        print(f"  VIOLATION: {line}")


if __name__ == "__main__":
    raise SystemExit(main())
