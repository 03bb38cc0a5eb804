"""Benchmark: the follow-up sweep (issue 3). Throughput, memory, and growth with rows due vs stored.

Run from the repository root:

    .venv/bin/python bench/sweep.py                       # SQLite in a temp dir
    .venv/bin/python bench/sweep.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sweep.py --profile             # adds a cProfile run of the largest sweep

This process runs the fake Slack Web API (playground/emulator.py, answers at once) and seeds each
database. Each sweep then runs in a child process of its own (this file with `--child`), as
`rebound reminders` would: it connects, builds its client with `bot.slack.web_api.web_client`, and calls
`FollowUpSweep(store, installs, zone).run(NOW)` once. So the sweep's process holds no seeding and not the
fake, which keeps every call it receives. Its memory is reported as VmHWM (its own peak RSS, from
/proc) and as ru_maxrss, which on Linux also carries the parent's RSS at fork across the exec.

Data: one autopsy per follow-up, every follow-up a `revisit` (state `pending` and due for the due
rows; the others half `pending` with a future due_at, half already `sent`), shuffled so the due
rows are scattered through the table. Recipients: 1,000 people, each with a fresh `person_zones`
row (UTC), so users.info is never called; the sweep still reads the zone from the database for
each row, as it does in production. NOW is a Wednesday at 12:00 UTC: inside working hours. On
PostgreSQL the seeded tables are ANALYZEd, as autovacuum would do soon after such inserts.

Scenarios (a fresh database each): due/stored = 1,000/10,000, 1,000/100,000 and 10,000/100,000,
timed; then 1,000/10,000 again with tracemalloc on for the sweep alone (slower, so its time is
not comparable; `--tracemalloc-due 1000 10000` adds 10,000/10,000). After each sweep it checks
that the fake received exactly one chat.postMessage per due row (matched by the follow-up ID in
the message's buttons), that no users.info was called, that every due row is `sent` and every
other row untouched; it exits 1 if not.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import backend_options, backends, database, run_child, table, time_calls  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # a Wednesday, 12:00 UTC
TEAM = "T0BENCH"
RECIPIENTS = 1000
CHUNK = 5000  # rows per executemany while seeding


# The child: one sweep, timed, in a process of its own


def vm_hwm_kib() -> int:
    """This process's own peak RSS (Linux VmHWM). Unlike ru_maxrss it does not carry over the
    parent's RSS across fork+exec, which Linux folds into the child's ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def child(args: argparse.Namespace) -> None:
    import resource
    import tracemalloc

    from bot.config import configure_logging, load_settings
    from bot.followups.delivery import FollowUpSweep
    from bot.slack.installs import Installs
    from bot.slack.web_api import web_client
    from storage import Store
    from storage.follow_ups import FollowUps

    settings = load_settings(
        {"SLACK_API_URL": args.api_url, "SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": args.url},
        dotenv_dir=Path(tempfile.gettempdir()),
    )
    configure_logging("WARNING")  # as the CLI does (LOG_LEVEL); WARNING keeps the table readable
    store = Store.connect(settings.database_url)
    client = web_client(
        settings, wait_out_rate_limits=False
    )  # what `installs` gives a one-workspace install, kept to time it
    sweep = FollowUpSweep(store, Installs.one_workspace(client), settings.timezone)

    # Where the time goes: wrap the sweep's collaborators on these instances only.
    spent: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    claims: list[float] = []  # each claim's time: does it grow with what is left to claim?

    def timed(owner: Any, name: str, label: str) -> None:
        def record(took: float) -> None:
            spent[label] += took
            calls[label] += 1
            if name == "claim_due":
                claims.append(took)

        time_calls(owner, name, record)

    # Storage is by aggregate, made afresh in each unit of work: its class is wrapped (this child only).
    timed(FollowUps, "claim_due", "claim (DB)")
    timed(FollowUps, "zones", "zone lookup (DB)")
    timed(FollowUps, "mark_sent", "mark_sent (DB)")
    timed(FollowUps, "postpone", "postpone (DB)")
    timed(client, "chat_postMessage", "chat.postMessage (HTTP)")
    timed(client, "users_info", "users.info (HTTP)")

    hwm_before = vm_hwm_kib()
    profiler = None
    if args.tracemalloc:
        tracemalloc.start()
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_started = time.process_time()
    started = time.perf_counter()
    report = sweep.run(NOW)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    traced_peak = None
    if args.tracemalloc:
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    hwm_after = vm_hwm_kib()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store.close()
    result = {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "sent": report.sent,
        "postponed": report.postponed,
        "retrying": report.retrying,
        "failed": report.failed,
        "hwm_before_kib": hwm_before,
        "hwm_peak_kib": hwm_after,
        "ru_maxrss_kib": maxrss,
        "tracemalloc_peak": traced_peak,
        "spent": dict(spent),
        "calls": dict(calls),
        "claims": claims,
    }
    print(json.dumps(result))


# The parent: databases, seeding, the fake Slack, checks


@dataclass
class Seeded:
    due_ids: set[int]
    future: int
    already_sent: int


def seed(url: str, *, due: int, stored: int, rng: random.Random) -> Seeded:
    from storage import Store, upgrade
    from storage.models import Autopsy, FollowUp, PersonZone

    upgrade(url)
    store = Store.connect(url)
    kinds = ["due"] * due
    rest = stored - due
    kinds += ["future"] * (rest // 2) + ["sent"] * (rest - rest // 2)
    rng.shuffle(kinds)
    due_ids: set[int] = set()
    autopsy_base = {
        "team_id": TEAM,
        "outcome": "customer_cancelled",
        "deal_value_cents": 1_999_999,
        "winner": "in_house",
        "winner_reason": "They hired two engineers instead",
        "customer_said": "We wanted more control.",
        "check_listened": "partly",
        "check_timing": "no",
        "check_market": "yes",
        "check_aggressive": "no",
        "feelings": "Disappointed, but I understand.",
        "lesson": "Ask about build-vs-buy in the first call.",
        "touch_base_on": None,
        "help_from": None,
        "sharing": "anonymous",
    }
    try:
        with store.engine.begin() as connection:
            connection.execute(
                insert(PersonZone),
                [
                    {"team_id": TEAM, "user_id": f"U{n:05d}", "tz": "UTC", "fetched_at": NOW}
                    for n in range(RECIPIENTS)
                ],
            )
        for start in range(0, stored, CHUNK):
            autopsies, follow_ups = [], []
            for index in range(start, min(start + CHUNK, stored)):
                row_id = index + 1
                user = f"U{index % RECIPIENTS:05d}"
                written = NOW - timedelta(days=8, seconds=rng.randrange(86400 * 30))
                autopsies.append(
                    {
                        **autopsy_base,
                        "id": row_id,
                        "user_id": user,
                        "view_id": f"V{row_id:09d}",
                        "created_at": written,
                        "deal_name": f"Deal {row_id}",
                    }
                )
                follow_up = {
                    "id": row_id,
                    "team_id": TEAM,
                    "autopsy_id": row_id,
                    "kind": "revisit",
                    "recipient_id": user,
                    "due_on": None,
                    "state": "pending",
                    "attempts": 0,
                    "created_at": written,
                    "sent_at": None,
                    "channel_id": None,
                    "message_ts": None,
                }
                kind = kinds[index]
                if kind == "due":
                    due_ids.add(row_id)
                    follow_up["due_at"] = NOW - timedelta(seconds=rng.randrange(1, 86400 * 7))
                elif kind == "future":
                    follow_up["due_at"] = NOW + timedelta(seconds=rng.randrange(60, 86400 * 60))
                else:
                    follow_up["due_at"] = NOW - timedelta(days=1, seconds=rng.randrange(86400 * 30))
                    follow_up.update(
                        state="sent",
                        sent_at=follow_up["due_at"],
                        channel_id=user,
                        message_ts=f"1700000000.{row_id:06d}",
                    )
                follow_ups.append(follow_up)
            with store.engine.begin() as connection:
                connection.execute(insert(Autopsy), autopsies)
                connection.execute(insert(FollowUp), follow_ups)
        if store.engine.dialect.name == "postgresql":
            # Autovacuum would analyze a table this size within a minute of the inserts.
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
                # The rows above carry their own ids: move the sequences past them, so that
                # whatever the app writes next gets a free id.
                for table_name in ("autopsies", "follow_ups"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                            f"coalesce(max(id), 0) + 1, false) FROM {table_name}"
                        )
                    )
    finally:
        store.close()
    return Seeded(due_ids, future=kinds.count("future"), already_sent=kinds.count("sent"))


def verify(url: str, seeded: Seeded, fake: Any, result: dict[str, Any]) -> list[str]:
    """Every due row sent exactly once and marked sent; nothing else touched."""
    from storage import Store
    from storage.models import FollowUp

    problems = []
    due = len(seeded.due_ids)
    if (result["sent"], result["postponed"], result["retrying"], result["failed"]) != (due, 0, 0, 0):
        problems.append(f"sweep report: {result}")
    posted = fake.find("chat.postMessage")
    delivered = [call for call in posted if call.outcome == "ok"]
    if len(posted) != due or len(delivered) != due:
        problems.append(f"chat.postMessage: {len(delivered)} delivered of {len(posted)}, expected {due}")
    seen = Counter()
    for call in delivered:
        for block in call.args.get("blocks") or []:
            if block.get("type") == "actions":
                seen[int(block["elements"][0]["value"])] += 1
    if set(seen) != seeded.due_ids or any(count != 1 for count in seen.values()):
        twice = sum(1 for count in seen.values() if count > 1)
        problems.append(
            f"messages: {len(seen)} follow-up IDs, {twice} sent twice, "
            f"{len(seeded.due_ids - set(seen))} due never sent, {len(set(seen) - seeded.due_ids)} not due"
        )
    if others := [call.method for call in fake.calls if call.method != "chat.postMessage"]:
        problems.append(f"other Slack calls: {Counter(others)}")
    store = Store.connect(url)
    try:
        with store.read() as work:
            session = work.session
            rows = session.execute(select(FollowUp.id, FollowUp.state, FollowUp.sent_at)).all()
            by_state = Counter(state for _, state, _ in rows)
            sent_now = {row_id for row_id, state, sent_at in rows if state == "sent" and sent_at == NOW}
            leftover = session.scalar(select(func.count()).where(FollowUp.state == "sending"))
    finally:
        store.close()
    expected = {"sent": due + seeded.already_sent, "pending": seeded.future}
    if {k: v for k, v in by_state.items() if v} != {k: v for k, v in expected.items() if v}:
        problems.append(f"states {dict(by_state)}, expected {expected}")
    if sent_now != seeded.due_ids:
        problems.append(f"{len(sent_now)} rows marked sent now, expected exactly the {due} due")
    if leftover:
        problems.append(f"{leftover} rows left 'sending'")
    return problems


@dataclass
class Run:
    backend: str
    due: int
    stored: int
    mode: str  # warmup | timed | tracemalloc | profile
    seed_seconds: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.result["seconds"]


def run_one(
    backend: str, server: str | None, fake: Any, *, due: int, stored: int, mode: str, profile_path: str = ""
) -> Run:
    run = Run(backend, due, stored, mode)
    with database(server) as url:
        started = time.perf_counter()
        seeded = seed(url, due=due, stored=stored, rng=random.Random(f"{due}/{stored}"))
        run.seed_seconds = time.perf_counter() - started
        fake.reset()
        command = [sys.executable, __file__, "--child", "--url", url, "--api-url", fake.api_url]
        if mode == "tracemalloc":
            command.append("--tracemalloc")
        if mode == "profile":
            command += ["--profile-out", profile_path]
        run.result = run_child(command, ROOT)
        run.problems = verify(url, seeded, fake, run.result)
    gc.collect()
    label = f"{backend:10} {due:>6,} due / {stored:>7,} stored ({mode})"
    print(
        f"  {label}: seeded in {run.seed_seconds:5.1f} s, swept in {run.seconds:6.2f} s, "
        f"checks {'ok' if not run.problems else 'FAILED'}",
        flush=True,
    )
    for problem in run.problems:
        print(f"    !! {problem}", flush=True)
    return run


# Reporting


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def median_runs(runs: list[Run]) -> list[Run]:
    """Per (backend, due, stored), the timed run with the median sweep time."""
    groups: dict[tuple[str, int, int], list[Run]] = {}
    for run in runs:
        if run.mode == "timed":
            groups.setdefault((run.backend, run.due, run.stored), []).append(run)
    return [sorted(group, key=lambda r: r.seconds)[(len(group) - 1) // 2] for group in groups.values()]


def print_tables(runs: list[Run], repeat: int) -> None:
    timed = median_runs(runs)
    each = "one sweep each" if repeat == 1 else f"the median of {repeat} sweeps each"
    print(f"\nTimed sweeps ({each}; rem/s = due rows / sweep wall time). Memory of the sweep's")
    print("process: VmHWM = its own peak RSS; ru_maxrss also holds this parent's RSS at fork time:")
    table(
        [
            "backend",
            "due",
            "stored",
            "sweep s",
            "rem/s",
            "ms/rem",
            "CPU ms/rem",
            "VmHWM before MiB",
            "VmHWM after MiB",
            "ru_maxrss MiB",
        ],
        [
            [
                run.backend,
                f"{run.due:,}",
                f"{run.stored:,}",
                f"{run.seconds:.2f}",
                f"{run.due / run.seconds:.0f}",
                f"{1000 * run.seconds / run.due:.2f}",
                f"{1000 * run.result['cpu_seconds'] / run.due:.2f}",
                mib(run.result["hwm_before_kib"]),
                mib(run.result["hwm_peak_kib"]),
                mib(run.result["ru_maxrss_kib"]),
            ]
            for run in timed
        ],
    )

    print("\nGrowth (sweep time ratios; ideal: 1x when only the stored rows grow, 10x when due grows 10x):")
    rows = []
    for backend in dict.fromkeys(run.backend for run in timed):
        seconds = {(r.due, r.stored): r.seconds for r in timed if r.backend == backend}
        (small_due, large_due) = min(d for d, _ in seconds), max(d for d, _ in seconds)
        (small_stored, large_stored) = min(s for _, s in seconds), max(s for _, s in seconds)
        rows.append(
            [
                backend,
                f"{seconds[(small_due, large_stored)] / seconds[(small_due, small_stored)]:.2f}x",
                f"{seconds[(large_due, large_stored)] / seconds[(small_due, large_stored)]:.2f}x",
            ]
        )
    table(["backend", "same due, stored x10", "same stored, due x10"], rows)

    print("\nWhere the time goes (share of sweep wall time, mean per call; rest = building messages,")
    print("working hours, the loop):")
    labels = ["claim (DB)", "zone lookup (DB)", "chat.postMessage (HTTP)", "mark_sent (DB)"]
    rows = []
    for run in timed:
        spent, calls, total = run.result["spent"], run.result["calls"], run.seconds
        cells = [
            f"{100 * spent[label] / total:.0f}% {1000 * spent[label] / calls[label]:.2f} ms x{calls[label]}"
            if calls.get(label)
            else "-"
            for label in labels
        ]
        rest = total - sum(spent.values())
        claims = run.result["claims"]
        first_last = f"{1000 * claims[0]:.1f} / {1000 * claims[-2 if len(claims) > 1 else -1]:.1f}"
        rows.append(
            [run.backend, f"{run.due:,}", f"{run.stored:,}", *cells, f"{100 * rest / total:.0f}%", first_last]
        )
    table(["backend", "due", "stored", *labels, "rest", "claim ms: first / last full batch"], rows)

    traced = [run for run in runs if run.mode == "tracemalloc"]
    if traced:
        print("\nMemory of the sweep alone, tracemalloc on (slower: these times are not comparable):")
        table(
            [
                "backend",
                "due",
                "stored",
                "sweep s",
                "tracemalloc peak MiB",
                "VmHWM before MiB",
                "VmHWM after MiB",
            ],
            [
                [
                    run.backend,
                    f"{run.due:,}",
                    f"{run.stored:,}",
                    f"{run.seconds:.2f}",
                    f"{run.result['tracemalloc_peak'] / 2**20:.2f}",
                    mib(run.result["hwm_before_kib"]),
                    mib(run.result["hwm_peak_kib"]),
                ]
                for run in traced
            ],
        )


def print_profile(path: str, limit: int = 25) -> None:
    import pstats

    for order in ("cumulative", "tottime"):
        print(f"\ncProfile of the sweep, by {order} (top {limit}):")
        pstats.Stats(path).sort_stats(order).print_stats(limit)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    backend_options(parser)
    parser.add_argument("--due", type=int, nargs=2, default=(1000, 10000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--stored", type=int, nargs=2, default=(10000, 100000), metavar=("SMALL", "LARGE"))
    parser.add_argument(
        "--tracemalloc-due",
        type=int,
        nargs="*",
        default=[1000],
        metavar="N",
        help="sweeps of N due among SMALL stored with tracemalloc on (about 3x slower); default 1000",
    )
    parser.add_argument("--profile", action="store_true", help="add a cProfile run of the largest sweep")
    parser.add_argument("--repeat", type=int, default=1, help="timed sweeps per scenario (median shown)")
    # The child's own arguments
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", dest="profile", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    from playground.emulator import SlackEmulator

    (small_due, large_due), (small_stored, large_stored) = args.due, args.stored
    plan = [
        (small_due, small_stored, "timed"),
        (small_due, large_stored, "timed"),
        (large_due, large_stored, "timed"),
    ]
    plan += [(due, small_stored, "tracemalloc") for due in args.tracemalloc_due]
    load = os.getloadavg()[0]
    print(f"Follow-up sweep benchmark: NOW={NOW.isoformat()}, {RECIPIENTS} recipients, load {load:.2f}")
    fake = SlackEmulator().start()
    runs: list[Run] = []
    profile_path = ""
    try:
        for backend, server in backends(args):
            # Not reported: the first sweep after start-up ran up to 2x slower in trials.
            runs.append(run_one(backend, server, fake, due=200, stored=1000, mode="warmup"))
            for due, stored, mode in plan:
                for _ in range(args.repeat if mode == "timed" else 1):
                    runs.append(run_one(backend, server, fake, due=due, stored=stored, mode=mode))
            if args.profile:
                profile_path = str(Path(tempfile.gettempdir()) / f"rebound-sweep-{backend}.prof")
                profiled = run_one(
                    backend,
                    server,
                    fake,
                    due=large_due,
                    stored=large_stored,
                    mode="profile",
                    profile_path=profile_path,
                )
                runs.append(profiled)
                print_profile(profile_path)
    finally:
        fake.stop()
    print_tables(runs, args.repeat)
    failed = [run for run in runs if run.problems]
    print(f"\nChecks: {'all passed' if not failed else f'{len(failed)} run(s) FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
