"""Benchmark: what actions cost the digest and App Home, against how many the team has made.

Run from the repository root:

    .venv/bin/python bench/actions.py        # SQLite
    .venv/bin/python bench/actions.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

For each backend and count of actions (none: the baseline; 1,000, 10,000 and 100,000) a fresh
database is seeded as bench/digest.py seeds it (10,000 autopsies, 300 in the digest week), then the
actions: made of random autopsies over the two years, owned by 200 people, a fifth still open, the
rest done (or, one in eight, dropped with a reason) some days after; 40 of them done in the week.
Then, in this process, `--repeat` times after one untimed run, median and max:

* **compose**: `DigestSweep.compose` (now with Open actions and Done this week);
* **home**: `read_home_page` for one owner, as App Home reads it (now with the four action lists).

The script checks the digest lists the week's 40 done actions and the open ones' total, and exits
1 if not. The ratios are against the baseline of the same backend in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import analyze, backend_options, backends, database, repeated_ms, table  # noqa: E402
from digest import CHUNK, DUE, TEAM, seed  # noqa: E402  bench/digest.py: the same history
from sqlalchemy import insert, select  # noqa: E402

STORED, IN_WEEK = 10_000, 300
DONE_IN_WEEK = 40
OWNER = "U0007"


def seed_actions(url: str, count: int, rng: random.Random) -> int:
    """`count` actions over the team's autopsies; how many open ones of shared lessons there are."""
    from storage import Store
    from storage.models import Action, Autopsy

    store = Store.connect(url)
    week_start = DUE - timedelta(days=7)
    with store.engine.begin() as connection:
        lessons = list(
            connection.execute(
                select(Autopsy.id, Autopsy.created_at, Autopsy.sharing).where(
                    Autopsy.team_id == TEAM, Autopsy.created_at < week_start
                )
            )
        )
        pending, open_shared = [], 0
        for number in range(count):
            autopsy_id, written, sharing = rng.choice(lessons)
            made = written + timedelta(days=rng.random() * 3)
            roll = rng.random()
            state = "open" if roll < 0.2 else "dropped" if roll < 0.3 else "done"
            ended = min(made + timedelta(days=rng.randrange(1, 60)), week_start - timedelta(hours=1))
            closed = None if state == "open" else ended
            if number < DONE_IN_WEEK and count:
                state, closed = "done", week_start + timedelta(days=rng.random() * 6)
            open_shared += state == "open" and sharing != "private"
            pending.append(
                {
                    "team_id": TEAM,
                    "autopsy_id": autopsy_id,
                    "view_id": f"VA{number}",
                    "made_by": f"U{rng.randrange(200):04d}",
                    "owner_id": f"U{rng.randrange(200):04d}",
                    "what": "Send the proposal within 48 hours of the demo",
                    "due_on": (made + timedelta(days=14)).date(),
                    "state": state,
                    "outcome": "No budget this quarter" if state == "dropped" else None,
                    "created_at": made,
                    "closed_at": closed,
                }
            )
        for offset in range(0, len(pending), CHUNK):
            connection.execute(insert(Action), pending[offset : offset + CHUNK])
    analyze(store.engine, "actions")
    store.close()
    return open_shared


def measure(url: str, *, repeat: int, count: int, open_shared: int) -> dict[str, float]:
    from bot.config import load_settings
    from bot.digest.posting import DigestSweep
    from bot.digest.week import week_due
    from bot.home_reading import read_home_page
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
    message = sweep.compose(TEAM, week, schedule)  # once untimed
    text = str([block.to_dict() for block in message.blocks]) if message else ""
    if count and (f"…and {open_shared - 10} more in App Home" not in text or "*Done this week*" not in text):
        raise SystemExit(f"the digest does not list the {open_shared} open actions and the week's done ones")
    compose = repeated_ms(lambda: sweep.compose(TEAM, week, schedule), repeat)

    def home_page() -> None:
        with store.read() as work:
            read_home_page(work, team_id=TEAM, user_id=OWNER, offset=0, is_admin=False, now=DUE, zone=UTC)

    home = repeated_ms(home_page, repeat + 1)[1:]  # the first read untimed, as compose's was
    store.close()
    return {
        "compose": statistics.median(compose),
        "compose_max": max(compose),
        "home": statistics.median(home),
        "home_max": max(home),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    backend_options(parser)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--actions",
        type=int,
        nargs="+",
        default=[0, 1_000, 10_000, 100_000],
        help="counts; the first is the baseline",
    )
    args = parser.parse_args()
    results = []
    for backend, server in backends(args):
        baseline = None
        for count in args.actions:
            with database(server) as url:
                rng = random.Random(count)
                seed(url, stored=STORED, in_week=IN_WEEK, old_only=False, rng=rng)
                open_shared = seed_actions(url, count, rng)
                figures = measure(url, repeat=args.repeat, count=count, open_shared=open_shared)
            baseline = baseline or figures
            results.append(
                [
                    backend,
                    f"{count:,}",
                    f"{open_shared:,}",
                    f"{figures['compose']:.1f}",
                    f"{figures['compose_max']:.1f}",
                    f"{figures['compose'] / baseline['compose']:.2f}",
                    f"{figures['home']:.1f}",
                    f"{figures['home_max']:.1f}",
                    f"{figures['home'] / baseline['home']:.2f}",
                ]
            )
            print(f"done: {backend} {count:,} actions", file=sys.stderr, flush=True)
    table(
        [
            "backend",
            "actions",
            "open, shared",
            "compose ms (median)",
            "max",
            "x none",
            "home ms (median)",
            "max",
            "x none",
        ],
        results,
    )
    print(f"\nmedians of {args.repeat} runs; the baseline is the same backend with no actions.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
