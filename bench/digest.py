"""Benchmark: composing one weekly digest (issue 4), against the size of the history.

Run from the repository root:

    .venv/bin/python bench/digest.py                       # SQLite in a temp dir
    .venv/bin/python bench/digest.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

For each backend and each history size (1,000, 10,000 and 100,000 stored autopsies), a fresh
database is seeded: 300 autopsies in the digest week and the rest spread over the 2 years
before it (so 100,000 is 2 years of a big team), each with a touch-base follow-up (a fifth of
them answered, a tenth won back), sharing named / anonymous / private in 5 / 3 / 2 parts,
plus 5,000 rows of another workspace in the same week. Then it times, in this process:

* **compose**: `DigestSweep.compose`, what the digest sweep does before posting: the week's
  figures, lessons and breakdowns, the self-check trend over the 4 weeks before, and the Block
  Kit build (`--repeat` times, median and max);
* **chart data**: the 12-week counts the chart is drawn from (`Store.weekly_counts`);
* **chart PNG**: rendering it with matplotlib (once per size; it does not touch the database).

The baseline is the 1,000-row history in the same run; the ratios say how the time grows with
the history while the week stays at 300 rows. A last scenario keeps 100,000 stored but puts
3,000 in the week, to show what the week's size costs. The script checks that every digest
counts exactly the week's shared autopsies and exits 1 if not.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import analyze, postgres_database, sqlite_database, table  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # a Friday: the default digest moment
TEAM, OTHER = "T0BENCH", "T0OTHER"
CHUNK = 5000
SHARING = ["named"] * 5 + ["anonymous"] * 3 + ["private"] * 2


def rows(team: str, count: int, start: datetime, span: timedelta, rng: random.Random) -> Iterator[dict]:
    for number in range(count):
        yield {
            "team_id": team,
            "user_id": f"U{rng.randrange(200):04d}",
            "view_id": f"V{team}{start.timestamp():.0f}{number}",
            "created_at": start + span * rng.random(),
            "deal_name": f"Deal {number}",
            "outcome": rng.choice(
                ["new_deal_lost", "customer_cancelled", "renewal_lost", "proposal_declined"]
            ),
            "deal_value_cents": rng.choice([None, 1_000_000, 4_800_000]),
            "winner": rng.choice(["competitor", "no_decision", "in_house", "unknown"]),
            "competitor": rng.choice([None, "Globex", "Initech", "Hooli"]),
            "winner_reason": "They were cheaper",
            "main_reason": rng.choice([None, "price", "timing", "product_fit"]),
            "customer_said": "Price, mostly.",
            "check_listened": rng.choice(["yes", "partly", "no"]),
            "check_timing": rng.choice(["yes", "partly", "no"]),
            "check_market": rng.choice(["yes", "partly", "no"]),
            "check_aggressive": rng.choice(["yes", "partly", "no"]),
            "feelings": "Disappointed, but I understand.",
            "lesson": "Ask about build-vs-buy in the first call.",
            "touch_base_on": None,
            "help_from": None,
            "sharing": rng.choice(SHARING),
        }


def seed(url: str, *, stored: int, in_week: int, old_only: bool, rng: random.Random) -> int:
    """Seed the database; return how many shared autopsies the digest week holds."""
    from storage import Store, upgrade
    from storage.models import Autopsy, FollowUp

    upgrade(url)
    store = Store.connect(url)
    week_start = DUE - timedelta(days=7)
    history = stored - in_week
    history_end = week_start - timedelta(weeks=12 if old_only else 0)
    batches = [
        (TEAM, in_week, week_start, timedelta(days=7)),
        # The history: the 2 years before the week, or (old_only) 2 years ending before the chart's 12 weeks.
        (TEAM, history, history_end - timedelta(days=730), timedelta(days=730)),
        (OTHER, 5000, week_start, timedelta(days=7)),
    ]
    shared = 0
    with store.engine.begin() as connection:
        for team, count, start, span in batches:
            pending = list(rows(team, count, start, span, rng))
            if team == TEAM and start == week_start:
                shared = sum(row["sharing"] != "private" for row in pending)
            for offset in range(0, len(pending), CHUNK):
                connection.execute(insert(Autopsy), pending[offset : offset + CHUNK])
        follow_ups = []
        for autopsy_id, team, created in connection.execute(
            select(Autopsy.id, Autopsy.team_id, Autopsy.created_at)
        ):
            answered = rng.random()
            state = "won_back" if answered < 0.1 else "done" if answered < 0.2 else "pending"
            follow_ups.append(
                {
                    "team_id": team,
                    "autopsy_id": autopsy_id,
                    "kind": "touch_base",
                    "recipient_id": "U0001",
                    "due_at": created + timedelta(days=30),
                    "state": state,
                    "attempts": 0,
                    "closed_at": created + timedelta(days=rng.randrange(1, 60))
                    if state != "pending"
                    else None,
                    "created_at": created,
                }
            )
        for offset in range(0, len(follow_ups), CHUNK):
            connection.execute(insert(FollowUp), follow_ups[offset : offset + CHUNK])
    analyze(store.engine, "autopsies", "follow_ups")
    store.close()
    return shared


def measure(url: str, *, repeat: int, shared: int) -> dict[str, float]:
    from bot.config import load_settings
    from bot.digest import chart
    from bot.digest.posting import DigestSweep
    from bot.digest.week import week_due
    from bot.slack.installs import installs_for
    from storage import Store

    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-bench", "REBOUND_DIGEST_CHANNEL": "C0BENCH", "DATABASE_URL": url},
        dotenv_dir=Path("/nonexistent"),
    )
    store = Store.connect(url)
    sweep = DigestSweep(store, installs_for(settings, store), settings)  # compose never calls Slack
    schedule = sweep.schedule(TEAM)
    week = week_due(DUE, schedule)
    with store.read() as work:
        facts = work.digests.week_facts(
            team_id=TEAM, starts_at=week.starts_at, ends_at=week.ends_at, lesson_limit=20
        )
    if facts.lost != shared:
        raise SystemExit(f"the digest counts {facts.lost} shared autopsies, the week holds {shared}")
    compose = []
    for _ in range(repeat):
        started = time.perf_counter()
        message = sweep.compose(TEAM, week, schedule)
        compose.append(time.perf_counter() - started)
    assert message is not None and len(message.blocks) <= 50
    bounds = week.chart_boundaries()
    counts = []
    for _ in range(repeat):
        started = time.perf_counter()
        with store.read() as work:
            weeks = work.digests.weekly_counts(team_id=TEAM, boundaries=bounds)
        counts.append(time.perf_counter() - started)
    started = time.perf_counter()
    picture = chart.render(weeks, schedule.zone)
    render = time.perf_counter() - started
    store.close()
    return {
        "compose": statistics.median(compose) * 1000,
        "compose_max": max(compose) * 1000,
        "counts": statistics.median(counts) * 1000,
        "render": render * 1000,
        "png_kib": len(picture) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    backends = [] if args.no_sqlite else [("sqlite", sqlite_database, ())]
    if args.postgres:
        backends.append(("postgresql", postgres_database, (args.postgres,)))
    scenarios = [(1_000, 300, False), (10_000, 300, False), (100_000, 300, False), (100_000, 3_000, False)]
    scenarios.append((100_000, 300, True))
    results = []
    for backend, database, database_args in backends:
        baseline = None
        for stored, in_week, old_only in scenarios:
            with database(*database_args) as url:
                started = time.perf_counter()
                shared = seed(
                    url,
                    stored=stored,
                    in_week=in_week,
                    old_only=old_only,
                    rng=random.Random(stored + in_week),
                )
                seeded = time.perf_counter() - started
                figures = measure(url, repeat=args.repeat, shared=shared)
            baseline = baseline or figures
            results.append(
                [
                    backend,
                    f"{stored:,}" + (" (old)" if old_only else ""),
                    f"{in_week:,}",
                    f"{seeded:.1f}",
                    f"{figures['compose']:.1f}",
                    f"{figures['compose_max']:.1f}",
                    f"{figures['compose'] / baseline['compose']:.2f}",
                    f"{figures['counts']:.1f}",
                    f"{figures['counts'] / baseline['counts']:.2f}",
                    f"{figures['render']:.0f}",
                    f"{figures['png_kib']:.0f}",
                ]
            )
            print(f"done: {backend} {stored:,} stored, {in_week:,} in the week", file=sys.stderr, flush=True)
    table(
        [
            "backend",
            "stored",
            "in week",
            "seed s",
            "compose ms (median)",
            "max",
            "x 1,000-row history",
            "chart data ms",
            "x 1,000-row history",
            "chart PNG ms",
            "PNG KiB",
        ],
        results,
    )
    print(
        f"\ncompose = week figures + lessons + breakdowns + 4-week trend + Block Kit build; "
        f"medians of {args.repeat} runs. The baseline is the 1,000-row history of the same backend."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
