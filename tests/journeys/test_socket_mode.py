"""`rebound serve` in Socket Mode, end to end: the real bot process, a loopback stand-in for
Slack's WebSocket server, and the fake Web API handing out that server's URL."""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from playground.emulator import TEAM_ID, SlackEmulator, new_trigger_id
from tests.support.bot_process import Bot, bot_env, rebound, start_bot
from tests.support.slack_requests import APP_ID, unique

APP_TOKEN = "xapp-1-test"
TICKET_PATH = "/link/?ticket=abc"


class SlackLink:
    """Slack's Socket Mode WebSocket server, on loopback: accepts the bot, records what it sends."""

    def __init__(self) -> None:
        self.connections: queue.Queue[ServerConnection] = queue.Queue()
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self._server: Server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}{TICKET_PATH}"

    def _handle(self, connection: ServerConnection) -> None:
        self.connections.put(connection)
        try:
            for message in connection:
                self.received.put(json.loads(message))
        except ConnectionClosed:
            pass

    def wait_for_connection(self, bot: Bot, timeout: float = 15) -> ServerConnection:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.connections.get(timeout=0.1)
            except queue.Empty:
                pass
            if bot.process.poll() is not None:
                raise AssertionError(
                    f"rebound serve exited with {bot.process.returncode} before connecting:\n{bot.log_text()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"rebound serve never opened the Socket Mode WebSocket:\n{bot.log_text()}"
                )

    def wait_for_ack(self, envelope_id: str, bot: Bot, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen: list[dict[str, Any]] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no ack for {envelope_id}; WebSocket got {seen}:\n{bot.log_text()}")
            try:
                message = self.received.get(timeout=left)
            except queue.Empty:
                continue
            if message.get("envelope_id") == envelope_id:
                return message
            seen.append(message)

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def link(fake: SlackEmulator) -> Iterator[SlackLink]:
    server = SlackLink()
    fake.socket_mode_url = server.url
    yield server
    fake.socket_mode_url = None
    server.close()


def hello() -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": APP_ID},
    }


def slash_command_envelope(
    text: str, *, envelope_id: str, trigger_id: str, fake: SlackEmulator
) -> dict[str, Any]:
    """A slash command as Slack delivers it over Socket Mode."""
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "team_domain": "rebound-test",
            "channel_id": "C0SALES01",
            "channel_name": "sales",
            "user_id": unique("U"),
            "user_name": "rep",
            "command": "/lost-deal",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": fake.response_url(unique("socket")),
            "trigger_id": trigger_id,
        },
    }


def test_socket_mode_connects_and_answers_slash_commands(
    fake: SlackEmulator, link: SlackLink, tmp_path: Path
) -> None:
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    bot = start_bot(env, tmp_path, wait_healthy=False)
    try:
        connection = link.wait_for_connection(bot)
        assert connection.request is not None and connection.request.path == TICKET_PATH

        # The WebSocket URL came from apps.connections.open at SLACK_API_URL, asked with the app token.
        opened = fake.find("apps.connections.open", lambda call: call.token == APP_TOKEN)
        assert opened, [(call.method, call.token) for call in fake.calls]

        connection.send(json.dumps(hello()))

        # `/lost-deal Acme Corp`: acked over the WebSocket, then the autopsy form opens.
        trigger = new_trigger_id()
        envelope = unique("env-")
        connection.send(
            json.dumps(
                slash_command_envelope("Acme Corp", envelope_id=envelope, trigger_id=trigger, fake=fake)
            )
        )
        ack = link.wait_for_ack(envelope, bot)
        assert not ack.get("payload"), ack
        (call,) = fake.wait_for("views.open", lambda call: call.args.get("trigger_id") == trigger)
        assert call.token == "xoxb-test-token"
        view = call.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["callback_id"] == "autopsy"
        (deal,) = [block for block in view["blocks"] if block.get("block_id") == "deal"]
        assert deal["element"]["initial_value"] == "Acme Corp"

        # `/lost-deal help`: the help text rides in the ack itself; no form.
        help_trigger = new_trigger_id()
        help_envelope = unique("env-")
        connection.send(
            json.dumps(
                slash_command_envelope("help", envelope_id=help_envelope, trigger_id=help_trigger, fake=fake)
            )
        )
        help_ack = link.wait_for_ack(help_envelope, bot)
        payload = help_ack.get("payload") or {}
        assert "/lost-deal help" in payload.get("text", ""), help_ack
        assert payload.get("blocks"), help_ack
        time.sleep(0.3)  # a views.open would follow the ack at once
        assert not fake.find("views.open", lambda call: call.args.get("trigger_id") == help_trigger)
    finally:
        code = bot.stop()
    log = bot.log_text()
    assert code == 0, log
    assert "Traceback" not in log, log


def test_socket_mode_serves_health_and_metrics_on_its_health_port(
    fake: SlackEmulator, link: SlackLink, tmp_path: Path
) -> None:
    """No HTTP server of its own: `--health-port` gives load balancers and Prometheus one, on loopback."""
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    bot = start_bot(env, tmp_path, "--health-port", env["PORT"], wait_healthy=False)
    try:
        connection = link.wait_for_connection(bot)
        connection.send(json.dumps(hello()))
        envelope = unique("env-")
        connection.send(
            json.dumps(
                slash_command_envelope(
                    "Acme Corp", envelope_id=envelope, trigger_id=new_trigger_id(), fake=fake
                )
            )
        )
        link.wait_for_ack(envelope, bot)
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as health:
            assert json.loads(health.read()) == {"status": "ok", "database": "ok"}
        with urllib.request.urlopen(f"{bot.url}/metrics", timeout=5) as page:
            shown = {
                (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(page.read().decode())
                for sample in family.samples
            }
        assert shown[("rebound_requests_total", (("kind", "command"), ("outcome", "ok")))] == 1
        assert shown[("rebound_command_ack_seconds_count", ())] == 1
    finally:
        code = bot.stop()
    log = bot.log_text()
    assert code == 0 and "Traceback" not in log, log
    assert f"Serving /healthz and /metrics on http://127.0.0.1:{env['PORT']}" in log


def test_an_app_token_slack_refuses_stops_serve_with_one_line(fake: SlackEmulator, tmp_path: Path) -> None:
    from playground.emulator import Fault

    fake.fail("apps.connections.open", Fault(error="invalid_auth"))
    env = bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    done = rebound("serve", env=env, cwd=tmp_path, timeout=30)
    assert done.returncode == 2
    assert (
        done.stderr.strip().splitlines()[-1] == "rebound: SLACK_APP_TOKEN was refused by Slack (invalid_auth)"
    )
    assert "Traceback" not in done.stderr
