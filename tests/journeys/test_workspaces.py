"""Many workspaces: Bolt's OAuth install into Rebound's database, each workspace's own token,
tenant isolation with the same user IDs and deal names, uninstall, and `rebound purge`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import ids
from playground.emulator import Fault, SlackEmulator, new_trigger_id
from storage import Store
from tests.support.app_home_views import home_click, menu, modal_for
from tests.support.bot_process import Bot, bot_env, rebound, start_bot
from tests.support.buyer_answering import buyer_answers_in
from tests.support.lost_deal_form import FORM_ANSWERS, open_form, submit
from tests.support.moments import weekday_noon
from tests.support.oauth_installs import CLIENT_ID, CLIENT_SECRET, install
from tests.support.slack_requests import (
    FORM,
    JSON,
    event_callback,
    fill_form,
    send,
    slash_command,
    unique,
    view_submission,
)


@pytest.fixture
def oauth_bot(fake: SlackEmulator, tmp_path: Path) -> Iterator[Bot]:
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    del env["SLACK_BOT_TOKEN"]
    running = start_bot(env, tmp_path, "--no-scheduler")
    yield running
    assert running.stop() == 0, running.log_text()


def installed(bot: Bot, team: str) -> bool:
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.engine.connect() as connection:
            bots = connection.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": team})
            return bool(bots.scalar())
    finally:
        store.close()


def test_two_workspaces_install_and_stay_apart(oauth_bot, fake):
    alpha, beta = unique("T"), unique("T")
    install(oauth_bot, alpha)
    install(oauth_bot, beta)
    # The same person ID and deal name in both workspaces.
    user, helper = unique("U"), unique("U")
    for team in (alpha, beta):
        view = open_form(oauth_bot, fake, "Acme Corp", user=user, team=team)
        answers = {**FORM_ANSWERS, ids.HELP_FROM: helper, ids.LESSON: f"Lesson of {team}"}
        assert submit(oauth_bot, view, answers, user=user, team=team).status == 200
    opened = fake.find("views.open", lambda c: c.token in (f"xoxb-{alpha}", f"xoxb-{beta}"))
    assert {call.token for call in opened} >= {f"xoxb-{alpha}", f"xoxb-{beta}"}  # each with its own token
    [row_a] = oauth_bot.export(alpha)
    [row_b] = oauth_bot.export(beta)
    assert (row_a["lesson"], row_b["lesson"]) == (f"Lesson of {alpha}", f"Lesson of {beta}")

    # Forged: beta's rep names alpha's autopsy; Slack vouches for the sender's own workspace only.
    trigger = menu(oauth_bot, user, beta, f"edit:{row_a['id']}")
    form = {
        **modal_for(fake, menu(oauth_bot, user, beta, f"edit:{row_b['id']}")),
        "private_metadata": str(row_a["id"]),
    }
    hijack = {**FORM_ANSWERS, ids.DEAL: "Acme Corp", ids.LESSON: "HIJACKED"}
    reply = send(
        oauth_bot.events_url, view_submission(form, fill_form(form, hijack), user=user, team=beta), FORM
    )
    assert reply.json()["response_action"] == "errors"
    refused = modal_for(fake, trigger)  # only "not here any more", never alpha's autopsy
    assert "callback_id" not in refused and "Lesson of" not in json.dumps(refused)
    assert oauth_bot.export(alpha)[0]["lesson"] == f"Lesson of {alpha}"
    home_click(oauth_bot, user, beta, {"action_id": ids.EXPORT_MINE, "type": "button"})
    [upload] = fake.wait_for("files.completeUploadExternal", lambda c: c.token == f"xoxb-{beta}")
    export_text = fake.uploads[json.loads(upload.args["files"])[0]["id"]].decode()
    assert f"Lesson of {beta}" in export_text and f"Lesson of {alpha}" not in export_text

    # Sweeps speak to each workspace with its own token.
    sweep = rebound(
        "reminders",
        "--as-of",
        weekday_noon(date.today() + timedelta(days=1)).isoformat(),
        env=oauth_bot.env,
        cwd=oauth_bot.cwd,
    )
    assert sweep.returncode == 0, sweep.stderr
    helps = fake.delivered("chat.postMessage", lambda c: c.args.get("channel") == helper)
    assert sorted(call.token for call in helps) == sorted([f"xoxb-{alpha}", f"xoxb-{beta}"])

    # One digest per workspace and week, each in its own workspace, even when asked twice.
    channel = unique("C")
    now = datetime.now(UTC)
    friday = (now + timedelta(days=(4 - now.weekday()) % 7)).replace(
        hour=16, minute=0, second=0, microsecond=0
    )
    as_of = (friday if friday > now else friday + timedelta(days=7)).isoformat()  # the week that holds now
    env = {**oauth_bot.env, "REBOUND_DIGEST_CHANNEL": channel}
    for _ in range(2):
        done = rebound("digest", "--as-of", as_of, env=env, cwd=oauth_bot.cwd)
        assert done.returncode == 0, done.stdout + done.stderr
    posted = fake.delivered("chat.postMessage", lambda c: c.args.get("channel") == channel)
    assert sorted(call.token for call in posted) == sorted([f"xoxb-{alpha}", f"xoxb-{beta}"])
    assert all("Lesson of" in json.dumps(call.args["blocks"]) for call in posted)
    for call in posted:
        team = call.token.removeprefix("xoxb-")
        other = beta if team == alpha else alpha
        assert f"Lesson of {team}" in json.dumps(call.args["blocks"])
        assert f"Lesson of {other}" not in json.dumps(call.args["blocks"])


def test_an_uninstalled_workspace_stops_and_its_data_waits_for_purge(oauth_bot, fake):
    alpha, beta = unique("T"), unique("T")
    install(oauth_bot, alpha)
    install(oauth_bot, beta)
    user, helper = unique("U"), unique("U")
    for team in (alpha, beta):
        view = open_form(oauth_bot, fake, "Initech", user=user, team=team)
        assert (
            submit(oauth_bot, view, {**FORM_ANSWERS, ids.HELP_FROM: helper}, user=user, team=team).status
            == 200
        )
    uninstalled = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    assert send(oauth_bot.events_url, event_callback(uninstalled, team=beta), JSON).status == 200
    deadline = time.monotonic() + 10
    while installed(oauth_bot, beta):  # Bolt's listener deletes the tokens after the ack
        assert time.monotonic() < deadline, "app_uninstalled did not delete the workspace's tokens"
        time.sleep(0.05)
    assert installed(oauth_bot, alpha)

    sweep = rebound(
        "reminders",
        "--as-of",
        weekday_noon(date.today() + timedelta(days=1)).isoformat(),
        env=oauth_bot.env,
        cwd=oauth_bot.cwd,
    )
    assert sweep.returncode == 0, sweep.stderr
    helps = fake.delivered("chat.postMessage", lambda c: c.args.get("channel") == helper)
    assert [call.token for call in helps] == [f"xoxb-{alpha}"]  # beta's stopped
    assert "1 failed" in sweep.stdout and "not installed" in sweep.stderr
    assert len(oauth_bot.export(beta)) == 1  # its data is kept until purged
    [asked] = oauth_bot.export(beta)
    buyer_answers_in(
        oauth_bot.env["DATABASE_URL"],
        team_id=beta,
        autopsy_id=asked["id"],
        at=datetime.now(UTC),
        changed_mind="A pilot",
    )

    refused = rebound("purge", "--team", beta, env=oauth_bot.env, cwd=oauth_bot.cwd)
    assert refused.returncode == 1 and "nothing deleted" in refused.stderr
    assert len(oauth_bot.export(beta)) == 1
    purged = rebound("purge", "--team", beta, "--yes", env=oauth_bot.env, cwd=oauth_bot.cwd)
    assert purged.returncode == 0, purged.stderr
    assert f"Purged {beta}: " in purged.stdout and "1 autopsies" in purged.stdout
    assert "1 buyer_asks" in purged.stdout
    assert oauth_bot.export(beta) == [] and len(oauth_bot.export(alpha)) == 1


def test_a_slack_hiccup_on_auth_test_neither_loses_nor_fakes_an_answer(oauth_bot, fake):
    """Bolt checks each workspace's token with auth.test; Rebound checks it once per process, and
    when Slack cannot be reached for it the request fails plainly (a 500 Slack shows as an error),
    never as a 200 "please reinstall" that would close the form with nothing stored."""
    team, user = unique("T"), unique("U")
    install(oauth_bot, team)
    before = len(fake.find("auth.test"))
    # The first request of this workspace: auth.test dropped three times (slack_sdk retries twice).
    fake.fail("auth.test", Fault(drop=True), Fault(drop=True), Fault(drop=True))
    trigger = new_trigger_id()
    command = slash_command(
        "Acme", user=user, team=team, trigger_id=trigger, response_url=fake.response_url(trigger)
    )
    assert send(oauth_bot.events_url, command, FORM).status == 500
    assert fake.find("views.open", lambda c: c.args.get("trigger_id") == trigger) == []

    for n in range(3):
        view = open_form(oauth_bot, fake, f"Deal {n}", user=user, team=team)
        assert submit(oauth_bot, view, FORM_ANSWERS, user=user, team=team).status == 200
    assert len(oauth_bot.export(team)) == 3
    assert len(fake.find("auth.test")) - before == 4  # the three failed tries, then one for good
    log = oauth_bot.log_text()
    assert f"Could not answer command /lost-deal for {user} in {team}: RemoteDisconnected" in log
    assert "Traceback" not in log
