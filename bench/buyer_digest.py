"""Benchmark: composing one weekly digest with lost buyers' answers in it (issue 29), against the
size of the history.

Run from the repository root:

    .venv/bin/python bench/buyer_digest.py        # SQLite, and PostgreSQL if TEST_DATABASE_URL is set
    .venv/bin/python bench/buyer_digest.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

For each backend and history size (1,000, 10,000 and 100,000 stored autopsies) a fresh database is
seeded as bench/digest.py seeds it (300 autopsies in the digest week, the rest over the 2 years
before, each with a touch-base), and then buyer asks: the rep of every third autopsy asked its
buyer, and half of those buyers answered (a main reason, what would have changed their mind, a
score), days after the autopsy; so 100,000 stored hold about 16,000 answers. The week's own
answers stay the same at every size: 120 of the week's autopsies asked, answered within the week.
Then, in this process:

* **compose**: `DigestSweep.compose` as the sweep runs it before posting (`--repeat` times after
  one untimed, median and max), now with "In the customer's words" and the rep-and-customer
  pattern in it;
* **buyer SQL**: the time its two buyer-ask statements took inside those composes (the counts, the
  words), timed at the driver, median;
* the plans of both statements at each size, the scans in them: buyer_asks through its
  (team_id, answered_at) index, each autopsy by its key. A plan that scans the autopsies table
  (the history) fails the run.

The baseline is the 1,000-row history of the same backend in the same run: the ratios say how the
time grows with the history while the week stays the same. Seeded as bench/digest.py does, a
larger history is also denser in the 4 weeks and 12 weeks the digest reads beside its week; the
"(old)" row keeps 100,000 stored all older than those 12 weeks, so it grows the history alone.
A last row keeps 100,000 stored but answers 1,200 in the week, to show what the week's own size
costs. The script checks that every digest counts exactly the week's shared answers and shows
the pattern, and exits 1 if not.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import analyze, postgres_database, sqlite_database, table  # noqa: E402
from digest import CHUNK, DUE, TEAM, seed  # noqa: E402  bench/digest.py: the same history
from sqlalchemy import event, insert, select  # noqa: E402

WEEK_START = DUE - timedelta(days=7)
ASKED_SHARE = 3  # the rep of one autopsy in this many asked its buyer
REASONS = ["price", "timing", "product_fit", "relationship", "other"]


def seed_asks(url: str, *, in_week_answers: int, rng: random.Random) -> int:
    """Asks and answers over the seeded autopsies; how many shared ones the week's digest shows."""
    from storage import Store
    from storage.models import Autopsy, BuyerAsk

    store = Store.connect(url)
    asks, shown = [], 0
    with store.engine.begin() as connection:
        autopsies = list(
            connection.execute(
                select(Autopsy.id, Autopsy.team_id, Autopsy.created_at, Autopsy.sharing).where(
                    Autopsy.team_id == TEAM
                )
            )
        )
        in_week = [row for row in autopsies if row.created_at >= WEEK_START]
        answered_in_week = {row.id for row in rng.sample(in_week, min(in_week_answers, len(in_week)))}
        for autopsy_id, team, created, sharing in autopsies:
            this_week = autopsy_id in answered_in_week
            if not this_week and (created >= WEEK_START or rng.randrange(ASKED_SHARE)):
                continue
            if this_week:  # answered after the autopsy, before the digest is due
                answered = created + (DUE - created) * rng.random()
                shown += sharing != "private"
            elif rng.random() < 0.5:  # history: answered days later, always before the week
                answered = min(
                    created + timedelta(days=rng.randrange(1, 20)), WEEK_START - timedelta(hours=1)
                )
            else:
                answered = None
            asks.append(
                {
                    "team_id": team,
                    "autopsy_id": autopsy_id,
                    "token_seed": f"{autopsy_id:032x}",
                    "token_hash": f"{autopsy_id:064x}",
                    "created_at": created + timedelta(hours=1),
                    "expires_at": created + timedelta(days=31),
                    "opened_at": answered,
                    "answered_at": answered,
                    "main_reason": rng.choice(REASONS) if answered else None,
                    "other_reason": "Your CEO's tweet" if answered else None,
                    "changed_mind": "A pilot at half the price, and a call back in March."
                    if answered
                    else None,
                    "working_score": rng.randrange(1, 6) if answered else None,
                }
            )
        for offset in range(0, len(asks), CHUNK):
            connection.execute(insert(BuyerAsk), asks[offset : offset + CHUNK])
    analyze(store.engine, "buyer_asks")
    store.close()
    return shown


def measure(url: str, *, repeat: int, shown: int) -> dict[str, object]:
    from bot.config import load_settings
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
            team_id=TEAM, starts_at=week.starts_at, ends_at=week.ends_at, lesson_limit=20, words_limit=10
        )
    if facts.customers_answered != shown:
        raise SystemExit(f"the digest counts {facts.customers_answered} answers, the week holds {shown}")

    buyer_sql: list[float] = []
    statements: list[tuple[str, object]] = []
    started_at: dict[int, float] = {}

    def before(_conn, cursor, statement, parameters, _context, _many) -> None:
        if "FROM buyer_asks" in statement:
            started_at[id(cursor)] = time.perf_counter()
            statements.append((statement, parameters))

    def after(_conn, cursor, _statement, _parameters, _context, _many) -> None:
        if (started := started_at.pop(id(cursor), None)) is not None:
            buyer_sql.append(time.perf_counter() - started)

    sweep.compose(TEAM, week, schedule)  # once untimed: the first pays for caches and imports
    event.listen(store.engine, "before_cursor_execute", before)
    event.listen(store.engine, "after_cursor_execute", after)
    compose, per_compose = [], []
    for _ in range(repeat):
        before_count = len(buyer_sql)
        started = time.perf_counter()
        message = sweep.compose(TEAM, week, schedule)
        compose.append(time.perf_counter() - started)
        per_compose.append(sum(buyer_sql[before_count:]))
    event.remove(store.engine, "before_cursor_execute", before)
    event.remove(store.engine, "after_cursor_execute", after)
    text = str(message.as_kwargs()["blocks"]) if message else ""
    if "In the customer's words" not in text or "Rep and customer named the same main reason" not in text:
        raise SystemExit("the digest does not show the buyers' words and the pattern")
    plans = [_scans(store.engine, sql, parameters) for sql, parameters in statements[-2:]]
    with store.engine.connect() as connection:
        total = connection.exec_driver_sql(
            "SELECT count(*) FROM buyer_asks WHERE answered_at IS NOT NULL"
        ).scalar()
    store.close()
    return {
        "compose": statistics.median(compose) * 1000,
        "compose_max": max(compose) * 1000,
        "buyer_sql": statistics.median(per_compose) * 1000,
        "answers": total,
        "plans": plans,
    }


def _scans(engine, sql: str, parameters: object) -> str:
    """How the database reads the tables for `sql`: its scans, in order, without costs."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            lines = [
                str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            ]
        else:
            lines = [str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters)]
    scans = [
        re.sub(r"\s*\(cost=.*", "", line).strip(" ->")
        for line in lines
        if re.search("scan|search", line, re.I)
    ]
    whole = [scan for scan in scans if re.search(r"^(Seq Scan on|SCAN) autopsies", scan)]
    if whole:
        raise SystemExit(f"a buyer-ask statement reads the whole history: {whole}\n{sql}")
    return "; ".join(scans)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="also run on this PostgreSQL server (default: TEST_DATABASE_URL, if set)",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    backends = [] if args.no_sqlite else [("sqlite", sqlite_database, ())]
    if args.postgres:
        backends.append(("postgresql", postgres_database, (args.postgres,)))
    # (stored, in the week, answered in the week, whether the history ends before the chart's 12 weeks)
    scenarios = [
        (1_000, 300, 120, False),
        (10_000, 300, 120, False),
        (100_000, 300, 120, False),
        (100_000, 300, 120, True),
        (100_000, 3_000, 1_200, False),
    ]
    results, plans = [], []
    for backend, database, database_args in backends:
        baseline = None
        for stored, in_week, answers, old_only in scenarios:
            rng = random.Random(stored + in_week)
            with database(*database_args) as url:
                started = time.perf_counter()
                seed(url, stored=stored, in_week=in_week, old_only=old_only, rng=rng)
                shown = seed_asks(url, in_week_answers=answers, rng=rng)
                seeded = time.perf_counter() - started
                figures = measure(url, repeat=args.repeat, shown=shown)
            baseline = baseline or figures
            results.append(
                [
                    backend,
                    f"{stored:,}{' (old)' if old_only else ''}",
                    f"{figures['answers']:,}",
                    f"{answers:,} ({shown} shared)",
                    f"{seeded:.1f}",
                    f"{figures['compose']:.1f}",
                    f"{figures['compose_max']:.1f}",
                    f"{figures['compose'] / baseline['compose']:.2f}",
                    f"{figures['buyer_sql']:.2f}",
                    f"{figures['buyer_sql'] / baseline['buyer_sql']:.2f}",
                ]
            )
            counts, words = figures["plans"]
            label = f"{stored:,} stored{' (old)' if old_only else ''}"
            plans.append(f"{backend}, {label}, {answers:,} answered in the week:")
            plans.append(f"  counts: {counts}")
            plans.append(f"  words: {words}")
            print(f"done: {backend} {stored:,} stored", file=sys.stderr, flush=True)
    table(
        [
            "backend",
            "stored",
            "answers stored",
            "answered in week",
            "seed s",
            "compose ms (median)",
            "max",
            "x 1,000-row history",
            "buyer SQL ms",
            "x 1,000-row history",
        ],
        results,
    )
    print("\nThe two statements' scans, as each database plans them:")
    for plan in plans:
        print(plan)
    print(
        f"\ncompose = the week's figures, lessons, buyers' words and patterns, the 4-week trend and the "
        f"Block Kit build; medians of {args.repeat} runs. buyer SQL = its two buyer-ask statements, "
        "timed at the driver. The baseline is the 1,000-row history of the same backend."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
