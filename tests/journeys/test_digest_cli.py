"""`rebound digest` as an operator runs it: --dry-run, once per week, two processes at once on
PostgreSQL, and `rebound worker` posting a missed digest when it starts.

The session's fake Slack is shared with other tests, so every assertion is about a channel
no other test uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from playground.emulator import TEAM_ID, SlackEmulator
from storage import Store, upgrade
from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.databases import postgres_schema
from tests.support.examples import IN_WEEK, save_lesson
from tests.support.slack_requests import unique

AS_OF = "2026-11-27T16:00:00+00:00"  # Friday 16:00 UTC: the default digest moment


def prepared(database_url: str, *, autopsies: int = 3) -> None:
    upgrade(database_url)
    store = Store.connect(database_url)
    try:
        for number in range(autopsies):
            save_lesson(store, f"U{number}", team=TEAM_ID, deal_name=f"Deal {number}", at=IN_WEEK)
    finally:
        store.close()


def posted(fake: SlackEmulator, channel: str) -> list:
    return fake.delivered("chat.postMessage", lambda call: call.args.get("channel") == channel)


def test_dry_run_prints_the_digest_and_sends_nothing(fake, tmp_path):
    channel = unique("C")
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    prepared(url)
    env = bot_env(fake, url, REBOUND_DIGEST_CHANNEL=channel)
    done = rebound("digest", "--team", TEAM_ID, "--as-of", AS_OF, "--dry-run", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [printed] = json.loads(done.stdout)
    assert (printed["team_id"], printed["week"], printed["channel"]) == (TEAM_ID, "2026-W48", channel)
    for block in printed["blocks"]:
        Block.parse(block).validate_json()
    assert "*3 deals lost*" in json.dumps(printed["blocks"])
    assert posted(fake, channel) == []
    store = Store.connect(url)
    with store.read() as work:
        assert work.digests.get(team_id=TEAM_ID, week="2026-W48") is None  # nothing claimed
    store.close()


def test_the_digest_command_posts_once_and_says_so(fake, tmp_path):
    channel = unique("C")
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    prepared(url)
    env = bot_env(fake, url, REBOUND_DIGEST_CHANNEL=channel)
    first = rebound("digest", "--team", TEAM_ID, "--as-of", AS_OF, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"Weekly digest {TEAM_ID} 2026-W48: posted (in {channel}" in first.stdout
    # An hour later (a mistaken re-run, or the scheduler): no second post.
    again = rebound("digest", "--team", TEAM_ID, "--as-of", "2026-11-27T17:00:00Z", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already posted" in again.stdout
    assert len(posted(fake, channel)) == 1


def test_without_a_channel_the_command_says_what_to_set(fake, tmp_path):
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    done = rebound("digest", "--team", "T0NOCHANNEL", env=bot_env(fake, url), cwd=tmp_path)
    assert done.returncode == 1
    assert "no channel (set REBOUND_DIGEST_CHANNEL or choose one in App Home)" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_bad_as_of_is_one_line(fake, tmp_path):
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    done = rebound("digest", "--as-of", "next friday", env=bot_env(fake, url), cwd=tmp_path)
    assert done.returncode == 2 and "ISO 8601" in done.stderr and "Traceback" not in done.stderr


def test_two_processes_at_once_post_one_digest(fake, tmp_path):
    for _ in range(3):  # three rounds, each on an empty database: a race lost once would show
        with postgres_schema() as url:
            channel = unique("C")
            prepared(url)
            env = bot_env(fake, url, REBOUND_DIGEST_CHANNEL=channel)
            with fake.slow("chat.postMessage", 0.05):  # a slow Slack widens the window for a double post
                runs = [
                    subprocess.Popen(
                        [sys.executable, "-m", "rebound", "digest", "--team", TEAM_ID, "--as-of", AS_OF],
                        env=env,
                        cwd=tmp_path,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for _ in range(2)
                ]
                outputs = [run.communicate(timeout=60) for run in runs]
            assert all(run.returncode == 0 for run in runs), outputs
            said = " ".join(out for out, _ in outputs)
            assert said.count(": posted") == 1, said
            assert said.count("already posted") + said.count("another process is posting it") == 1, said
            assert len(posted(fake, channel)) == 1


def test_the_worker_posts_a_missed_digest_when_it_starts(fake, tmp_path):
    """Down at the due moment and started later the same week: the digest goes out, once."""
    channel = unique("C")
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    upgrade(url)
    store = Store.connect(url)
    now = datetime.now(UTC)
    try:
        save_lesson(store, "U1", team=TEAM_ID, deal_name="Missed Co", at=now - timedelta(hours=30))
    finally:
        store.close()
    # Due an hour ago: today's weekday, at the hour before now (UTC).
    due = now - timedelta(hours=1)
    env = bot_env(
        fake,
        url,
        REBOUND_DIGEST_CHANNEL=channel,
        REBOUND_DIGEST_DAY=due.strftime("%a").lower(),
        REBOUND_DIGEST_TIME=due.strftime("%H:%M"),
    )
    worker = start_bot(env, tmp_path, command="worker", wait_healthy=False)
    try:
        [post] = fake.wait_for(
            "chat.postMessage", lambda call: call.args.get("channel") == channel, timeout=30
        )
        assert "Missed Co" in json.dumps(post.args["blocks"])
        time.sleep(1)
    finally:
        worker.stop()
    assert len(posted(fake, channel)) == 1
