"""Secrets stay secret and hostile requests get plain refusals: the whole journey at DEBUG with
every secret searched for in the logs, /healthz and the command line's output; oversized and
malformed requests."""

from __future__ import annotations

import http.client
import logging
import sys
import urllib.request

from sqlalchemy.engine import make_url

from bot.config import RedactingFormatter
from tests.support.bot_process import bot_env, start_bot
from tests.support.lost_deal_form import open_form, write_then_sweep
from tests.support.oauth_installs import CLIENT_SECRET, install
from tests.support.slack_requests import FORM, JSON, SIGNING_SECRET, post, send, signature_headers, unique

BOT_TOKEN = "xoxb-hygiene-0000-bot-token-never-logged"


def test_no_secret_reaches_a_log_line_at_debug(fake, postgres_url, tmp_path):
    database = make_url(postgres_url).set(password="db-password-never-logged")  # trust auth ignores it
    env = bot_env(
        fake, database.render_as_string(hide_password=False), SLACK_BOT_TOKEN=BOT_TOKEN, LOG_LEVEL="DEBUG"
    )
    bot = start_bot(env, tmp_path)
    try:
        sweep = write_then_sweep(bot, fake, "Hygiene Co")
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as response:
            health = response.read().decode()
    finally:
        assert bot.stop() == 0
    log = bot.log_text() + sweep.stdout + sweep.stderr + health
    assert "Sending a request" in log and "DEBUG" in log  # slack_sdk did log at DEBUG
    for secret in (BOT_TOKEN, SIGNING_SECRET, "db-password-never-logged"):
        assert secret not in log


def test_the_log_format_masks_secrets_even_in_tracebacks():
    formatter = RedactingFormatter("%(levelname)s %(message)s", ["db-password-never-logged", "short"])
    try:
        raise RuntimeError("could not connect to postgresql://rebound:db-password-never-logged@db/rebound")
    except RuntimeError:
        record = logging.LogRecord(
            "rebound", logging.ERROR, __file__, 1, "token %s", ("xoxb-123-456-abc",), None
        )
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "db-password-never-logged" not in text and "xoxb-123-456-abc" not in text
    assert text.count("[redacted]") >= 2 and formatter.secrets == ["db-password-never-logged"]  # 6+ chars


def test_the_oauth_client_secret_and_installed_tokens_stay_out_of_the_log(fake, tmp_path):
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        LOG_LEVEL="DEBUG",
    )
    del env["SLACK_BOT_TOKEN"]
    bot = start_bot(env, tmp_path, "--no-scheduler")
    try:
        team = unique("T")
        install(bot, team)  # oauth.v2.access carries the client secret; Slack answers with a token
        open_form(bot, fake, "Token Co", user=unique("U"), team=team)
    finally:
        assert bot.stop() == 0
    log = bot.log_text()
    assert "oauth.v2.access" in log
    assert CLIENT_SECRET not in log and f"xoxb-{team}" not in log


def test_oversized_and_malformed_requests_are_refused_plainly(bot, fake):
    seen = len(bot.log_text())
    # Megabytes: refused from the Content-Length alone, before anything is read or verified.
    # The client sends only the headers and waits: the answer comes without the body.
    huge = b"payload=" + b"x" * (3 * 1024 * 1024)
    connection = http.client.HTTPConnection("127.0.0.1", int(bot.env["PORT"]), timeout=10)
    try:
        connection.putrequest("POST", "/slack/events")
        for name, value in {"Content-Type": FORM, **signature_headers(huge)}.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(huge)))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    # Well signed, but its payload is not JSON: a 400, not a 500.
    broken = b"payload=%7Bnot+json"
    reply = send(bot.events_url, broken, FORM)
    assert reply.status == 400
    assert "Traceback" not in bot.log_text()[seen:], bot.log_text()[seen:]
    # Unsigned nonsense of the same shape: still a 401 (the signature is checked first).
    assert post(bot.events_url, broken, FORM).status == 401
    # Bodies Bolt itself cannot read: a JSON list, a team that is a number.
    for body in (b"[1, 2]", b'{"type": "block_actions", "team": 7}'):
        assert send(bot.events_url, body, JSON).status == 400, body
        assert post(bot.events_url, body, JSON).status == 401, body
    # Not UTF-8: Slack never sends it and no signature over it can be checked, so a 401.
    assert send(bot.events_url, b"command=%2Flost-deal&text=\xff\xfe", FORM).status == 401
    assert "Traceback" not in bot.log_text()[seen:], bot.log_text()[seen:]
