"""The rep's /lost-deal form against the real bot: typed, opened by the fake Slack, filled in and saved;
and the private answer to `/lost-deal <word>`."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot import ids
from playground.emulator import SlackEmulator, new_trigger_id
from tests.support.bot_process import Bot, rebound
from tests.support.slack_requests import FORM, fill_form, send, slash_command, unique, view_submission

# A competitor won a new deal on price; the rep asks for no help and shares the lesson by name.
FORM_ANSWERS = {
    ids.OUTCOME: "new_deal_lost",
    ids.DEAL_VALUE: "48000",
    ids.WINNER: "competitor",
    ids.COMPETITOR: "Globex",
    ids.MAIN_REASON: "price",
    ids.WINNER_REASON: "They came in 20% cheaper",
    ids.CUSTOMER_SAID: "Honestly, you were late with the proposal.",
    ids.CHECK_LISTENED: "yes",
    ids.CHECK_TIMING: "partly",
    ids.CHECK_MARKET: "no",
    ids.CHECK_AGGRESSIVE: "no",
    ids.FEELINGS: "Gutted. We worked on this for months.",
    ids.LESSON: "Send the proposal within 48 hours of the demo.",
}


def as_dict(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def open_form(bot: Bot, fake: SlackEmulator, text: str, *, user: str, team: str) -> dict[str, Any]:
    """Type `/lost-deal <text>` and return the modal Slack was asked to open (with its new view id)."""
    trigger = new_trigger_id()
    reply = send(
        bot.events_url,
        slash_command(
            text, user=user, trigger_id=trigger, response_url=fake.response_url(trigger), team=team
        ),
        FORM,
    )
    assert reply.status == 200 and reply.body == b""
    [call] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    return {**as_dict(call.args["view"]), "id": unique("V")}


def submit(bot: Bot, view: dict[str, Any], answers: dict[str, Any], *, user: str, team: str):
    return send(bot.events_url, view_submission(view, fill_form(view, answers), user=user, team=team), FORM)


def write_then_sweep(bot: Bot, fake: SlackEmulator, deal: str) -> subprocess.CompletedProcess[str]:
    """A rep's day through the bot: the form opened and sent asking a teammate for help, the
    thank-you DM, then `rebound reminders` a week on, when the help request and revisit go out."""
    user, team = unique("U"), unique("T")
    view = open_form(bot, fake, deal, user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, ids.HELP_FROM: unique("U")}, user=user, team=team).status == 200
    fake.wait_for("chat.postMessage", lambda c: c.args.get("channel") == user)
    later = (datetime.now(UTC) + timedelta(days=8)).isoformat()
    sweep = rebound("reminders", "--as-of", later, env=bot.env, cwd=bot.cwd)
    assert sweep.returncode == 0, sweep.stderr
    return sweep


def command_answer(bot: Bot, fake: SlackEmulator, text: str, *, user: str, team: str) -> dict[str, Any]:
    """`/lost-deal <text>`; return the private answer Rebound acked with, its blocks checked valid."""
    trigger = new_trigger_id()
    body = slash_command(
        text, user=user, trigger_id=trigger, response_url=fake.response_url(trigger), team=team
    )
    reply = send(bot.events_url, body, FORM)
    assert reply.status == 200
    answer = reply.json()
    for block in answer["blocks"]:
        Block.parse(block).validate_json()
    return answer
