"""Benchmark: the lessons card (issue 30), for a competitor, a main reason and free words, against
the size of the history, with a trivial read as the baseline in the same run.

Run from the repository root:

    .venv/bin/python bench/lessons_search.py          # SQLite, and PostgreSQL if TEST_DATABASE_URL is set
    .venv/bin/python bench/lessons_search.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

For each backend and history size (10,000 and 100,000 autopsies in one workspace, over the 2 years
before now, plus 5,000 of another workspace), a fresh database is seeded in bulk: 8 competitors
(the most named in a quarter of the autopsies, "Initech"), the six main reasons, sharing named /
anonymous / private in 5 / 3 / 2 parts, 200 reps, lessons and customers' words drawn from 40
sentences and a 400-word vocabulary (so a word is in about 1 in 200 autopsies), a touch-base
each (a tenth won back), an open action on 1 in 50, a buyer's answer on 1 in 20, and a CRM lost
deal with no autopsy for 1 in 10. The FTS5 tables and the autopsies' tallies are filled by their
triggers, PostgreSQL's tsvector columns by the database, as in production; PostgreSQL is VACUUMed and
ANALYZEd after the load.

Then, in this process, OPEN LOOP at --rate a second for --count cards each, what
`/lost-deal lessons <typed>` does before its ack: `bot.lessons.read_lessons` (which kind, the
visible figures) and the card's Block Kit:
  baseline     a trivial read in a unit of work (the competitor's name by its key);
  competitor   "Initech" (18,564 autopsies the asker may see at 100k: the largest card);
  reason       "price";
  words        one word of the vocabulary (in about 1 autopsy in 50: its lesson or its customer's
               words), searched in what the team wrote, buyers' answers and CRM reasons.
Latency runs from each card's scheduled start to its card. The plans the figures come from are
printed: a competitor's and a reason's tallies by their keys, the autopsies of the month the 90
days begin in by ix_autopsies_team_competitor and ix_autopsies_team_reason, and the words by the
FTS5 table or the GIN index (exit 1 otherwise). Target: p99 under 50 ms at 100,000.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import postgres_database, sqlite_database, table  # noqa: E402
from core import percentile  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
TEAM, OTHER, ASKER = "T0BENCH", "T0OTHER", "U0042"
CHUNK = 5000
SIZES = (10_000, 100_000)
TARGET_MS = 50
SHARING = ["named"] * 5 + ["anonymous"] * 3 + ["private"] * 2
COMPETITORS = (
    ["Initech"] * 8
    + ["Globex"] * 6
    + ["Hooli"] * 5
    + ["Umbrella Soft"] * 4
    + [
        "Vandelay",
        "Stark Industries",
        "Wayne Enterprises",
        "Cyberdyne",
    ]
    * 2
    + [None] * 3
)
REASONS = ["price", "product_fit", "relationship", "timing", "service", "other", None]
SENTENCES = [
    "Show the ROI numbers before the renewal call, not after.",
    "Ask who else is evaluating in the first call.",
    "Price is rarely the real reason: ask what would make it worth it.",
    "Meet the economic buyer, not only the champion.",
    "Bring the renewal forward when usage is high.",
    "Send the proposal within 48 hours of the demo.",
    "Don't demo features they did not ask for.",
    "Escalate support tickets that are older than a week.",
    "Procurement wanted a security review we could not finish in time.",
    "Their CFO froze every new project until next year's budget.",
]


def vocabulary(rng: random.Random) -> list[str]:
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiou"
    return [
        "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randrange(2, 5)))
        for _ in range(400)
    ]


VOCABULARY = vocabulary(random.Random(0))  # the same words at every size
TYPED = {"competitor": "Initech", "reason": "price", "words": VOCABULARY[7]}


def lesson_text(rng: random.Random, words: list[str]) -> str:
    return f"{rng.choice(SENTENCES)} {' '.join(rng.sample(words, 4))}."


def seed(url: str, *, stored: int, rng: random.Random) -> None:
    from storage import Store, upgrade
    from storage.competitors import competitor_key
    from storage.models import Action, Autopsy, BuyerAsk, Competitor, FollowUp, LostDeal

    upgrade(url)
    store = Store.connect(url)
    words = VOCABULARY
    start, span = NOW - timedelta(days=730), timedelta(days=730)
    with store.engine.begin() as connection:
        for team, count in ((TEAM, stored), (OTHER, 5000)):
            rows = []
            for number in range(count):
                competitor = rng.choice(COMPETITORS)
                rows.append(
                    {
                        "team_id": team,
                        "user_id": f"U{rng.randrange(200):04d}",
                        "view_id": f"V{team}{number}",
                        "created_at": start + span * rng.random(),
                        "deal_name": f"Deal {number}",
                        "outcome": rng.choice(["new_deal_lost", "customer_cancelled", "renewal_lost"]),
                        "deal_value_cents": rng.choice([None, 1_000_000, 4_800_000]),
                        "winner": "competitor" if competitor else rng.choice(["no_decision", "in_house"]),
                        "competitor": competitor,
                        "competitor_key": competitor_key(competitor),
                        "winner_reason": f"{competitor or 'They'} {rng.choice(SENTENCES).lower()}",
                        "main_reason": rng.choice(REASONS),
                        "customer_said": lesson_text(rng, words),
                        "check_listened": rng.choice(["yes", "partly", "no"]),
                        "check_timing": rng.choice(["yes", "partly", "no"]),
                        "check_market": rng.choice(["yes", "partly", "no"]),
                        "check_aggressive": rng.choice(["yes", "partly", "no"]),
                        "feelings": "Disappointed, but I understand.",
                        "lesson": lesson_text(rng, words)[:300],
                        "touch_base_on": None,
                        "help_from": None,
                        "sharing": rng.choice(SHARING),
                    }
                )
            for offset in range(0, len(rows), CHUNK):
                connection.execute(insert(Autopsy), rows[offset : offset + CHUNK])
            named = {row["competitor_key"]: row["competitor"] for row in rows if row["competitor"]}
            connection.execute(
                insert(Competitor),
                [
                    {"team_id": team, "key": k, "name": n, "uses": 1, "created_at": NOW}
                    for k, n in named.items()
                ],
            )
        follow_ups, actions, asks = [], [], []
        for autopsy_id, team, created in connection.execute(
            select(Autopsy.id, Autopsy.team_id, Autopsy.created_at)
        ):
            won = rng.random() < 0.1
            follow_ups.append(
                {
                    "team_id": team,
                    "autopsy_id": autopsy_id,
                    "kind": "touch_base",
                    "recipient_id": "U0001",
                    "due_at": created + timedelta(days=30),
                    "state": "won_back" if won else "pending",
                    "attempts": 0,
                    "closed_at": created + timedelta(days=40) if won else None,
                    "created_at": created,
                }
            )
            if rng.randrange(50) == 0:
                actions.append(
                    {
                        "team_id": team,
                        "autopsy_id": autopsy_id,
                        "view_id": f"VA{autopsy_id}",
                        "made_by": "U0001",
                        "owner_id": "U0001",
                        "what": "Send the ROI sheet before every renewal call",
                        "due_on": date(2026, 12, 1),
                        "state": rng.choice(["open", "done"]),
                        "created_at": created,
                    }
                )
            if rng.randrange(20) == 0:
                asks.append(
                    {
                        "team_id": team,
                        "autopsy_id": autopsy_id,
                        "token_seed": f"{autopsy_id:032x}",
                        "token_hash": f"{autopsy_id:064x}",
                        "created_at": created,
                        "expires_at": created + timedelta(days=30),
                        "answered_at": created + timedelta(days=3),
                        "main_reason": rng.choice(REASONS),
                        "changed_mind": lesson_text(rng, words),
                    }
                )
        deals = [
            {
                "team_id": TEAM,
                "crm": "salesforce",
                "deal_id": f"006{number:08d}",
                "changed_at": start + span * rng.random(),
                "lost": True,
                "deal_name": f"CRM deal {number}",
                "reason": f"Lost to {rng.choice(COMPETITORS) or 'no one'}, {rng.choice(SENTENCES)}",
                "main_reason": rng.choice(REASONS),
                "state": "declined",
                "created_at": NOW,
            }
            for number in range(stored // 10)
        ]
        for model, batch in ((FollowUp, follow_ups), (Action, actions), (BuyerAsk, asks), (LostDeal, deals)):
            for offset in range(0, len(batch), CHUNK):
                connection.execute(insert(model), batch[offset : offset + CHUNK])
    if store.engine.dialect.name == "postgresql":
        # As autovacuum would have by the time anyone asks: the triggers' updates left dead rows.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in (
                "autopsies",
                "autopsy_tallies",
                "follow_ups",
                "actions",
                "buyer_asks",
                "lost_deals",
                "competitors",
            ):
                connection.exec_driver_sql(f"VACUUM ANALYZE {name}")
    store.close()


def measure(url: str, *, rate: float, count: int) -> dict[str, object]:
    from benchkit import open_loop

    from bot.blocks.lessons_card import lessons_message
    from bot.lessons import read_lessons
    from storage import Store

    store = Store.connect(url, pool_size=8)

    def card(typed: str) -> int:
        with store.read() as work:
            answer = read_lessons(work, team_id=TEAM, user_id=ASKER, typed=typed, now=NOW)
        lessons_message(answer)
        return answer.found.lost

    def baseline() -> int:
        with store.read() as work:
            return 0 if work.competitors.named(team_id=TEAM, key="initech") is None else 1

    results: dict[str, object] = {}
    for typed in TYPED.values():
        card(typed)  # once untimed: imports, caches
    gc.freeze()  # what start-up built, out of the collector's passes, as `rebound serve` does
    statements: dict[str, list[tuple[str, object]]] = {}
    for kind, typed in TYPED.items():
        seen = statements.setdefault(kind, [])

        def before(_conn, _cursor, statement, parameters, _context, _many, seen=seen) -> None:
            seen.append((statement, parameters))

        event.listen(store.engine, "before_cursor_execute", before)
        results.setdefault("found", {})[kind] = card(typed)  # type: ignore[index]
        event.remove(store.engine, "before_cursor_execute", before)
    results["plans"] = plans(store.engine, statements)
    for name, job in [("baseline", baseline)] + [
        (kind, (lambda typed=typed: card(typed))) for kind, typed in TYPED.items()
    ]:
        latencies, outcomes, late = open_loop([job] * count, rate, workers=8)
        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if errors:
            raise SystemExit(f"{name}: {errors[0]!r}")
        results[name] = (percentile(latencies, 50), percentile(latencies, 99), late)
    store.close()
    return results


def plans(engine, statements: dict[str, list[tuple[str, object]]]) -> dict[str, tuple[bool, str]]:
    """The statements a card's figures come from: whether each plan reads the index it should, and
    its scans. A competitor's and a reason's: their tallies by key, and the autopsies of the month
    the 90 days begin in by the subject's index; words: the words' own index (SQLite's search for
    ids; PostgreSQL's one read of the sums, ids and all)."""
    sqlite = engine.dialect.name == "sqlite"
    by_key = "sqlite_autoindex_autopsy_tallies" if sqlite else "pk_autopsy_tallies"  # the primary key
    wanted = {
        "competitor": [
            ("FROM autopsy_tallies", by_key),
            ("SELECT count(*)", "ix_autopsies_team_competitor"),
        ],
        "reason": [
            ("FROM autopsy_tallies", "ix_autopsy_tallies_reason"),
            ("SELECT count(*)", "ix_autopsies_team_reason"),
        ],
        "words": [("UNION", "autopsy_words") if sqlite else ("string_agg", "ix_autopsies_words")],
    }
    found = {}
    for kind, reads in wanted.items():
        verdicts, lines = [], []
        for marker, index in reads:
            sql, parameters = next((sql, p) for sql, p in statements[kind] if marker in sql)
            scans = scan_lines(engine, sql, parameters)
            verdicts.append(any(index in line for line in scans))
            lines.extend(scans)
        found[kind] = (all(verdicts), "; ".join(lines))
    return found


def scan_lines(engine, sql: str, parameters: object) -> list[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            lines = [str(row[-1]) for row in rows]
        else:
            lines = [str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters)]
    return [
        re.sub(r"\s*\(cost=.*", "", line).strip(" ->")
        for line in lines
        if re.search(r"scan|search|index", line, re.I)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--rate", type=float, default=3, help="cards a second (default 3)")
    parser.add_argument("--count", type=int, default=50, help="cards of each kind (default 50)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --postgres)")
    args = parser.parse_args()
    rows, all_plans, missed = [], [], []
    backends = ([] if args.no_sqlite else [("sqlite", sqlite_database)]) + (
        [("postgresql", lambda: postgres_database(args.postgres))] if args.postgres else []
    )
    for name, make in backends:
        for size in args.sizes:
            with make() as url:
                started = time.monotonic()
                seed(url, stored=size, rng=random.Random(size))
                loaded = time.monotonic() - started
                figures = measure(url, rate=args.rate, count=args.count)
            _, base99, _ = figures["baseline"]  # type: ignore[misc]
            for kind in ("baseline", *TYPED):
                p50, p99, late = figures[kind]  # type: ignore[misc]
                found = figures["found"].get(kind, "")  # type: ignore[attr-defined]
                rows.append(
                    [
                        name,
                        f"{size:,}",
                        kind,
                        f"{found:,}" if found != "" else "",
                        f"{p50:.1f}",
                        f"{p99:.1f}",
                        f"{p99 / base99:.1f}",
                        str(late),
                        f"{loaded:.0f}",
                    ]
                )
                print(" | ".join(rows[-1]), file=sys.stderr, flush=True)  # as it goes: a run takes minutes
                if kind != "baseline" and size == max(args.sizes) and p99 >= TARGET_MS:
                    missed.append(f"{name} {kind} p99 {p99:.1f} ms")
            for kind, (indexed, plan) in figures["plans"].items():  # type: ignore[attr-defined]
                all_plans.append(
                    f"{name} {size:,} {kind} ({'indexed' if indexed else 'NOT INDEXED'}): {plan}"
                )
    table(
        [
            "backend",
            "autopsies",
            "card",
            "deals seen",
            "p50 ms",
            "p99 ms",
            "p99 / baseline",
            "late",
            "load s",
        ],
        rows,
    )
    print()
    for line in all_plans:
        print(line)
    print()
    print(
        f"Target p99 < {TARGET_MS} ms at {max(args.sizes):,}: "
        + ("MISSED: " + ", ".join(missed) if missed else "HOLDS")
    )
    return 1 if any("NOT INDEXED" in line for line in all_plans) else 0


if __name__ == "__main__":
    sys.exit(main())
