"""App Home and the rep's journal, end to end against the real bot: what Home shows (and never
more than Slack's 100 blocks), paging, answering a follow-up from Home, edit, delete, the
refusal of forged ids, and "Export my data"."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.config import load_settings
from bot.digest.posting import DigestSweep
from bot.digest.week import week_due
from bot.slack.installs import installs_for
from playground.emulator import SlackEmulator, new_trigger_id
from storage import Plan, Store
from tests.support.app_home_views import (
    element,
    home_click,
    home_showing,
    menu,
    modal_for,
    open_home,
    text_of,
)
from tests.support.bot_process import Bot, bot_env, start_bot
from tests.support.databases import follow_ups_of
from tests.support.examples import ANSWERS as STORED_ANSWERS
from tests.support.lost_deal_form import FORM_ANSWERS, command_answer, open_form, submit
from tests.support.slack_requests import (
    FORM,
    fill_form,
    send,
    unique,
    view_click,
    view_submission,
)


def journal_deals(view: dict[str, Any]) -> list[str]:
    """The deal names of the autopsies in the journal part of a Home view, in order."""
    return [
        block["text"]["text"].split("*")[1]
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == ids.AUTOPSY_MENU
    ]


def write(bot: Bot, fake: SlackEmulator, user: str, team: str, deal: str, **answers: Any) -> None:
    view = open_form(bot, fake, deal, user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, **answers}, user=user, team=team).status == 200


def autopsy_ids(bot: Bot, team: str, user: str) -> list[int]:
    return [row["id"] for row in bot.export(team) if row["user_id"] == user]


def test_a_new_reps_home_has_a_way_in_and_nothing_else(bot, fake):
    user, team = unique("U"), unique("T")
    view = open_home(bot, fake, user, team)
    shown = text_of(view)
    assert "Log a lost deal" in shown and "Export my data" in shown
    assert "Workspace settings" not in shown  # not an admin
    assert "Nothing yet" in shown and "No touch-base reminders waiting" in shown
    assert "No lessons shared in the last 30 days" in shown


def test_home_shows_follow_ups_the_journal_and_only_what_the_team_shared(bot, fake):
    user, other, team = unique("U"), unique("U"), unique("T")
    touch = (date.today() + timedelta(days=30)).isoformat()
    write(bot, fake, user, team, "Acme <!channel>", **{ids.TOUCH_BASE_ON: touch, ids.SHARING: "named"})
    write(bot, fake, other, team, "Anon Co", **{ids.SHARING: "anonymous", ids.LESSON: "Call twice."})
    write(bot, fake, other, team, "Hidden Inc", **{ids.SHARING: "private", ids.LESSON: "PRIVATE LESSON"})
    open_home(bot, fake, user, team)
    view = home_showing(fake, user, "Touch base with Acme", "Call twice.")
    shown = text_of(view)
    # Coming up: the touch-base, with the same answers as its DM.
    assert "Touch base with Acme &lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert element(view, ids.REACHED_OUT)["value"] == element(view, ids.WON_BACK)["value"]
    # The journal: the rep's own autopsy, with its menu and what became of it.
    assert "Your autopsies (1)" in shown
    assert element(view, ids.AUTOPSY_MENU)["options"][0]["value"].startswith("edit:")
    assert "touch base" in shown and "waiting" in shown
    # The team: named and anonymous, never private.
    assert "Call twice." in shown and "shared anonymously" in shown
    assert "Hidden Inc" not in shown and "PRIVATE LESSON" not in shown and other not in shown


def test_five_hundred_autopsies_page_ten_at_a_time_within_slack_limits(fake, tmp_path):
    # A bot of its own, with no scheduler: from the shared one, the 500 touch-bases long due would go
    # out as DMs in the background, or in whichever test sweeps next.
    bot = start_bot(bot_env(fake, f"sqlite:///{tmp_path / 'rebound.db'}"), tmp_path, "--no-scheduler")
    try:
        user, team = unique("U"), unique("T")
        store = Store.connect(bot.env["DATABASE_URL"])
        start = datetime.now(UTC) - timedelta(days=500)
        try:
            for number in range(500):
                with store.write() as work:
                    work.autopsies.save(
                        team_id=team,
                        user_id=user,
                        view_id=unique("V"),
                        created_at=start + timedelta(days=number),
                        answers=replace(STORED_ANSWERS, deal_name=f"Deal {number:03d}", sharing="named"),
                        follow_ups=[
                            Plan(kind="touch_base", recipient_id=user, due_at=start + timedelta(days=number))
                        ],
                    )
        finally:
            store.close()
        first = open_home(bot, fake, user, team)
        shown = text_of(first)
        assert "Your autopsies (500)" in shown
        assert "1 to 10 of 500" in shown
        more = element(first, ids.HOME_PAGE)
        assert more["value"] == "10"
        assert journal_deals(first) == [f"Deal {n}" for n in range(499, 489, -1)]
        home_click(bot, user, team, {"action_id": ids.HOME_PAGE, "type": "button", "value": more["value"]})
        second = home_showing(fake, user, "11 to 20 of 500")
        assert journal_deals(second) == [f"Deal {n}" for n in range(489, 479, -1)]
        assert element(second, ids.HOME_NEWER)["value"] == "0"
    finally:
        assert bot.stop() == 0, bot.log_text()


def test_a_follow_up_answered_in_home_is_done_and_home_redrawn(bot, fake):
    user, team = unique("U"), unique("T")
    write(
        bot,
        fake,
        user,
        team,
        "Initech",
        **{ids.TOUCH_BASE_ON: (date.today() + timedelta(days=9)).isoformat()},
    )
    view = home_showing(fake, user, "Touch base with Initech")
    value = element(view, ids.WON_BACK)["value"]
    home_click(bot, user, team, {"action_id": ids.WON_BACK, "type": "button", "value": value}, block_id="x")
    after = home_showing(fake, user, "No touch-base reminders waiting")
    assert "won back" in text_of(after)
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:
            assert work.follow_ups.get(team_id=team, follow_up_id=int(value)).follow_up.state == "won_back"
    finally:
        store.close()


def test_editing_rewrites_the_autopsy_and_moves_its_touch_base(bot, fake):
    user, team = unique("U"), unique("T")
    write(
        bot,
        fake,
        user,
        team,
        "Globex",
        **{ids.TOUCH_BASE_ON: (date.today() + timedelta(days=30)).isoformat()},
    )
    [autopsy_id] = autopsy_ids(bot, team, user)
    form = modal_for(fake, menu(bot, user, team, f"edit:{autopsy_id}"))
    assert form["callback_id"] == ids.AUTOPSY_EDIT_VIEW and form["private_metadata"] == str(autopsy_id)
    inputs = {block["block_id"]: block["element"] for block in form["blocks"] if block["type"] == "input"}
    assert inputs[ids.DEAL]["initial_value"] == "Globex"
    assert inputs[ids.LESSON]["initial_value"] == FORM_ANSWERS[ids.LESSON]
    assert inputs[ids.CHECK_TIMING]["initial_option"]["value"] == "partly"
    new_day = (date.today() + timedelta(days=60)).isoformat()
    changed = {
        **FORM_ANSWERS,
        ids.DEAL: "Globex",
        ids.LESSON: "Send the proposal the same day.",
        ids.TOUCH_BASE_ON: new_day,
    }
    reply = send(bot.events_url, view_submission(form, fill_form(form, changed), user=user, team=team), FORM)
    assert reply.status == 200 and reply.body == b""
    [row] = [row for row in bot.export(team) if row["id"] == autopsy_id]
    assert row["lesson"] == "Send the proposal the same day." and row["touch_base_on"] == new_day
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        [touch] = [
            f for f in follow_ups_of(store, team_id=team, autopsy_id=autopsy_id) if f.kind == "touch_base"
        ]
        assert touch.due_on == date.fromisoformat(new_day) and touch.state == "pending"
    finally:
        store.close()
    home_showing(fake, user, "Send the proposal the same day.")


def test_deleting_asks_first_then_removes_the_autopsy_and_its_reminders(bot, fake):
    user, team = unique("U"), unique("T")
    write(bot, fake, user, team, "Hooli")
    [autopsy_id] = autopsy_ids(bot, team, user)
    confirm = modal_for(fake, menu(bot, user, team, f"delete:{autopsy_id}"))
    assert confirm["callback_id"] == ids.AUTOPSY_DELETE_VIEW and "can't be undone" in text_of(confirm)
    assert autopsy_ids(bot, team, user) == [autopsy_id]  # nothing deleted until confirmed
    red = element(confirm, ids.AUTOPSY_DELETE)
    assert red["style"] == "danger" and "submit" not in confirm
    click = {"action_id": ids.AUTOPSY_DELETE, "type": "button", "value": red["value"]}
    body = view_click(confirm, click, user=user, team=team, trigger_id=new_trigger_id())
    assert send(bot.events_url, body, FORM).status == 200
    home_showing(fake, user, "Your autopsies (0)")
    assert autopsy_ids(bot, team, user) == []
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        assert follow_ups_of(store, team_id=team, autopsy_id=autopsy_id) == []
    finally:
        store.close()


def test_nobody_edits_or_deletes_another_persons_autopsy(bot, fake):
    owner, intruder, team = unique("U"), unique("U"), unique("T")
    write(bot, fake, owner, team, "Umbrella")
    [autopsy_id] = autopsy_ids(bot, team, owner)
    for forged in (f"edit:{autopsy_id}", f"delete:{autopsy_id}", "edit:99999999"):
        # Only a notice opens, as for an autopsy deleted in another window: never the form.
        notice = modal_for(fake, menu(bot, intruder, team, forged))
        assert "callback_id" not in notice and "isn't here any more" in text_of(notice)
        assert "Umbrella" not in text_of(notice)
    trigger = menu(bot, intruder, team, "drop:1")  # no such choice in the menu: nothing to answer
    time.sleep(0.2)
    assert fake.find("views.open", lambda c, t=trigger: c.args.get("trigger_id") == t) == []
    # Forged submissions naming the owner's autopsy: refused, nothing changed.
    form = {
        **modal_for(fake, menu(bot, owner, team, f"edit:{autopsy_id}")),
        "private_metadata": str(autopsy_id),
    }
    hijack = {**FORM_ANSWERS, ids.DEAL: "Umbrella", ids.LESSON: "HIJACKED"}
    reply = send(
        bot.events_url, view_submission(form, fill_form(form, hijack), user=intruder, team=team), FORM
    )
    assert reply.json()["response_action"] == "errors"
    confirm = {"id": unique("V"), "type": "modal", "callback_id": ids.AUTOPSY_DELETE_VIEW, "blocks": []}
    forged = {"action_id": ids.AUTOPSY_DELETE, "type": "button", "value": str(autopsy_id)}
    body = view_click(confirm, forged, user=intruder, team=team, trigger_id=new_trigger_id())
    assert send(bot.events_url, body, FORM).status == 200
    [row] = [row for row in bot.export(team) if row["id"] == autopsy_id]
    assert row["lesson"] == FORM_ANSWERS[ids.LESSON]
    log = bot.log_text()
    assert f"Refused to edit autopsy '{autopsy_id}' for {intruder}" in log
    assert f"Refused to delete autopsy '{autopsy_id}' for {intruder}" in log


def test_export_my_data_sends_my_autopsies_in_my_words_with_what_became_of_them_as_a_safe_csv(bot, fake):
    user, other, team = unique("U"), unique("U"), unique("T")
    soon = (date.today() + timedelta(days=9)).isoformat()
    write(
        bot,
        fake,
        user,
        team,
        '=HYPERLINK("https://evil")',
        **{ids.LESSON: "+1 lesson", ids.TOUCH_BASE_ON: soon},
    )
    write(bot, fake, user, team, "Second Co", **{ids.CHECK_LISTENED: "partly", ids.SHARING: "private"})
    write(bot, fake, other, team, "Not Mine Ltd")
    view = home_showing(fake, user, "Touch base with =HYPERLINK")
    won = {"action_id": ids.WON_BACK, "type": "button", "value": element(view, ids.WON_BACK)["value"]}
    home_click(bot, user, team, won, block_id="x")
    home_showing(fake, user, "won back")
    home_click(bot, user, team, {"action_id": ids.EXPORT_MINE, "type": "button"})
    dm = "D" + user.lstrip("U")
    [complete] = fake.wait_for("files.completeUploadExternal", lambda c: c.args.get("channel_id") == dm)
    assert "2 autopsies" in complete.args["initial_comment"]
    file_id = json.loads(complete.args["files"])[0]["id"]
    rows = list(csv.DictReader(io.StringIO(fake.uploads[file_id].decode(), newline="")))
    hostile, second = sorted(rows, key=lambda row: row["Deal or prospect"])
    assert (hostile["Deal or prospect"], second["Deal or prospect"]) == (
        '\'=HYPERLINK("https://evil")',
        "Second Co",
    )
    assert {row["Written by (Slack user ID)"] for row in rows} == {user}
    assert hostile["The lesson"] == "'+1 lesson"
    assert hostile["What happened?"] == "Lost a new deal" and hostile["Touch-base outcome"] == "Won them back"
    answered = datetime.fromisoformat(hostile["Touch-base answered (UTC)"]).replace(tzinfo=UTC)
    assert timedelta(0) <= datetime.now(UTC) - answered < timedelta(minutes=2)
    assert (
        second["Did I really listen to the prospect's needs?"] == "Partly"
        and second["Shared"] == "Keep it private"
    )
    assert {"Revisits (UTC)", "From the CRM", "CRM deal ID", "CRM deal link"} <= set(second)


def seed(bot: Bot, team: str, user: str, count: int, **answers: Any) -> None:
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        for number in range(count):
            with store.write() as work:
                work.autopsies.save(
                    team_id=team,
                    user_id=user,
                    view_id=unique("V"),
                    created_at=datetime.now(UTC) - timedelta(hours=number),
                    answers=replace(
                        STORED_ANSWERS, **{"deal_name": f"Deal {number:02d}", "sharing": "named", **answers}
                    ),
                )
    finally:
        store.close()


def test_list_answers_privately_with_my_last_ten(bot, fake):
    user, team = unique("U"), unique("T")
    assert "haven't written an autopsy yet" in json.dumps(
        command_answer(bot, fake, "list", user=user, team=team)
    )
    seed(bot, team, user, 12)
    seed(bot, team, unique("U"), 3, deal_name="Someone Else's")
    answer = json.dumps(command_answer(bot, fake, "list", user=user, team=team))
    assert "Your last 10 of 12 autopsies" in answer
    assert "Deal 00" in answer and "Deal 09" in answer and "Deal 10" not in answer
    assert "Someone Else" not in answer


def test_stats_show_mine_and_the_teams_patterns_only_from_three_up(bot, fake):
    user, other, team = unique("U"), unique("U"), unique("T")
    seed(bot, team, user, 1)
    seed(bot, team, user, 1, sharing="private")
    seed(bot, team, other, 1, sharing="private")
    few = json.dumps(command_answer(bot, fake, "stats", user=user, team=team))
    assert "*You:* 2 autopsies" in few
    assert "*The team, last 90 days:* 1 shared autopsy" in few  # private ones are not the team's
    assert few.count("too few in the last 90 days to show a pattern") == 3
    seed(bot, team, other, 2, sharing="anonymous")
    enough = json.dumps(command_answer(bot, fake, "stats", user=user, team=team))
    assert "3 shared autopsies" in enough and "Did I really listen" in enough
    assert "too few" not in enough.split("Self-check")[1].split("Who won")[0]


def test_an_admin_changes_the_settings_and_the_next_digest_moves(bot, fake):
    admin, team = unique("U"), unique("T")
    fake.admins.add(admin)
    home = open_home(bot, fake, admin, team)
    assert element(home, ids.OPEN_SETTINGS)["text"]["text"] == "Workspace settings"
    form = modal_for(fake, home_click(bot, admin, team, {"action_id": ids.OPEN_SETTINGS, "type": "button"}))
    assert form["callback_id"] == ids.SETTINGS_VIEW
    chosen = {
        ids.SET_CHANNEL: "C0NEWDIGEST",
        ids.SET_DAY: "mon",
        ids.SET_TIME: "09:30",
        ids.SET_ZONE: "Asia/Tokyo",
        ids.SET_OPTIONS: ["hide_anonymous_deal_names"],
        ids.SET_TOUCH_BASE_DAYS: "30",
        ids.SET_REVISIT_DAYS: "3",
    }
    reply = send(bot.events_url, view_submission(form, fill_form(form, chosen), user=admin, team=team), FORM)
    assert reply.status == 200 and reply.json()["response_action"] == "update"
    saved = text_of(reply.json()["view"])  # the admin sees it saved, and what is in force now
    assert "Saved." in saved and "in <#C0NEWDIGEST> every Monday at 09:30 (Asia/Tokyo)" in saved
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:
            row = work.workspaces.settings(team)
        assert (row.digest_channel, row.digest_day, row.digest_time, row.timezone) == (
            "C0NEWDIGEST",
            "mon",
            "09:30",
            "Asia/Tokyo",
        )
        assert (row.digest_chart, row.empty_week_note, row.hide_anonymous_deal_names) == (False, False, True)
        # The next digest: Monday 09:30 in Tokyo, in the new channel, with no restart.
        env = {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_API_URL": fake.api_url}
        settings = load_settings(env, dotenv_dir=Path("/"))
        sweep = DigestSweep(store, installs_for(settings, store), settings)
        week = week_due(datetime.now(UTC) + timedelta(days=7), sweep.schedule(team))
        assert week.ends_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M") == "Mon 09:30"
        with store.write() as work:
            work.autopsies.save(
                team_id=team,
                user_id=admin,
                view_id=unique("V"),
                created_at=week.ends_at - timedelta(days=1),
                answers=replace(STORED_ANSWERS, deal_name="Moved Co", sharing="named"),
            )
        assert sweep.post_now(team, week.ends_at).result == "posted"
        [post] = fake.find("chat.postMessage", lambda c: c.args.get("channel") == "C0NEWDIGEST")
        assert "Moved Co" in json.dumps(post.args["blocks"])
    finally:
        store.close()
    # The form now suggests touching base in 30 days (the Monday after, when that is a weekend).
    form = open_form(bot, fake, "Soon Co", user=admin, team=team)
    [picker] = [block for block in form["blocks"] if block.get("block_id") == ids.TOUCH_BASE_ON]
    suggested = datetime.now(UTC).date() + timedelta(days=30)
    while suggested.weekday() >= 5:
        suggested += timedelta(days=1)
    assert picker["element"]["initial_date"] == suggested.isoformat()
    # And "revisit your notes" comes after 3 days.
    assert submit(bot, form, FORM_ANSWERS, user=admin, team=team).status == 200
    [autopsy_id] = [row["id"] for row in bot.export(team) if row["deal_name"] == "Soon Co"]
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        [revisit] = [
            f for f in follow_ups_of(store, team_id=team, autopsy_id=autopsy_id) if f.kind == "revisit"
        ]
    finally:
        store.close()
    assert abs(revisit.due_at - (datetime.now(UTC) + timedelta(days=3))) < timedelta(minutes=2)


def test_settings_are_for_admins_only(bot, fake):
    rep, team = unique("U"), unique("T")
    assert "Workspace settings" not in text_of(open_home(bot, fake, rep, team))
    trigger = home_click(bot, rep, team, {"action_id": ids.OPEN_SETTINGS, "type": "button"})
    notice = modal_for(fake, trigger)  # a stale button (no longer an admin) explains, never the form
    assert "callback_id" not in notice and "Only workspace admins" in text_of(notice)
    forged = {"id": unique("V"), "type": "modal", "callback_id": ids.SETTINGS_VIEW, "blocks": []}
    values = {
        ids.SET_CHANNEL: {
            ids.SET_CHANNEL: {"type": "conversations_select", "selected_conversation": "C0EVIL"}
        }
    }
    reply = send(bot.events_url, view_submission(forged, values, user=rep, team=team), FORM)
    assert reply.json()["errors"][ids.SET_CHANNEL] == "Only workspace admins can change these settings."
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:
            assert work.workspaces.settings(team) is None
    finally:
        store.close()
    log = bot.log_text()
    assert f"Refused the workspace settings to {rep}" in log
    assert f"Refused a workspace settings change from {rep}" in log


def test_bad_settings_come_back_as_field_errors(bot, fake):
    admin, team = unique("U"), unique("T")
    fake.admins.add(admin)
    home = open_home(bot, fake, admin, team)
    form = modal_for(fake, home_click(bot, admin, team, {"action_id": ids.OPEN_SETTINGS, "type": "button"}))
    assert element(home, ids.OPEN_SETTINGS)
    bad = {ids.SET_ZONE: "Mars/Olympus", ids.SET_TOUCH_BASE_DAYS: "0", ids.SET_REVISIT_DAYS: "400"}
    reply = send(bot.events_url, view_submission(form, fill_form(form, bad), user=admin, team=team), FORM)
    errors = reply.json()["errors"]
    assert set(errors) == {ids.SET_ZONE, ids.SET_TOUCH_BASE_DAYS, ids.SET_REVISIT_DAYS}
