"""Benchmark: the CPU that counting for /metrics costs per slash command.

Run from the repository root:

    .venv/bin/python bench/metrics_cost.py               # about 8 minutes on 2 cores (60 rounds)
    .venv/bin/python bench/metrics_cost.py --rounds 10   # a rough look

Four real `rebound serve` processes (bench/rebound_serve.py: gunicorn, 1 worker, 8 threads,
SQLite each, started the same way) take turns, in one run, on one pinned CPU as bench/core.py
pins its apps, against one fake Slack in a process of its own:

* off-a and off-b: bot.metrics' counting silenced (--without-metrics); the same baseline twice,
  so that off-b / off-a, which can only be noise, shows what a ratio is worth on this machine;
* on: counting as shipped, each process its own counts;
* on-dir: counting into PROMETHEUS_MULTIPROC_DIR, prometheus_client's files, as gunicorn's
  workers share them.

Each round sends `--n` signed `/lost-deal` commands from 8 threads to each server in turn (in a
new random order each round), each opening the autopsy form as in production, and reads
the gunicorn worker's time on a CPU (its threads' schedstat, in ns) before and after: CPU per command. The
rounds are pooled; a bootstrap over rounds (resampling whole rounds, so each keeps the machine's
mood it shared between the servers) gives each ratio's 95 % interval. Last, each server's
/metrics is scraped `--scrapes` times: what one scrape costs, once per Prometheus interval.

It prints the target verdict (on / off at most 1.02: HOLDS when the whole 95 % interval is below,
MISSED when it is all above, NOT SETTLED when it spans 1.02), whether 2 % is inside the noise,
and the counting's own CPU, timed alone in a loop (what CountedApp.dispatch adds to a command).
It exits 1 only if a command went unanswered or unopened: it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import FakeSlackProcess, table  # noqa: E402
from core import Server, describe, load, percentile, pin, production_env, split_cpus  # noqa: E402

from tests.support.bot_process import Bot  # noqa: E402

TARGET = 1.02  # at most 2 % more CPU per command with metrics on
BASELINES = ("off-a", "off-b")
SUBJECTS = ("on", "on-dir")
CONCURRENCY = 8


def start(fake: FakeSlackProcess, home: Path, name: str) -> Server:
    home.mkdir()
    env = production_env(fake, f"sqlite:///{home / 'rebound.db'}")
    # No sweeps: a sweep each minute would land its CPU in whichever run it met.
    options = ["--no-scheduler", *(["--without-metrics"] if name in BASELINES else [])]
    if name == "on-dir":
        (home / "counts").mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(home / "counts")
    log = home / "rebound.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "rebound_serve.py"), *options],
            env=env,
            cwd=home,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    bot = Bot(process, f"http://127.0.0.1:{env['PORT']}", env, home, log)
    server = Server(name, int(env["PORT"]), process, log, bot.stop)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{bot.url}/healthz", timeout=2):
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            bot.stop()
            raise RuntimeError(f"{name} never became healthy:\n{server.log_tail()}")
        time.sleep(0.1)


def on_cpu(server: Server) -> float:
    """Seconds the gunicorn worker's threads have run on a CPU, to the nanosecond (schedstat; /proc's
    stat counts in 10 ms ticks, a tenth of a run's difference). Its threads are pools: they stay."""
    total = 0
    for task in Path(f"/proc/{server.worker_pid()}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def scrape_cost(server: Server, scrapes: int) -> float:
    """The gunicorn worker's CPU milliseconds per GET /metrics."""
    before = on_cpu(server)
    for _ in range(scrapes):
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as page:
            page.read()
    return 1000 * (on_cpu(server) - before) / scrapes


# What CountedApp.dispatch adds to a command (rebound/app.py), done alone in a loop: the CPU the
# counting costs, free of the noise of everything else a command does.
COUNTING_ALONE = """
import sys, time
from bot import metrics
from rebound.app import request_kind
body = {"command": "/lost-deal", "text": "Acme Corp", "team_id": "T0BENCH", "user_id": "U0BENCH"}
n = int(sys.argv[1])
started = time.process_time()
for _ in range(n):
    begun = time.perf_counter()
    kind, outcome = request_kind(body), metrics.outcome_of(200)
    if kind == "command" and outcome != metrics.REFUSED:
        metrics.command_acknowledged(time.perf_counter() - begun)
    metrics.request_answered(kind, outcome)
print((time.process_time() - started) / n)
"""


def counting_alone(directory: Path | None, n: int = 200_000) -> float:
    """Microseconds of CPU the counting takes per command, alone, in memory or (`directory`) files."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if directory is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    done = subprocess.run(
        [sys.executable, "-c", COUNTING_ALONE, str(n)], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout) * 1e6


def ratio(cpu: dict[str, list[float]], subject: str, baseline: tuple[str, ...], rounds: list[int]) -> float:
    """Pooled CPU of `subject` over the mean of `baseline`'s, over `rounds` (every run has the same n)."""
    base = sum(sum(cpu[name][r] for r in rounds) for name in baseline) / len(baseline)
    return sum(cpu[subject][r] for r in rounds) / base


def interval(
    cpu: dict[str, list[float]], subject: str, baseline: tuple[str, ...], draws: int = 4000
) -> tuple[float, float]:
    """A 95 % bootstrap interval of `ratio`, resampling whole rounds."""
    count = len(cpu[subject])
    chance = random.Random(28)
    ratios = sorted(
        ratio(cpu, subject, baseline, [chance.randrange(count) for _ in range(count)]) for _ in range(draws)
    )
    return ratios[int(0.025 * draws)], ratios[int(0.975 * draws) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=150, help="runs per server (default 150)")
    parser.add_argument("--n", type=int, default=100, help="commands per run, from 8 threads (default 100)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up commands per server (default 100)")
    parser.add_argument(
        "--scrapes", type=int, default=200, help="GET /metrics per server, at the end (default 200)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.monotonic()
    cpus = split_cpus()
    if cpus is not None:
        os.sched_setaffinity(0, cpus[1])  # the senders, and the fake Slack started from here
    fake = FakeSlackProcess()
    names = (*BASELINES, *SUBJECTS)
    servers: list[Server] = []
    cpu: dict[str, list[float]] = {name: [] for name in names}
    failed = []
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as tmp:
        try:
            for name in names:
                servers.append(start(fake, Path(tmp) / name, name))
            if cpus is not None:
                for server in servers:
                    pin(server, cpus[0])
            load_now, python = os.getloadavg()[0], sys.version.split()[0]
            print(f"machine: {os.cpu_count()} CPUs, load average {load_now:.2f}; python {python}")
            for server in servers:
                warm = load(fake, server, CONCURRENCY, args.warmup)
                warm.extra_calls.pop("auth.test", None)  # Bolt's lazy auth.test on the first request
                if not warm.ok:  # counted at the end; on a busy machine the fake Slack may drop a call
                    failed.append(f"warm-up {server.name}: {describe(warm)}")
            order = random.Random(4)
            for round_no in range(args.rounds):
                # A new order each round: no server always follows the same one (a rotation would).
                for server in order.sample(servers, len(servers)):
                    before = on_cpu(server)
                    run = load(fake, server, CONCURRENCY, args.n)
                    cpu[server.name].append(on_cpu(server) - before)
                    if not run.ok:
                        failed.append(f"round {round_no + 1} {server.name}: {describe(run)}")
                        print(f"{failed[-1]}\n{server.log_tail()}", file=sys.stderr)
                line = "  ".join(f"{name} {1000 * cpu[name][-1] / args.n:.3f}" for name in names)
                print(f"round {round_no + 1}: CPU ms per command  {line}", flush=True)
            scraped = {server.name: scrape_cost(server, args.scrapes) for server in servers}
            (Path(tmp) / "alone").mkdir()
            alone = {"on": counting_alone(None), "on-dir": counting_alone(Path(tmp) / "alone")}
        finally:
            for server in reversed(servers):
                code = server.stop()
                if code != 0:
                    print(f"{server.name} exited with {code}:\n{server.log_tail()}", file=sys.stderr)
            fake.stop()

    every = list(range(args.rounds))
    commands = args.rounds * args.n
    print(f"\n{args.rounds} rounds of {args.n} commands per server ({commands:,} each), c={CONCURRENCY}:\n")
    rows = []
    for name in names:
        per_command = 1000 * sum(cpu[name]) / commands
        rows.append([name, f"{per_command:.4f}", f"{scraped[name]:.2f}"])
    table(["server", "worker CPU ms per command", "CPU ms per GET /metrics"], rows)

    print()
    rows = []
    comparisons = [("off-b", ("off-a",)), *((subject, BASELINES) for subject in SUBJECTS)]
    for subject, baseline in comparisons:
        pooled = ratio(cpu, subject, baseline, every)
        low, high = interval(cpu, subject, baseline)
        rounds = sorted(ratio(cpu, subject, baseline, [r]) for r in every)
        extra_us = (
            1000 * (sum(cpu[subject]) - sum(sum(cpu[b]) for b in baseline) / len(baseline)) / commands * 1000
        )
        spread = f"{percentile(rounds, 5):.3f} to {percentile(rounds, 95):.3f}"
        name = f"{subject} / {' + '.join(baseline)}"
        rows.append([name, f"{pooled:.4f}", f"{low:.4f} to {high:.4f}", spread, f"{extra_us:+.1f}"])
    table(["ratio", "pooled", "95 % interval", "rounds, 5th to 95th", "µs per command"], rows)

    baseline_ms = 1000 * sum(sum(cpu[name]) for name in BASELINES) / len(BASELINES) / commands
    print("\nThe counting alone, in a loop (CountedApp.dispatch's own work per command):")
    for subject in SUBJECTS:
        share = f"{alone[subject] / (baseline_ms * 1000):.2%}"
        print(
            f"  {subject}: {alone[subject]:.1f} µs per command, {share} of a command ({baseline_ms:.3f} ms)"
        )

    noise_low, noise_high = interval(cpu, "off-b", ("off-a",))
    one_round = sorted(ratio(cpu, "off-b", ("off-a",), [r]) for r in every)
    low, high = percentile(one_round, 5), percentile(one_round, 95)
    in_one_round = "inside" if high - low > 2 * (TARGET - 1) else "outside"
    pooled_noise = "inside" if noise_high >= TARGET or noise_low <= 2 - TARGET else "outside"
    print(
        f"\nNoise (the baseline against itself): one round's ratio spreads {low:.3f} to {high:.3f}, "
        f"so 2 % is {in_one_round} one round's noise; pooled over {args.rounds} rounds it is "
        f"{noise_low:.4f} to {noise_high:.4f}, so 2 % is {pooled_noise} the pooled noise."
    )
    for subject in SUBJECTS:
        low, high = interval(cpu, subject, BASELINES)
        verdict = (
            "HOLDS"
            if high <= TARGET
            else "MISSED"
            if low > TARGET
            else f"NOT SETTLED ({low:.3f} to {high:.3f})"
        )
        print(f"Target ({subject}: at most {TARGET:.2f}x the baseline's CPU per command): {verdict}")
    print(f"(load average at end {os.getloadavg()[0]:.2f}; took {time.monotonic() - started:.0f} s)")
    for failure in failed:
        print(f"FAILED CHECK {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
