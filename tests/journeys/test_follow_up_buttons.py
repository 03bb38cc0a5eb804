"""Follow-up DMs end to end: the real bot, `rebound reminders --as-of`, and clicks shaped like Slack's."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from playground.emulator import Call, SlackEmulator, conversation_of, new_trigger_id
from playground.playground_clock import PlaygroundClock
from storage import FollowUp, Store
from tests.support.bot_process import Bot, bot_env, start_bot, sweep_at
from tests.support.databases import follow_ups_of
from tests.support.dm_buttons import click, dm_saying, updates
from tests.support.lost_deal_form import FORM_ANSWERS, as_dict, open_form, submit
from tests.support.moments import weekday_noon
from tests.support.slack_requests import (
    FORM,
    fill_form,
    send,
    slash_command,
    unique,
    view_click,
    view_submission,
)


def write_autopsy(bot: Bot, fake: SlackEmulator, user: str, team: str, **answers: Any) -> None:
    view = open_form(bot, fake, "Globex", user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, **answers}, user=user, team=team).status == 200


def store_of(bot: Bot) -> Store:
    return Store.connect(bot.env["DATABASE_URL"])


@dataclass
class Reminder:
    """A rep's touch-base reminder DM, as the fake Slack received it."""

    user: str
    team: str
    message: Call


@pytest.fixture
def touch_base_reminder(bot: Bot, fake: SlackEmulator) -> Reminder:
    """A new rep's autopsy of Globex, its touch-base day 20 days on, swept then: the reminder."""
    user, team = unique("U"), unique("T")
    day = date.today() + timedelta(days=20)
    write_autopsy(bot, fake, user, team, **{ids.TOUCH_BASE_ON: day.isoformat()})
    sweep_at(bot, weekday_noon(day))
    return Reminder(user, team, dm_saying(fake, user, "Time to touch base with Globex"))


@pytest.mark.parametrize(
    ("action_id", "says"),
    [
        (ids.REACHED_OUT, "You reached out"),
        (ids.WON_BACK, "You won them back!"),
        (ids.LET_GO, "You let this one go"),
        (ids.SNOOZE_WEEK, "Snoozed: I'll remind you again on"),
    ],
)
def test_touch_base_buttons_answer_once_and_redraw_the_message(
    bot, fake, touch_base_reminder, action_id, says
):
    user, team, reminder = touch_base_reminder.user, touch_base_reminder.team, touch_base_reminder.message
    shown = json.dumps(reminder.args["blocks"])
    assert "Globex (a competitor): They came in 20% cheaper" in shown
    assert "you were late with the proposal" in shown
    assert "Send the proposal within 48 hours" in shown

    click(bot, reminder, action_id, user=user, team=team)
    [update] = updates(fake, user)
    redrawn = json.dumps(update.args["blocks"])
    assert says in redrawn and '"actions"' not in redrawn  # no buttons left to contradict it
    click(bot, reminder, action_id, user=user, team=team)  # the same click again changes nothing
    second = updates(fake, user, count=2)[1]
    assert second.args["blocks"] == update.args["blocks"]

    if action_id == ids.SNOOZE_WEEK:  # a snoozed reminder comes back a week on
        sweep_at(bot, weekday_noon(date.today() + timedelta(days=8)))
        assert (
            len(
                fake.wait_for(
                    "chat.postMessage",
                    lambda c: c.args["channel"] == user and "touch base" in c.args["text"],
                    count=2,
                )
            )
            == 2
        )


def test_nobody_else_can_answer_your_reminder(bot, fake, touch_base_reminder):
    user, team, reminder = touch_base_reminder.user, touch_base_reminder.team, touch_base_reminder.message
    mallory = unique("U")
    click(bot, reminder, ids.WON_BACK, user=mallory, team=team)
    click(bot, reminder, ids.WON_BACK, user=user, team="T0OTHERTEAM")
    click(bot, reminder, ids.LET_GO, user=user, team=team, value="99999999")
    time.sleep(0.5)
    assert fake.find("chat.update", lambda c: c.args["channel"] == conversation_of(user)) == []
    assert "Refused" in bot.log_text()
    click(bot, reminder, ids.REACHED_OUT, user=user, team=team)  # the rep still can
    assert "You reached out" in json.dumps(updates(fake, user)[0].args["blocks"])


def test_revisit_your_notes_through_its_modal(bot, fake):
    user, team = unique("U"), unique("T")
    write_autopsy(bot, fake, user, team)
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=8)))
    reminder = dm_saying(fake, user, "Revisit your notes on Globex")
    assert "Gutted. We worked on this for months." in json.dumps(reminder.args["blocks"])

    trigger = click(bot, reminder, ids.ADD_REVISIT, user=user, team=team)
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    modal = {**as_dict(opened.args["view"]), "id": unique("V")}
    assert modal["callback_id"] == ids.REVISIT_VIEW
    seen = {
        ids.REVISIT_TEXT: {ids.REVISIT_TEXT: {"type": "plain_text_input", "value": "I never asked <!here>."}}
    }
    empty = {ids.REVISIT_TEXT: {ids.REVISIT_TEXT: {"type": "plain_text_input", "value": "   "}}}
    assert (
        send(bot.events_url, view_submission(modal, empty, user=user, team=team), FORM).json()[
            "response_action"
        ]
        == "errors"
    )
    for _ in range(2):  # a double submit stores it once
        assert send(bot.events_url, view_submission(modal, seen, user=user, team=team), FORM).status == 200
    [update] = updates(fake, user)
    redrawn = json.dumps(update.args["blocks"])
    assert "I never asked &lt;!here&gt;." in redrawn and "Thank you for looking back" in redrawn
    store = store_of(bot)
    try:
        with store.read() as work:
            [item], _ = work.autopsies.journal(team_id=team, user_id=user, offset=0, limit=5)
            revisits = work.autopsies.revisits(team_id=team, autopsy_id=item.autopsy.id)
        assert [r.text for r in revisits] == ["I never asked <!here>."]
    finally:
        store.close()


@pytest.mark.parametrize(("sharing", "answer"), [("named", ids.HELP_YES), ("private", ids.HELP_NO)])
def test_a_help_request_reaches_the_teammate_and_the_rep_hears_back(bot, fake, sharing, answer):
    user, team, helper = unique("U"), unique("T"), unique("U")
    write_autopsy(bot, fake, user, team, **{ids.HELP_FROM: helper, ids.SHARING: sharing})
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=1)))
    request = dm_saying(fake, helper, "help with Globex")
    shown = json.dumps(request.args["blocks"])
    assert f"<@{user}> lost *Globex*" in shown
    assert ("Send the proposal within 48 hours" in shown) == (sharing != "private")
    click(bot, request, answer, user=helper, team=team)
    told = fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == user and f"<@{helper}>" in c.args["text"]
    )
    assert ("will reach out" in told[0].args["text"]) == (answer == ids.HELP_YES)
    assert '"actions"' not in json.dumps(updates(fake, helper)[0].args["blocks"])


def confirm_delete(bot: Bot, fake: SlackEmulator, autopsy_id: int, *, user: str, team: str) -> str:
    """Delete an autopsy as the rep does: App Home's menu, then the confirmation's red button.
    Returns the confirmation modal's id."""
    trigger = new_trigger_id()
    home = {"id": "V0HOME", "type": "home", "blocks": []}
    chosen = {"text": {"type": "plain_text", "text": "Delete"}, "value": f"delete:{autopsy_id}"}
    menu = {"action_id": ids.AUTOPSY_MENU, "type": "overflow", "selected_option": chosen}
    asked = view_click(home, menu, user=user, team=team, trigger_id=trigger)
    assert send(bot.events_url, asked, FORM).status == 200
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    echoed = opened.answer["view"]  # the id Slack gave the modal, to update it by
    modal = {**as_dict(opened.args["view"]), "id": echoed["id"]}
    buttons = [element for block in modal["blocks"] for element in block.get("elements", [])]
    [red] = [button for button in buttons if button.get("style") == "danger"]
    confirm = {"action_id": red["action_id"], "type": "button", "value": red["value"]}
    body = view_click(modal, confirm, user=user, team=team, trigger_id=new_trigger_id())
    assert send(bot.events_url, body, FORM).status == 200
    return modal["id"]


def test_deleting_an_autopsy_takes_down_its_help_request_and_a_late_click_hears_why(bot, fake):
    """The teammate's DM keeps nothing of a deleted autopsy and no buttons; a click on the old
    buttons (a phone that had not refreshed) is answered, only to them, with a kind line."""
    user, team, helper = unique("U"), unique("T"), unique("U")
    write_autopsy(bot, fake, user, team, **{ids.HELP_FROM: helper, ids.SHARING: "named"})
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=1)))
    request = dm_saying(fake, helper, "help with Globex")
    [autopsy_id] = [row["id"] for row in bot.export(team) if row["user_id"] == user]

    modal_id = confirm_delete(bot, fake, autopsy_id, user=user, team=team)
    [taken_down] = updates(fake, helper)
    assert taken_down.args["ts"] == request.answer["ts"]
    shown = json.dumps(taken_down.args["blocks"])
    assert f"<@{user}> took this autopsy down, so there's nothing to answer here any more." in shown
    assert '"actions"' not in shown and "Send the proposal" not in shown and "Globex" not in shown
    [done] = fake.wait_for("views.update", lambda c: c.args.get("view_id") == modal_id)
    assert f"The help request you sent <@{helper}> now says you took it down." in json.dumps(
        done.args["view"]
    )
    assert [row for row in bot.export(team) if row["user_id"] == user] == []

    click(bot, request, ids.HELP_YES, user=helper, team=team)
    [answer] = fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == helper)
    assert answer.args["text"] == "This autopsy was deleted, so there's nothing to answer here any more."
    assert answer.args["channel"] == request.args["channel"]
    assert len(updates(fake, helper)) == 1  # nothing else was drawn over it
    told_rep = fake.find(
        "chat.postMessage", lambda c: c.args["channel"] == user and f"<@{helper}>" in c.args["text"]
    )
    assert told_rep == []  # the rep hears nothing about an answer to what they deleted


def test_a_click_on_a_finished_or_someone_elses_reminder_is_answered_not_ignored(
    bot, fake, touch_base_reminder
):
    user, team, reminder = touch_base_reminder.user, touch_base_reminder.team, touch_base_reminder.message
    mallory = unique("U")
    click(bot, reminder, ids.WON_BACK, user=mallory, team=team)
    [refused] = fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == mallory)
    assert refused.args["text"] == "This one is someone else's to answer, so I've left it as it is."
    click(bot, reminder, ids.LET_GO, user=user, team=team)
    click(bot, reminder, ids.REACHED_OUT, user=user, team=team)  # finished: the DM shows its answer again
    second = updates(fake, user, count=2)[1]
    assert "You let this one go." in json.dumps(second.args["blocks"]) and '"actions"' not in json.dumps(
        second.args["blocks"]
    )


def pause_holds_the_revisit(bot: Bot, fake: SlackEmulator, user: str, **where: str) -> Call:
    """`/lost-deal pause` keeps the revisit a week later waiting; `resume` lets it out. The DM."""

    def command(word: str) -> str:
        body = slash_command(
            word, user=user, trigger_id=new_trigger_id(), response_url=fake.response_url("p"), **where
        )
        return send(bot.events_url, body, FORM).json()["text"]

    assert "paused" in command("pause")
    week = weekday_noon(date.today() + timedelta(days=8))  # the revisit is due 7 days after writing
    sweep_at(bot, week)
    time.sleep(0.3)
    revisits = fake.find(
        "chat.postMessage", lambda c: c.args["channel"] == user and "Revisit" in c.args["text"]
    )
    assert revisits == []
    assert "back on" in command("resume")
    sweep_at(bot, week)
    return dm_saying(fake, user, "Revisit your notes")


def test_pausing_keeps_reminders_waiting_until_resumed(bot, fake):
    user, team = unique("U"), unique("T")
    write_autopsy(bot, fake, user, team)
    reminder = pause_holds_the_revisit(bot, fake, user, team=team)
    click(bot, reminder, ids.PAUSE, user=user, team=team)
    assert "Resume my reminders" in json.dumps(updates(fake, user)[0].args["blocks"])


def test_on_an_org_wide_install_pausing_holds_the_reps_own_reminders(bot, fake):
    """An org-wide install's requests may name the org and no workspace: the autopsy, its
    follow-ups and the pause are all kept under the org, so the pause holds what it should."""
    user, org = unique("U"), unique("E")
    trigger = new_trigger_id()
    body = slash_command(
        "Initech", user=user, trigger_id=trigger, response_url=fake.response_url(trigger), org=org
    )
    assert send(bot.events_url, body, FORM).status == 200
    [call] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = {**as_dict(call.args["view"]), "id": unique("V")}
    submitted = view_submission(view, fill_form(view, FORM_ANSWERS), user=user, org=org)
    assert send(bot.events_url, submitted, FORM).status == 200
    dm_saying(fake, user, "Your autopsy of Initech is saved")
    assert "Initech" in pause_holds_the_revisit(bot, fake, user, org=org).args["text"]


LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def a_month_after(day: date) -> date:
    year, month = day.year + day.month // 12, day.month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_los_angeles(day: date, hour: int) -> datetime:
    return datetime.combine(day, time_of_day(hour), LOS_ANGELES).astimezone(UTC)


def touch_base_of(bot: Bot, team: str, user: str) -> FollowUp:
    store = store_of(bot)
    try:
        with store.read() as work:
            [item], _ = work.autopsies.journal(team_id=team, user_id=user, offset=0, limit=5)
        follow_ups = follow_ups_of(store, team_id=team, autopsy_id=item.autopsy.id)
    finally:
        store.close()
    [touch] = [f for f in follow_ups if f.kind == "touch_base"]
    return touch


def touch_base_dm(user: str) -> Callable[[Call], bool]:
    return lambda call: call.args["channel"] == user and "touch base" in call.args["text"]


def snoozed_case(case: str) -> tuple[str, datetime, date]:
    """(the button, when the rep clicks it, the day the reminder must come back) for each case, in
    the weeks ahead: the bot's clock can be moved forward only."""
    soon = datetime.now(LOS_ANGELES).date() + timedelta(days=12)
    if case == "a month, to a Saturday":  # e.g. 2 December: 2 January is a Saturday; the Monday
        day = next(
            soon + timedelta(days=n)
            for n in range(62)
            if a_month_after(soon + timedelta(days=n)).weekday() == 5
        )
        return ids.SNOOZE_MONTH, in_los_angeles(day, 11), a_month_after(day) + timedelta(days=2)
    thursday = soon + timedelta(days=(3 - soon.weekday()) % 7)
    evening = in_los_angeles(thursday, 20)  # Friday 03:00 or 04:00 in UTC
    if case == "a week, on a Thursday evening":
        return ids.SNOOZE_WEEK, evening, thursday + timedelta(days=7)
    return ids.SNOOZE_MONTH, evening, weekday_on_or_after(a_month_after(thursday))


@pytest.mark.parametrize(
    "case", ["a week, on a Thursday evening", "a month, on a Thursday evening", "a month, to a Saturday"]
)
def test_every_day_a_rep_is_told_is_a_weekday_of_their_zone_and_the_day_the_dm_comes(fake, tmp_path, case):
    action_id, clicked, comes_back = snoozed_case(case)
    assert comes_back.weekday() < 5
    user, team = unique("U"), unique("T")
    fake.zones[user] = LOS_ANGELES.key
    on_the_bots_clock = PlaygroundClock(tmp_path / "clock")
    on_the_bots_clock.move_to(clicked - timedelta(days=10))
    bot = start_bot(
        bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}"), tmp_path, clock_file=on_the_bots_clock.path
    )
    try:
        # The form suggests a weekday.
        view = open_form(bot, fake, "Globex", user=user, team=team)
        [picker] = [b["element"] for b in view["blocks"] if b.get("block_id") == ids.TOUCH_BASE_ON]
        assert date.fromisoformat(picker["initial_date"]).weekday() < 5
        # The rep picks a Saturday instead: the thank-you names the Monday the reminder will come.
        written = (clicked - timedelta(days=10)).astimezone(LOS_ANGELES).date()
        saturday = written + timedelta(days=(5 - written.weekday()) % 7 or 7)
        monday = saturday + timedelta(days=2)
        picked = {**FORM_ANSWERS, ids.TOUCH_BASE_ON: saturday.isoformat()}
        assert submit(bot, view, picked, user=user, team=team).status == 200
        thanks = json.dumps(dm_saying(fake, user, "Your autopsy of Globex is saved").args["blocks"])
        assert f"on {monday:%A %-d %B %Y} I'll remind you to touch base with Globex, gently." in thanks
        # And it comes then: nothing on the Saturday; at 9:00 on the Monday, the rep's time.
        sweep_at(bot, in_los_angeles(saturday, 12))
        time.sleep(0.3)
        assert fake.find("chat.postMessage", touch_base_dm(user)) == []
        sweep_at(bot, in_los_angeles(monday, 9))
        reminder = dm_saying(fake, user, "Time to touch base with Globex")

        # Snoozed: from the rep's own day (Thursday in Los Angeles, Friday in UTC), to a weekday.
        on_the_bots_clock.move_to(clicked)
        click(bot, reminder, action_id, user=user, team=team)
        [update] = updates(fake, user)
        assert f"Snoozed: I'll remind you again on {comes_back:%A %-d %B}." in json.dumps(
            update.args["blocks"]
        )
        [home] = fake.wait_for(
            "views.publish", lambda c: c.args["user_id"] == user and "(snoozed)" in str(c.args)
        )
        coming_up = str(as_dict(home.args["view"]))
        assert f"*Touch base with Globex* · {comes_back:%a %-d %b %Y} (snoozed)" in coming_up
        # The database holds that very day, 9:00 the rep's time; the sweep sends it then, not before.
        due_at = touch_base_of(bot, team, user).due_at
        assert due_at == in_los_angeles(comes_back, 9)
        sweep_at(bot, due_at - timedelta(minutes=1))
        time.sleep(0.3)
        assert len(fake.find("chat.postMessage", touch_base_dm(user))) == 1
        sweep_at(bot, due_at)
        fake.wait_for("chat.postMessage", touch_base_dm(user), count=2)
    finally:
        assert bot.stop() == 0, bot.log_text()
