"""The follow-up sweep against a fake Slack of its own, on SQLite and PostgreSQL:
once-only delivery, working hours, retries and permanent failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, SectionBlock

from bot.blocks import follow_up_dms
from bot.blocks.message import Message
from bot.config import load_settings
from bot.followups.delivery import FollowUpSweep
from bot.followups.planning import plan
from bot.slack.installs import installs_for
from bot.sweep import LEASE
from playground.emulator import Fault, SlackEmulator
from storage import Store, upgrade
from storage.follow_ups import FollowUps
from tests.support.databases import follow_ups_of
from tests.support.examples import ANSWERS


@pytest.fixture
def own_fake() -> Iterator[SlackEmulator]:
    server = SlackEmulator().start()
    yield server
    server.stop()


@pytest.fixture
def sweep(database_url: str, own_fake: SlackEmulator, tmp_path: Path) -> Iterator[FollowUpSweep]:
    upgrade(database_url)
    store = Store.connect(database_url)
    settings = load_settings(
        {"SLACK_API_URL": own_fake.api_url, "SLACK_BOT_TOKEN": "xoxb-t"}, dotenv_dir=tmp_path
    )
    yield FollowUpSweep(store, installs_for(settings, store), settings.timezone)
    store.close()


def autopsy(sweep: FollowUpSweep, user: str, *, written: datetime, view: str = "V1", **changes) -> int:
    answers = replace(ANSWERS, **changes)
    with sweep.store.write() as work:
        entry, _ = work.autopsies.save(
            team_id="T1",
            user_id=user,
            view_id=view,
            answers=answers,
            created_at=written,
            follow_ups=plan(answers, author_id=user, now=written),
        )
    return entry.id


def states(sweep: FollowUpSweep, autopsy_id: int) -> dict[str, tuple[str, int, str | None]]:
    return {
        f.kind: (f.state, f.attempts, f.last_error)
        for f in follow_ups_of(sweep.store, team_id="T1", autopsy_id=autopsy_id)
    }


WRITTEN = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)  # a Tuesday


def test_each_kind_is_delivered_once_in_working_hours(sweep, own_fake):
    own_fake.zones.update(U1="America/Los_Angeles", U0HELP="Asia/Kolkata")
    touch = date(2027, 2, 17)
    found = autopsy(sweep, "U1", written=WRITTEN, help_from="U0HELP", touch_base_on=touch)

    # 15:00 UTC is 20:30 in Kolkata: the help request waits for the helper's morning.
    report = sweep.run(WRITTEN)
    assert (report.sent, report.postponed) == (0, 1)
    assert sweep.run(datetime(2027, 1, 13, 3, 29, tzinfo=UTC)).sent == 0  # 08:59 in Kolkata
    assert sweep.run(datetime(2027, 1, 13, 3, 30, tzinfo=UTC)).by_kind == {"help_request": 1}
    [help_dm] = own_fake.delivered("chat.postMessage", lambda c: c.args["channel"] == "U0HELP")
    assert "<@U1> lost *Acme Corp*" in json.dumps(help_dm.args["blocks"])

    # The revisit, a week on, in the rep's Los Angeles working hours.
    week = WRITTEN + timedelta(days=7)  # Tuesday 07:00 in LA
    assert sweep.run(week).sent == 0
    assert sweep.run(week + timedelta(hours=2)).by_kind == {"revisit": 1}

    # The touch-base, at 9:00 on its day in LA, never before.
    nine = datetime(2027, 2, 17, 17, 0, tzinfo=UTC)
    assert sweep.run(nine - timedelta(minutes=1)).sent == 0
    assert sweep.run(nine).by_kind == {"touch_base": 1}
    [touch_dm] = own_fake.delivered("chat.postMessage", lambda c: "touch base" in c.args["text"])
    for block in touch_dm.args["blocks"]:
        Block.parse(block).validate_json()
    shown = json.dumps(touch_dm.args["blocks"])
    assert "They hired two engineers instead" in shown and "Ask about build-vs-buy" in shown
    assert "We wanted more control." in shown

    # Sweeping again, at any later time, sends nothing more.
    assert sweep.run(nine + timedelta(days=400)).sent == 0
    assert {kind: state for kind, (state, _, _) in states(sweep, found).items()} == {
        "help_request": "sent",
        "revisit": "sent",
        "touch_base": "sent",
    }
    # users.info once for the two revisit sweeps that day, once more five weeks later (a day's cache)
    assert len(own_fake.find("users.info", lambda c: c.args.get("user") == "U1")) == 2


def test_a_doubled_hour_delivers_once_at_nine_on_monday(sweep, own_fake):
    """Berlin falls back on Sunday 31 October 2027; sweeps every 20 minutes all weekend long."""
    own_fake.zones["U1"] = "Europe/Berlin"
    autopsy(sweep, "U1", written=datetime(2027, 10, 23, 22, 0, tzinfo=UTC), touch_base_on=None)
    moment = datetime(2027, 10, 29, 17, 0, tzinfo=UTC)  # Friday 19:00 in Berlin
    while moment <= datetime(2027, 11, 1, 12, 0, tzinfo=UTC):
        sweep.run(moment)
        moment += timedelta(minutes=20)
    assert len(own_fake.delivered("chat.postMessage", lambda c: c.args["channel"] == "U1")) == 1
    assert len(own_fake.find("chat.postMessage")) == 1
    assert follow_ups_of(sweep.store, team_id="T1", autopsy_id=1)[0].sent_at == datetime(
        2027, 11, 1, 8, 0, tzinfo=UTC
    )  # Monday 09:00 CET


def test_slack_faults_are_retried_until_one_delivery(sweep, own_fake):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    own_fake.fail(
        "chat.postMessage",
        Fault(status=500),
        Fault(status=429, retry_after=1),
        Fault(drop=True),
        Fault(status=503),
    )
    first = sweep.run(WRITTEN)  # slack_sdk retries 500 and 429 in place; then the drop and 503 win
    assert (first.sent, first.retrying) == (0, 1)
    [(state, attempts, error)] = states(sweep, found).values()
    assert (state, attempts) == ("pending", 1) and error
    assert sweep.run(WRITTEN + timedelta(seconds=30)).sent == 0  # not yet: backing off
    sent = sum(sweep.run(WRITTEN + timedelta(minutes=m)).sent for m in (1, 3, 7, 15, 31))
    assert sent == 1
    outcomes = [call.outcome for call in own_fake.find("chat.postMessage")]
    assert outcomes.count("ok") == 1 and {"http:500", "http:429", "dropped", "http:503"} <= set(outcomes)
    state, attempts, error = states(sweep, found)["revisit"]
    assert state == "sent" and attempts >= 1 and error is None
    assert sweep.run(WRITTEN + timedelta(days=30)).sent == 0


def test_a_rate_limit_is_honoured_beyond_the_inline_retries(sweep, own_fake):
    autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    own_fake.fail("chat.postMessage", Fault(status=429, retry_after=600))
    assert sweep.run(WRITTEN).retrying == 1
    assert sweep.run(WRITTEN + timedelta(minutes=9)).sent == 0  # Retry-After 600 s beats a 1-minute backoff
    assert sweep.run(WRITTEN + timedelta(minutes=10)).sent == 1


def test_a_permanent_error_marks_it_failed_and_stops(sweep, own_fake):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    own_fake.fail("chat.postMessage", Fault(error="account_inactive"))
    assert sweep.run(WRITTEN).failed == 1
    assert states(sweep, found)["revisit"] == ("failed", 1, "account_inactive")
    assert sweep.run(WRITTEN + timedelta(days=2)).sent == 0
    assert len(own_fake.find("chat.postMessage")) == 1


def test_a_claim_abandoned_mid_send_is_delivered_after_its_lease(sweep, own_fake):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    with sweep.store.write() as work:
        [claimed] = work.follow_ups.claim_due(now=WRITTEN, limit=5, lease=LEASE)  # then the process "dies"
    assert sweep.run(WRITTEN + timedelta(minutes=1)).sent == 0
    assert sweep.run(WRITTEN + LEASE).sent == 1
    assert states(sweep, found)["revisit"][0] == "sent" and claimed.follow_up.state == "sending"
    assert len(own_fake.delivered("chat.postMessage")) == 1


class Crash(BaseException):
    """A process killed between Slack's ok and the database's "sent"."""


def crash(*_args, **_kwargs):
    raise Crash


def test_a_dm_delivered_just_before_a_crash_is_not_sent_again(sweep, own_fake, monkeypatch, caplog):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    with monkeypatch.context() as patched:
        patched.setattr(FollowUps, "mark_sent", crash)
        with pytest.raises(Crash):
            sweep.run(WRITTEN)
    [dm] = own_fake.delivered("chat.postMessage")
    assert dm.args["metadata"] == {"event_type": "rebound_follow_up", "event_payload": {"key": str(found)}}
    assert states(sweep, found)["revisit"][0] == "sending"

    # Meanwhile 250 thank-you DMs reach the same person: the receipt is on the history's 2nd page.
    later = WebClient(token="xoxb-t", base_url=own_fake.api_url)
    for n in range(250):
        later.chat_postMessage(channel="U1", text=f"Thank you {n}")

    # The next sweep after the lease finds the DM in the conversation and only records it.
    with caplog.at_level(logging.INFO, logger="rebound.followups"):
        assert sweep.run(WRITTEN + LEASE).sent == 1
    assert len(own_fake.find("chat.postMessage")) == 251
    assert len(own_fake.find("conversations.history")) == 2
    [row] = follow_ups_of(sweep.store, team_id="T1", autopsy_id=found)
    assert (row.state, row.message_ts, row.attempts) == ("sent", dm.answer["ts"], 1)
    assert "before an interruption; not sending it twice" in caplog.text


def test_a_dm_lost_in_the_crash_is_sent_after_the_lease(sweep, own_fake, monkeypatch):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    own_fake.fail("chat.postMessage", Fault(drop=True), Fault(drop=True), Fault(drop=True))
    with monkeypatch.context() as patched:
        patched.setattr(FollowUps, "postpone", crash)  # dies while giving the failed try back
        with pytest.raises(Crash):
            sweep.run(WRITTEN)
    assert own_fake.delivered("chat.postMessage") == []
    assert sweep.run(WRITTEN + LEASE).sent == 1
    assert len(own_fake.delivered("chat.postMessage")) == 1
    assert [c.args["channel"] for c in own_fake.delivered("conversations.history")] == ["D1"]
    assert states(sweep, found)["revisit"][0] == "sent"


def test_a_snoozed_reminder_comes_back_even_after_an_interrupted_try(sweep, own_fake):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    assert sweep.run(WRITTEN).sent == 1
    [row] = follow_ups_of(sweep.store, team_id="T1", autopsy_id=found)
    later = WRITTEN + timedelta(days=7)
    with sweep.store.write() as work:
        _, changed = work.follow_ups.answer(
            team_id="T1", user_id="U1", follow_up_id=row.id, state="snoozed", now=WRITTEN, due_at=later
        )
    assert changed
    with sweep.store.write() as work:
        work.follow_ups.claim_due(now=later, limit=5, lease=LEASE)  # and that sweep dies
    # The first delivery carries the same receipt, but it came before the snooze: send again.
    assert sweep.run(later + LEASE).sent == 1
    assert len(own_fake.delivered("chat.postMessage")) == 2


def test_without_the_history_scope_it_sends_again_rather_than_never(sweep, own_fake, caplog):
    """A workspace installed before im:history: at least once beats not at all."""
    autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    with sweep.store.write() as work:
        work.follow_ups.claim_due(now=WRITTEN, limit=5, lease=LEASE)  # the sweep dies
    own_fake.fail("conversations.history", Fault(error="missing_scope"))
    with caplog.at_level(logging.WARNING, logger="rebound.receipts"):
        assert sweep.run(WRITTEN + LEASE).sent == 1
    assert "Could not read D1 to check for an earlier delivery (missing_scope); sending again" in caplog.text


def test_a_message_that_cannot_be_drawn_fails_once_instead_of_retrying(sweep, own_fake, monkeypatch):
    found = autopsy(sweep, "U1", written=WRITTEN - timedelta(days=7), touch_base_on=None)
    too_long = Message(text="x", blocks=[SectionBlock(text="x" * 3001)])  # over Slack's 3,000
    monkeypatch.setattr(follow_up_dms, "build", lambda *_args, **_kwargs: too_long)
    report = sweep.run(WRITTEN)
    assert (report.failed, report.retrying, report.sent) == (1, 0, 0)
    state, attempts, error = states(sweep, found)["revisit"]
    assert (state, attempts) == ("failed", 1) and error.startswith("invalid message")
    assert own_fake.find("chat.postMessage") == []
    assert sweep.run(WRITTEN + timedelta(hours=2)).failed == 0  # not picked up again
