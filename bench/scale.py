"""Benchmark: submissions per second across web processes, and the sweep across workers (issue 6).

Run from the repository root:

    .venv/bin/python bench/scale.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Submissions (view submission -> committed -> ack), at concurrency 8, each a valid autopsy with
its own view id, signed like Slack's, on a new connection each, spread round-robin over the
web processes (as a load balancer would):

* **bare**: bench/bare_app.py acking the same submission (no validation, no database), the same
  baseline app and server as bench/core.py, in the same run;
* **rebound, SQLite, 1 process**; **rebound, PostgreSQL, 1 process**; **2 processes**: the real
  `rebound serve --no-scheduler` (gunicorn 1 worker x 8 threads each).

Each is warmed up with 50 submissions, then timed over `--n`; the script checks every
acknowledged submission is stored exactly once (it exits 1 if not). After the ack Rebound
also sends the thank-you DM and redraws App Home, as it does in production.

Sweep: `--due` help-request follow-ups due now (each to a person whose zone is cached), then
one `rebound reminders` process, or two started at once, until all are sent; the script checks
each was delivered once. Everything shares this machine's 2 cores (senders, the fake Slack,
PostgreSQL and the apps), so the figures are ratios more than absolutes.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import postgres_database, sqlite_database, table  # noqa: E402
from core import percentile, post_command, production_env, start_bare  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from playground.emulator import TEAM_ID, SlackEmulator  # noqa: E402
from tests.support.bot_process import free_port, start_bot  # noqa: E402
from tests.support.slack_requests import fill_form, view_submission  # noqa: E402

CONCURRENCY = 8


def submission(number: int, template: dict, answers: dict) -> bytes:
    view = {**template, "id": f"VBENCH{number:07d}X{os.getpid()}"}
    return view_submission(view, fill_form(view, answers), user=f"U{number % 50:04d}", team=TEAM_ID)


def drive(ports: list[int], bodies: list[bytes]) -> dict[str, float]:
    """Send every body once (concurrency 8, round-robin over `ports`); req/s, p50, p99 of the ack."""
    latencies: list[float] = []
    failures = Counter[int]()
    lock = threading.Lock()

    def one(index: int) -> None:
        status, sent, answered = post_command(ports[index % len(ports)], bodies[index])
        with lock:
            if status == 200:
                latencies.append(answered - sent)
            else:
                failures[status] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, range(len(bodies))))
    span = time.monotonic() - started
    if failures:
        raise SystemExit(f"submissions not acknowledged: {dict(failures)}")
    return {
        "rps": len(bodies) / span,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
    }


def stored(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT count(*), count(DISTINCT view_id) FROM autopsies WHERE view_id LIKE 'VBENCH%'")
            ).one()
    finally:
        engine.dispose()
    if rows[0] != rows[1]:
        raise SystemExit(f"{rows[0] - rows[1]} submissions stored twice")
    return rows[0]


def submissions(fake: SlackEmulator, args: argparse.Namespace) -> list[list[str]]:
    from datetime import UTC, datetime

    from bot import ids
    from bot.blocks import autopsy_form

    template = {**autopsy_form.autopsy_modal("Bench Co", datetime.now(UTC).date()).to_dict()}
    answers = {
        ids.OUTCOME: "new_deal_lost",
        ids.WINNER: "competitor",
        ids.COMPETITOR: "Globex",
        ids.CHECK_LISTENED: "yes",
        ids.CHECK_TIMING: "partly",
        ids.CHECK_MARKET: "no",
        ids.CHECK_AGGRESSIVE: "no",
        ids.FEELINGS: "Gutted.",
        ids.LESSON: "Send the proposal sooner.",
    }
    serial = iter(range(10**7))
    rows = []
    baseline = None
    configs = [("bare", None, 1), ("rebound sqlite", "sqlite", 1)]
    if args.postgres:
        configs += [("rebound postgresql", "postgresql", 1), ("rebound postgresql", "postgresql", 2)]
    for name, backend, processes in configs:
        with tempfile.TemporaryDirectory(prefix="rebound-scale-") as home:
            database = sqlite_database() if backend in (None, "sqlite") else postgres_database(args.postgres)
            with database as url:
                if name == "bare":
                    servers = [start_bare(fake, Path(home))]
                else:
                    env = production_env(fake, url)
                    servers = []
                    for _ in range(processes):
                        bot = start_bot({**env, "PORT": str(free_port())}, Path(home), "--no-scheduler")
                        servers.append(bot)
                ports = [getattr(server, "port", None) or int(server.env["PORT"]) for server in servers]
                try:
                    drive(ports, [submission(next(serial), template, answers) for _ in range(50)])
                    figures = drive(
                        ports, [submission(next(serial), template, answers) for _ in range(args.n)]
                    )
                    if name != "bare" and stored(url) != args.n + 50:
                        raise SystemExit(f"{name}: stored {stored(url)} of {args.n + 50} acknowledged")
                finally:
                    for server in servers:
                        server.stop()
        baseline = baseline or figures
        rps, p50, p99 = figures["rps"], figures["p50"], figures["p99"]
        ratios = [f"{rps / baseline['rps']:.2f}", f"{p99 / baseline['p99']:.2f}"]
        rows.append([name, str(processes), f"{rps:.1f}", f"{p50:.1f}", f"{p99:.1f}", *ratios])
        print(f"done: {name} x{processes}", file=sys.stderr, flush=True)
    return rows


def sweeps(fake: SlackEmulator, args: argparse.Namespace) -> list[list[str]]:
    from sweep import NOW, seed

    rows = []
    for workers in (1, 2):
        with (
            tempfile.TemporaryDirectory(prefix="rebound-sweep-") as home,
            postgres_database(args.postgres) as url,
        ):
            seeded = seed(url, due=args.due, stored=args.due, rng=random.Random(7))
            env = production_env(fake, url)
            before = len(fake.delivered("chat.postMessage"))
            started = time.monotonic()
            runs = [
                subprocess.Popen(
                    [sys.executable, "-m", "rebound", "reminders", "--as-of", NOW.isoformat()],
                    env=env,
                    cwd=home,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(workers)
            ]
            outputs = [run.communicate(timeout=600) for run in runs]
            span = time.monotonic() - started
            if any(run.returncode for run in runs):
                raise SystemExit(f"a sweep failed: {outputs}")
            sent = len(fake.delivered("chat.postMessage")) - before
            if sent != len(seeded.due_ids):
                raise SystemExit(f"{workers} workers sent {sent} of {len(seeded.due_ids)} due follow-ups")
        rows.append([str(workers), f"{args.due:,}", f"{span:.1f}", f"{args.due / span:.0f}"])
        print(f"done: sweep x{workers}", file=sys.stderr, flush=True)
    base = float(rows[0][3])
    for row in rows:
        row.append(f"{float(row[3]) / base:.2f}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server for the multi-process runs")
    parser.add_argument("--n", type=int, default=600, help="timed submissions per configuration")
    parser.add_argument("--due", type=int, default=2000, help="due follow-ups for the sweep runs")
    args = parser.parse_args()
    fake = SlackEmulator().start()
    try:
        print(f"Submissions, concurrency {CONCURRENCY}, {args.n} timed each:")
        table(
            ["app", "processes", "req/s", "ack p50 ms", "ack p99 ms", "req/s x bare", "p99 x bare"],
            submissions(fake, args),
        )
        if args.postgres:
            print(f"\nFollow-up sweep on PostgreSQL, {args.due:,} due:")
            table(["workers", "due", "seconds", "sent/s", "x 1 worker"], sweeps(fake, args))
    finally:
        fake.stop()
    print(f"\n(load average at end {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
