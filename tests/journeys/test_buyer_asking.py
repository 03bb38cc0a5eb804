"""Asking the lost buyer for their side, end to end in Slack: the real bot over signed HTTP against
the fake Slack. The button where Rebound can ask (and admins told why where it cannot), the link
and its note in a modal, the same link again, withdrawing it; the buyer's answer (through the
service the public page uses, on the same database) reaching the rep as one DM in their working
hours; App Home; and a private autopsy's buyer words kept from a teammate."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot import ids
from bot.asking import BuyerAsking
from bot.customer_side import BuyerAnswers, LinkKeys, link_state
from playground.emulator import Call, SlackEmulator
from storage import Store
from tests.support.app_home_views import home_click, home_showing, modal_for, open_home, text_of
from tests.support.bot_process import Bot, bot_env, start_bot, sweep_at
from tests.support.dm_buttons import button_value, click, dm_saying
from tests.support.lost_deal_form import FORM_ANSWERS, as_dict, open_form, submit
from tests.support.moments import next_weekday_at, weekday_noon
from tests.support.slack_requests import (
    FORM,
    SIGNING_SECRET,
    fill_form,
    function_executed,
    send,
    unique,
    view_click,
    view_submission,
)

PUBLIC_URL = "https://rebound.example.com"

# The bots here sweep only when a test says so.
pytestmark = pytest.mark.xdist_group("buyer_asking")


@pytest.fixture(scope="module")
def asking_bot(fake: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """`rebound serve` in HTTP mode with REBOUND_PUBLIC_URL: it can ask lost buyers."""
    home = tmp_path_factory.mktemp("asking")
    env = bot_env(fake, f"sqlite:///{home / 'rebound.db'}", REBOUND_PUBLIC_URL=PUBLIC_URL)
    running = start_bot(env, home, "--no-scheduler")
    yield running
    assert running.stop() == 0, running.log_text()


def store_of(bot: Bot) -> Store:
    return Store.connect(bot.env["DATABASE_URL"])


def thank_you(bot: Bot, fake: SlackEmulator, deal: str, *, user: str, team: str, **answers: Any) -> Call:
    view = open_form(bot, fake, deal, user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, **answers}, user=user, team=team).status == 200
    return dm_saying(fake, user, "Your autopsy of")


def ask(bot: Bot, fake: SlackEmulator, message: Call, *, user: str, team: str) -> dict[str, Any]:
    """Click "Ask <deal> for their side" on a DM: the modal Slack was asked to open."""
    return modal_for(fake, click(bot, message, ids.ASK_BUYER, user=user, team=team))


def link_in(modal: dict[str, Any]) -> str:
    [link] = [part for part in text_of(modal).split("```") if part.startswith(f"{PUBLIC_URL}/ask/")]
    return link


def buyer_answers(bot: Bot, link: str, answers: BuyerAnswers, *, at: datetime) -> str:
    """The buyer opens the link and sends their answers, through the service the public page uses."""
    store = store_of(bot)
    try:
        asking = BuyerAsking(store, LinkKeys(SIGNING_SECRET), PUBLIC_URL, days=30)
        found = asking.open(link.rsplit("/", 1)[1], now=at)
        assert found is not None
        return asking.answer(found, answers, now=at)
    finally:
        store.close()


def answered_dms(fake: SlackEmulator, user: str) -> list[Call]:
    return fake.find(
        "chat.postMessage", lambda c: c.args["channel"] == user and " answered" in c.args["text"]
    )


def home_of(bot: Bot, fake: SlackEmulator, user: str, team: str, *texts: str) -> str:
    """Open App Home again; the first view of it that shows every one of `texts`."""
    open_home(bot, fake, user, team)
    return text_of(home_showing(fake, user, *texts))


def test_the_thank_you_offers_to_ask_only_where_rebound_serves_the_buyers_page(asking_bot, bot, fake):
    user, team = unique("U"), unique("T")
    offered = thank_you(asking_bot, fake, "Globex", user=user, team=team)
    assert int(button_value(offered, ids.ASK_BUYER)) > 0
    assert "Ask Globex for their side" in json.dumps(offered.args["blocks"])
    elsewhere = thank_you(bot, fake, "Initech", user=unique("U"), team=team)
    assert ids.ASK_BUYER not in json.dumps(elsewhere.args["blocks"])


def test_admins_learn_why_there_is_no_asking_and_nobody_else_hears_of_it(asking_bot, bot, fake):
    admin, rep, team = unique("U"), unique("U"), unique("T")
    fake.admins.add(admin)
    assert "REBOUND_PUBLIC_URL" in text_of(open_home(bot, fake, admin, team))
    assert "REBOUND_PUBLIC_URL" not in text_of(open_home(bot, fake, rep, team))
    assert "REBOUND_PUBLIC_URL" not in text_of(open_home(asking_bot, fake, admin, team, after=1))


def test_asking_gives_a_link_and_a_note_the_same_link_again_and_withdrawing_closes_it(asking_bot, fake):
    user, team = unique("U"), unique("T")
    message = thank_you(asking_bot, fake, "Globex <Corp>", user=user, team=team)
    modal = ask(asking_bot, fake, message, user=user, team=team)
    text = text_of(modal)
    link = link_in(modal)
    assert len(link.rsplit("/", 1)[1]) >= 22  # at least 128 bits, base64
    assert "your contact at *Globex &lt;Corp&gt;*" in text and "Rebound sends no email" in text
    assert "A new link, not opened yet. It stays open until" in text
    assert ">Hello,\\n>\\n>Thank you for considering us." in text  # no company name set yet
    assert "isn't a sales follow-up" in text
    # App Home says it was asked; asking again from there shows the same link, and where it stands.
    home_of(asking_bot, fake, user, team, "asked for their side: not opened yet")
    autopsy_id = button_value(message, ids.ASK_BUYER)
    block = ids.HOME_ASK_BUYER.format(id=autopsy_id)
    trigger = home_click(
        asking_bot,
        user,
        team,
        {"action_id": ids.ASK_BUYER, "type": "button", "value": autopsy_id},
        block_id=block,
    )
    again = modal_for(fake, trigger)
    assert link_in(again) == link and "The same link you got on" in text_of(again)

    # Withdraw, from the modal (its confirmation is Slack's): the modal says so, the link is dead.
    withdraw = {"action_id": ids.WITHDRAW_BUYER_LINK, "type": "button", "value": autopsy_id}
    body = view_click(again, withdraw, user=user, team=team, trigger_id="1.2.withdraw")
    assert send(asking_bot.events_url, body, FORM).status == 200
    [update] = fake.wait_for("views.update", lambda c: c.args.get("view_id") == again["id"])
    assert "You withdrew the link to Globex &lt;Corp&gt;" in json.dumps(as_dict(update.args["view"]))
    store = store_of(asking_bot)
    try:
        with store.read() as work:
            stored = work.buyer_asks.of_autopsy(team_id=team, autopsy_id=int(autopsy_id))
        assert stored is not None and link_state(stored, datetime.now(UTC)) == "withdrawn"
    finally:
        store.close()
    home_of(asking_bot, fake, user, team, "link to their side withdrawn")
    # Asking once more makes a new link, and says why.
    renewed = ask(asking_bot, fake, message, user=user, team=team)
    assert link_in(renewed) != link and "A new link: the old one was withdrawn" in text_of(renewed)


def test_a_forged_click_on_someone_elses_autopsy_gets_no_link(asking_bot, fake):
    user, team, mallory = unique("U"), unique("T"), unique("U")
    message = thank_you(asking_bot, fake, "Umbrella", user=user, team=team)
    trigger = click(asking_bot, message, ids.ASK_BUYER, user=mallory, team=team)
    assert "/ask/" not in text_of(modal_for(fake, trigger))
    assert "Refused to ask the buyer of autopsy" in asking_bot.log_text()


def test_the_buyers_answer_reaches_the_rep_once_in_working_hours_with_both_sides(asking_bot, fake):
    user, team = unique("U"), unique("T")
    message = thank_you(asking_bot, fake, "Hooli", user=user, team=team, **{ids.MAIN_REASON: "timing"})
    link = link_in(ask(asking_bot, fake, message, user=user, team=team))
    answered_at = datetime.now(UTC)
    said = BuyerAnswers(
        main_reason="price",
        changed_mind="A smaller <!channel> *first* order <script>alert(1)</script> שלום 🎉",
        working_with="Kind & quick",
        working_score=4,
        may_contact="later",
    )
    assert buyer_answers(asking_bot, link, said, at=answered_at) == "answered"
    # App Home shows their side at once.
    home = home_of(asking_bot, fake, user, team, "*Their side*, answered")
    assert "Main reason: The price (you wrote: Timing or budget)" in home
    assert "&lt;!channel&gt;" in home and "<!channel>" not in home
    assert "&lt;script&gt;alert(1)&lt;/script&gt; שלום 🎉" in home and "<script>" not in home

    # Within the hour they may still correct it: no DM yet. At 03:00 UTC (the rep's zone) it waits
    # for working hours; at 10:00 it goes, once however many sweeps come.
    sweep_at(asking_bot, answered_at + timedelta(minutes=30))
    assert "0 waiting" not in sweep_at(asking_bot, next_weekday_at(3))
    assert answered_dms(fake, user) == []
    sweep_at(asking_bot, next_weekday_at(10))
    sweep_at(asking_bot, next_weekday_at(11))
    [dm] = answered_dms(fake, user)
    assert dm.args["text"] == "Hooli answered"
    text = json.dumps(dm.args["blocks"], ensure_ascii=False)
    assert "*Your main reason*\\nTiming or budget" in text and "*Their main reason*\\nThe price" in text
    assert "You thought it was timing; they said price. Worth a look when you revisit your notes." in text
    assert ">A smaller &lt;!channel&gt; *first* order" in text and "Kind &amp; quick" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; שלום 🎉" in text
    assert "<!channel>" not in text and "<script>" not in text


def test_the_buyers_words_of_a_private_autopsy_stay_with_its_author(asking_bot, fake):
    user, teammate, team = unique("U"), unique("U"), unique("T")
    answers = {ids.SHARING: "private", ids.HELP_FROM: teammate}
    message = thank_you(asking_bot, fake, "Vandelay", user=user, team=team, **answers)
    link = link_in(ask(asking_bot, fake, message, user=user, team=team))
    words = "Your rival was kinder"
    said = BuyerAnswers(main_reason="relationship", changed_mind=words)
    buyer_answers(asking_bot, link, said, at=datetime.now(UTC))
    sweep_at(asking_bot, next_weekday_at(10))
    [help_request] = fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == teammate)
    assert "would value your help" in json.dumps(help_request.args["blocks"])
    assert words not in json.dumps(help_request.args["blocks"])
    assert words not in text_of(open_home(asking_bot, fake, teammate, team))
    [dm] = answered_dms(fake, user)
    assert words in json.dumps(dm.args["blocks"]) and "their words stay with you" in json.dumps(
        dm.args["blocks"]
    )
    home_of(asking_bot, fake, user, team, words)


def test_the_note_greets_the_crm_contact_and_names_the_company_an_admin_set(asking_bot, fake):
    admin, rep, team = unique("U"), unique("U"), unique("T")
    fake.admins.add(admin)
    open_home(asking_bot, fake, admin, team)
    form = modal_for(
        fake, home_click(asking_bot, admin, team, {"action_id": ids.OPEN_SETTINGS, "type": "button"})
    )
    typed = fill_form(form, {ids.SET_CHANNEL: "C0DIGEST", ids.SET_COMPANY: "Stark & Sons"})
    reply = send(asking_bot.events_url, view_submission(form, typed, user=admin, team=team), FORM)
    assert "*Your company's name as buyers see it:* *Stark &amp; Sons*" in text_of(reply.json()["view"])
    form = modal_for(
        fake, home_click(asking_bot, admin, team, {"action_id": ids.OPEN_SETTINGS, "type": "button"})
    )
    [company] = [b for b in form["blocks"] if b.get("block_id") == ids.SET_COMPANY]
    assert company["element"]["initial_value"] == "Stark & Sons"

    # A workflow names the buyer's contact; the rep writes the autopsy from its prompt.
    inputs = {"person": rep, "deal_name": "Oscorp", "buyer_contact": "Harry Osborn"}
    execution = unique("Fx")
    step = function_executed(ids.ASK_FOR_AUTOPSY_FUNCTION, inputs, execution_id=execution, team=team)
    assert send(asking_bot.events_url, step, "application/json").status == 200
    deadline = time.monotonic() + 10
    while not fake.find(
        "functions.completeSuccess", lambda c: c.args.get("function_execution_id") == execution
    ):
        assert time.monotonic() < deadline, "the step never completed"
        time.sleep(0.02)
    sweep_at(asking_bot, next_weekday_at(11))
    prompt = dm_saying(fake, rep, "Sorry about Oscorp")
    trigger = click(asking_bot, prompt, ids.CRM_DO_AUTOPSY, user=rep, team=team)
    view = modal_for(fake, trigger)
    kept = {key: value for key, value in FORM_ANSWERS.items() if key not in (ids.DEAL, ids.DEAL_VALUE)}
    assert (
        send(
            asking_bot.events_url, view_submission(view, fill_form(view, kept), user=rep, team=team), FORM
        ).status
        == 200
    )
    thanks = dm_saying(fake, rep, "Your autopsy of")
    note = text_of(ask(asking_bot, fake, thanks, user=rep, team=team))
    assert ">Hi Harry Osborn,\\n>\\n>Thank you for considering Stark &amp; Sons." in note
    assert "by the Stark &amp; Sons team, to learn from" in note


def test_the_touch_base_reminder_offers_to_ask_too(asking_bot, fake):
    user, team = unique("U"), unique("T")
    day = date.today() + timedelta(days=20)
    thank_you(asking_bot, fake, "Soylent", user=user, team=team, **{ids.TOUCH_BASE_ON: day.isoformat()})
    sweep_at(asking_bot, weekday_noon(day))
    reminder = dm_saying(fake, user, "Time to touch base with Soylent")
    assert "Ask Soylent for their side" in json.dumps(reminder.args["blocks"])
    link = link_in(ask(asking_bot, fake, reminder, user=user, team=team))
    assert link.startswith(f"{PUBLIC_URL}/ask/")
