"""Benchmark: `rebound db backup` and `rebound db restore` (issue 28), SQLite, 100,000 autopsies.

Run from the repository root:

    .venv/bin/python bench/backup.py                       # about 1 min on 2 cores
    .venv/bin/python bench/backup.py --autopsies 10000     # a look

It builds a SQLite file with `--autopsies` autopsies (default 100,000), each with a touch-base
and a revisit follow-up, inserted in bulk as bench/db_copy.py does. Then, each in a child process
of its own (so its peak memory is its own, not the seeding's):

* **file copy (the floor)**: the database file copied as a file (and fsynced), with Rebound
  stopped: what a backup cannot beat;
* **backup (a), (b)**: `storage.backup.back_up` as `rebound db backup` runs it: the pages copied
  256 at a time over one held snapshot, the integrity check, the row counts on both sides,
  fsync and rename; twice, for the spread;
* **backup, one step**: the same with every page in one step, to show what the steps cost;
* **backup, a writer meanwhile**: while this process inserts autopsies (each with its two
  follow-ups, one transaction each) as fast as SQLite takes them; the backup must still finish,
  and it holds what was committed when it began;
* **restore**: the backup checked and written into a new file by `inspect_backup` and `restore`.

Rows per second count every row of every table the copy holds. Memory: the child's VmHWM (its
own peak RSS, /proc/self/status), and its RSS before the work, after the imports. Exits 1 if a
copy fails its check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import run_child, table  # noqa: E402
from db_copy import seed  # noqa: E402

STEPS = ("copying pages", "checking integrity", "counting rows", "restoring pages")


def proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class Timed:
    """A storage.backup.Progress that keeps each step's seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._step, self._started = "", 0.0

    def start(self, step: str, total: int) -> None:
        self._step, self._started = step, time.perf_counter()

    def advance(self, done: int) -> None: ...

    def finish(self) -> None:
        self.seconds[self._step] = self.seconds.get(self._step, 0.0) + time.perf_counter() - self._started


def child(mode: str, source: Path, target: Path) -> dict:
    """One measurement, in this (child) process; its figures as a dict."""
    from storage.backup import back_up, inspect_backup, restore

    before = proc_status_kib("VmRSS")
    timed = Timed()
    started = time.perf_counter()
    if mode == "file copy":
        shutil.copyfile(source, target)
        with open(target, "rb") as copied:
            os.fsync(copied.fileno())
        rows, ok = 0, True  # the parent counts the rows of this one
    elif mode == "restore":
        contents = inspect_backup(source, f"sqlite:///{target}")
        report = restore(contents, f"sqlite:///{target}", progress=timed)
        rows, ok = report.rows, report.intact and not report.disagreeing
    else:
        per_step = -1 if mode == "one step" else None
        report = back_up(f"sqlite:///{source}", target, progress=timed, pages_per_step=per_step)
        rows, ok = report.rows, report.intact and not report.disagreeing
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "steps": timed.seconds,
        "ok": ok,
        "rss_before_kib": before,
        "vm_hwm_kib": proc_status_kib("VmHWM"),
    }


def measure(mode: str, source: Path, target: Path) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--source", str(source), "--target", str(target)]
    figures = run_child(command, ROOT)
    target.unlink(missing_ok=True)
    return figures


class Writer:
    """Autopsies inserted one transaction each, as fast as SQLite takes them, until stopped."""

    def __init__(self, url: str) -> None:
        from storage import Plan, Store
        from tests.support.examples import ANSWERS, NOW

        self._store, self._plan, self._answers, self._now = Store.connect(url), Plan, ANSWERS, NOW
        self.committed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._store.close()

    def _run(self) -> None:
        plans = (
            self._plan(kind="touch_base", recipient_id="U1", due_at=self._now + timedelta(days=30)),
            self._plan(kind="revisit", recipient_id="U1", due_at=self._now + timedelta(days=7)),
        )
        while not self._stop.is_set():
            with self._store.write() as work:
                work.autopsies.save(
                    team_id="T0WRITER",
                    user_id="U1",
                    view_id=f"VW{self.committed}",
                    answers=self._answers,
                    created_at=self._now,
                    follow_ups=plans,
                )
            self.committed += 1


def all_rows(file: Path) -> int:
    import sqlite3
    from contextlib import closing

    from storage.backup import row_counts

    with closing(sqlite3.connect(file)) as database:
        return sum(row_counts(database).values())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--autopsies", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import json

        print(json.dumps(child(args.child, args.source, args.target)))
        return 0
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as home:
        source, target = Path(home) / "rebound.db", Path(home) / "copy.db"
        url = f"sqlite:///{source}"
        started = time.perf_counter()
        seed(url, args.autopsies)
        print(
            f"seeded {args.autopsies:,} autopsies in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        size_mib = source.stat().st_size / 2**20
        figures = {"file copy (the floor)": measure("file copy", source, target)}
        figures["file copy (the floor)"]["rows"] = all_rows(source)
        figures["backup (a)"] = measure("backup", source, target)
        figures["backup (b)"] = measure("backup", source, target)
        figures["backup, one step"] = measure("one step", source, target)
        with Writer(url) as writer:
            time.sleep(0.5)  # the writer is in its stride
            committed_before = writer.committed
            figures["backup, a writer meanwhile"] = measure("backup", source, target)
            written = writer.committed - committed_before
        backup = Path(home) / "backup.db"
        run_child(
            [sys.executable, __file__, "--child", "backup", "--source", str(source), "--target", str(backup)],
            ROOT,
        )
        figures["restore"] = measure("restore", backup, target)
    floor = figures["file copy (the floor)"]
    rows = []
    for name, figure in figures.items():
        steps = figure["steps"]
        copying = steps.get("copying pages", steps.get("restoring pages"))
        checking = steps.get("checking integrity", 0.0) + steps.get("counting rows", 0.0)
        rows.append(
            [
                name,
                f"{figure['rows']:,}",
                f"{figure['seconds']:.2f}",
                f"{figure['rows'] / figure['seconds']:,.0f}",
                f"{figure['seconds'] / floor['seconds']:.1f}",
                f"{copying:.2f}" if copying is not None else "-",
                f"{checking:.2f}" if steps else "-",
                f"{figure['rss_before_kib'] / 1024:.0f}",
                f"{figure['vm_hwm_kib'] / 1024:.0f}",
            ]
        )
    print(f"SQLite database: {args.autopsies:,} autopsies, {size_mib:.0f} MiB\n")
    table(
        [
            "run",
            "rows",
            "seconds",
            "rows/s",
            "x floor",
            "copy s",
            "check s",
            "RSS before MiB",
            "peak (VmHWM) MiB",
        ],
        rows,
    )
    seconds = figures["backup, a writer meanwhile"]["seconds"]
    rate = written / seconds
    print(f"\nThe writer committed {written:,} autopsies while the backup's process ran ({rate:,.0f}/s).")
    if not all(figure["ok"] for figure in figures.values()):
        print("a copy failed its check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
