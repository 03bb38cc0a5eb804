"""The weekly digest, on SQLite and PostgreSQL, against a fake Slack of its own: what it says
(and never says), Slack's limits, once per week through restarts and retries, time zones."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import update

from bot.config import load_settings
from bot.digest.posting import DigestSweep
from bot.slack.installs import installs_for
from bot.sweep import LEASE
from playground.emulator import TEAM_ID, Call, Fault, SlackEmulator
from storage import FollowUp, Store, upgrade
from storage.digests import Digests
from tests.support.buyer_answering import asking, buyer_answers
from tests.support.examples import IN_WEEK, save_lesson

TEAM = TEAM_ID  # the workspace the fake says the bot token belongs to
CHANNEL = "C0LESSONS"
# Friday 27 November 2026, 16:00 UTC: the default digest moment. Its week starts Friday 20th.
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


@pytest.fixture
def own_fake() -> Iterator[SlackEmulator]:
    server = SlackEmulator().start()
    yield server
    server.stop()


def make_sweep(store: Store, fake: SlackEmulator, tmp_path: Path, **env: str) -> DigestSweep:
    settings = load_settings(
        {
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": "xoxb-t",
            "REBOUND_DIGEST_CHANNEL": CHANNEL,
            **env,
        },
        dotenv_dir=tmp_path,
    )
    return DigestSweep(store, installs_for(settings, store), settings)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    upgrade(database_url)
    store = Store.connect(database_url)
    yield store
    store.close()


@pytest.fixture
def sweep(store: Store, own_fake: SlackEmulator, tmp_path: Path) -> DigestSweep:
    return make_sweep(store, own_fake, tmp_path)


def answer(store: Store, autopsy_id: int, state: str, at: datetime) -> None:
    """The rep answered the touch-base reminder at `at` (reached out: done; or won back)."""
    with store.write() as work:
        session = work.session
        session.execute(
            update(FollowUp).where(FollowUp.autopsy_id == autopsy_id).values(state=state, closed_at=at)
        )


def posts(fake: SlackEmulator, channel: str = CHANNEL) -> list[Call]:
    return fake.delivered("chat.postMessage", lambda call: call.args.get("channel") == channel)


def shown(call: Call) -> str:
    """Everything a digest post shows, line by line: each block's text, then the notification text."""
    texts = []
    for block in call.args["blocks"]:
        parts = [block.get("text") or {}, *block.get("elements", []), *block.get("fields", [])]
        texts.extend(part["text"] for part in parts if isinstance(part, dict) and "text" in part)
    return "\n".join([*texts, call.args.get("text", "")])


def valid(call: Call) -> list[dict[str, Any]]:
    blocks = call.args["blocks"]
    assert 0 < len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # section text <= 3000, header <= 150, ...
    return blocks


def realistic_week(store: Store) -> dict[str, int]:
    ids = {
        "named_1": save_lesson(
            store,
            "U0ANNA",
            deal_name="Acme Corp",
            deal_value_cents=4_800_000,
            winner="competitor",
            competitor="Globex",
            main_reason="price",
            check_listened="yes",
        ),
        "named_2": save_lesson(
            store,
            "U0BEN",
            deal_name="Initech",
            winner="competitor",
            competitor="globex ",
            main_reason="price",
            lesson="Bring the engineer to the second call.",
        ),
        "named_3": save_lesson(
            store,
            "U0CARA",
            deal_name="Umbrella",
            winner="no_decision",
            main_reason="timing",
            lesson="Ask who signs before the demo.",
        ),
        "anonymous_1": save_lesson(
            store,
            "U0DAN",
            deal_name="Secret Co",
            sharing="anonymous",
            deal_value_cents=9_900_000,
            winner="in_house",
            main_reason="price",
            lesson="Price the pilot, not the platform.",
        ),
        "anonymous_2": save_lesson(
            store,
            "U0EVE",
            deal_name="Hooli",
            sharing="anonymous",
            winner="competitor",
            competitor="Globex",
            lesson="Listen before pitching.",
        ),
        "private_1": save_lesson(
            store,
            "U0FAY",
            deal_name="Hidden Inc",
            sharing="private",
            deal_value_cents=123_400,
            lesson="PRIVATE LESSON",
        ),
        "earlier": save_lesson(store, "U0GUS", deal_name="Last Week LLC", at=DUE - timedelta(days=8)),
        "later": save_lesson(store, "U0HAL", deal_name="Next Week Ltd", at=DUE + timedelta(minutes=1)),
    }
    answer(store, ids["earlier"], "won_back", IN_WEEK)  # shared, won back this week
    answer(store, ids["named_2"], "done", IN_WEEK)  # reached out this week
    answer(store, ids["private_1"], "won_back", IN_WEEK)  # private: not counted
    return ids


def test_a_realistic_week_shows_what_is_shared_and_nothing_else(store, sweep, own_fake):
    realistic_week(store)
    [outcome] = sweep.run(DUE)
    assert outcome.result == "posted"
    [post] = posts(own_fake)
    blocks, text = valid(post), shown(post)
    assert blocks[0]["text"]["text"] == "Lessons learned · week to Fri 27 Nov 2026"
    summary = blocks[1]["text"]["text"]
    # Won back comes first; then the week, counting shared autopsies only, valued by named ones only.
    assert summary.index("1 deal won back this week") < summary.index("*5 deals lost*")
    assert "named deals worth 48,000 in all" in summary and "2 follow-ups done" in summary
    for lesson in (
        "Ask about build-vs-buy",
        "Bring the engineer",
        "Ask who signs",
        "Price the pilot",
        "Listen before",
    ):
        assert lesson in text
    assert "<@U0ANNA>" in text and "<@U0BEN>" in text and "<@U0CARA>" in text
    # Anonymous: no name, no value; private: nowhere at all.
    assert text.count("shared anonymously") == 2
    for never in (
        "U0DAN",
        "U0EVE",
        "99,000",
        "U0FAY",
        "Hidden Inc",
        "PRIVATE LESSON",
        "1,234",
        "Last Week",
        "Next Week",
    ):
        assert never not in text
    assert "*Secret Co*" in text  # deal names of anonymous lessons show unless the workspace hides them
    # Patterns: 5 autopsies, so the breakdowns show; Globex ranked first across spellings.
    assert "1. Globex: 3\n2. They built it in-house: 1\n3. No decision: 1" in text
    assert "Price 3" in text and "Timing or budget 1" in text
    assert "Did I really listen to the prospect's needs? 1 / 4 / 0 · no trend yet" in text
    assert "too few" not in text


def test_the_customer_s_words_show_as_their_autopsy_is_shared_with_how_often_reps_agreed(
    store, sweep, own_fake
):
    ids = realistic_week(store)

    def answers(name: str, at: datetime = IN_WEEK, **said: object) -> None:
        buyer_answers(store, team_id=TEAM, autopsy_id=ids[name], at=at, **said)

    hostile = "<!channel> *Call* <@U0EVIL> first — سلام 👋"
    answers("named_1", main_reason="price", changed_mind="A pilot at half the price.")  # the rep said price
    answers("named_3", main_reason="relationship", changed_mind=hostile)  # the rep said timing
    answers("anonymous_1", main_reason="other", other_reason="Your CEO's tweet")  # the rep said price
    answers("anonymous_2", main_reason="timing", working_score=2)  # the rep named no reason
    answers("private_1", main_reason="price", changed_mind="PRIVATE BUYER WORDS")
    answers("earlier", IN_WEEK + timedelta(hours=1), changed_mind="Call us in spring.")  # last week's deal
    answers("later", DUE + timedelta(minutes=5), changed_mind="NEXT WEEK'S WORDS")
    asking(store).link(team_id=TEAM, autopsy_id=ids["named_2"], now=IN_WEEK)  # asked, not answered

    [outcome] = sweep.run(DUE)
    assert outcome.result == "posted"
    [post] = posts(own_fake)
    valid(post)
    text = shown(post)
    said = text[text.index("*In the customer's words*") : text.index("*Self-check")]
    assert (
        "*Acme Corp* · their main reason: The price\nWhat would have changed their mind:\n"
        ">A pilot at half the price.\n— <@U0ANNA>'s customer"
    ) in said
    assert "*Umbrella* · their main reason: The relationship or trust" in said
    assert "&lt;!channel&gt; \u2217Call\u2217 &lt;@U0EVIL&gt; first — سلام 👋\n— <@U0CARA>'s customer" in said
    assert "*Secret Co* · their main reason: Something else: Your CEO's tweet" in said
    assert "*Hooli* · their main reason: The timing or the budget\n— a customer, shared anonymously" in said
    assert "*Last Week LLC*\nWhat would have changed their mind:\n>Call us in spring." in said
    assert said.count("— a customer, shared anonymously") == 2 and "U0DAN" not in text and "U0EVE" not in text
    for never in ("Hidden Inc", "PRIVATE BUYER WORDS", "U0FAY", "NEXT WEEK'S WORDS", "Initech", "<!channel>"):
        assert never not in said, never
    # Acme agreed; Umbrella and Secret Co did not; Hooli's rep named no reason; private: not counted.
    assert "*Rep and customer named the same main reason* in 1 of 3 answers this week." in text


def test_two_buyers_answering_show_their_words_but_no_comparison(store, own_fake, tmp_path):
    with store.write() as work:
        work.workspaces.save_settings(TEAM, hide_anonymous_deal_names=True, empty_week_note=False, now=DUE)
    last_week = IN_WEEK - timedelta(weeks=1)
    named = save_lesson(store, "U1", at=last_week, deal_name="Open Co", main_reason="price")
    anonymous = save_lesson(
        store, "U2", at=last_week, deal_name="Secret Co", sharing="anonymous", main_reason="price"
    )
    for autopsy_id in (named, anonymous):
        buyer_answers(store, team_id=TEAM, autopsy_id=autopsy_id, at=IN_WEEK, main_reason="price")
    [outcome] = make_sweep(store, own_fake, tmp_path).run(DUE)
    assert outcome.result == "posted"  # no deal lost this week, but not a quiet one: buyers spoke
    text = shown(posts(own_fake)[0])
    assert "*No deals lost*" in text and "A quiet week" not in text
    assert "*Open Co* · their main reason: The price" in text
    assert "*A deal* · their main reason: The price\n— a customer, shared anonymously" in text
    assert "Secret Co" not in text and "U2" not in text
    assert "Rep and customer" not in text and "2 of 2" not in text


def test_the_self_check_trend_compares_with_the_four_weeks_before(store, sweep, own_fake):
    for week_back in range(1, 5):
        save_lesson(store, "U0OLD", at=IN_WEEK - timedelta(weeks=week_back), check_timing="no")
    for user in ("U1", "U2", "U3", "U4"):
        save_lesson(store, user, check_timing="yes")
    sweep.run(DUE)
    text = shown(posts(own_fake)[0])
    assert "Did I miss the timing because I didn't follow up well? 4 / 0 / 0 · Yes 100% ↑ from 0%" in text


def test_fewer_than_three_shared_autopsies_show_no_breakdown(store, sweep, own_fake):
    save_lesson(store, "U1", competitor="Globex")
    save_lesson(store, "U2", competitor="Globex")
    save_lesson(store, "U3", sharing="private")
    save_lesson(store, "U4", sharing="private")
    sweep.run(DUE)
    text = shown(posts(own_fake)[0])
    assert text.count("too few this week to show a pattern") == 3
    assert "Globex: 2" not in text and "Yes / Partly / No" not in text
    assert "*2 deals lost*" in text


def test_an_empty_week_gets_a_friendly_note_or_nothing(store, own_fake, tmp_path):
    save_lesson(store, "U1", sharing="private")  # private only: still a quiet week to the team
    sweep = make_sweep(store, own_fake, tmp_path)
    [outcome] = sweep.run(DUE)
    [post] = posts(own_fake)
    assert "A quiet week" in shown(post) and outcome.result == "posted"
    valid(post)

    with store.write() as work:
        work.workspaces.save_settings("T2", empty_week_note=False, digest_channel="C0QUIET", now=DUE)
    quiet = make_sweep(store, own_fake, tmp_path)
    outcomes = {outcome.team_id: outcome.result for outcome in quiet.run(DUE)}
    assert outcomes == {"T2": "skipped"}
    assert posts(own_fake, "C0QUIET") == []
    with store.read() as work:
        assert work.digests.get(team_id="T2", week="2026-W48").state == "skipped"


def test_hidden_deal_names_keep_anonymous_lessons_anonymous(store, own_fake, tmp_path):
    with store.write() as work:
        work.workspaces.save_settings(TEAM, hide_anonymous_deal_names=True, now=DUE)
    save_lesson(store, "U1", deal_name="Secret Co", sharing="anonymous")
    save_lesson(store, "U2", deal_name="Open Co")
    make_sweep(store, own_fake, tmp_path).run(DUE)
    text = shown(posts(own_fake)[0])
    assert "Secret Co" not in text and "*A deal*" in text and "*Open Co*" in text


def test_three_hundred_lessons_make_one_valid_post_that_says_how_many_more(store, sweep, own_fake):
    worst = {"deal_name": "&" * 150, "lesson": "<" * 300, "competitor": ">" * 80, "winner": "competitor"}
    for number in range(300):
        save_lesson(store, f"U{number:04d}", at=IN_WEEK + timedelta(seconds=number), **worst)
    sweep.run(DUE)
    [post] = posts(own_fake)
    blocks = valid(post)
    assert len(blocks) <= 50
    assert "*300 deals lost*" in shown(post)
    assert "…and 280 more lessons" in shown(post)


def test_once_per_week_through_double_runs_and_restarts(store, own_fake, tmp_path):
    save_lesson(store, "U1")
    first = make_sweep(store, own_fake, tmp_path)
    assert first.run(DUE - timedelta(minutes=1)) == []  # not due yet
    assert [o.result for o in first.run(DUE)] == ["posted"]
    assert first.run(DUE + timedelta(minutes=1)) == []
    restarted = make_sweep(store, own_fake, tmp_path)
    assert restarted.run(DUE + timedelta(hours=2)) == []
    assert len(posts(own_fake)) == 1
    with store.read() as work:
        row = work.digests.get(team_id=TEAM, week="2026-W48")
    assert (row.state, row.channel_id) == ("posted", CHANNEL) and row.message_ts


def test_a_restart_after_the_due_time_catches_up_within_three_days(store, own_fake, tmp_path):
    save_lesson(store, "U1")
    # Down all weekend: back on Monday morning, the Friday digest goes out then, once.
    back = make_sweep(store, own_fake, tmp_path)
    assert [o.result for o in back.run(DUE + timedelta(days=2, hours=17))] == ["posted"]
    # Down for four days the next week: that digest is stale, and marked missed; none is posted.
    assert back.run(DUE + timedelta(days=11)) == []
    with store.read() as work:
        assert work.digests.get(team_id=TEAM, week="2026-W49").state == "missed"
    assert len(posts(own_fake)) == 1


def test_a_missed_weeks_lessons_come_in_the_next_digest(store, own_fake, tmp_path):
    # Shared in the week to Friday 27 Nov; nothing sweeps until Thursday 3 Dec (Rebound was down,
    # or the playground's clock jumped a week): too late for that Friday's digest.
    save_lesson(store, "U1", deal_name="Carried Co", lesson="Ask about the budget cycle early.")
    sweep = make_sweep(store, own_fake, tmp_path)
    assert sweep.run(DUE + timedelta(days=6)) == []
    [outcome] = sweep.run(DUE + timedelta(days=7))  # Friday 4 Dec: it carries the week before
    assert outcome.result == "posted"
    [carried] = posts(own_fake)
    assert "Ask about the budget cycle early." in shown(carried)
    assert "Lessons learned · 2 weeks to Fri 4 Dec 2026" in shown(carried)
    assert "reaches back to Fri 20 Nov" in shown(carried) and "Lessons of these 2 weeks" in shown(carried)
    valid(carried)
    # The week after is one week again, and does not repeat the lesson.
    save_lesson(store, "U2", at=DUE + timedelta(days=9), lesson="One week only.")
    sweep.run(DUE + timedelta(days=14))
    after = posts(own_fake)[-1]
    assert "Lessons learned · week to Fri 11 Dec 2026" in shown(after)
    assert "One week only." in shown(after) and "budget cycle" not in shown(after)


def test_slack_failures_are_retried_like_follow_ups(store, sweep, own_fake):
    save_lesson(store, "U1")
    # Three 500s: slack_sdk's own two retries and the first try all fail; the sweep backs off.
    own_fake.fail("chat.postMessage", Fault(status=500), Fault(status=500), Fault(status=500))
    [outcome] = sweep.run(DUE)
    assert outcome.result == "retrying"
    assert sweep.run(DUE + timedelta(seconds=30)) == []  # backoff: 1 minute
    own_fake.fail("chat.postMessage", Fault(status=429, retry_after=300))
    assert [o.result for o in sweep.run(DUE + timedelta(minutes=1))] == ["retrying"]
    assert sweep.run(DUE + timedelta(minutes=4)) == []  # Retry-After: 5 minutes
    assert [o.result for o in sweep.run(DUE + timedelta(minutes=6))] == ["posted"]
    assert len(posts(own_fake)) == 1
    with store.read() as work:
        assert work.digests.get(team_id=TEAM, week="2026-W48").attempts == 2


def test_the_bot_joins_a_public_channel_and_says_so_for_a_private_one(store, own_fake, tmp_path, caplog):
    save_lesson(store, "U1")
    own_fake.outside.add(CHANNEL)
    assert [o.result for o in make_sweep(store, own_fake, tmp_path).run(DUE)] == ["posted"]
    assert [c.args["channel"] for c in own_fake.delivered("conversations.join")] == [CHANNEL]
    assert len(posts(own_fake)) == 1

    with store.write() as work:
        work.workspaces.save_settings("T2", digest_channel="G0SECRET", now=DUE)
    save_lesson(store, "U2", team="T2")
    own_fake.private.add("G0SECRET")
    with caplog.at_level(logging.WARNING, logger="rebound.digest"):
        outcomes = {
            o.team_id: o for o in make_sweep(store, own_fake, tmp_path).run(DUE + timedelta(minutes=1))
        }
    assert outcomes["T2"].result == "failed"
    assert "invite Rebound there (/invite @Rebound)" in caplog.text
    with store.read() as work:
        assert work.digests.get(team_id="T2", week="2026-W48").state == "failed"
    # Invited now, the operator posts it by hand.
    own_fake.private.discard("G0SECRET")
    retried = make_sweep(store, own_fake, tmp_path).post_now("T2", DUE + timedelta(hours=1))
    assert retried.result == "posted" and len(posts(own_fake, "G0SECRET")) == 1


def test_the_chart_is_uploaded_with_the_digest_and_its_failure_costs_nothing(store, sweep, own_fake, caplog):
    for weeks_back in range(12):
        save_lesson(store, "U1", at=IN_WEEK - timedelta(weeks=weeks_back))
    sweep.run(DUE)
    [complete] = own_fake.delivered("files.completeUploadExternal")
    assert complete.args["channel_id"] == CHANNEL
    [picture] = own_fake.uploads.values()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 5_000

    own_fake.fail("files.getUploadURLExternal", Fault(error="ratelimited"))
    with caplog.at_level(logging.WARNING, logger="rebound.digest"):
        next_week = sweep.run(DUE + timedelta(weeks=1))
    assert [o.result for o in next_week] == ["posted"]
    assert "posted without its chart" in caplog.text
    assert len(posts(own_fake)) == 2


def test_the_chart_can_be_turned_off(store, own_fake, tmp_path):
    with store.write() as work:
        work.workspaces.save_settings(TEAM, digest_chart=False, now=DUE)
    save_lesson(store, "U1")
    make_sweep(store, own_fake, tmp_path).run(DUE)
    assert len(posts(own_fake)) == 1
    assert own_fake.find("files.getUploadURLExternal") == []


def test_no_channel_no_digest_and_one_log_line(store, own_fake, tmp_path, caplog):
    save_lesson(store, "U1")
    sweep = make_sweep(store, own_fake, tmp_path, REBOUND_DIGEST_CHANNEL="")
    with caplog.at_level(logging.INFO, logger="rebound.digest"):
        assert sweep.run(DUE) == [] and sweep.run(DUE + timedelta(minutes=1)) == []
    assert caplog.text.count(f"No weekly digest for {TEAM}: no channel is set") == 1
    assert own_fake.find("chat.postMessage") == []


def test_an_autopsy_belongs_to_the_week_of_its_workspace_zone(store, own_fake, tmp_path):
    # Written Friday 27 Nov at 17:00 UTC: after the UTC digest moment, before New York's (21:00 UTC).
    with store.write() as work:
        work.workspaces.save_settings("T_NY", timezone="America/New_York", digest_channel="C0NY", now=DUE)
    with store.write() as work:
        work.workspaces.save_settings("T_UTC", digest_channel="C0UTC", now=DUE)
    for team in ("T_NY", "T_UTC"):
        save_lesson(
            store, "U1", team=team, deal_name="Late Friday deal", at=datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
        )
    sweep = make_sweep(store, own_fake, tmp_path)
    sweep.run(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert "Late Friday deal" in shown(posts(own_fake, "C0NY")[0])
    assert "Late Friday deal" not in shown(posts(own_fake, "C0UTC")[0])  # this week's, for next Friday


def test_a_digest_posted_just_before_a_crash_is_not_posted_again(store, sweep, own_fake, monkeypatch):
    save_lesson(store, "U1")

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt  # the process dies between Slack's ok and the database's "posted"

    with monkeypatch.context() as patched:
        patched.setattr(Digests, "mark_posted", crash)
        with pytest.raises(KeyboardInterrupt):
            sweep.run(DUE)
    [post] = posts(own_fake)
    assert post.args["metadata"]["event_payload"] == {"key": "2026-W48"}
    with store.read() as work:
        assert work.digests.get(team_id=TEAM, week="2026-W48").state == "sending"

    assert sweep.run(DUE + timedelta(minutes=1)) == []  # the lease still holds it
    assert [o.result for o in sweep.run(DUE + LEASE)] == ["posted"]
    assert posts(own_fake) == [post]
    with store.read() as work:
        row = work.digests.get(team_id=TEAM, week="2026-W48")
    assert (row.state, row.message_ts, row.last_error) == ("posted", post.answer["ts"], None)


def test_the_month_s_first_digest_shows_six_months_of_losses_and_the_next_week_s_does_not(
    store, sweep, own_fake
):
    first = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # the first Friday of December
    with store.write() as work:  # no 12-week picture: the trend is in the post itself
        work.workspaces.save_settings(TEAM, now=first, digest_chart=False)
    for month, times in ((6, 1), (8, 2), (9, 1), (11, 3)):
        for _ in range(times):
            save_lesson(
                store,
                "U0ANNA",
                at=datetime(2026, month, 15, 10, tzinfo=UTC),
                main_reason="price",
                winner="competitor",
                competitor="Initech",
            )
    save_lesson(store, "U0BEN", at=datetime(2026, 11, 16, tzinfo=UTC), main_reason="price", sharing="private")
    for week_ends in (first, first + timedelta(days=7)):  # each week a lesson, so each digest is posted
        save_lesson(store, "U0ANNA", at=week_ends - timedelta(days=1), main_reason="timing")
    [december] = sweep.run(first)
    [next_week] = sweep.run(first + timedelta(days=7))
    assert december.ok and next_week.ok
    [monthly, weekly] = posts(own_fake)
    valid(monthly)
    text = shown(monthly)
    assert "Lost deals per month, Jun 2026 to Nov 2026" in text
    assert "*Price*  `▃▁▆▃▁█`  1 · 0 · 2 · 1 · 0 · 3  (7 deals; 0 actions made) · _early signal_" in text
    assert "*Initech*  `▃▁▆▃▁█`  1 · 0 · 2 · 1 · 0 · 3" in text
    assert "Lost deals per month" not in shown(weekly)
