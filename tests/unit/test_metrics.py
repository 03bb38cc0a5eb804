"""What Rebound counts and how it shows it: each request counted once by kind and outcome, a
command timed to its ack and not to the work after it, /metrics behind its token, and the sweep
lag read from the database. The counts live in this process (no PROMETHEUS_MULTIPROC_DIR here),
so each test reads what its own requests added."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt import BoltRequest
from slack_bolt.authorization import AuthorizeResult

import clock
from bot import metrics
from rebound.app import CountedApp, request_kind
from rebound.exposition import Monitoring
from storage import Plan, Store, upgrade
from tests.support.examples import ANSWERS

NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
TOKEN = "a-metrics-token-for-tests"


def count(name: str, **labels: str) -> float:
    return metrics.COUNTS.get_sample_value(name, labels) or 0.0


@pytest.fixture
def app() -> CountedApp:
    bolt = CountedApp(
        signing_secret="unused",
        request_verification_enabled=False,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-unit", bot_user_id="UBOT", bot_id="B1"
        ),
    )

    @bolt.command("/lost-deal")
    def lost_deal(ack: Any, body: dict[str, Any]) -> None:
        if body["text"] == "slow":
            time.sleep(0.3)  # before its ack: the rep waits
        if body["text"] == "broken":
            raise RuntimeError("a bug before the ack")
        ack()
        time.sleep(0.4)  # after its ack (opening a form, say): Slack has its answer already

    return bolt


def command(text: str) -> BoltRequest:
    fields = {"command": "/lost-deal", "text": text, "team_id": "T1", "user_id": "U1", "channel_id": "C1"}
    return BoltRequest(body=urlencode({**fields, "trigger_id": "1.2.3", "response_url": "http://x"}))


def test_a_command_is_timed_to_its_ack_not_to_the_work_after_it(app):
    fast, slow = "rebound_command_ack_seconds_bucket", {"le": "0.25"}
    before = (count(fast, **slow), count("rebound_command_ack_seconds_count"))
    started = time.perf_counter()
    assert app.dispatch(command("Acme")).status == 200
    assert time.perf_counter() - started < 0.25  # Bolt answered at the ack, the listener still running
    assert (count(fast, **slow), count("rebound_command_ack_seconds_count")) == (before[0] + 1, before[1] + 1)

    assert app.dispatch(command("slow")).status == 200
    assert count(fast, **slow) == before[0] + 1  # 0.3 s before its ack: past the 0.25 s bucket
    assert count("rebound_command_ack_seconds_bucket", le="0.5") >= before[0] + 2
    assert count("rebound_command_ack_seconds_count") == before[1] + 2


def test_each_request_counts_once_by_kind_and_outcome(app):
    def requests(outcome: str) -> float:
        return count("rebound_requests_total", kind="command", outcome=outcome)

    ok, failed, other = (
        requests("ok"),
        requests("failed"),
        count("rebound_requests_total", kind="other", outcome="refused"),
    )
    app.dispatch(command("Acme"))
    assert app.dispatch(command("broken")).status == 500
    unhandled = BoltRequest(body='{"type": "shortcut", "callback_id": "nobody_listens"}')
    assert app.dispatch(unhandled).status == 404
    assert (requests("ok"), requests("failed")) == (ok + 1, failed + 1)
    assert count("rebound_requests_total", kind="other", outcome="refused") == other + 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/lost-deal", "text": "type=event_callback"}, "command"),
        ({"type": "block_actions", "actions": []}, "action"),
        ({"type": "view_submission", "view": {}}, "view_submission"),
        ({"type": "view_closed", "view": {}}, "other"),
        ({"type": "block_suggestion"}, "options"),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, "event"),
        ({"type": "event_callback", "event": {"type": "function_executed"}}, "function"),
        ({"type": "shortcut"}, "other"),
        ({"type": ["not", "a", "word"]}, "other"),  # forged: never a label of its own
        ({"type": "<!channel> anything a forger writes"}, "other"),
        ({}, "other"),
    ],
)
def test_a_request_s_kind_is_one_of_a_few_words(body, kind):
    assert request_kind(body) == kind
    assert kind in metrics.REQUEST_KINDS


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    upgrade(url)
    opened = Store.connect(url)
    yield opened
    opened.close()


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    clock.follow(lambda: NOW)
    yield NOW
    clock.follow(clock.system_now)


def scrape(
    monitoring: Monitoring, path: str = "/metrics", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    answered: dict[str, Any] = {}

    def start_response(status: str, header_list: list[tuple[str, str]]) -> None:
        answered.update(status=status, headers=dict(header_list))

    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "GET",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    assert monitoring.handles(environ)
    body = b"".join(monitoring(environ, start_response))
    return answered["status"], answered["headers"], body


def samples(body: bytes) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if not sample.labels
    }


def test_the_sweep_lag_is_read_from_the_database_at_each_scrape(store, frozen_clock):
    monitoring = Monitoring(store, token=None, multiprocess_dir=None)
    assert samples(scrape(monitoring)[2])["rebound_sweep_lag_seconds"] == 0
    with store.write() as work:
        work.autopsies.save(
            team_id="T1",
            user_id="U1",
            view_id="V1",
            answers=ANSWERS,
            created_at=NOW - timedelta(days=1),
            follow_ups=[Plan(kind="help_request", recipient_id="U2", due_at=NOW - timedelta(minutes=10))],
        )
    assert samples(scrape(monitoring)[2])["rebound_sweep_lag_seconds"] == 600


def test_without_its_database_the_page_still_shows_the_counts(tmp_path, caplog):
    gone = Store.connect(f"sqlite:///{tmp_path / 'no-such-folder' / 'rebound.db'}")
    status, _, body = scrape(Monitoring(gone, token=None, multiprocess_dir=None))
    assert status == "200 OK"
    shown = samples(body)
    assert "rebound_sweep_lag_seconds" not in shown and "rebound_views_open_failures_total" in shown
    assert "the database did not answer" in caplog.text
    assert (
        scrape(Monitoring(gone, token=None, multiprocess_dir=None), "/healthz")[0]
        == "503 Service Unavailable"
    )
    gone.close()


def test_a_token_guards_metrics_and_never_health(store):
    monitoring = Monitoring(store, token=TOKEN, multiprocess_dir=None)
    for headers in ({}, {"authorization": "Bearer wrong-token"}, {"authorization": f"Basic {TOKEN}"}):
        status, sent, body = scrape(monitoring, **headers)
        assert status == "401 Unauthorized" and b"rebound_" not in body
        assert sent["WWW-Authenticate"].startswith("Bearer")
    status, sent, body = scrape(monitoring, authorization=f"Bearer {TOKEN}")
    assert status == "200 OK" and sent["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "rebound_requests" in {family.name for family in text_string_to_metric_families(body.decode())}
    assert scrape(monitoring, "/healthz")[0] == "200 OK"


def test_prometheus_asking_for_openmetrics_gets_it(store):
    status, sent, body = scrape(
        Monitoring(store, token=None, multiprocess_dir=None),
        accept="application/openmetrics-text; version=1.0.0",
    )
    assert status == "200 OK" and sent["Content-Type"].startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")
