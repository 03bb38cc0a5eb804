"""One clock: in the playground, every date the bot writes (DMs, Home, the replies only the rep
sees) and every moment it stores is the playground's, not the machine's, however far the clock
has jumped; and it is still the playground's after a restart."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from tests.support.lost_deal_form import FORM_ANSWERS
from tests.support.playground_runs import (
    RILEY,
    RILEY_DM,
    Playground,
    playground_message,
    start_playground,
    stop_playground,
    top_modal,
)
from tests.support.slack_requests import fill_form

MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
DAY = re.compile(rf"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* (\d{{1,2}}) {MONTH}\b")
DATE = re.compile(rf"\b(\d{{1,2}}) {MONTH} (20\d\d)\b")


def named_days(text: str, year: int) -> list[date]:
    """Every "Thursday 10 December" or "Thu 10 Dec" in `text`, as dates (in `year`, or the next one
    when the weekday says so), then every "10 Dec 2026"."""
    found = []
    for weekday, day, month in DAY.findall(text):
        moment = datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date()
        if moment.strftime("%a") != weekday:
            moment = moment.replace(year=year + 1)
        assert moment.strftime("%a") == weekday, f"{weekday} {day} {month} is no real day"
        found.append(moment)
    found.extend(datetime.strptime(" ".join(parts), "%d %b %Y").date() for parts in DATE.findall(text))
    return found


def wednesday_ahead(days: int) -> datetime:
    """15:00 UTC (10:00 in New York, 15:00 in London) on a Wednesday at least `days` ahead."""
    moment = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=days)
    while moment.weekday() != 2:
        moment += timedelta(days=1)
    return moment


def playground_now(playground: Playground) -> datetime:
    return datetime.fromisoformat(playground.state()["now"])


def write_autopsy(playground: Playground, deal: str, touch_base_on: date) -> dict[str, Any]:
    assert playground.post("/play/command", user=RILEY, channel=RILEY_DM, text=f"/lost-deal {deal}")["ok"]
    form = playground.until(top_modal)
    values = fill_form(form, {**FORM_ANSWERS, ids.TOUCH_BASE_ON: touch_base_on.isoformat()})
    assert playground.post("/play/submit", user=RILEY, view_id=form["id"], values=values)["ok"]
    return form


def written_on(cwd: Path, deal: str) -> datetime:
    with sqlite3.connect(cwd / "rebound-playground" / "rebound.db") as database:
        [(created,)] = database.execute("SELECT created_at FROM autopsies WHERE deal_name = ?", (deal,))
    return datetime.fromisoformat(created)


def test_the_bot_follows_the_playgrounds_clock_and_so_does_the_next_run(tmp_path):
    playground = start_playground(tmp_path)
    try:
        jumped = wednesday_ahead(60)
        assert playground.post("/play/clock", to=jumped.isoformat())["ok"]
        today = playground_now(playground).date()
        assert today == jumped.date()

        # The form's default touch-base day counts from the playground's today.
        form = write_autopsy(playground, "Clockwork", today + timedelta(days=14))
        default = next(b for b in form["blocks"] if b.get("block_id") == ids.TOUCH_BASE_ON)
        assert date.fromisoformat(default["element"]["initial_date"]) > today
        assert written_on(tmp_path, "Clockwork").date() == today
        home = playground.until(lambda s: s["homes"].get(RILEY))
        assert f"written {today:%-d %b %Y}".lower() in json.dumps(home["blocks"]).lower()

        # An hour on, nothing says "a week ago" yet: the revisit is due a week after the writing.
        assert playground.post("/play/clock", to=(jumped + timedelta(hours=1)).isoformat())["ok"]
        assert playground_message(playground.state(), "Revisit your notes on Clockwork") is None
        assert playground.post("/play/clock", jump="week")["ok"]
        revisit = playground.until(lambda s: playground_message(s, "Revisit your notes on Clockwork"))
        assert datetime.fromisoformat(revisit["at"]).date() >= today + timedelta(days=7)

        # The touch-base DM, snoozed a week: the day it names is a week on from the playground's day.
        assert playground.post("/play/clock", jump="touch_base")["ok"]
        touch = playground.until(lambda s: playground_message(s, "Time to touch base with Clockwork"))
        touched_on = datetime.fromisoformat(touch["at"]).date()
        assert touched_on >= today + timedelta(days=14)
        snooze(playground, touch)
        redrawn = playground.until(
            lambda s: (m := playground_message(s, "Time to touch base with Clockwork")) and m["edited"] and m
        )
        snoozed = json.dumps(redrawn["blocks"])
        [again] = named_days(snoozed[snoozed.index("remind you again") :], touched_on.year)
        assert touched_on + timedelta(days=7) <= again <= touched_on + timedelta(days=9), snoozed
        before = playground_now(playground)
        assert_every_day_named_is_on_the_playgrounds_calendar(playground.state(), today)
    finally:
        assert stop_playground(playground) == 0

    # Started again: the clock, the DMs and Home are where they were, and old buttons still work.
    playground = start_playground(tmp_path)
    try:
        assert playground_now(playground) >= before
        state = playground.state()
        assert playground_message(state, "Revisit your notes on Clockwork") and state["homes"].get(RILEY)
        # The snoozed day comes: the reminder arrives again, on the day the snooze named.
        assert playground.post("/play/clock", to=f"{again.isoformat()}T16:00:00+00:00")["ok"]

        def touches(state: dict[str, Any]) -> list[dict[str, Any]]:
            return [m for m in state["conversations"][RILEY_DM] if "touch base with Clockwork" in m["text"]]

        arrived = playground.until(lambda s: len(touches(s)) > 1 and touches(s))
        assert datetime.fromisoformat(arrived[-1]["at"]).date() == again
        # Snoozed a month from there: a weekday a calendar month on, and every day named still ours.
        snooze(playground, arrived[-1], ids.SNOOZE_MONTH)
        redrawn = playground.until(
            lambda s: (
                (m := touches(s)[-1]) and m["edited"] and "remind you again" in json.dumps(m["blocks"]) and m
            )
        )
        month = json.dumps(redrawn["blocks"])
        [later] = named_days(month[month.index("remind you again") :], again.year)
        assert later.weekday() < 5 and 28 <= (later - again).days <= 33, month
        assert_every_day_named_is_on_the_playgrounds_calendar(playground.state(), today)
    finally:
        assert stop_playground(playground) == 0


def assert_every_day_named_is_on_the_playgrounds_calendar(state: dict[str, Any], first: date) -> None:
    """No DM, Home tab or only-visible-to-you reply names a day before the playground's first day
    (the machine's today is two months before it): nothing the bot said read the machine's clock."""
    said = [*state["conversations"][RILEY_DM], *state["ephemeral"].get(RILEY, []), state["homes"][RILEY]]
    days = [day for shown in said for day in named_days(json.dumps(shown), first.year)]
    assert days and min(days) >= first, days


def snooze(playground: Playground, touch: dict[str, Any], choice: str = ids.SNOOZE_WEEK) -> None:
    button = next(e for b in touch["blocks"] for e in b.get("elements", []) if e.get("action_id") == choice)
    where = {"kind": "message", "channel": RILEY_DM, "ts": touch["ts"]}
    action = {
        "type": "button",
        "action_id": choice,
        "block_id": ids.TOUCH_BASE_ANSWERS,
        "value": button["value"],
    }
    assert playground.post("/play/action", user=RILEY, where=where, action=action)["ok"]


def test_the_tour_a_newcomer_takes_brings_the_lesson_to_lessons_in_the_digests_own_zone(tmp_path):
    dana = "U0DANA"
    playground = start_playground(tmp_path)
    try:
        # The admin moves the digest to Los Angeles time (Friday 16:00 there).
        assert playground.post("/play/home", user=dana)["ok"]
        home = playground.until(lambda s: s["homes"].get(dana))
        [(block_id, button)] = [
            (b.get("block_id"), e)
            for b in home["blocks"]
            for e in b.get("elements", [])
            if e.get("action_id") == ids.OPEN_SETTINGS
        ]
        action = {
            "type": "button",
            "action_id": ids.OPEN_SETTINGS,
            "block_id": block_id,
            "value": button.get("value"),
        }
        assert playground.post("/play/action", user=dana, where={"kind": "home"}, action=action)["ok"]
        settings = playground.until(lambda s: top_modal(s, dana))
        values = fill_form(settings, {ids.SET_ZONE: "America/Los_Angeles"})
        assert playground.post("/play/submit", user=dana, view_id=settings["id"], values=values)["ok"]
        saved = playground.until(lambda s: "Saved." in json.dumps(top_modal(s, dana)) and top_modal(s, dana))
        assert "every Friday at 16:00 (America/Los_Angeles)" in json.dumps(saved)
        assert playground.post("/play/close", user=dana, view_id=saved["id"])["ok"]

        # Riley writes a lesson shared with their name; a week on; then Friday's digest.
        today = playground_now(playground).date()
        write_autopsy(playground, "Tourist Co", today + timedelta(days=30))
        assert playground.post("/play/clock", jump="week")["ok"]
        assert playground.post("/play/clock", jump="digest")["ok"]
        digests = playground.until(
            lambda s: [
                m for m in s["conversations"].get("C0LESSONS", []) if "Tourist Co" in json.dumps(m["blocks"])
            ]
        )
        posted = datetime.fromisoformat(digests[0]["at"]).astimezone(ZoneInfo("America/Los_Angeles"))
        assert posted.strftime("%A") == "Friday" and posted.hour >= 16, posted
        assert FORM_ANSWERS[ids.LESSON] in json.dumps(digests[0]["blocks"])
    finally:
        assert stop_playground(playground) == 0


def test_a_hubspot_prompt_waiting_for_monday_arrives_after_a_restart(tmp_path):
    playground = start_playground(tmp_path)
    try:
        saturday = wednesday_ahead(3) + timedelta(days=3)
        assert playground.post("/play/clock", to=saturday.isoformat())["ok"]
        waiting = playground.post("/play/hubspot", user=RILEY)
        assert "DM waits for working hours: Mon" in waiting["note"], waiting
        deal = waiting["note"].removeprefix("HubSpot marked ").split(" Closed Lost.")[0]
    finally:
        assert stop_playground(playground) == 0

    playground = start_playground(tmp_path)
    try:
        monday = saturday + timedelta(days=2)  # 15:00 UTC: 10:00 in New York
        assert playground.post("/play/clock", to=monday.isoformat())["ok"]
        prompt = playground.until(lambda s: playground_message(s, f"Sorry about {deal}"))
        assert datetime.fromisoformat(prompt["at"]).date() == monday.date()
        again = playground.post("/play/hubspot", user=RILEY)  # the next lost deal is another deal
        assert again["ok"] and deal not in again["note"], again
    finally:
        assert stop_playground(playground) == 0
