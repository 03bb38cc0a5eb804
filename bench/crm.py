"""Benchmark: CRM Closed Lost prompts (issue 19). HubSpot's webhook acknowledged, open loop; and
1,000 lost deals turned into prompts, against 1,000 and 10,000 stored autopsies.

Run from the repository root:

    .venv/bin/python bench/crm.py             # SQLite in a temp dir (about 2.5 min)
    .venv/bin/python bench/crm.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Webhook ack. The real `rebound serve --no-scheduler` (gunicorn, 1 worker x 8 threads, as in
   production), with HubSpot set up, answers signed POST /crm/hubspot batches sent OPEN LOOP:
   a scheduler hands one batch every 1/--rate s to a pool of 64 threads (each on a new
   connection, as HubSpot calls), whatever became of the earlier ones. Latency runs from a
   batch's scheduled send time to its answer, so a batch queued behind slower ones counts.
   Every event is a distinct deal moved to closedlost: each stores a lost deal, the notification
   seen and its prompt. The subject: batches of 100 events, HubSpot's most. The baseline: the
   same bot, endpoint, signature check and storage, with batches of 1 event; so the difference
   is what the other 99 events cost. The baseline runs twice first (1a, 1b): their difference
   is this machine's run-to-run spread, and a subject/baseline difference inside it (or within
   10%: two runs can understate the spread) is called noise. Then 100a, 100b, and one 100-event
   run at --stress-rate (default 4/s). Checks: every batch answered 204, and lost_deals holds
   exactly the distinct deals sent (exit 1 if not). Target: 100-event batches acked within 1 s at p99.

2. Prompts. For each size N (--autopsies, default 1,000 and 10,000), a fresh database holding N
   stored autopsies (bench/sweep.py's seed: each with a revisit follow-up, half of them sent).
   Then 1,000 closed-lost deals arrive as 10 webhook batches of 100, read by
   bot.crm.hubspot_webhooks.read_webhook and stored by LostDeals.receive in this process, as the endpoint
   stores them (the `receive` figures). Then one follow-up sweep runs in a child process (this
   file with --child), built as `rebound reminders` builds it, at NOW (a Wednesday, 12:00 UTC).
   The fake HubSpot answers the deals, the pipelines and 100 owners; the fake Slack answers
   users.lookupByEmail (reps in UTC) and chat.postMessage; both run in this process, idle but
   for the sweep's calls. 100 reps own 10 deals each and REBOUND_CRM_DAILY_PROMPTS=50, so the
   daily allowance holds no prompt back. The first size runs twice (a, b): the baseline, against
   itself; larger sizes are judged against that spread as above. Checks: 1,000 prompts sent, one
   DM per deal (exit 1). Columns: ms per deal; `autopsy check` and `HubSpot` are the sweep's time
   in Autopsies.for_crm_deal and in the HubSpot client (deal, stages, owner).
"""

from __future__ import annotations

import argparse
import gc
import http.client
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import backend_options, backends, database, open_loop, run_child, table, time_calls  # noqa: E402
from core import percentile, production_env  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sweep import NOW, TEAM, seed  # noqa: E402

from playground.emulator import SlackEmulator  # noqa: E402
from playground.fake_hubspot import PORTAL_ID, TOKEN, FakeHubSpot, signed_webhook, stage_change_event  # noqa: E402
from tests.support.bot_process import start_bot  # noqa: E402

PUBLIC_URL = "https://rebound.example.com"
HUBSPOT_PATH = "/crm/hubspot"
SECRET = "hubspot-client-secret-for-the-bench"
TARGET_P99_MS = 1000.0
NOISE_FLOOR = 0.10
DEALS, REPS, DAILY_PROMPTS = 1000, 100, "50"
_deal_ids = itertools.count(8_000_000_001)


@contextmanager
def fakes() -> Iterator[tuple[SlackEmulator, FakeHubSpot]]:
    """The fake Slack and the fake HubSpot, in this process, on loopback."""
    fake = SlackEmulator().start()
    try:
        with FakeHubSpot() as hubspot:
            yield fake, hubspot
    finally:
        fake.stop()


def crm_env(hubspot_url: str) -> dict[str, str]:
    return {
        "REBOUND_PUBLIC_URL": PUBLIC_URL,
        "HUBSPOT_ACCESS_TOKEN": TOKEN,
        "HUBSPOT_CLIENT_SECRET": SECRET,
        "HUBSPOT_API_URL": hubspot_url,
        "REBOUND_CRM_DAILY_PROMPTS": DAILY_PROMPTS,
    }


def batch(size: int, occurred_ms: int) -> tuple[list[int], list[dict[str, Any]]]:
    """`size` distinct deals moved to closedlost, as one HubSpot batch."""
    deals = [next(_deal_ids) for _ in range(size)]
    return deals, [stage_change_event(PORTAL_ID, deal, "closedlost", occurred_ms) for deal in deals]


def judged(ratio: float, a: float, b: float) -> str:
    """A subject/baseline ratio against the baseline's own two runs a and b: noise if inside
    their spread, or within NOISE_FLOOR of 1 (two runs can understate the spread)."""
    spread = max(max(a, b) / min(a, b), 1 + NOISE_FLOOR)
    inside = 1 / spread <= ratio <= spread
    return f"baseline b / a = {b / a:.2f}x: {'inside the spread, noise' if inside else 'beyond the spread'}"


# 1. The webhook's ack


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    """POST one signed batch on a new connection, as HubSpot does; its HTTP status (-1: no answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", HUBSPOT_PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return -1
    finally:
        connection.close()


def send_batches(port: int, size: int, count: int, rate: float, sent: set[int]) -> dict[str, Any]:
    """`count` batches of `size` events, open loop at `rate` a second; signed beforehand (each
    timestamp is good for 5 minutes), so the senders only send."""
    now_ms = int(time.time() * 1000)
    jobs = []
    for _ in range(count):
        deals, events = batch(size, now_ms - 60_000)
        sent.update(deals)
        body, headers = signed_webhook(SECRET, PUBLIC_URL + HUBSPOT_PATH, events, now_ms)
        jobs.append(lambda body=body, headers=headers: post(port, body, headers))
    gc.collect()
    gc.disable()  # a collector pause in the senders would be charged to the bot
    try:
        latencies, statuses, late = open_loop(jobs, rate)
    finally:
        gc.enable()
    return {"latencies": latencies, "statuses": Counter(statuses), "late": late}


def stored_deals(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(DISTINCT deal_id) FROM lost_deals")).scalar_one()
    finally:
        engine.dispose()


def webhook(
    args: argparse.Namespace, backend: str, url: str, problems: list[str]
) -> tuple[list[list[str]], list[str]]:
    rate, stress = args.rate, args.stress_rate
    plan = [("1 event (a)", 1, rate), ("1 event (b)", 1, rate), ("100 events (a)", 100, rate)]
    plan += [("100 events (b)", 100, rate)] + ([(f"100 events @{stress:g}/s", 100, stress)] if stress else [])
    figures: dict[str, dict[str, Any]] = {}
    sent: set[int] = set()
    with (
        tempfile.TemporaryDirectory(prefix="rebound-bench-crm-") as home,
        fakes() as (fake, hubspot),
    ):
        bot = start_bot({**production_env(fake, url), **crm_env(hubspot.url)}, Path(home), "--no-scheduler")
        port = int(bot.env["PORT"])
        try:
            for size in (1, 100):  # warm-up: imports, the first connections, SQLite's file
                warm = send_batches(port, size, 10, args.rate, sent)
                if set(warm["statuses"]) != {204}:
                    raise SystemExit(f"warm-up: {dict(warm['statuses'])}\n{bot.log_text()[-3000:]}")
            for name, size, at in plan:
                figures[name] = send_batches(port, size, round(at * args.seconds), at, sent)
                run = figures[name]
                print(
                    f"  {backend} {name}: p50 {percentile(run['latencies'], 50):.1f} ms, "
                    f"p99 {percentile(run['latencies'], 99):.1f} ms, statuses {dict(run['statuses'])}",
                    flush=True,
                )
                if set(run["statuses"]) != {204}:
                    problems.append(f"{backend} {name}: answers {dict(run['statuses'])}, not all 204")
                    print(bot.log_text()[-3000:], file=sys.stderr)
        finally:
            code = bot.stop()
            if code != 0:
                problems.append(f"{backend}: rebound serve exited with {code}")
        if hubspot.requests:
            problems.append(f"{backend}: {len(hubspot.requests)} HubSpot API calls while acking")
    rows_stored = stored_deals(url)
    if rows_stored != len(sent):
        problems.append(f"{backend}: {rows_stored} lost deals stored of {len(sent)} distinct deals sent")

    def pooled(prefix: str) -> list[float]:
        return [x for name, run in figures.items() if name.startswith(prefix) for x in run["latencies"]]

    base, subject = pooled("1 "), pooled("100 events (")
    rows = [
        [f"{backend} {name}", f"{len(run['latencies'])}", f"{run['late']}"]
        + [f"{percentile(run['latencies'], q):.1f}" for q in (50, 90, 99, 100)]
        for name, run in figures.items()
    ]
    lines = [f"{backend}: {rows_stored:,} lost deals stored of {len(sent):,} distinct deals sent"]
    for q in (50, 99):
        a = percentile(figures["1 event (a)"]["latencies"], q)
        b = percentile(figures["1 event (b)"]["latencies"], q)
        ratio = percentile(subject, q) / percentile(base, q)
        lines.append(f"{backend} p{q}: 100 events / 1 event (pooled) = {ratio:.2f}x; {judged(ratio, a, b)}")
    a, b = (percentile(figures[f"100 events ({x})"]["latencies"], 99) for x in "ab")
    lines.append(f"{backend} p99: 100b / 100a = {b / a:.2f}x (the subject's own spread)")
    p99 = percentile(subject, 99)
    lines.append(
        f"{backend} target (a 100-event batch acked within {TARGET_P99_MS:.0f} ms at p99): "
        f"p99 {p99:.1f} ms, {'HOLDS' if p99 <= TARGET_P99_MS else 'MISSED'}"
    )
    return rows, lines


# 2. Prompts from 1,000 lost deals


def child(args: argparse.Namespace) -> None:
    """One sweep at NOW, built as `rebound reminders` builds it, timed; its figures as JSON."""
    from bot.config import configure_logging, load_settings
    from bot.crm.prompter import CrmPrompter
    from bot.followups.delivery import FollowUpSweep
    from bot.slack.installs import installs_for
    from storage import Store
    from storage.autopsies import Autopsies

    environ = {
        "SLACK_API_URL": args.api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "DATABASE_URL": args.url,
        **crm_env(args.hubspot_url),
    }
    settings = load_settings(environ, dotenv_dir=Path(tempfile.gettempdir()))
    configure_logging("WARNING")
    store = Store.connect(settings.database_url)
    crm = CrmPrompter(store, settings.crm)
    sweep = FollowUpSweep(store, installs_for(settings, store), settings.timezone, crm)
    spent: Counter[str] = Counter()

    time_calls(Autopsies, "for_crm_deal", lambda took: spent.update({"autopsy check": took}))
    assert crm.hubspot is not None
    for name in ("deal", "closed_lost", "owner_email"):
        time_calls(crm.hubspot, name, lambda took: spent.update({"HubSpot": took}))
    started, cpu = time.perf_counter(), time.process_time()
    report = sweep.run(NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "sent": report.sent, "report": str(report), **spent}))


def receive(url: str, batches: int = DEALS // 100) -> tuple[float, list[int]]:
    """1,000 closed-lost deals as 10 HubSpot batches of 100, stored as the endpoint stores them."""
    from bot.crm.hubspot_webhooks import read_webhook
    from storage import Store

    occurred = int((NOW - timedelta(hours=1)).timestamp() * 1000)
    store = Store.connect(url)
    deals: list[int] = []
    started = time.perf_counter()
    try:
        for _ in range(batches):
            ids, events = batch(100, occurred)
            deals += ids
            news = read_webhook(json.dumps(events).encode()).news
            with store.write() as work:
                work.lost_deals.receive(team_id=TEAM, news=news, now=NOW - timedelta(minutes=5))
    finally:
        store.close()
    return time.perf_counter() - started, deals


def prompts(
    args: argparse.Namespace, backend: str, server: str | None, problems: list[str]
) -> tuple[list[list[str]], list[str]]:
    """The first size runs twice (a, b): the spread a larger size's ratio is judged by."""
    rows: list[list[str]] = []
    sizes = [
        (f"{args.autopsies[0]:,} (a)", args.autopsies[0]),
        (f"{args.autopsies[0]:,} (b)", args.autopsies[0]),
    ]
    sizes += [(f"{n:,}", n) for n in args.autopsies[1:]]
    with fakes() as (fake, hubspot):
        for rep in range(REPS):
            fake.emails[f"rep{rep}@example.com"] = f"U{rep:05d}"
            hubspot.add_owner(f"7{rep:05d}", f"rep{rep}@example.com")
        with database(server) as url:
            seed(url, due=0, stored=0, rng=random.Random(0))
            receive(url, batches=1)  # warm-up: this process's imports and SQLAlchemy's caches
        for label, stored in sizes:
            with database(server) as url:
                seed(url, due=0, stored=stored, rng=random.Random(stored))
                received, deals = receive(url)
                for index, deal in enumerate(deals):
                    hubspot.add_deal(deal, name=f"Deal {deal}", owner_id=f"7{index % REPS:05d}")
                if server is not None:
                    with create_engine(url, poolclass=NullPool).connect() as connection:
                        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
                fake.reset()
                hubspot.requests.clear()
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    "--url",
                    url,
                    "--api-url",
                    fake.api_url,
                    "--hubspot-url",
                    hubspot.url,
                ]
                result = run_child(command, ROOT)
            dms = Counter(
                block["elements"][0]["value"]
                for call in fake.delivered("chat.postMessage")
                for block in call.args.get("blocks") or []
                if block.get("type") == "actions"
            )
            if result["sent"] != DEALS or len(dms) != DEALS or set(dms.values()) != {1}:
                problems.append(
                    f"{backend} {label} stored: sent {result['sent']} ({result['report']}), "
                    f"{len(dms)} distinct DMs, expected {DEALS} once each"
                )
            seconds = result["seconds"]
            rows.append(
                [
                    backend,
                    label,
                    f"{1000 * received / DEALS:.2f}",
                    f"{seconds:.2f}",
                    f"{1000 * seconds / DEALS:.2f}",
                    f"{1000 * result['cpu'] / DEALS:.2f}",
                    f"{1000 * result.get('autopsy check', 0) / DEALS:.2f}",
                    f"{1000 * result.get('HubSpot', 0) / DEALS:.2f}",
                    f"{result['sent']}",
                    "",
                ]
            )
            print(f"  {backend} {label} stored autopsies: swept in {seconds:.2f} s", flush=True)
    first = (float(rows[0][4]) + float(rows[1][4])) / 2
    for row in rows:
        row[-1] = f"{float(row[4]) / first:.2f}x"
    lines = []
    for column, what in (
        (4, "sweep ms per deal"),
        (6, "autopsy check ms per deal"),
        (2, "receive ms per deal"),
    ):
        a, b = float(rows[0][column]), float(rows[1][column])
        for row in rows[2:]:
            ratio = float(row[column]) / ((a + b) / 2)
            lines.append(
                f"{backend} {what}: {row[1]} / {args.autopsies[0]:,} stored = {ratio:.2f}x; "
                + judged(ratio, a, b)
            )
    return rows, lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    backend_options(parser)
    parser.add_argument("--rate", type=float, default=2.0, help="webhook batches a second (default 2)")
    parser.add_argument(
        "--stress-rate",
        type=float,
        default=4.0,
        help="one more 100-event run at this rate (0: none; default 4)",
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="seconds of each webhook run (default 20)"
    )
    parser.add_argument("--autopsies", type=int, nargs="+", default=[1000, 10000], help="stored autopsies")
    parser.add_argument("--skip-webhook", action="store_true", help="only the prompts")
    parser.add_argument("--skip-prompts", action="store_true", help="only the webhook")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--hubspot-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    started = time.monotonic()
    print(f"CRM benchmark: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; NOW={NOW.isoformat()}")
    problems: list[str] = []
    acks: list[list[str]] = []
    verdicts: list[str] = []
    growth: list[str] = []
    swept: list[list[str]] = []
    for backend, server in backends(args):
        if not args.skip_webhook:
            with database(server) as url:
                rows, lines = webhook(args, backend, url, problems)
                acks, verdicts = acks + rows, verdicts + lines
        if not args.skip_prompts:
            rows, lines = prompts(args, backend, server, problems)
            swept, growth = swept + rows, growth + lines
    if acks:
        print(
            f"\nWebhook ack, open loop, {args.rate:g} batches/s (the @ row: its rate), {args.seconds:g} s "
            "a run (ms from each batch's scheduled send to its 204):"
        )
        table(["run", "batches", "sent late", "p50 ms", "p90 ms", "p99 ms", "max ms"], acks)
        print("(sent late: batches the scheduler started more than 10 ms after their time)")
        for line in verdicts:
            print(line)
    if swept:
        print(
            f"\n{DEALS:,} lost deals -> prompts (receive: 10 batches of 100 in this process; sweep: one "
            "child process; ms per deal):"
        )
        table(
            [
                "backend",
                "stored autopsies",
                "receive ms",
                "sweep s",
                "sweep ms",
                "sweep CPU ms",
                "autopsy check ms",
                "HubSpot ms",
                "sent",
                "sweep x (a+b)/2",
            ],
            swept,
        )
        for line in growth:
            print(line)
    print(f"\n(load average at end {os.getloadavg()[0]:.2f}; took {time.monotonic() - started:.0f} s)")
    for problem in problems:
        print(f"FAILED CHECK: {problem}", file=sys.stderr)
    print(f"Checks: {'all passed' if not problems else f'{len(problems)} FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
