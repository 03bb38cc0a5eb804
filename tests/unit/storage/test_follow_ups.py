"""Follow-ups on SQLite and PostgreSQL: the touch-base reminder whose day comes first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from storage import Plan, Store
from tests.support.examples import ANSWERS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


def touch_base(recipient: str, day: date) -> Plan:
    return Plan(
        kind="touch_base", recipient_id=recipient, due_at=datetime.combine(day, time(10), UTC), due_on=day
    )


def write(store: Store, team: str, view: str, *plans: Plan) -> None:
    with store.write() as work:
        work.autopsies.save(
            team_id=team, user_id="U1", view_id=view, answers=ANSWERS, created_at=NOW, follow_ups=plans
        )


def test_the_soonest_touch_base_is_the_workspace_s_pending_one_on_the_first_day(store):
    with store.read() as work:
        assert work.follow_ups.soonest_touch_base(team_id="T1") is None
    write(store, "T1", "V1", touch_base("U1", date(2026, 12, 9)))
    write(store, "T1", "V2", touch_base("U2", date(2026, 12, 2)))
    write(store, "T1", "V3", Plan(kind="revisit", recipient_id="U3", due_at=NOW - timedelta(days=9)))
    write(store, "T2", "V4", touch_base("U4", date(2026, 11, 25)))  # another workspace's
    with store.read() as work:
        soonest = work.follow_ups.soonest_touch_base(team_id="T1")
    assert soonest is not None
    assert (soonest.recipient_id, soonest.due_on) == ("U2", date(2026, 12, 2))
    with store.write() as work:  # the sweep takes it on its day: it no longer waits
        work.follow_ups.claim_due(
            now=datetime(2026, 12, 2, 12, tzinfo=UTC), limit=10, lease=timedelta(minutes=5)
        )
    with store.read() as work:
        after = work.follow_ups.soonest_touch_base(team_id="T1")
    assert after is not None
    assert (after.recipient_id, after.due_on) == ("U1", date(2026, 12, 9))


def test_the_oldest_due_is_the_longest_wait_for_a_sweep_and_none_once_sent(store):
    with store.read() as work:
        assert work.follow_ups.oldest_due(now=NOW) is None
    hour = timedelta(hours=1)
    write(store, "T1", "V1", Plan(kind="revisit", recipient_id="U1", due_at=NOW - 3 * hour))
    write(store, "T2", "V2", Plan(kind="help_request", recipient_id="U2", due_at=NOW - 2 * hour))
    write(store, "T1", "V3", Plan(kind="revisit", recipient_id="U3", due_at=NOW + hour))  # not due yet
    write(store, "T1", "V4", Plan(kind="revisit", recipient_id="U4", due_at=NOW - 9 * hour))
    with store.write() as work:  # U4 paused their reminders: theirs waits for them, not for a sweep
        work.follow_ups.pause(team_id="T1", user_id="U4", now=NOW)
    with store.read() as work:
        assert work.follow_ups.oldest_due(now=NOW) == NOW - 3 * hour

    lease = timedelta(minutes=5)
    with store.write() as work:  # claimed: still waiting until Slack has it
        [first] = work.follow_ups.claim_due(now=NOW, limit=1, lease=lease)
    assert first.follow_up.recipient_id == "U1"
    with store.read() as work:
        assert work.follow_ups.oldest_due(now=NOW) == NOW - 3 * hour
    with store.write() as work:
        work.follow_ups.mark_sent(first.follow_up.id, channel_id="D1", message_ts="1.0", now=NOW)
    with store.read() as work:
        assert work.follow_ups.oldest_due(now=NOW) == NOW - 2 * hour
    with store.write() as work:
        [second] = work.follow_ups.claim_due(now=NOW, limit=5, lease=lease)
        work.follow_ups.mark_failed(second.follow_up.id, error="user_not_found", now=NOW)
    with store.read() as work:
        assert work.follow_ups.oldest_due(now=NOW) is None
        assert work.follow_ups.oldest_due(now=NOW + 2 * hour) == NOW + hour


def test_a_claimed_follow_up_carries_its_autopsys_buyer_ask_and_the_others_none(store):
    write(store, "T1", "V1", Plan(kind="revisit", recipient_id="U1", due_at=NOW))
    write(store, "T1", "V2", Plan(kind="revisit", recipient_id="U1", due_at=NOW))
    with store.write() as work:
        [asked, _] = work.autopsies.journal(team_id="T1", user_id="U1", offset=0, limit=2)[0]
        work.buyer_asks.start(
            team_id="T1",
            autopsy_id=asked.autopsy.id,
            seed="seed",
            token_hash="hash",
            now=NOW,
            expires_at=NOW + timedelta(days=30),
        )
    with store.write() as work:
        claimed = work.follow_ups.claim_due(now=NOW, limit=10, lease=timedelta(minutes=5))
    carried = {due.autopsy.id: due.buyer_ask for due in claimed}
    assert len(carried) == 2 and carried[asked.autopsy.id] is not None
    assert carried[asked.autopsy.id].token_hash == "hash"
    assert [ask for autopsy_id, ask in carried.items() if autopsy_id != asked.autopsy.id] == [None]
    with store.read() as work:  # and read again to redraw its DM
        [again] = [due for due in claimed if due.autopsy.id == asked.autopsy.id]
        got = work.follow_ups.get(team_id="T1", follow_up_id=again.follow_up.id)
    assert got is not None and got.buyer_ask is not None and got.buyer_ask.autopsy_id == asked.autopsy.id
