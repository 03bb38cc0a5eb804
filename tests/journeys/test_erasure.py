"""A rep deletes everything they wrote, from App Home: what goes is said first (their lost buyers'
answers too), nothing goes until they confirm, the DMs that showed their autopsies say so, and the
teammate they asked for help keeps their own autopsy and buyer's answers, without the rep's name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from playground.emulator import SlackEmulator, new_trigger_id
from storage import BuyerAsk, Store
from tests.support.app_home_views import element, home_click, home_showing, modal_for, text_of
from tests.support.bot_process import Bot, bot_env, rebound, start_bot, sweep_at
from tests.support.buyer_answering import buyer_answers_in
from tests.support.dm_buttons import dm_saying, updates
from tests.support.lost_deal_form import FORM_ANSWERS, open_form, submit
from tests.support.moments import weekday_noon
from tests.support.slack_requests import FORM, send, unique, view_click


def write_autopsy(bot: Bot, fake: SlackEmulator, user: str, team: str, **answers: Any) -> None:
    view = open_form(bot, fake, "Globex", user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, **answers}, user=user, team=team).status == 200


@pytest.fixture
def bot(fake: SlackEmulator, tmp_path: Path) -> Iterator[Bot]:
    """A bot of its own, sweeping only when told: the buyers' answers these tests store leave DMs
    due that the shared bot's sweeps in other tests should never meet."""
    running = start_bot(bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}"), tmp_path, "--no-scheduler")
    yield running
    assert running.stop() == 0, running.log_text()


def answer_link(bot: Bot, team: str, autopsy_id: int, **said: Any) -> None:
    """The autopsy's lost buyer answers the link its rep sent, in the bot's database."""
    buyer_answers_in(
        bot.env["DATABASE_URL"], team_id=team, autopsy_id=autopsy_id, at=datetime.now(UTC), **said
    )


def buyers_words(bot: Bot, team: str) -> list[str | None]:
    """What every buyer of the workspace said would have changed their mind, as stored."""
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:
            found = select(BuyerAsk.changed_mind).where(BuyerAsk.team_id == team)
            return list(work.session.scalars(found))
    finally:
        store.close()


def test_delete_everything_i_wrote_says_what_goes_then_forgets_the_rep_and_spares_the_team(bot, fake):
    rep, teammate, team = unique("U"), unique("U"), unique("T")
    write_autopsy(bot, fake, rep, team, **{ids.HELP_FROM: teammate, ids.SHARING: "named"})
    write_autopsy(bot, fake, rep, team, **{ids.DEAL: "Initech"})
    write_autopsy(bot, fake, teammate, team, **{ids.DEAL: "Hooli", ids.HELP_FROM: rep})
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=1)))
    request = dm_saying(fake, teammate, "help with Globex")  # the rep's request, in the teammate's DMs
    dm_saying(fake, rep, "help with Hooli")
    # Globex's buyer answered the rep's link; the teammate's buyer answered theirs.
    globex, _, hooli = (row["id"] for row in bot.export(team))
    answer_link(bot, team, globex, changed_mind=f"Ask {rep}'s manager to call")
    answer_link(bot, team, hooli, changed_mind="A pilot")

    home_showing(fake, rep, "Delete everything I wrote")
    trigger = home_click(bot, rep, team, {"action_id": ids.ERASE_MINE, "type": "button"})
    confirm = modal_for(fake, trigger)
    said = text_of(confirm)
    assert confirm["callback_id"] == ids.ERASE_MINE_VIEW and confirm["title"]["text"] == "Delete everything?"
    assert "• 2 autopsies" in said and "reminders" in said
    assert "• 1 link you sent to a customer, with the customer's answers: the link stops working" in said
    assert "The DMs that showed your autopsies will say you took them down." in said
    assert "• 1 teammate's autopsy that asked you for help" in said
    assert "Export my data" in said  # a copy first, if they want one
    assert {row["user_id"] for row in bot.export(team)} == {rep, teammate}  # nothing gone yet

    red = element(confirm, ids.ERASE_MINE_CONFIRMED)
    assert red["style"] == "danger" and red["text"]["text"] == "Delete everything"
    click = {"action_id": ids.ERASE_MINE_CONFIRMED, "type": "button", "value": red["value"]}
    body = view_click(confirm, click, user=rep, team=team, trigger_id=new_trigger_id())
    assert send(bot.events_url, body, FORM).status == 200

    home_showing(fake, rep, "Your autopsies (0)")
    [done] = fake.wait_for("views.update", lambda c: c.args.get("view_id") == confirm["id"])
    assert "Everything you wrote in Rebound is deleted" in json.dumps(done.args["view"])
    [kept] = bot.export(team)
    assert (kept["user_id"], kept["deal_name"], kept["help_from"]) == (teammate, "Hooli", None)
    assert kept["buyer_changed_mind"] == "A pilot"  # the teammate's buyer's answers stay theirs
    assert buyers_words(bot, team) == ["A pilot"]
    [taken_down] = updates(fake, teammate)
    assert taken_down.args["ts"] == request.answer["ts"]
    assert "Globex" not in json.dumps(taken_down.args["blocks"])
    assert f"Erased {rep} in {team}" in bot.log_text()

    # Asked again, there is nothing left to delete, and it says so.
    again = modal_for(fake, home_click(bot, rep, team, {"action_id": ids.ERASE_MINE, "type": "button"}))
    assert "Rebound holds nothing you wrote in this workspace." in text_of(again)


def test_an_operator_erases_a_leaver_from_the_command_line_seeing_first_what_goes(bot, fake):
    leaver, teammate, team = unique("U"), unique("U"), unique("T")
    write_autopsy(bot, fake, leaver, team, **{ids.HELP_FROM: teammate})
    write_autopsy(bot, fake, teammate, team, **{ids.DEAL: "Hooli", ids.HELP_FROM: leaver})
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=1)))
    request = dm_saying(fake, teammate, "help with Globex")
    globex, _ = (row["id"] for row in bot.export(team))
    answer_link(bot, team, globex, changed_mind="Cheaper elsewhere")

    asked = rebound("purge", "--team", team, "--user", leaver, env=bot.env, cwd=bot.cwd)
    assert asked.returncode == 1 and "nothing deleted" in asked.stderr
    assert f"Erasing {leaver} in {team} deletes:\n  1 autopsy\n" in asked.stdout
    assert (
        "  1 link they sent to a customer, with the customer's answers: the link stops working\n"
        in asked.stdout
    )
    assert (
        "Kept for the team, without their name:\n  1 teammate's autopsy that asked them for help"
        in asked.stdout
    )
    assert {row["user_id"] for row in bot.export(team)} == {leaver, teammate}

    done = rebound("purge", "--team", team, "--user", leaver, "--yes", env=bot.env, cwd=bot.cwd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"Erased {leaver} in {team}.")
    [kept] = bot.export(team)
    assert (kept["user_id"], kept["help_from"]) == (teammate, None)
    assert buyers_words(bot, team) == []
    [taken_down] = updates(fake, teammate)
    assert taken_down.args["ts"] == request.answer["ts"]

    again = rebound("purge", "--team", team, "--user", leaver, env=bot.env, cwd=bot.cwd)
    assert (
        again.returncode == 0 and again.stdout.strip() == f"Rebound holds nothing about {leaver} in {team}."
    )
