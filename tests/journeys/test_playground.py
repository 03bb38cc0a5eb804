"""`rebound playground` from the command line, and the whole journey through what its page asks
of it: the real bot behind a local Slack, as a person would use it, without a browser."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from tests.conftest import ROOT, free_port
from tests.journeys.test_journey import ANSWERS
from tests.slack_requests import fill_form

RILEY, SAM = "U0RILEY", "U0SAM"
RILEY_DM = "D0RILEY"


@dataclass
class Playground:
    process: subprocess.Popen[str]
    url: str
    first_line: str

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())

    def state(self) -> dict[str, Any]:
        return json.loads(self.get("/play/state")[2])

    def until(self, seen: Callable[[dict[str, Any]], Any], timeout: float = 10) -> Any:
        """What `seen` finds in the state, once it finds something."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            found = seen(state)
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"never seen; state: {json.dumps(state)[:2000]}")
            time.sleep(0.1)


def start(cwd: Path, *args: str, port: int | None = None) -> Playground:
    port = port or free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "rebound", "playground", "--no-browser", "--port", str(port), *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if "living three weeks" in first:  # --demo's story, told once before the page is served
        first = process.stdout.readline().strip()
    return Playground(process, f"http://127.0.0.1:{port}", first)


def stop(playground: Playground) -> int:
    os.killpg(playground.process.pid, signal.SIGTERM)
    return playground.process.wait(40)


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    cwd = tmp_path_factory.mktemp("playground")
    (cwd / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-real-never-used\nSLACK_API_URL=https://slack.invalid/api/\n"
    )
    running = start(cwd)
    assert running.first_line == f"Rebound playground: {running.url}/ (Ctrl-C to stop)", running.first_line
    yield running
    assert stop(running) == 0


def test_the_page_is_served_with_a_policy_that_runs_only_its_own_scripts(playground):
    status, headers, body = playground.get("/")
    assert status == 200 and b"<html" in body.lower()
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert playground.get("/static/../runner.py")[0] == 404


def test_each_of_the_page_s_modules_is_served_as_javascript_with_every_module_it_imports(playground):
    # A browser runs a module script only when it is served as JavaScript; a missing import stops the page.
    modules = {path.name for path in (ROOT / "playground" / "static").glob("*.js")}
    imported: set[str] = set()
    for name in sorted(modules):
        status, headers, body = playground.get(f"/static/{name}")
        assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8"), name
        imported |= set(re.findall(r'\bfrom "\./([\w-]+\.js)";', body.decode()))
    assert "state.js" in imported and imported <= modules, imported - modules


def top_modal(state: dict[str, Any], person: str = RILEY) -> dict[str, Any] | None:
    stack = state["modals"].get(person) or []
    return stack[-1] if stack else None


def dm(state: dict[str, Any], text: str, conversation: str = RILEY_DM) -> dict[str, Any] | None:
    return next((m for m in state["conversations"].get(conversation, []) if text in m["text"]), None)


def test_the_whole_journey_as_the_page_drives_it(playground):
    # /lost-deal Acme: the form opens with Acme filled in.
    assert playground.post("/play/command", user=RILEY, channel=RILEY_DM, text="/lost-deal Acme")["ok"]
    form = playground.until(top_modal)
    deal = next(b for b in form["blocks"] if b.get("block_id") == ids.DEAL)
    assert deal["element"]["initial_value"] == "Acme"
    # Submitted with the lesson empty: the error comes back under that field and the form stays.
    answers = {
        **ANSWERS,
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
    thanks = playground.until(lambda s: dm(s, "Your autopsy of Acme is saved"))
    assert thanks["user"] == playground.state()["bot"]["id"]
    home = playground.until(lambda s: s["homes"].get(RILEY))
    assert "*Acme*" in json.dumps(home["blocks"])
    # The teammate asked for help gets a DM (once the sweep finds it due, in their working hours).
    playground.post("/play/clock", jump="week")
    assert playground.until(lambda s: dm(s, "A teammate asks for your help with Acme", "D0SAM"))
    # A week later: the revisit.
    assert playground.until(lambda s: dm(s, "Revisit your notes on Acme"))
    # The touch-base day: the DM with its buttons; "Snooze a week" redraws it.
    assert playground.post("/play/clock", jump="touch_base")["ok"]
    touch = playground.until(lambda s: dm(s, "Time to touch base with Acme"))
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
    redrawn = playground.until(lambda s: (m := dm(s, "Time to touch base with Acme")) and m["edited"] and m)
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


def test_a_deal_lost_in_hubspot_brings_its_owner_the_prompt_and_the_form_filled_in(playground):
    assert playground.post("/play/clock", jump="week")["ok"]  # a working morning in New York
    lost = playground.post("/play/hubspot", user=RILEY)
    assert lost["ok"] and lost["note"].endswith("Riley Chen has a DM from Rebound."), lost
    deal = lost["note"].removeprefix("HubSpot marked ").split(" Closed Lost.")[0]
    prompt = playground.until(lambda s: dm(s, f"Sorry about {deal}"))
    button = next(
        e for b in prompt["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.CRM_DO_AUTOPSY
    )
    where = {"kind": "message", "channel": RILEY_DM, "ts": prompt["ts"]}
    action = {"type": "button", "action_id": ids.CRM_DO_AUTOPSY, "block_id": ids.CRM_PROMPT_ANSWERS,
              "value": button["value"]}  # fmt: skip
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


def test_a_second_playground_on_a_taken_port_says_so_in_one_line(playground, tmp_path):
    port = int(playground.url.rsplit(":", 1)[1])
    done = subprocess.run(
        [sys.executable, "-m", "rebound", "playground", "--no-browser", "--port", str(port)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"rebound: port {port} is taken (another playground?); try --port {port + 1}"
    )
    assert not (tmp_path / "rebound-playground.db").exists() or "Traceback" not in done.stderr


def test_stopping_leaves_nothing_running(tmp_path):
    running = start(tmp_path)
    assert running.first_line.startswith("Rebound playground: http://127.0.0.1:")
    found = subprocess.run(["pgrep", "-P", str(running.process.pid)], capture_output=True, text=True)
    [bot] = [int(pid) for pid in found.stdout.split()]  # the real `rebound serve` it started
    assert stop(running) == 0
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
        [sys.executable, "-m", "rebound", "playground", "--no-browser"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    running = Playground(process, first.split(" ")[2].rstrip("/"), first)
    try:
        assert first.startswith("Rebound playground: http://127.0.0.1:"), first
        assert not held or ":3000/" not in first, first
        assert f"rebound.log) in {tmp_path / 'rebound-playground'}" in process.stdout.readline()
        assert running.post("/play/clock", jump="week")["ok"]
    finally:
        assert stop(running) == 0
        holder.close()
    assert (tmp_path / "rebound-playground" / "clock").exists()
    assert set(Path(tempfile.gettempdir()).glob("rebound-playground-*")) <= temporary  # nothing left behind
    fresh = start(tmp_path, "--fresh")
    try:
        moved = datetime.fromisoformat(fresh.state()["now"]) - datetime.now().astimezone()
        assert abs(moved) < timedelta(minutes=1), "--fresh puts the clock back to now"
    finally:
        assert stop(fresh) == 0


def test_the_demo_lives_its_weeks_so_dms_and_past_digests_arrive_on_their_days(tmp_path):
    demo = start(tmp_path, "--demo")
    try:
        state = demo.state()
        now = datetime.fromisoformat(state["now"])
        assert abs(now - datetime.now().astimezone()) < timedelta(minutes=1)  # lived up to today
        digests = [m for m in state["conversations"]["C0LESSONS"] if m["text"].startswith("Lessons learned")]
        assert len(digests) >= 2
        for digest in digests:  # each posted on its Friday, just after 16:00 in the team's zone
            posted = datetime.fromisoformat(digest["at"]).astimezone(ZoneInfo("America/New_York"))
            assert (posted.strftime("%A"), posted.hour) == ("Friday", 16) and posted < now
        charts = [f for m in state["conversations"]["C0LESSONS"] for f in m["files"]]
        assert len(charts) == len(digests)
        revisits = [m for m in state["conversations"][RILEY_DM] if m["text"].startswith("Revisit your notes")]
        assert revisits and all(datetime.fromisoformat(m["at"]) < now for m in revisits)
        assert dm(state, "A teammate asks for your help", "D0SAM")
        # Written through the real form (the thank-you), and answered with the reminder's buttons.
        assert dm(state, "Your autopsy of Globex renewal is saved")
        assert dm(state, "Time to touch base with Globex renewal")["edited"]
    finally:
        assert stop(demo) == 0
