"""`rebound playground --demo`: a few weeks of a sales team's autopsies, so App Home, `/lost-deal
stats` and the digest's patterns and chart have something to show from the first minute.

The weeks are lived, not pasted: the playground's clock starts three weeks back and the story
calls `live` at each morning, each afternoon, each Friday evening and each autopsy's writing, where
the playground moves its clock and runs the bot's sweeps. So the revisits, the help requests and
the Friday digests arrive in DMs and #lessons on the days they would have. Autopsies are written
through the store as the bot writes them, with the follow-ups each asks for; some touch-bases
already answered (reached out, won back, let go), some snoozed, some waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.autopsy import Answers
from bot.followups.planning import plan
from playground.client import Person
from playground.emulator import TEAM_ID
from storage import FollowUp, Store, Work

# days ago, author, deal, outcome, winner, competitor, reason, sharing, lesson, what became of the touch-base
LOSSES = [
    (20, 0, "Globex renewal", "renewal_lost", "competitor", "Initech", "price", "named",
     "Show the ROI numbers before the renewal call, not after.", "won_back"),
    (18, 1, "Hooli pilot", "new_deal_lost", "in_house", None, "product_fit", "anonymous",
     "Ask who else is evaluating in the first call.", "done"),
    (16, 2, "Vandelay Industries", "proposal_declined", "competitor", "Initech", "price", "named",
     "Price is rarely the real reason: ask what would make it worth it.", "let_go"),
    (13, 0, "Stark Logistics", "new_deal_lost", "no_decision", None, "timing", "private",
     "I waited too long to follow up after the demo.", "waiting"),
    (11, 1, "Wayne Media", "customer_cancelled", "competitor", "Umbrella Soft", "service", "named",
     "Escalate support tickets that are older than a week.", "snoozed"),
    (9, 2, "Cyberdyne", "new_deal_lost", "competitor", "Initech", "relationship", "anonymous",
     "Meet the economic buyer, not only the champion.", "done"),
    (6, 0, "Soylent Foods", "renewal_lost", "competitor", "Umbrella Soft", "price", "named",
     "Bring the renewal forward when usage is high.", "waiting"),
    (4, 1, "Massive Dynamic", "proposal_declined", "unknown", None, None, "anonymous",
     "Send the proposal within 48 hours of the demo.", "waiting"),
    (2, 2, "Oscorp", "new_deal_lost", "competitor", "Initech", "product_fit", "named",
     "Don't demo features they did not ask for.", "waiting"),
]  # fmt: skip
ANSWERED = {"won_back": "won_back", "done": "done", "let_go": "let_go"}


def seed(
    store: Store, people: list[Person], *, now: datetime, zone: ZoneInfo, live: Callable[[datetime], None]
) -> int:
    """Live the demo's weeks up to `now` (the team's days in `zone`); how many autopsies were written."""
    written_on = {(now - timedelta(days=loss[0])).astimezone(zone).date(): loss for loss in LOSSES}
    day = (now - timedelta(days=LOSSES[0][0] + 1)).astimezone(zone).date()
    while day < now.astimezone(zone).date():
        live(_at(day, 10, zone))
        if day in written_on:
            moment = _at(day, 11, zone)
            live(moment)
            _write(store, people, written_on[day], moment, now)
        live(_at(day, 13, zone))  # Los Angeles' morning
        if day.weekday() == 4:
            live(_at(day, 16, zone) + timedelta(minutes=5))  # just after the digest is due
        day += timedelta(days=1)
    return len(written_on)


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), zone).astimezone(UTC)


def _write(store: Store, people: list[Person], loss: tuple, written: datetime, now: datetime) -> None:
    number = LOSSES.index(loss) + 1
    days_ago, author, deal, outcome, winner, competitor, reason, sharing, lesson, then = loss
    person = people[author % len(people)]
    answers = Answers(
        deal_name=deal, outcome=outcome, deal_value_cents=(12 + 7 * number) * 1000_00, winner=winner,
        competitor=competitor, winner_reason=f"{competitor or 'They'} fit what they asked for better.",
        main_reason=reason, customer_said="You were a close second; the timing was not on your side.",
        check_listened=("yes", "partly", "no")[number % 3],
        check_timing=("partly", "no", "yes")[number % 3],
        check_market=("no", "yes", "partly")[number % 3],
        check_aggressive=("no", "no", "partly")[number % 3],
        feelings="Disappointed, but I learned something.", lesson=lesson,
        touch_base_on=(now + timedelta(days=3 + number)).date(), sharing=sharing,
        help_from=people[(author + 1) % len(people)].id if number % 4 == 0 else None,
    )  # fmt: skip
    plans = plan(answers, author_id=person.id, now=written)
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=TEAM_ID, user_id=person.id, view_id=f"VDEMO{number:03d}", answers=answers,
            created_at=written, follow_ups=plans,
        )  # fmt: skip
        _settle(work, entry.id, then, answered_at=written + timedelta(days=days_ago // 2 or 1))


def _settle(work: Work, autopsy_id: int, then: str, *, answered_at: datetime) -> None:
    """What became of an autopsy's touch-base by now. Its revisit and help request are left to the
    sweeps, which deliver them on their days as the story is lived."""
    rows = list(work.session.scalars(select(FollowUp).where(FollowUp.autopsy_id == autopsy_id)))
    for row in rows:
        if row.kind == "touch_base" and then in ANSWERED:
            row.state, row.closed_at = ANSWERED[then], answered_at
        elif row.kind == "touch_base" and then == "snoozed":
            row.state, row.due_at, row.due_on = "snoozed", answered_at + timedelta(days=14), None
