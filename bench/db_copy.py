"""Benchmark: `rebound db copy` (issue 20), SQLite to PostgreSQL, 100,000 autopsies.

Run from the repository root:

    .venv/bin/python bench/db_copy.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

It builds a SQLite file with `--autopsies` autopsies (default 100,000), each with a touch-base
and a revisit follow-up, inserted in bulk through SQLAlchemy Core. Then, each in a child process
of its own (so its peak memory is its own, not the seeding's):

* **read (the floor)**: every copied table streamed from the SQLite file in primary-key order,
  as the copy reads it (`storage.copy.stream`), nothing written;
* **copy**: `storage.copy.copy_database` into a fresh private PostgreSQL schema: the migrations,
  the copy, the sequences and both checksums, the code `rebound db copy` runs;
* **copy under tracemalloc**: the same into another schema, for Python's own allocation peak.

Memory: ru_maxrss (peak RSS) of the child, and its RSS before the work (after the imports);
the copy streams, so its peak must not grow with the table. Exits 1 if a copy disagrees.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import postgres_database, table  # noqa: E402
from sqlalchemy import insert  # noqa: E402

START = datetime(2024, 11, 27, 16, 0, tzinfo=UTC)
CHUNK = 5_000


def autopsies(first: int, count: int) -> Iterator[dict]:
    for number in range(first, first + count):
        yield {
            "id": number,
            "team_id": "T0BENCH",
            "user_id": f"U{number % 200:04d}",
            "view_id": f"V{number}",
            "created_at": START + timedelta(minutes=number),
            "deal_name": f"Deal {number}",
            "outcome": "renewal_lost",
            "deal_value_cents": None if number % 3 else 1_000_000 + number,
            "winner": "competitor",
            "competitor": "Globex",
            "winner_reason": "They were cheaper, and they called first",
            "main_reason": "price",
            "customer_said": "Price, mostly.",
            "check_listened": "yes",
            "check_timing": "partly",
            "check_market": "no",
            "check_aggressive": "no",
            "feelings": "Disappointed, but I understand.",
            "lesson": "Ask about build-vs-buy in the first call.",
            "touch_base_on": None,
            "help_from": None,
            "sharing": ("named", "anonymous", "private")[number % 3],
        }


def follow_ups(first: int, count: int) -> Iterator[dict]:
    for number in range(first, first + count):
        created = START + timedelta(minutes=number)
        for kind, days in (("touch_base", 30), ("revisit", 7)):
            state = "done" if number % 5 == 0 else "pending"
            yield {
                "team_id": "T0BENCH",
                "autopsy_id": number,
                "kind": kind,
                "recipient_id": f"U{number % 200:04d}",
                "due_at": created + timedelta(days=days),
                "state": state,
                "attempts": 0,
                "closed_at": created + timedelta(days=days + 1) if state == "done" else None,
                "created_at": created,
            }


def seed(url: str, count: int) -> None:
    from storage import upgrade
    from storage.models import Autopsy, FollowUp
    from storage.store import Store

    upgrade(url)
    store = Store.connect(url)
    with store.engine.begin() as connection:
        for first in range(1, count + 1, CHUNK):
            size = min(CHUNK, count + 1 - first)
            connection.execute(insert(Autopsy), list(autopsies(first, size)))
            connection.execute(insert(FollowUp), list(follow_ups(first, size)))
    store.close()


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Quiet:
    def start(self, table: str, rows: int) -> None: ...

    def advance(self, copied: int) -> None: ...

    def finish(self) -> None: ...


def child(mode: str, source: str, target: str | None, traced: bool) -> dict:
    """One measurement, in this (child) process; its figures as a dict."""
    from storage.copy import copied_tables, copy_database, stream
    from storage.engine import make_engine

    before = rss_kib()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    if mode == "read":
        engine = make_engine(source, pool_size=1)
        rows = 0
        with engine.connect() as connection:
            for copied in copied_tables(engine):
                columns = [column.name for column in copied.columns]
                for batch in stream(connection, copied, columns, 2_000):
                    rows += len(batch)
        engine.dispose()
        agrees = True
    else:
        assert target is not None
        report = copy_database(source, target, progress=Quiet())
        rows, agrees = report.rows, not report.disagreeing
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    return {
        "rows": rows,
        "seconds": seconds,
        "agrees": agrees,
        "rss_before_kib": before,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "tracemalloc_peak": peak,
    }


def measure(mode: str, source: str, target: str | None = None, *, traced: bool = False) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--source", source]
    command += ["--target", target] if target else []
    command += ["--traced"] if traced else []
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="the PostgreSQL server to copy into")
    parser.add_argument("--autopsies", type=int, default=100_000)
    parser.add_argument("--child", choices=("read", "copy"), help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.source, args.target, args.traced)))
        return 0
    if not args.postgres:
        parser.error("--postgres URL is needed: the copy goes SQLite to PostgreSQL")
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as home:
        source = f"sqlite:///{Path(home) / 'rebound.db'}"
        started = time.perf_counter()
        seed(source, args.autopsies)
        size_mib = (Path(home) / "rebound.db").stat().st_size / 2**20
        print(
            f"seeded {args.autopsies:,} autopsies in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        figures = {"read (the floor)": measure("read", source)}
        with postgres_database(args.postgres) as target:
            figures["copy"] = measure("copy", source, target)
        with postgres_database(args.postgres) as target:
            figures["copy under tracemalloc"] = measure("copy", source, target, traced=True)
    floor = figures["read (the floor)"]
    rows = []
    for name, figure in figures.items():
        rows.append(
            [
                name,
                f"{figure['rows']:,}",
                f"{figure['seconds']:.1f}",
                f"{figure['rows'] / figure['seconds']:,.0f}",
                f"{figure['seconds'] / floor['seconds']:.1f}",
                f"{figure['rss_before_kib'] / 1024:.0f}",
                f"{figure['maxrss_kib'] / 1024:.0f}",
                f"{figure['tracemalloc_peak'] / 2**20:.1f}" if figure["tracemalloc_peak"] else "-",
            ]
        )
    print(f"SQLite source: {args.autopsies:,} autopsies, {size_mib:.0f} MiB\n")
    table(
        ["run", "rows", "seconds", "rows/s", "x floor", "RSS before MiB", "peak RSS MiB", "tracemalloc MiB"],
        rows,
    )
    if not all(figure["agrees"] for figure in figures.values()):
        print("a copy disagreed with its source", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
