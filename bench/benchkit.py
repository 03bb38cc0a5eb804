"""What the benchmarks share: a throw-away database of each kind, a fake Slack in a process of
its own, requests sent open loop in rounds against a baseline run twice, percentiles, and
Markdown tables."""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import math
import multiprocessing
import random
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from playground.emulator import SlackEmulator  # the scripts put the repository on sys.path first
from tests.support.databases import private_schema


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as home:
        yield f"sqlite:///{Path(home) / 'rebound.db'}"


def postgres_database(server: str) -> AbstractContextManager[str]:
    """A private schema on `server`, dropped afterwards (the tests' own helper)."""
    return private_schema(server, "rebound_bench")


def database(server: str | None) -> AbstractContextManager[str]:
    """A throw-away database: SQLite in a temp dir (None), or a private schema on `server`."""
    return sqlite_database() if server is None else postgres_database(server)


def analyze(engine: Any, *tables: str) -> None:
    """PostgreSQL's statistics for `tables` after a bulk load, as autovacuum would soon gather them
    (SQLite keeps none unless asked). Committed: ANALYZE in a rolled-back transaction is lost."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for name in tables:
                connection.exec_driver_sql(f"ANALYZE {name}")


def backend_options(parser: argparse.ArgumentParser) -> None:
    """--postgres URL and --no-sqlite, read back by `backends`."""
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL server (a private schema)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite (with --postgres)")


def backends(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(name, server) for each backend asked for; server None is SQLite."""
    chosen: list[tuple[str, str | None]] = [] if args.no_sqlite else [("sqlite", None)]
    if args.postgres:
        chosen.append(("postgresql", args.postgres))
    return chosen


def table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table; the first column left-aligned, the rest right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if index < 1 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|")
    for row in rows:
        print(line(row))


def run_child(command: list[str], cwd: Path, timeout: float = 900) -> dict[str, Any]:
    """Run a benchmark's child process and read the JSON object its last line prints (SystemExit
    with its stderr if it fails). This process's collector is paused meanwhile: the fakes it
    serves keep every call, and a collector pause would slow them down for the child."""
    gc.collect()
    gc.disable()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    finally:
        gc.enable()
    if done.returncode != 0:
        raise SystemExit(f"child process failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_calls(owner: Any, name: str, record: Callable[[float], None]) -> None:
    """Wrap `owner.name` (an instance's method, or a class's) so that each call's wall time in
    seconds goes to `record`, whether the call returns or raises."""
    original = getattr(owner, name)

    def wrapper(*a: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            record(time.perf_counter() - started)

    setattr(owner, name, wrapper)


def open_loop(
    jobs: list[Callable[[], Any]], rate: float, *, workers: int = 64, late_after: float = 0.01
) -> tuple[list[float], list[Any], int]:
    """Start job i at i / rate seconds on a pool, whatever became of the earlier ones (open loop).

    Returns each job's latency in ms, from its scheduled start to its return (so time spent
    waiting behind slow earlier jobs counts), its results in order, and how many jobs started
    more than `late_after` seconds after their time (the load generator falling behind).
    """
    latencies = [0.0] * len(jobs)
    results: list[Any] = [None] * len(jobs)
    late = 0
    lock = threading.Lock()

    def run(index: int, due: float) -> None:
        nonlocal late
        if time.monotonic() - due > late_after:
            with lock:
                late += 1
        try:
            results[index] = jobs[index]()
        except Exception as error:  # the caller's checks see it; the pool would only swallow it
            results[index] = error
        latencies[index] = (time.monotonic() - due) * 1000

    with ThreadPoolExecutor(workers) as pool:
        start = time.monotonic() + 0.1
        for index in range(len(jobs)):
            due = start + index / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(run, index, due)
    return latencies, results, late


# Open loop in rounds: the runs of a round go in a new random order each round, so a machine
# that drifts falls on every run alike; the baseline runs twice, so its two halves measured
# against each other show what a difference is worth on this machine.
BASELINE_RUNS = ("healthz-a", "healthz-b")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def rate_options(parser: argparse.ArgumentParser, runs: str) -> None:
    """--rate, --seconds and --rounds of open-loop runs; `runs` names a round's runs for --help."""
    parser.add_argument("--rate", type=float, default=50, help="requests a second (default 50)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help=f"rounds of the {runs} runs (default 2)")


def http_request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request to 127.0.0.1:`port` on a new connection, as Slack and browsers send them:
    its status and body (-1 and nothing: no answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return -1, b""
    finally:
        connection.close()


def healthz(port: int) -> int:
    """GET /healthz (a database ping), the baseline: its status."""
    return http_request(port, "GET", "/healthz")[0]


@dataclass(frozen=True)
class OpenLoopRun:
    """One run of a round: each request's latency in ms from its scheduled start, its answer,
    and how many requests the load generator sent late."""

    name: str
    round_number: int
    latencies: list[float]
    answers: list[Any]
    late: int

    def said(self, outcome: object) -> str:
        """The run as a line of progress, with `outcome` (its answers, summed up)."""
        return (
            f"round {self.round_number + 1} {self.name}: p50 {percentile(self.latencies, 50):.1f} ms, "
            f"p99 {percentile(self.latencies, 99):.1f} ms, {outcome}, {self.late} sent late"
        )


def open_loop_rounds(
    names: Sequence[str],
    jobs_for: Callable[[int, str], list[Callable[[], Any]]],
    *,
    rounds: int,
    rate: float,
) -> Iterator[OpenLoopRun]:
    """Each round, every run of `names` in a new random order, its jobs (`jobs_for(round, name)`)
    sent by `open_loop` at `rate` a second, this process's collector paused meanwhile (a pause in
    the senders would be charged to the server)."""
    for round_number in range(rounds):
        order = list(names)
        random.shuffle(order)
        for name in order:
            jobs = jobs_for(round_number, name)
            gc.collect()
            gc.disable()
            try:
                latencies, answers, late = open_loop(jobs, rate)
            finally:
                gc.enable()
            yield OpenLoopRun(name, round_number, latencies, answers, late)


def pooled_rows(figures: dict[str, list[float]]) -> list[list[str]]:
    """Per run, pooled over its rounds: requests, p50 and p99 in ms, and p99 against the first
    baseline run's (so the second baseline's row is the machine's own spread)."""
    base = percentile(figures[BASELINE_RUNS[0]], 99)
    return [
        [
            name,
            str(len(values)),
            f"{percentile(values, 50):.1f}",
            f"{percentile(values, 99):.1f}",
            f"{percentile(values, 99) / base:.2f}",
        ]
        for name, values in figures.items()
    ]


POOLED_HEADER = ["run", "requests", "p50 ms", "p99 ms", f"p99 / {BASELINE_RUNS[0]}"]


def baseline_spread(figures: dict[str, list[float]], q: float = 99) -> float:
    """The baseline measured against itself: how far apart its two runs' `q`th percentiles are,
    as a factor (1.0: the same; 1.3: one 30% above the other), whichever is the higher."""
    first, second = (percentile(figures[name], q) for name in BASELINE_RUNS)
    return max(first, second) / min(first, second)


def against_target(value: float, target: float, spread: float) -> str:
    """`value` against a `target` it should stay under, given the baseline's `spread`: a value
    that this machine's own noise could carry to the other side of the target settles nothing."""
    if value * spread < target:
        return "met"
    if value / spread >= target:
        return "missed"
    return "within the baseline's spread (noise)"


def repeated_ms(call: Callable[[], object], repeat: int) -> list[float]:
    """`call` run `repeat` times in a row (closed loop, in this process): each run's wall time in ms."""
    spans = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        spans.append((time.perf_counter() - started) * 1000)
    return spans


class FakeSlackProcess:
    """playground/emulator.py's fake Slack, run in a process of its own and read over a pipe.

    A benchmark's senders then do not share a GIL with it: reading a 10 KB views.open and
    echoing the view is Slack's work, and in the senders' process it would slow the senders
    down for the app that sends bigger forms. Arrival times are the fake's `time.monotonic()`,
    the same clock as the caller's on Linux (CLOCK_MONOTONIC is system-wide).
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self.process = context.Process(target=_run_fake_slack, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.port: int = self._pipe.recv()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def reset(self) -> None:
        self._ask("reset")

    def arrivals(self, method: str, key: str) -> list[tuple[Any, float]]:
        """(args[key], arrival time) of every `method` call since the last reset, in order."""
        return self._ask("arrivals", method, key)

    def methods(self) -> Counter[str]:
        """How many calls of each method since the last reset."""
        return self._ask("methods")

    def stop(self) -> None:
        if self.process.is_alive():
            self._pipe.send(("stop",))
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def _ask(self, *request: Any) -> Any:
        self._pipe.send(request)
        return self._pipe.recv()


def _run_fake_slack(pipe: Connection) -> None:
    # The fake keeps every call until reset; the cycle collector would only pause it mid-run
    # (and a pause before a call is stamped is charged to the app).
    gc.disable()
    fake = SlackEmulator().start()
    pipe.send(fake.port)
    try:
        while True:
            try:
                command, *args = pipe.recv()
            except EOFError:
                return
            if command == "stop":
                return
            if command == "reset":
                fake.reset()
                pipe.send(None)
            elif command == "arrivals":
                method, key = args
                pipe.send([(call.args.get(key), call.at) for call in fake.find(method)])
            elif command == "methods":
                pipe.send(Counter(call.method for call in list(fake.calls)))
    finally:
        fake.stop()
