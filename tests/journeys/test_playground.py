"""`rebound playground` from the command line, and the whole journey through what its page asks
of it: the real bot behind a local Slack, as a person would use it, without a browser."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from tests.support import ROOT
from tests.support.lost_deal_form import FORM_ANSWERS
from tests.support.playground_runs import (
    RILEY,
    RILEY_DM,
    SAM,
    Playground,
    playground_message,
    start_playground,
    stop_playground,
    top_modal,
)
from tests.support.slack_requests import fill_form

# The tests on the module's one playground run on one worker, so it is started once.
ON_ONE_PLAYGROUND = pytest.mark.xdist_group("playground")


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    cwd = tmp_path_factory.mktemp("playground")
    (cwd / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-real-never-used\nSLACK_API_URL=https://slack.invalid/api/\n"
    )
    running = start_playground(cwd)
    assert running.first_line == f"Rebound playground: {running.url}/ (Ctrl-C to stop)", running.first_line
    yield running
    assert stop_playground(running) == 0


@ON_ONE_PLAYGROUND
def test_the_page_is_served_with_a_policy_that_runs_only_its_own_scripts(playground):
    status, headers, body = playground.get("/")
    assert status == 200 and b"<html" in body.lower()
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert playground.get("/static/../runner.py")[0] == 404


@ON_ONE_PLAYGROUND
def test_the_whole_journey_as_the_page_drives_it(playground):
    # /lost-deal Acme: the form opens with Acme filled in.
    assert playground.post("/play/command", user=RILEY, channel=RILEY_DM, text="/lost-deal Acme")["ok"]
    form = playground.until(top_modal)
    deal = next(b for b in form["blocks"] if b.get("block_id") == ids.DEAL)
    assert deal["element"]["initial_value"] == "Acme"
    # Submitted with the lesson empty: the error comes back under that field and the form stays.
    answers = {
        **FORM_ANSWERS,
        ids.HELP_FROM: SAM,
        ids.TOUCH_BASE_ON: (date.today() + timedelta(days=9)).isoformat(),
    }
    values = fill_form(form, {**answers, ids.LESSON: ""})
    assert playground.post("/play/submit", user=RILEY, view_id=form["id"], values=values)["ok"]
    still = top_modal(playground.state())
    assert still is not None and list(still.get("errors", {})) == [ids.LESSON]
    # Fixed: the form closes and the thank-you DM arrives; Home lists the autopsy.
    values = fill_form(form, answers)
    assert playground.post("/play/submit", user=RILEY, view_id=form["id"], values=values)["ok"]
    assert top_modal(playground.state()) is None
    thanks = playground.until(lambda s: playground_message(s, "Your autopsy of Acme is saved"))
    assert thanks["user"] == playground.state()["bot"]["id"]
    home = playground.until(lambda s: s["homes"].get(RILEY))
    assert "*Acme*" in json.dumps(home["blocks"])
    # "Make it an action" on the thank-you DM: its form (an owner to choose, a day to pick) in the page.
    make = next(
        e for b in thanks["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.MAKE_ACTION
    )
    where = {"kind": "message", "channel": RILEY_DM, "ts": thanks["ts"]}
    click = {"type": "button", "action_id": ids.MAKE_ACTION, "block_id": "make", "value": make["value"]}
    assert playground.post("/play/action", user=RILEY, where=where, action=click)["ok"]
    action_form = playground.until(top_modal)
    kinds = {b["block_id"]: b["element"]["type"] for b in action_form["blocks"] if b["type"] == "input"}
    assert (kinds[ids.ACTION_OWNER], kinds[ids.ACTION_DUE_ON]) == ("users_select", "datepicker")
    values = fill_form(action_form, {ids.ACTION_OWNER: SAM})
    assert playground.post("/play/submit", user=RILEY, view_id=action_form["id"], values=values)["ok"]
    assert playground.until(
        lambda s: playground_message(s, "Action noted: Send the proposal within 48 hours")
    )
    # The teammate asked for help gets a DM (once the sweep finds it due, in their working hours).
    playground.post("/play/clock", jump="week")
    assert playground.until(
        lambda s: playground_message(s, "A teammate asks for your help with Acme", "D0SAM")
    )
    # A week later: the revisit.
    assert playground.until(lambda s: playground_message(s, "Revisit your notes on Acme"))
    # The touch-base day: the DM with its buttons; "Snooze a week" redraws it.
    assert playground.post("/play/clock", jump="touch_base")["ok"]
    touch = playground.until(lambda s: playground_message(s, "Time to touch base with Acme"))
    snooze = next(
        e for b in touch["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.SNOOZE_WEEK
    )
    where = {"kind": "message", "channel": RILEY_DM, "ts": touch["ts"]}
    action = {
        "type": "button",
        "action_id": ids.SNOOZE_WEEK,
        "block_id": ids.TOUCH_BASE_ANSWERS,
        "value": snooze["value"],
    }
    assert playground.post("/play/action", user=RILEY, where=where, action=action)["ok"]
    redrawn = playground.until(
        lambda s: (m := playground_message(s, "Time to touch base with Acme")) and m["edited"] and m
    )
    assert "Snoozed: I'll remind you again on" in json.dumps(redrawn["blocks"])
    # Friday: #lessons shows the digest, and its chart.
    assert playground.post("/play/clock", jump="digest")["ok"]
    lessons = playground.until(
        lambda s: len(s["conversations"].get("C0LESSONS", [])) >= 2 and s["conversations"]["C0LESSONS"]
    )
    assert "Lessons learned" in lessons[0]["text"]
    [chart] = lessons[1]["files"]
    status, headers, picture = playground.get(chart["url"])
    assert status == 200 and headers["Content-Type"] == "image/png" and picture.startswith(b"\x89PNG")


@ON_ONE_PLAYGROUND
def test_each_of_the_page_s_modules_is_served_as_javascript_with_every_module_it_imports(playground):
    # A browser runs a module script only when it is served as JavaScript; a missing import stops the page.
    modules = {path.name for path in (ROOT / "playground" / "static").glob("*.js")}
    imported: set[str] = set()
    for name in sorted(modules):
        status, headers, body = playground.get(f"/static/{name}")
        assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8"), name
        imported |= set(re.findall(r'\bfrom "\./([\w-]+\.js)";', body.decode()))
    assert "state.js" in imported and imported <= modules, imported - modules


def test_a_deal_lost_in_hubspot_brings_its_owner_the_prompt_and_the_form_filled_in(playground):
    assert playground.post("/play/clock", jump="week")["ok"]  # a working morning in New York
    lost = playground.post("/play/hubspot", user=RILEY)
    assert lost["ok"] and lost["note"].endswith("Riley Chen has a DM from Rebound."), lost
    deal = lost["note"].removeprefix("HubSpot marked ").split(" Closed Lost.")[0]
    prompt = playground.until(lambda s: playground_message(s, f"Sorry about {deal}"))
    button = next(
        e for b in prompt["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.CRM_DO_AUTOPSY
    )
    where = {"kind": "message", "channel": RILEY_DM, "ts": prompt["ts"]}
    action = {
        "type": "button",
        "action_id": ids.CRM_DO_AUTOPSY,
        "block_id": ids.CRM_PROMPT_ANSWERS,
        "value": button["value"],
    }
    assert playground.post("/play/action", user=RILEY, where=where, action=action)["ok"]
    form = playground.until(top_modal)
    filled = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert filled[ids.DEAL]["initial_value"] == deal and filled[ids.DEAL_VALUE]["initial_value"]
    assert playground.post("/play/close", user=RILEY, view_id=form["id"])["ok"]
    assert playground.post("/play/hubspot", user="U0NOBODY") == {"ok": False, "error": "unknown_person"}
    # On a Saturday the DM waits for Monday morning, and the page says so.
    saturday = datetime.fromisoformat(playground.state()["now"]) + timedelta(days=1)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    assert playground.post("/play/clock", to=saturday.replace(hour=15).isoformat())["ok"]
    waiting = playground.post("/play/hubspot", user=RILEY)
    assert "'s DM waits for working hours: Mon" in waiting["note"] and "09:00 their time" in waiting["note"]


@ON_ONE_PLAYGROUND
def test_a_second_playground_on_a_taken_port_says_so_in_one_line(playground, tmp_path):
    port = int(playground.url.rsplit(":", 1)[1])
    done = subprocess.run(
        [sys.executable, "-m", "rebound", "playground", "--no-browser", "--port", str(port)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"rebound: port {port} is taken (another playground?); try --port {port + 1}"
    )
    assert not (tmp_path / "rebound-playground.db").exists() or "Traceback" not in done.stderr


def test_stopping_leaves_nothing_running(tmp_path):
    running = start_playground(tmp_path)
    assert running.first_line.startswith("Rebound playground: http://127.0.0.1:")
    found = subprocess.run(["pgrep", "-P", str(running.process.pid)], capture_output=True, text=True)
    [bot] = [int(pid) for pid in found.stdout.split()]  # the real `rebound serve` it started
    assert stop_playground(running) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(bot, 0)
    with socket.socket() as probe:  # and the port is free again
        probe.bind(("127.0.0.1", int(running.url.rsplit(":", 1)[1])))


def test_without_a_port_a_taken_3000_means_the_next_free_one_and_fresh_starts_over(tmp_path):
    temporary = set(Path(tempfile.gettempdir()).glob("rebound-playground-*"))
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 3000))  # another dev server holds 3000
        holder.listen()
        held = True
    except OSError:  # something holds it already: as good, while it lasts
        held = False
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "rebound", "playground", "--no-browser"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    running = Playground(process, first.split(" ")[2].rstrip("/"), first)
    try:
        assert first.startswith("Rebound playground: http://127.0.0.1:"), first
        assert not held or ":3000/" not in first, first
        assert f"rebound.log) in {tmp_path / 'rebound-playground'}" in process.stdout.readline()
        assert running.post("/play/clock", jump="week")["ok"]
    finally:
        assert stop_playground(running) == 0
        holder.close()
    assert (tmp_path / "rebound-playground" / "clock").exists()
    assert set(Path(tempfile.gettempdir()).glob("rebound-playground-*")) <= temporary  # nothing left behind
    fresh = start_playground(tmp_path, "--fresh")
    try:
        moved = datetime.fromisoformat(fresh.state()["now"]) - datetime.now().astimezone()
        assert abs(moved) < timedelta(minutes=1), "--fresh puts the clock back to now"
    finally:
        assert stop_playground(fresh) == 0


@pytest.mark.xdist_group("playground_demo")  # the demo is started once, with test_playground_page.py
def test_the_demo_lives_its_weeks_so_dms_and_past_digests_arrive_on_their_days(demo_playground):
    assert demo_playground.first_look is not None
    state, read_at = demo_playground.first_look.state, demo_playground.first_look.at  # as it started
    now = datetime.fromisoformat(state["now"])
    assert abs(now - read_at) < timedelta(minutes=1)  # lived up to today
    digests = [m for m in state["conversations"]["C0LESSONS"] if m["text"].startswith("Lessons learned")]
    assert len(digests) >= 2
    for digest in digests:  # each posted on its Friday, just after 16:00 in the team's zone
        posted = datetime.fromisoformat(digest["at"]).astimezone(ZoneInfo("America/New_York"))
        assert (posted.strftime("%A"), posted.hour) == ("Friday", 16) and posted < now
    # A chart follows each digest with losses in it; a quiet week (the clock may start on the Friday
    # before the story's first loss, as the machine's weekday falls) has nothing to draw.
    charts = [f["title"] for m in state["conversations"]["C0LESSONS"] for f in m["files"]]
    drawn = [
        d["text"].split(" to ", 1)[1].split(":")[0] for d in digests if not d["text"].endswith("a quiet week")
    ]
    assert drawn and [title.split(" to ", 1)[1] for title in charts] == [
        day.split(" ", 1)[1] for day in drawn
    ]
    revisits = [m for m in state["conversations"][RILEY_DM] if m["text"].startswith("Revisit your notes")]
    assert revisits and all(datetime.fromisoformat(m["at"]) < now for m in revisits)
    assert playground_message(state, "A teammate asks for your help", "D0SAM")
    # Written through the real form (the thank-you), and answered with the reminder's buttons.
    assert playground_message(state, "Your autopsy of Globex renewal is saved")
    assert playground_message(state, "Time to touch base with Globex renewal")["edited"]
    # Lessons made actions under their thank-you DMs, whose owners answered them on the day.
    assert playground_message(state, "Action noted: Book renewal calls 90 days out")
    done = playground_message(state, "An action you own is due: Send the ROI summary")
    assert done["edited"] and "Done :white_check_mark:" in json.dumps(done["blocks"])
    dropped = playground_message(state, "An action you own is due: Bring support tickets", "D0SAM")
    assert "Not doing it, because: _Support now answers every ticket" in json.dumps(dropped["blocks"])
    # Every digest carries the open ones; the week's digest says what was done in it.
    said = [json.dumps(digest["blocks"]) for digest in digests]
    assert "*Open actions*" in said[-1] and "Build a one-page ROI calculator" in said[-1]
    done_in = [week for week in said if "*Done this week*" in week]
    assert (
        len(done_in) == 1 and "Send the ROI summary a week before" in done_in[0].split("*Done this week*")[1]
    )
    assert all("Bring support tickets" not in week.split("*Done this week*")[-1] for week in done_in)


@pytest.mark.xdist_group("playground_demo")
def test_the_demo_s_actions_show_in_app_home_and_in_the_lessons_card(demo_playground):
    def listed(home: str, title: str) -> str:
        return home.split(f"*{title}*")[1].split('"}')[0]  # the section's text, in JSON

    def home_of(person: str, holding: str) -> str:
        """The person's App Home, drawn as they open it, once it holds `holding`."""
        assert demo_playground.post("/play/home", user=person)["ok"]
        return demo_playground.until(
            lambda state: (
                holding in (shown := json.dumps((state["homes"].get(person) or {}).get("blocks"))) and shown
            )
        )

    riley = home_of(RILEY, "*Actions you asked of others*")
    assert "Book renewal calls 90 days out" in listed(riley, "Your actions")  # open, due in days
    asked = listed(riley, "Actions you asked of others")
    assert "Build a one-page ROI calculator" in asked and f"<@{SAM}>" in asked  # a teammate owns it
    team = listed(riley, "The team's open actions")
    assert "Build a one-page ROI calculator" in team and "Book renewal calls" in team
    closed = listed(riley, "Recently closed")
    assert "Send the ROI summary a week before every renewal call.* \\u00b7 done" in closed
    sam = home_of(SAM, "*Recently closed*")
    assert "not doing" in listed(sam, "Recently closed")
    assert "Support now answers every ticket within a day" in listed(sam, "Recently closed")
    # Asked about Initech, the card lists the open action made from an Initech lesson.
    text = "/lost-deal lessons Initech"
    assert demo_playground.post("/play/command", user=RILEY, channel=RILEY_DM, text=text)["ok"]
    card = demo_playground.until(
        lambda state: next(
            (m for m in state["ephemeral"].get(RILEY, []) if m["text"] == "Lessons about Initech"), None
        )
    )
    actions = json.dumps(card["blocks"]).split("*Open actions* (1)")[1]
    assert actions.startswith("\\n\\u2022 Build a one-page ROI calculator the team can share with finance.")
