"""Benchmark: the buyer's page (issue 29), GET and POST, open loop, against /healthz in the same run.

Run from the repository root:

    .venv/bin/python bench/page_latency.py              # SQLite in a temp dir (about 2 minutes)
    .venv/bin/python bench/page_latency.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The real `rebound serve --no-scheduler` (gunicorn, 1 worker x 8 threads, as shipped), with
REBOUND_PUBLIC_URL set and REBOUND_PROXIES=1, so each request arrives as from a buyer of its own
(X-Forwarded-For), as buyers behind a TLS proxy do: the limits per address and per link count
every request in the database and refuse none. Before the clock starts, --links autopsies each
get their link through bot.asking.BuyerAsking, as the rep's button makes it.

Requests are sent OPEN LOOP at --rate a second (default 50), each on a new connection, for
--seconds per run, whatever became of the earlier ones; latency runs from a request's scheduled
time to its answer. Runs, in a new random order each round (--rounds, default 2):
  healthz-a, healthz-b   GET /healthz (a database ping): the baseline, twice, so b / a shows
                         what a difference is worth on this machine;
  page GET               the questions, each a different link (opened, limits counted);
  page POST              answers to a different link each, with the form token the page drew:
                         stored, the rep's DM handed to the sweep, a 303 to the thank-you page.
Checks (exit 1): every /healthz 200, every GET 200, every POST 303, and one answer stored per POST.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import (  # noqa: E402
    BASELINE_RUNS,
    POOLED_HEADER,
    backend_options,
    backends,
    database,
    http_request,
    open_loop_rounds,
    pooled_rows,
    rate_options,
    table,
)
from core import production_env  # noqa: E402

from bot.asking import BuyerAsking  # noqa: E402
from bot.customer_side import FORM_TOKEN_FIELD, LinkKeys  # noqa: E402
from playground.emulator import SlackEmulator  # noqa: E402
from storage import Store, upgrade  # noqa: E402
from tests.support.bot_process import start_bot  # noqa: E402
from tests.support.examples import ANSWERS  # noqa: E402
from tests.support.slack_requests import SIGNING_SECRET  # noqa: E402

PUBLIC_URL = "https://rebound.example.com"
TEAM = "T0BENCH"


def links(url: str, count: int) -> list[str]:
    """`count` autopsies, each with its buyer's link made as the rep's button makes it: the paths."""
    store = Store.connect(url)
    now = datetime.now(UTC)
    asking = BuyerAsking(store, LinkKeys(SIGNING_SECRET), PUBLIC_URL, days=30)
    paths = []
    try:
        for n in range(count):
            with store.write() as work:
                entry, _ = work.autopsies.save(
                    team_id=TEAM,
                    user_id=f"U{n % 50:04d}",
                    view_id=f"V{n}",
                    answers=replace(ANSWERS, deal_name=f"Deal {n}"),
                    created_at=now,
                    follow_ups=(),
                )
            paths.append(
                asking.link(team_id=TEAM, autopsy_id=entry.id, now=now).link.removeprefix(PUBLIC_URL)
            )
    finally:
        store.close()
    return paths


def answered(url: str) -> int:
    store = Store.connect(url)
    try:
        with store.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT count(*) FROM buyer_asks WHERE answered_at IS NOT NULL"
            ).scalar_one()
    finally:
        store.close()


def ask(port: int, method: str, path: str, buyer: int, body: bytes = b"") -> int:
    """One request on a new connection, as from buyer number `buyer`; its status (-1: no answer)."""
    headers = {"X-Forwarded-For": f"10.{buyer >> 16 & 255}.{buyer >> 8 & 255}.{buyer & 255}"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return http_request(port, method, path, body, headers)[0]


def answer_body(path: str) -> bytes:
    """The buyer's answers as the page posts them, with the form token it drew for this link."""
    keys = LinkKeys(SIGNING_SECRET)
    token_hash = keys.hash_of(path.rsplit("/", 1)[1])
    return urlencode(
        {
            "main_reason": "price",
            "changed_mind": "A smaller first phase, and a pilot with our own data.",
            "working_with": "Friendly and quick",
            "working_score": "4",
            "may_contact": "later",
            FORM_TOKEN_FIELD: keys.form_token(token_hash, datetime.now(UTC)),
        }
    ).encode()


def requests(
    name: str, port: int, getting: list[str], posting: list[str], buyers: Iterator[int], count: int
) -> list[Callable[[], int]]:
    """One run's requests, each as from a buyer of its own, signed and encoded beforehand."""
    if name == "page GET":
        return [partial(ask, port, "GET", path, next(buyers)) for path in getting]
    if name == "page POST":
        return [partial(ask, port, "POST", path, next(buyers), answer_body(path)) for path in posting]
    return [partial(ask, port, "GET", "/healthz", next(buyers)) for _ in range(count)]  # the baseline


def bench(args: argparse.Namespace, backend: str, url: str, problems: list[str]) -> list[list[str]]:
    per_run = round(args.rate * args.seconds)
    upgrade(url)
    paths = links(url, 2 * per_run * args.rounds + 40)
    getting, posting = paths[: per_run * args.rounds], paths[per_run * args.rounds : -40]
    warm = paths[-40:]
    buyers = iter(range(1, 1 << 24))
    expected = {**dict.fromkeys(BASELINE_RUNS, 200), "page GET": 200, "page POST": 303}
    figures: dict[str, list[float]] = {name: [] for name in expected}

    def jobs_for(round_number: int, name: str) -> list[Callable[[], int]]:
        chunk = slice(round_number * per_run, (round_number + 1) * per_run)
        return requests(name, port, getting[chunk], posting[chunk], buyers, per_run)

    with tempfile.TemporaryDirectory(prefix="rebound-bench-page-") as home:
        fake = SlackEmulator().start()
        env = {**production_env(fake, url), "REBOUND_PUBLIC_URL": PUBLIC_URL, "REBOUND_PROXIES": "1"}
        bot = start_bot(env, Path(home), "--no-scheduler")
        port = int(bot.env["PORT"])
        try:
            for path in warm[:20]:  # warm-up: imports, templates, the first connections
                ask(port, "GET", path, next(buyers))
                ask(port, "GET", "/healthz", next(buyers))
            for path in warm[20:]:
                ask(port, "POST", path, next(buyers), answer_body(path))
            for run in open_loop_rounds(list(expected), jobs_for, rounds=args.rounds, rate=args.rate):
                figures[run.name] += run.latencies
                statuses = Counter(run.answers)
                print(f"  {backend} {run.said(dict(statuses))}", flush=True)
                if set(statuses) != {expected[run.name]}:
                    problems.append(
                        f"{backend} {run.name}: answers {dict(statuses)}, not all {expected[run.name]}"
                    )
        finally:
            code = bot.stop()
            fake.stop()
            if code != 0:
                problems.append(f"{backend}: rebound serve exited with {code}")
    stored = answered(url)
    if stored != len(posting) + 20:
        problems.append(f"{backend}: {stored} answers stored for {len(posting) + 20} posted")
    return [[backend, *row] for row in pooled_rows(figures)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    rate_options(parser, "four")
    backend_options(parser)
    args = parser.parse_args()
    problems: list[str] = []
    rows: list[list[str]] = []
    for backend, server in backends(args):
        with database(server) as url:
            rows += bench(args, backend, url, problems)
    print(f"\nOpen loop at {args.rate:g}/s, {args.seconds:g} s a run, {args.rounds} rounds, pooled:")
    table(["backend", *POOLED_HEADER], rows)
    print(
        "healthz-b / healthz-a is the machine's own spread: a page figure within it is noise, "
        "not a cost of the page."
    )
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
