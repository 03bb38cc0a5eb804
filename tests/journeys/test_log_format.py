"""LOG_FORMAT=json, as a log shipper reads it: every line of a journey's log (the bot's, gunicorn's,
Alembic's, slack_sdk's at DEBUG, a sweep's) is one JSON object, and no secret is in any of them."""

from __future__ import annotations

import json

from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.lost_deal_form import write_then_sweep
from tests.support.slack_requests import SIGNING_SECRET

BOT_TOKEN = "xoxb-json-0000-bot-token-never-logged"


def test_json_logs_parse_line_by_line_and_hold_no_secret(fake, tmp_path):
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'r.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        LOG_LEVEL="DEBUG",
        LOG_FORMAT="json",
    )
    bot = start_bot(env, tmp_path)
    try:
        sweep = write_then_sweep(bot, fake, "Json Co")
    finally:
        assert bot.stop() == 0
    lines = [line for text in (bot.log_text(), sweep.stderr) for line in text.splitlines()]
    parsed = [json.loads(line) for line in lines]  # every line, or this fails naming it
    assert {"time", "level", "logger", "message"} <= set(parsed[0])
    loggers = {line["logger"] for line in parsed}
    assert {"gunicorn.error", "alembic.runtime.migration", "rebound.requests"} <= loggers
    assert any("Sending a request" in line["message"] for line in parsed)  # slack_sdk at DEBUG
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert all(secret not in line for line in lines)


def test_an_unknown_log_format_stops_the_start_with_one_line(fake, tmp_path):
    env = bot_env(fake, f"sqlite:///{tmp_path / 'r.db'}", LOG_FORMAT="yaml")
    done = rebound("serve", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "rebound: LOG_FORMAT must be text or json, not 'yaml'"
