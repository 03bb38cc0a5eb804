"""Actions end to end: the real bot over signed HTTP, the fake Slack, the real sweep
(`rebound reminders --as-of`) and the real digest (`rebound digest --as-of`).

A rep makes three actions of a lesson from the thank-you DM, owned by a teammate in Paris; the
teammate's reminders come on the due day in their working hours (not earlier that morning); they
answer Done, Not doing (with why) and Snooze (a week, then a day picked: the DM names it); the
digest then lists the open one and the one done this week, and a teammate adopts the shared lesson
from it, while a forged click on a private autopsy opens nothing. Two sweeps at once on PostgreSQL
send each reminder once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot import ids
from bot.commitments import reminder
from playground.emulator import TEAM_ID, Call, SlackEmulator, new_trigger_id
from storage import Store, upgrade
from storage.actions import Commitment
from tests.support.app_home_views import home_showing, modal_for
from tests.support.bot_process import Bot, bot_env, rebound, sweep_at
from tests.support.dm_buttons import button_value, click, dm_saying, pick_date, updates
from tests.support.examples import save_lesson
from tests.support.lost_deal_form import FORM_ANSWERS, open_form, submit
from tests.support.moments import weekday_noon
from tests.support.slack_requests import FORM, fill_form, message_button, send, unique, view_submission

DUE = "An action you own is due"
# Action reminders are claimed as every follow-up is (test_follow_up_processes.py shows two sweeps
# sharing a claim of 225); here, that none of them is sent twice by two sweeps started at once.
ACTIONS = 60


def make_action(
    bot: Bot, fake: SlackEmulator, thanks: Call, what: str, *, user: str, team: str, **answers: str
) -> dict:
    """Click "Make it an action" on the thank-you DM and submit its form; the form as opened."""
    form = modal_for(fake, click(bot, thanks, ids.MAKE_ACTION, user=user, team=team))
    filled = fill_form(form, {ids.ACTION_WHAT: what, **answers})
    assert send(bot.events_url, view_submission(form, filled, user=user, team=team), FORM).status == 200
    return form


def reminders_to(fake: SlackEmulator, owner: str, count: int) -> list[Call]:
    return fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == owner and DUE in c.args["text"], count=count
    )


def saying(reminders: list[Call], what: str) -> Call:
    [found] = [call for call in reminders if what in json.dumps(call.args["blocks"])]
    return found


def test_an_action_from_the_thank_you_dm_to_the_digest(bot, fake):
    rep, owner, mate, team, channel = unique("U"), unique("U"), unique("U"), unique("T"), unique("C")
    fake.zones[owner] = "Europe/Paris"
    view = open_form(bot, fake, "Globex", user=rep, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, ids.SHARING: "named"}, user=rep, team=team).status == 200
    thanks = dm_saying(fake, rep, "Your autopsy of Globex is saved")

    # The form: the lesson to edit, the rep as owner, two weeks on; a day that has passed is refused.
    form = modal_for(fake, click(bot, thanks, ids.MAKE_ACTION, user=rep, team=team))
    defaults = fill_form(form, {})
    assert defaults[ids.ACTION_WHAT][ids.ACTION_WHAT]["value"] == FORM_ANSWERS[ids.LESSON]
    assert defaults[ids.ACTION_OWNER][ids.ACTION_OWNER]["selected_user"] == rep
    today = datetime.now(UTC).date()
    two_weeks = date.fromisoformat(defaults[ids.ACTION_DUE_ON][ids.ACTION_DUE_ON]["selected_date"])
    assert abs((two_weeks - today).days - 14) <= 1  # the rep's today, in their zone
    past = fill_form(form, {ids.ACTION_DUE_ON: today.isoformat()})
    refused = send(bot.events_url, view_submission(form, past, user=rep, team=team), FORM)
    assert refused.status == 200 and ids.ACTION_DUE_ON in json.loads(refused.body)["errors"]

    due = weekday_noon(today + timedelta(days=10)).date()
    chosen = {ids.ACTION_OWNER: owner, ids.ACTION_DUE_ON: due.isoformat()}
    for what in ("Send proposals within 48h", "Drop the discount ladder", "Call Globex's users"):
        make_action(bot, fake, thanks, what, user=rep, team=team, **chosen)
    dm_saying(fake, rep, "Action noted: Call Globex's users")
    notice = json.dumps(dm_saying(fake, rep, "Action noted: Send proposals within 48h").args["blocks"])
    assert f"<@{owner}> owns it. They'll see it in their App Home now" in notice
    assert fake.find("chat.postMessage", lambda c: c.args["channel"] == owner) == []  # nothing until the day
    home_showing(fake, owner, "Your actions", "Drop the discount ladder", "Globex")
    home_showing(fake, rep, "Actions you asked of others", "Call Globex")

    # The due day at 05:00 UTC, 06:00 in Paris: before the owner's hours, nothing. At noon, one each.
    early = datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=5)
    sweep_at(bot, early)
    assert fake.find("chat.postMessage", lambda c: c.args["channel"] == owner) == []
    sweep_at(bot, weekday_noon(due))
    sent = reminders_to(fake, owner, 3)
    assert f"asked by <@{rep}>" in json.dumps(sent[0].args["blocks"])
    assert f"from <@{rep}>'s lesson on *Globex*" in json.dumps(sent[0].args["blocks"])
    done, dropped, snoozed = (saying(sent, what) for what in ("48h", "discount ladder", "Globex's users"))

    # Nobody but its owner answers it.
    click(bot, done, ids.ACTION_DONE, user=rep, team=team)
    fake.wait_for(
        "chat.postEphemeral", lambda c: c.args.get("user") == rep and "someone else's" in c.args["text"]
    )

    click(bot, done, ids.ACTION_DONE, user=owner, team=team)
    assert "Done :white_check_mark:" in json.dumps(updates(fake, owner, 1)[-1].args["blocks"])

    form = modal_for(fake, click(bot, dropped, ids.ACTION_NOT_DOING, user=owner, team=team))
    empty = send(bot.events_url, view_submission(form, fill_form(form, {}), user=owner, team=team), FORM)
    assert ids.ACTION_WHY in json.loads(empty.body)["errors"]  # why is required; the form stays open
    why = fill_form(form, {ids.ACTION_WHY: "Finance said no until Q3"})
    assert send(bot.events_url, view_submission(form, why, user=owner, team=team), FORM).status == 200
    redrawn = json.dumps(updates(fake, owner, 2)[-1].args["blocks"])
    assert "Not doing it, because: _Finance said no until Q3_" in redrawn and '"actions"' not in redrawn

    click(bot, snoozed, ids.ACTION_SNOOZE_WEEK, user=owner, team=team)
    assert "Snoozed: I'll remind you again on" in json.dumps(updates(fake, owner, 3)[-1].args["blocks"])
    later = weekday_noon(due + timedelta(days=7)).date()
    block = f"action_due_answers_{button_value(snoozed, ids.ACTION_DONE)}"
    pick_date(bot, snoozed, ids.ACTION_SNOOZE_UNTIL, block, later.isoformat(), user=owner, team=team)
    assert f"again on {later:%A %-d %B %Y}" in json.dumps(updates(fake, owner, 4)[-1].args["blocks"])

    # The digest of this week: the open action with its age and owner, the one done; not the dropped one.
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    if datetime.now(UTC) >= datetime.combine(friday, datetime.min.time(), UTC) + timedelta(hours=16):
        friday += timedelta(days=7)
    as_of = (datetime.combine(friday, datetime.min.time(), UTC) + timedelta(hours=17)).isoformat()
    env = {**bot.env, "REBOUND_DIGEST_CHANNEL": channel}
    posted = rebound("digest", "--team", team, "--as-of", as_of, env=env, cwd=bot.cwd)
    assert posted.returncode == 0, posted.stderr
    [digest] = fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == channel)
    text = json.dumps(digest.args["blocks"])
    assert f"*Open actions*\\n\\u2022 Call Globex's users \\u00b7 <@{owner}> \\u00b7 new this week" in text
    assert f"*Done this week*\\n\\u2022 Send proposals within 48h \\u00b7 <@{owner}>" in text
    assert "discount ladder" not in text

    # A teammate adopts the shared lesson from the digest; a forged click on a private one opens nothing.
    [adopt] = [b["accessory"] for b in digest.args["blocks"] if "accessory" in b]
    assert (adopt["action_id"], adopt["text"]["text"]) == (ids.MAKE_ACTION, "Make it an action")
    form = modal_for(fake, click(bot, digest, ids.MAKE_ACTION, user=mate, team=team, value=adopt["value"]))
    assert f"from <@{rep}>'s lesson on *Globex*" in json.dumps(form["blocks"])
    private = open_form(bot, fake, "Initech", user=rep, team=team)
    assert submit(bot, private, {**FORM_ANSWERS, ids.SHARING: "private"}, user=rep, team=team).status == 200
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:  # the newest of the rep's: the private one
            [newest], _ = work.autopsies.journal(team_id=team, user_id=rep, offset=0, limit=1)
        secret = newest.autopsy.id
    finally:
        store.close()
    forged = new_trigger_id()
    body = message_button(digest.args, ids.MAKE_ACTION, str(secret), user=mate, team=team, trigger_id=forged)
    assert send(bot.events_url, body, FORM).status == 200
    fake.wait_for(
        "chat.postEphemeral",
        lambda c: c.args.get("user") == mate and "can't become an action" in c.args["text"],
    )
    assert fake.find("views.open", lambda c: c.args.get("trigger_id") == forged) == []
    assert "Refused an action from" in bot.log_text()


def test_two_sweeps_at_once_send_each_action_s_reminder_once(fake, postgres_url, tmp_path: Path):
    upgrade(postgres_url)
    owners = [unique("U") for _ in range(4)]
    fake.zones.update(dict.fromkeys(owners, "UTC"))
    day = weekday_noon(datetime.now(UTC).date() + timedelta(days=3)).date()
    store = Store.connect(postgres_url)
    try:
        lesson = save_lesson(store, unique("U"), at=datetime.now(UTC))
        with store.write() as work:
            for number in range(ACTIONS):
                owner = owners[number % len(owners)]
                work.actions.make(
                    team_id=TEAM_ID,
                    autopsy_id=lesson,
                    made_by=owner,
                    view_id=unique("V"),
                    commitment=Commitment(what=f"Change {number}", owner_id=owner, due_on=day),
                    reminder=reminder(owner, day),
                    now=datetime.now(UTC),
                )
    finally:
        store.close()
    env = bot_env(fake, postgres_url)
    command = [sys.executable, "-m", "rebound", "reminders", "--as-of", weekday_noon(day).isoformat()]
    sweeps = [
        subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [sweep.communicate(timeout=60) for sweep in sweeps]
    for sweep, (out, err) in zip(sweeps, outputs, strict=True):
        assert sweep.returncode == 0 and "Traceback" not in err, f"{out}\n{err}"
    sent_by = [int(re.search(r": (\d+) sent,", out).group(1)) for out, _ in outputs]
    assert sum(sent_by) == ACTIONS + 1, sent_by  # and the lesson's touch-base
    delivered = fake.delivered("chat.postMessage", lambda c: c.args.get("channel") in owners)
    times = Counter(button_value(call, ids.ACTION_DONE) for call in delivered)
    assert len(times) == ACTIONS and set(times.values()) == {1}
