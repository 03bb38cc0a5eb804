"""Actions in storage, on SQLite and PostgreSQL: made once per form, with their owner's reminder;
a lesson a person may not see never becomes theirs; closed and snoozed by the owner only; the
lists App Home and the digest read (a private autopsy's actions in none of the team's, not even
counted); what a person's export holds; and what erasing a person does to actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.commitments import reminder
from playground.emulator import TEAM_ID
from storage import Store
from storage.actions import Commitment
from storage.models import Action, FollowUp
from tests.support.examples import save_lesson

TEAM = TEAM_ID
AUTHOR, MATE, BOSS = "U0AUTHOR", "U0MATE", "U0BOSS"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
DUE = date(2026, 12, 7)


def make(
    store: Store, autopsy_id: int, *, by: str, owner: str, view: str, what: str = "Ask about build-vs-buy"
) -> Action:
    with store.write() as work:
        action, _ = work.actions.make(
            team_id=TEAM,
            autopsy_id=autopsy_id,
            made_by=by,
            view_id=view,
            commitment=Commitment(what=what, owner_id=owner, due_on=DUE),
            reminder=reminder(owner, DUE),
            now=NOW,
        )
    return action


def reminders(store: Store, action_id: int) -> list[FollowUp]:
    with store.read() as work:
        return list(work.session.scalars(select(FollowUp).where(FollowUp.action_id == action_id)))


def test_an_action_is_made_once_per_form_with_one_reminder_for_its_owner(store: Store) -> None:
    lesson = save_lesson(store, AUTHOR, at=NOW)
    first = make(store, lesson, by=AUTHOR, owner=MATE, view="VA")
    with store.write() as work:  # Slack delivers the same submission again
        again, new = work.actions.make(
            team_id=TEAM,
            autopsy_id=lesson,
            made_by=AUTHOR,
            view_id="VA",
            commitment=Commitment(what="something else", owner_id=AUTHOR, due_on=DUE),
            reminder=reminder(AUTHOR, DUE),
            now=NOW,
        )
    assert (again.id, again.what, new) == (first.id, "Ask about build-vs-buy", False)
    [due] = reminders(store, first.id)
    assert (due.kind, due.recipient_id, due.due_on, due.state) == ("action_due", MATE, DUE, "pending")
    assert due.due_at == datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 9:00 on the day where it comes first


def test_only_shared_lessons_and_ones_own_can_become_an_action(store: Store) -> None:
    named = save_lesson(store, AUTHOR, at=NOW)
    anonymous = save_lesson(store, AUTHOR, at=NOW, sharing="anonymous")
    private = save_lesson(store, AUTHOR, at=NOW, sharing="private")
    elsewhere = save_lesson(store, AUTHOR, at=NOW, team="T2")
    with store.read() as work:

        def may(user: str, autopsy_id: int) -> bool:
            return work.actions.lesson_for(team_id=TEAM, user_id=user, autopsy_id=autopsy_id) is not None

        assert [may(MATE, lesson) for lesson in (named, anonymous, private, elsewhere)] == [
            True,
            True,
            False,
            False,
        ]
        assert may(AUTHOR, private)


def test_the_claimed_reminder_carries_its_action(store: Store) -> None:
    action = make(store, save_lesson(store, AUTHOR, at=NOW), by=AUTHOR, owner=MATE, view="VA")
    with store.write() as work:
        claimed = work.follow_ups.claim_due(
            now=datetime(2026, 12, 7, 9, tzinfo=UTC), limit=50, lease=timedelta(minutes=5)
        )
    [due] = [due for due in claimed if due.follow_up.kind == "action_due"]
    assert due.action is not None and due.action.id == action.id and due.autopsy.id == action.autopsy_id


def test_only_the_owner_closes_an_action_and_only_once(store: Store) -> None:
    action = make(store, save_lesson(store, AUTHOR, at=NOW), by=AUTHOR, owner=MATE, view="VA")
    close = {"team_id": TEAM, "action_id": action.id, "state": "dropped", "outcome": "No budget", "now": NOW}
    with store.write() as work:
        assert work.actions.close(owner_id=AUTHOR, **close) is None  # the maker is not its owner
        closed = work.actions.close(owner_id=MATE, **close)
        assert closed is not None and (closed.state, closed.outcome) == ("dropped", "No budget")
        assert work.actions.close(owner_id=MATE, **{**close, "state": "done"}) is None  # once
    [due] = reminders(store, action.id)
    assert due.state == "dropped"


def test_a_snooze_moves_the_day_and_the_reminder(store: Store) -> None:
    action = make(store, save_lesson(store, AUTHOR, at=NOW), by=AUTHOR, owner=MATE, view="VA")
    later = date(2026, 12, 14)
    plan = reminder(MATE, later)
    with store.write() as work:
        assert (
            work.actions.snooze(
                team_id=TEAM, owner_id=AUTHOR, action_id=action.id, until=later, reminder_at=plan.due_at
            )
            is None
        )
        moved = work.actions.snooze(
            team_id=TEAM, owner_id=MATE, action_id=action.id, until=later, reminder_at=plan.due_at
        )
        assert moved is not None and moved.due_on == later
    [due] = reminders(store, action.id)
    assert (due.state, due.due_on, due.due_at) == ("snoozed", later, plan.due_at)


def test_the_lists_app_home_and_the_digest_read(store: Store) -> None:
    shared = save_lesson(store, AUTHOR, at=NOW)
    private = save_lesson(store, AUTHOR, at=NOW, sharing="private")
    mine = make(store, shared, by=AUTHOR, owner=AUTHOR, view="V1", what="mine")
    asked = make(store, shared, by=AUTHOR, owner=MATE, view="V2", what="asked of mate")
    secret = make(store, private, by=AUTHOR, owner=BOSS, view="V3", what="from a private lesson")
    done = make(store, shared, by=MATE, owner=MATE, view="V4", what="done already")
    later = NOW + timedelta(days=2)
    with store.write() as work:
        work.actions.close(
            team_id=TEAM, owner_id=MATE, action_id=done.id, state="done", outcome=None, now=later
        )
        work.actions.close(
            team_id=TEAM, owner_id=BOSS, action_id=secret.id, state="done", outcome=None, now=later
        )
    with store.read() as work:
        actions = work.actions

        def whats(found: object) -> list[str]:
            return [item.action.what for item in found.items]  # type: ignore[attr-defined]

        assert whats(actions.owned_open(team_id=TEAM, owner_id=AUTHOR, limit=5)) == ["mine"]
        assert whats(actions.asked_of_others(team_id=TEAM, made_by=AUTHOR, limit=5)) == ["asked of mate"]
        team = actions.team_open(team_id=TEAM, made_before=later, limit=1)
        assert (whats(team), team.total) == (["mine"], 2)  # the first, and how many in all
        week = actions.done_between(team_id=TEAM, starts_at=NOW, ends_at=NOW + timedelta(days=7), limit=5)
        assert (whats(week), week.total) == (["done already"], 1)  # the private lesson's: not counted
        assert whats(actions.recently_closed(team_id=TEAM, user_id=BOSS, limit=5)) == [
            "from a private lesson"
        ]
        [item] = actions.owned_open(team_id=TEAM, owner_id=MATE, limit=5).items
        assert (item.action.id, item.deal_name, item.sharing, item.author_id) == (
            asked.id,
            "Acme Corp",
            "named",
            AUTHOR,
        )
        assert [a.id for a in actions.on_teammates_lessons(team_id=TEAM, user_id=MATE)] == [asked.id, done.id]
        assert actions.on_teammates_lessons(team_id=TEAM, user_id=AUTHOR) == []  # theirs are in their rows
    assert mine.id


def test_the_export_carries_each_lessons_actions(store: Store) -> None:
    lesson = save_lesson(store, AUTHOR, at=NOW)
    action = make(store, lesson, by=MATE, owner=MATE, view="V1")
    with store.read() as work:
        [entry] = [entry for entry in work.autopsies.export(team_id=TEAM) if entry.autopsy.id == lesson]
        assert [(a.id, a.what) for a in entry.actions] == [(action.id, "Ask about build-vs-buy")]


def test_erasing_a_person_takes_what_they_wrote_and_hands_back_what_they_owned(store: Store) -> None:
    theirs = save_lesson(store, AUTHOR, at=NOW)
    teammates = save_lesson(store, MATE, at=NOW)
    on_their_lesson = make(store, theirs, by=MATE, owner=MATE, view="V1")  # goes with their lesson
    they_made = make(store, teammates, by=AUTHOR, owner=MATE, view="V2")  # they wrote what it says
    they_own = make(store, teammates, by=MATE, owner=AUTHOR, view="V3")  # the team's: handed back
    bystander = make(store, teammates, by=MATE, owner=MATE, view="V4", what="untouched")
    with store.write() as work:
        work.actions.close(
            team_id=TEAM,
            owner_id=AUTHOR,
            action_id=they_own.id,
            state="dropped",
            outcome="Their words",
            now=NOW,
        )
        work.session.execute(  # its reminder had been snoozed by them: it waits for the maker now
            FollowUp.__table__.update().where(FollowUp.action_id == they_own.id).values(state="snoozed")
        )
    with store.read() as work:
        counted = work.people.erasure(team_id=TEAM, user_id=AUTHOR)
    assert (counted.actions, counted.handed_back) == (2, 1)
    # Their lesson's touch-base and the reminder of the action made of it; not the handed-back one's.
    assert counted.follow_ups == 2
    with store.write() as work:
        work.people.erase(team_id=TEAM, user_id=AUTHOR)
    with store.read() as work:
        left = {action.id: action for action in work.session.scalars(select(Action))}
        follow_ups = list(work.session.scalars(select(FollowUp).where(FollowUp.action_id.is_not(None))))
    assert on_their_lesson.id not in left and they_made.id not in left
    kept = left[they_own.id]
    assert (kept.owner_id, kept.made_by, kept.outcome, kept.what) == (
        MATE,
        MATE,
        None,
        "Ask about build-vs-buy",
    )
    assert left[bystander.id].what == "untouched"
    assert AUTHOR not in {follow_up.recipient_id for follow_up in follow_ups}
    assert {(f.action_id, f.recipient_id) for f in follow_ups} == {(they_own.id, MATE), (bystander.id, MATE)}
