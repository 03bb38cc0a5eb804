"""The lessons card's tallies (migration 0010), on SQLite and PostgreSQL: whatever writes the
autopsies (the form, an edit, a follow-up won back, a merge of names, a delete, erasure, a purge,
`rebound db copy`), the tallies the database keeps are what counting the autopsies gives, and a card
read from them counts the 90 days to the day, though the tallies are by month."""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from bot import autopsy
from storage import Store
from storage.copy import copy_database
from storage.digests import CHECKS
from storage.models import Autopsy, AutopsyTally, FollowUp
from tests.support.databases import Quiet
from tests.support.examples import ANSWERS, lost_to_initech, save_lesson

TEAM = "T1"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=90)  # 26 August
ME, ANN, BOB = "U0ME", "U0ANN", "U0BOB"
ANSWERED = ("yes", "partly", "no")
COUNTS = ("lost", "won_back", *(f"{check}_{answer}" for check in CHECKS for answer in ANSWERED))


def lost(store: Store, user: str, deal: str, *, at: datetime = NOW, **changes: object) -> int:
    return lost_to_initech(store, user, deal, team=TEAM, at=at, **changes)


def counted_from_autopsies(store: Store) -> dict[tuple[str, ...], Counter[str]]:
    """The tallies as counting every autopsy gives them."""
    tallies: dict[tuple[str, ...], Counter[str]] = {}
    with store.read() as work:
        for row in work.session.scalars(select(Autopsy)):
            seen_by = "" if row.sharing in ("named", "anonymous") else row.user_id
            key = (
                row.team_id,
                row.competitor_key or "",
                seen_by,
                row.main_reason or "",
                f"{row.created_at.astimezone(UTC):%Y-%m}",
            )
            counts = tallies.setdefault(key, Counter())
            counts["lost"] += 1
            counts["won_back"] += int(row.won_back)
            for check in CHECKS:
                counts[f"{check}_{getattr(row, check)}"] += 1
    return tallies


def kept(store: Store) -> dict[tuple[str, ...], Counter[str]]:
    """The tallies the database kept: none counting nothing (a tally emptied goes)."""
    with store.read() as work:
        rows = work.session.scalars(select(AutopsyTally)).all()
    tallies = {}
    for row in rows:
        counts = Counter({name: getattr(row, name) for name in COUNTS if getattr(row, name)})
        assert counts["lost"] > 0, counts
        tallies[(row.team_id, row.competitor_key, row.seen_by, row.main_reason, row.month)] = counts
    return tallies


def won_back(store: Store, autopsy_id: int, state: str = "won_back") -> None:
    with store.write() as work:
        work.session.execute(
            update(FollowUp)
            .where(FollowUp.autopsy_id == autopsy_id, FollowUp.kind == "touch_base")
            .values(state=state, closed_at=NOW)
        )


def test_the_tallies_follow_every_change_to_the_autopsies(store):
    acme = lost(store, ANN, "Acme", check_listened="no")
    secret = lost(store, BOB, "Secret", sharing="private", main_reason="timing")
    lost(store, ME, "Old", at=NOW - timedelta(days=200), competitor="Initrode", main_reason=None)
    save_lesson(store, ANN, team="T2", deal_name="Another workspace's")
    assert kept(store) == counted_from_autopsies(store)
    assert sum(counts["lost"] for counts in kept(store).values()) == 4

    won_back(store, acme)
    won_back(store, secret)
    assert kept(store) == counted_from_autopsies(store)
    won_back(store, secret, state="done")  # a click undone is a state changed again
    with store.write() as work:  # an edit: private becomes shared, another competitor and reason
        edited = replace(
            ANSWERS, deal_name="Secret", sharing="named", competitor="Globex", main_reason="service"
        )
        assert work.autopsies.update(
            team_id=TEAM, user_id=BOB, autopsy_id=secret, answers=edited, plans=[], now=NOW
        )
    assert kept(store) == counted_from_autopsies(store)
    with store.write() as work:
        assert work.competitors.merge(team_id=TEAM, from_key="initrode", into_key="initech")
    assert kept(store) == counted_from_autopsies(store)
    with store.write() as work:  # deleted with its won-back touch-base left to ON DELETE CASCADE
        work.session.execute(delete(Autopsy).where(Autopsy.id == acme))
    assert kept(store) == counted_from_autopsies(store)
    with store.write() as work:
        work.people.erase(team_id=TEAM, user_id=BOB)
    assert kept(store) == counted_from_autopsies(store)
    with store.write() as work:
        work.workspaces.purge("T2")
    tallies = kept(store)
    assert tallies == counted_from_autopsies(store)
    assert [key[:2] for key in tallies] == [(TEAM, "initech")]  # the merged old deal, all that is left


def test_db_copy_leaves_the_tallies_to_the_target_s_triggers(tmp_path, database_url, store):
    acme = lost(store, ANN, "Acme")
    lost(store, BOB, "Secret", sharing="private", at=NOW - timedelta(days=200))
    won_back(store, acme)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    copy_database(database_url, target, progress=Quiet())
    with closing(Store.connect(target)) as copied:
        assert kept(copied) == kept(store) == counted_from_autopsies(store)
        assert sum(counts["won_back"] for counts in kept(copied).values()) == 1


def test_a_card_from_the_tallies_counts_the_90_days_to_the_day(store):
    days_ago = {"Just before": 91, "Just after": 89, "September": 80, "May": 200, "Today": 0}
    for deal, days in days_ago.items():
        lost(store, ANN, deal, at=NOW - timedelta(days=days))
    lost(store, BOB, "Secret", at=NOW - timedelta(days=89), sharing="private")
    with store.read() as work:
        found = work.lessons.about_competitor(
            team_id=TEAM, user_id=ME, key="initech", since=SINCE, reason_codes=tuple(autopsy.REASONS)
        )
        by_reason = work.lessons.about_reason(
            team_id=TEAM, user_id=BOB, reason="price", since=SINCE, reason_codes=tuple(autopsy.REASONS)
        )
    assert (found.lost_recent, found.lost_earlier, found.shared_lessons) == (3, 2, 5)
    assert (by_reason.lost_recent, by_reason.lost_earlier, by_reason.shared_lessons) == (4, 2, 5)
    assert found.reasons == {"price": 5}
    assert found.self_checks["check_listened"] == {"partly": 5}
