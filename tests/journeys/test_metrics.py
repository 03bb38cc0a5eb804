"""/metrics and /healthz as Prometheus and an operator meet them, from the real processes: after a
journey each count is exactly what happened and names nobody; two gunicorn workers' counts add
up; the token guards the page; the sweep lag grows while nothing sends; and `rebound worker
--health-port` can be scraped. (Socket Mode's --health-port: test_socket_mode.py.)"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from bot import ids
from playground.emulator import TEAM_ID, Fault, SlackEmulator, new_trigger_id
from playground.fake_hubspot import PORTAL_ID, TOKEN, signed_webhook, stage_change_event
from storage import Plan, Store
from tests.support.bot_process import Bot, bot_env, free_port, rebound, start_bot
from tests.support.examples import ANSWERS as STORED_ANSWERS
from tests.support.lost_deal_form import FORM_ANSWERS as ANSWERS
from tests.support.lost_deal_form import open_form, submit
from tests.support.salesforce_messages import ORG_ID, Opportunity, notification, outbound_message
from tests.support.slack_requests import FORM, post, send, slash_command, unique

PUBLIC_URL = "https://rebound.example.com"
HUBSPOT_URL = PUBLIC_URL + "/crm/hubspot"
SOAP = "text/xml; charset=utf-8"
HUBSPOT_SECRET = "hubspot-client-secret-for-metrics"
SALESFORCE_SECRET = "salesforce-path-secret-for-metrics-0123"
METRICS_TOKEN = "metrics-token-for-the-journeys"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, token: str | None = None) -> Samples:
    """Every sample /metrics shows, by name and labels."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def counted(samples: Samples) -> Samples:
    """What was counted: every sample but zeros, and the ack histogram by its count alone."""
    return {
        key: value
        for key, value in samples.items()
        if value
        and not key[0].startswith(("rebound_command_ack_seconds_bucket", "rebound_command_ack_seconds_sum"))
    }


def sample(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


def next_weekday_at(hour: int) -> datetime:
    """A weekday moment after now, `hour`:00 UTC: working hours for people in UTC."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def announced_too_long(bot: Bot) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", int(bot.env["PORT"]), timeout=10)
    try:
        connection.putrequest("POST", "/slack/events")
        connection.putheader("Content-Type", FORM)
        connection.putheader("Content-Length", str(3 * 1024 * 1024))
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_after_a_journey_each_count_is_what_happened_and_names_nobody(fake: SlackEmulator, tmp_path: Path):
    """The bot and the `rebound reminders` and `rebound digest` runs beside it keep their counts
    in one PROMETHEUS_MULTIPROC_DIR: the bot's /metrics shows them all."""
    counts = tmp_path / "counts"
    counts.mkdir()
    rep, helper, gone, channel = unique("U"), unique("U"), unique("U"), unique("C")
    fake.zones.update({helper: "UTC", gone: "UTC"})
    digest_due = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        PROMETHEUS_MULTIPROC_DIR=str(counts),
        REBOUND_DIGEST_CHANNEL=channel,
        REBOUND_DIGEST_DAY=digest_due.strftime("%a").lower(),
        REBOUND_DIGEST_TIME="00:00",
        REBOUND_PUBLIC_URL=PUBLIC_URL,
        HUBSPOT_ACCESS_TOKEN=TOKEN,
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
        SALESFORCE_OUTBOUND_SECRET=SALESFORCE_SECRET,
        SALESFORCE_ORG_ID=ORG_ID,
    )
    bot = start_bot(env, tmp_path, "--no-scheduler")
    try:
        # Two autopsies, each asking a colleague for help; a third form Slack fails to open.
        for deal, colleague in (("Metrics Co", helper), ("Gauge Ltd", gone)):
            view = open_form(bot, fake, deal, user=rep, team=TEAM_ID)
            assert (
                submit(
                    bot, view, {**ANSWERS, ids.DEAL: deal, ids.HELP_FROM: colleague}, user=rep, team=TEAM_ID
                ).status
                == 200
            )
        trigger = new_trigger_id()
        fake.fail(
            "views.open", Fault(error="expired_trigger_id"), where=lambda a: a.get("trigger_id") == trigger
        )
        typed = slash_command(
            "Counter Inc", user=rep, trigger_id=trigger, response_url=fake.response_url(trigger)
        )
        assert send(bot.events_url, typed, FORM).status == 200
        fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger and c.outcome != "ok")
        # Refused: a command without Slack's signature, a body no one could read, and one too long
        # to read (refused from its Content-Length, never sent).
        assert post(bot.events_url, typed, FORM).status == 401
        assert post(bot.events_url, b"\xff\xfe not text", FORM).status in (400, 401)
        assert announced_too_long(bot) == 413

        # The CRMs: two deal events from an import (stored, no prompt) beside one unreadable, a
        # Salesforce message about an Account (acknowledged, left), a forged batch, a wrong path.
        now_ms = int(time.time() * 1000)
        events = [
            stage_change_event(PORTAL_ID, deal, "closedlost", now_ms, change_source="IMPORT")
            for deal in (7_300_481, 7_300_482)
        ]
        unreadable = {**events[0], "objectId": "not a deal id"}
        body, headers = signed_webhook(HUBSPOT_SECRET, HUBSPOT_URL, [*events, unreadable], now_ms)
        assert post(f"{bot.url}/crm/hubspot", body, "application/json", headers).status == 204
        forged, headers = signed_webhook("not-the-secret", HUBSPOT_URL, events, now_ms)
        assert post(f"{bot.url}/crm/hubspot", forged, "application/json", headers).status == 401
        account = outbound_message(
            notifications=notification(Opportunity(name="An Account"), sobject_type="sf:Account")
        )
        assert post(f"{bot.url}/crm/salesforce/{SALESFORCE_SECRET}", account, SOAP).status == 200
        assert post(f"{bot.url}/crm/salesforce/not-the-path-secret-at-all-0000", account, SOAP).status == 401

        # A sweep (the colleague who left: Slack refuses for good), then the week's digest.
        fake.fail(
            "chat.postMessage", Fault(error="account_inactive"), where=lambda a: a.get("channel") == gone
        )
        swept = rebound("reminders", "--as-of", next_weekday_at(10).isoformat(), env=env, cwd=tmp_path)
        assert "1 sent, 0 waiting for working hours, 0 to retry, 1 failed" in swept.stdout, swept.stderr
        posted = rebound(
            "digest", "--as-of", (digest_due + timedelta(hours=1)).isoformat(), env=env, cwd=tmp_path
        )
        assert posted.returncode == 0 and ": posted" in posted.stdout, posted.stderr

        shown = scrape(f"{bot.url}/metrics")
        text = page(f"{bot.url}/metrics")
    finally:
        assert bot.stop() == 0, bot.log_text()

    assert counted(shown) == {
        sample("rebound_requests_total", kind="command", outcome="ok"): 3,
        sample("rebound_requests_total", kind="view_submission", outcome="ok"): 2,
        sample("rebound_requests_total", kind="command", outcome="refused"): 1,
        sample("rebound_requests_total", kind="unreadable", outcome="refused"): 2,
        sample("rebound_command_ack_seconds_count"): 3,
        sample("rebound_views_open_failures_total"): 1,
        sample("rebound_follow_ups_total", kind="help_request", outcome="sent"): 1,
        sample("rebound_follow_ups_total", kind="help_request", outcome="failed"): 1,
        sample("rebound_digests_total", outcome="posted"): 1,
        sample("rebound_crm_events_total", crm="hubspot", outcome="received"): 2,
        sample("rebound_crm_events_total", crm="hubspot", outcome="skipped"): 1,
        sample("rebound_crm_events_total", crm="hubspot", outcome="refused"): 1,
        sample("rebound_crm_events_total", crm="salesforce", outcome="skipped"): 1,
        sample("rebound_crm_events_total", crm="salesforce", outcome="refused"): 1,
    }
    assert shown[sample("rebound_command_ack_seconds_bucket", le="+Inf")] == 3
    assert shown[sample("rebound_sweep_lag_seconds")] == 0  # the revisits are due in a week
    # Counts only: nobody's ID, workspace, channel, deal or words.
    said = [
        rep,
        helper,
        gone,
        TEAM_ID,
        channel,
        "Metrics Co",
        "Gauge Ltd",
        "Counter Inc",
        "7300481",
        "7300482",
    ]
    said += [value for value in ANSWERS.values() if isinstance(value, str) and len(value) > 8]
    assert [word for word in said if word in text] == []


def command_counts(files: list[Path]) -> list[float]:
    """The commands each process counted, from its own file in the multiprocess directory."""
    found = []
    for file in files:
        for family in MultiProcessCollector.merge([str(file)]):
            found += [
                s.value
                for s in family.samples
                if s.name == "rebound_requests_total" and s.labels == {"kind": "command", "outcome": "ok"}
            ]
    return found


def test_two_gunicorn_workers_counts_add_up_whichever_answers(fake: SlackEmulator, tmp_path: Path):
    counts = tmp_path / "counts"
    counts.mkdir()
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        PROMETHEUS_MULTIPROC_DIR=str(counts),
        GUNICORN_CMD_ARGS="--workers 2 --threads 4",
    )
    bot = start_bot(env, tmp_path, "--no-scheduler")
    user, sent = unique("U"), 0

    def command() -> int:
        trigger = new_trigger_id()
        body = slash_command(
            "Twin Co", user=user, trigger_id=trigger, response_url=fake.response_url(trigger)
        )
        return send(bot.events_url, body, FORM).status

    try:
        # New connections from 8 senders at once: both workers take some (a few rounds at most).
        for _ in range(6):
            with ThreadPoolExecutor(8) as senders:
                assert Counter(senders.map(lambda _: command(), range(24))) == {200: 24}
            sent += 24
            by_process = [n for n in command_counts(sorted(counts.glob("counter_*.db"))) if n]
            if len(by_process) >= 2:
                break
        assert len(by_process) == 2 and sum(by_process) == sent, by_process
        for _ in range(8):  # each scrape on a new connection: either worker may answer
            shown = scrape(f"{bot.url}/metrics")
            assert shown[sample("rebound_requests_total", kind="command", outcome="ok")] == sent
            assert shown[sample("rebound_command_ack_seconds_count")] == sent
    finally:
        assert bot.stop() == 0, bot.log_text()


def test_the_token_guards_metrics_and_not_health(fake: SlackEmulator, tmp_path: Path):
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}", REBOUND_METRICS_TOKEN=METRICS_TOKEN)
    bot = start_bot(env, tmp_path, "--no-scheduler")
    try:
        for token in (None, "not-the-metrics-token-at-all"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                scrape(f"{bot.url}/metrics", token)
            assert refused.value.code == 401 and b"rebound_" not in refused.value.read()
        assert sample("rebound_sweep_lag_seconds") in scrape(f"{bot.url}/metrics", METRICS_TOKEN)
        assert json.loads(page(f"{bot.url}/healthz")) == {"status": "ok", "database": "ok"}
    finally:
        assert bot.stop() == 0, bot.log_text()
    assert METRICS_TOKEN not in bot.log_text()


def test_the_sweep_lag_grows_while_nothing_sends_and_is_0_once_the_sweep_delivers(
    fake: SlackEmulator, tmp_path: Path
):
    recipient = unique("U")
    fake.zones[recipient] = "UTC"
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}")
    bot = start_bot(env, tmp_path, "--no-scheduler")  # as if every worker were down
    store = Store.connect(env["DATABASE_URL"])
    try:
        due = datetime.now(UTC) - timedelta(minutes=10)
        with store.write() as work:
            work.autopsies.save(
                team_id=TEAM_ID,
                user_id=unique("U"),
                view_id=unique("V"),
                answers=STORED_ANSWERS,
                created_at=due,
                follow_ups=[Plan(kind="help_request", recipient_id=recipient, due_at=due)],
            )
        first = scrape(f"{bot.url}/metrics")[sample("rebound_sweep_lag_seconds")]
        time.sleep(1.5)
        later = scrape(f"{bot.url}/metrics")[sample("rebound_sweep_lag_seconds")]
        assert 600 <= first < 660 and later >= first + 1.5

        swept = rebound("reminders", "--as-of", next_weekday_at(10).isoformat(), env=env, cwd=tmp_path)
        assert "1 sent" in swept.stdout, swept.stderr
        assert scrape(f"{bot.url}/metrics")[sample("rebound_sweep_lag_seconds")] == 0
    finally:
        store.close()
        assert bot.stop() == 0, bot.log_text()


def test_a_worker_serves_health_and_metrics_on_its_health_port(fake: SlackEmulator, tmp_path: Path):
    channel = unique("C")
    due = datetime.now(UTC) - timedelta(hours=1)  # the week's digest fell due an hour ago
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        REBOUND_METRICS_TOKEN=METRICS_TOKEN,
        REBOUND_DIGEST_CHANNEL=channel,
        REBOUND_DIGEST_DAY=due.strftime("%a").lower(),
        REBOUND_DIGEST_TIME=due.strftime("%H:%M"),
    )
    # PORT is the health port here: start_bot waits for its /healthz.
    worker = start_bot(env, tmp_path, "--health-port", env["PORT"], command="worker")
    try:
        fake.wait_for("chat.postMessage", lambda c: c.args.get("channel") == channel, timeout=30)
        deadline = time.monotonic() + 10
        while (
            scrape(f"{worker.url}/metrics", METRICS_TOKEN).get(
                sample("rebound_digests_total", outcome="posted")
            )
            != 1
        ):
            assert time.monotonic() < deadline, "the digest was posted but never counted"
            time.sleep(0.1)
        assert json.loads(page(f"{worker.url}/healthz"))["database"] == "ok"
        with pytest.raises(urllib.error.HTTPError) as elsewhere:
            page(f"{worker.url}/slack/events")
        assert elsewhere.value.code == 404
    finally:
        assert worker.stop() == 0, worker.log_text()
    assert f"Serving /healthz and /metrics on http://127.0.0.1:{env['PORT']}" in worker.log_text()


@pytest.mark.parametrize(
    ("command", "extra", "line"),
    [
        (["serve", "--health-port", "9999"], {}, "rebound: --health-port is for Socket Mode"),
        (["worker", "--health-host", "0.0.0.0"], {}, "rebound: --health-host needs --health-port"),
        (["serve"], {"REBOUND_METRICS_TOKEN": "short"}, "rebound: REBOUND_METRICS_TOKEN must be"),
        (
            ["serve"],
            {"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/rebound-counts"},
            "rebound: PROMETHEUS_MULTIPROC_DIR names",
        ),
    ],
)
def test_a_wrong_health_or_metrics_setting_stops_with_one_line(fake, tmp_path, command, extra, line):
    done = rebound(*command, env=bot_env(fake, f"sqlite:///{tmp_path / 'r.db'}", **extra), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(line), done.stderr


def test_a_health_port_in_use_stops_the_worker_with_one_line(fake: SlackEmulator, tmp_path: Path):
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}")
    taken = start_bot(env, tmp_path, "--health-port", env["PORT"], command="worker")
    try:
        done = rebound(
            "worker", "--health-port", env["PORT"], env={**env, "PORT": str(free_port())}, cwd=tmp_path
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert (
            done.stderr.strip()
            .splitlines()[-1]
            .startswith(f"rebound: --health-port {env['PORT']} cannot be opened on 127.0.0.1")
        )
    finally:
        assert taken.stop() == 0, taken.log_text()
