"""Competitor names end to end against the real bot: the form's competitor field asks Rebound for
the team's names as the rep types (answered well within Slack's 3 seconds), the name picked is
stored under its key, and an admin's merge in App Home leaves one name to suggest."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.blocks import competitor_names
from playground.emulator import SlackEmulator
from storage import Autopsy, Store
from tests.support.app_home_views import element, home_click, modal_for, open_home
from tests.support.bot_process import Bot
from tests.support.lost_deal_form import FORM_ANSWERS, open_form, submit
from tests.support.slack_requests import FORM, block_suggestion, fill_form, send, unique, view_submission


def write(bot: Bot, fake: SlackEmulator, competitor: str, *, user: str, team: str) -> None:
    view = open_form(bot, fake, f"Deal with {competitor}", user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, ids.COMPETITOR: competitor}, user=user, team=team).status == 200


def offered(bot: Bot, view: dict[str, Any], typed: str, *, user: str, team: str) -> list[str]:
    """What the competitor field lists once the rep typed `typed`; Slack gives up after 3 seconds."""
    started = time.perf_counter()
    reply = send(bot.events_url, block_suggestion(view, ids.COMPETITOR, typed, user=user, team=team), FORM)
    assert reply.status == 200 and time.perf_counter() - started < 3
    return [option["text"]["text"] for option in reply.json()["options"]]


def competitor_keys(bot: Bot, team: str) -> dict[str, str | None]:
    store = Store.connect(bot.env["DATABASE_URL"])
    try:
        with store.read() as work:
            rows = work.session.execute(
                select(Autopsy.deal_name, Autopsy.competitor_key).where(Autopsy.team_id == team)
            )
            return {deal: key for deal, key in rows}
    finally:
        store.close()


def test_the_form_suggests_the_team_s_names_as_the_rep_types_and_stores_the_one_picked(bot, fake):
    rep, team = unique("U"), unique("T")
    for competitor in ("Initech", "initech inc.", "Globex"):
        write(bot, fake, competitor, user=rep, team=team)
    view = open_form(bot, fake, "Acme", user=rep, team=team)
    assert offered(bot, view, "ini", user=rep, team=team) == ["Use “ini”", "Initech"]
    assert offered(bot, view, "Initech, Inc", user=rep, team=team) == ["Initech"]
    assert offered(bot, view, "glo", user=unique("U"), team=unique("T")) == ["Use “glo”"]  # not theirs
    assert (
        submit(bot, view, {**FORM_ANSWERS, ids.COMPETITOR: "Initech, Inc"}, user=rep, team=team).status == 200
    )
    assert competitor_keys(bot, team) == {
        "Deal with Initech": "initech",
        "Deal with initech inc.": "initech",
        "Deal with Globex": "globex",
        "Acme": "initech",
    }


def test_an_admin_merges_two_spellings_in_app_home_and_the_form_then_suggests_one(bot, fake):
    admin, team = unique("U"), unique("T")
    fake.admins.add(admin)
    for competitor in ("Initech", "Initech", "Inytech"):
        write(bot, fake, competitor, user=admin, team=team)
    home = open_home(bot, fake, admin, team)
    assert element(home, ids.OPEN_COMPETITOR_NAMES)["text"]["text"] == "Competitor names"
    form = modal_for(
        fake, home_click(bot, admin, team, {"action_id": ids.OPEN_COMPETITOR_NAMES, "type": "button"})
    )

    def merge(from_key: str, into_key: str) -> dict[str, Any]:
        chosen = fill_form(form, {ids.MERGE_FROM: from_key, ids.MERGE_INTO: into_key})
        reply = send(bot.events_url, view_submission(form, chosen, user=admin, team=team), FORM)
        assert reply.status == 200
        return reply.json()

    assert merge("initech", "initech")["errors"] == {ids.MERGE_INTO: competitor_names.SAME}
    merged = merge("inytech", "initech")
    assert merged["response_action"] == "update"
    assert "Merged *Inytech* into *Initech*." in str(merged["view"]["blocks"])
    assert merge("inytech", "initech")["errors"] == {ids.MERGE_FROM: competitor_names.GONE}  # a stale form
    view = open_form(bot, fake, "Acme", user=admin, team=team)
    assert offered(bot, view, "in", user=admin, team=team) == ["Use “in”", "Initech"]
    assert set(competitor_keys(bot, team).values()) == {"initech"}


def test_only_admins_see_and_use_the_competitor_names(bot, fake):
    rep, team = unique("U"), unique("T")
    assert ids.OPEN_COMPETITOR_NAMES not in str(open_home(bot, fake, rep, team)["blocks"])
    notice = modal_for(
        fake, home_click(bot, rep, team, {"action_id": ids.OPEN_COMPETITOR_NAMES, "type": "button"})
    )
    assert "Only workspace admins can merge competitor names" in str(notice["blocks"])
    forged = competitor_names.merge_modal(
        [competitor_names.NamedCompetitor("a", "A", 1), competitor_names.NamedCompetitor("b", "B", 1)]
    ).to_dict()
    chosen = fill_form(forged, {ids.MERGE_FROM: "a", ids.MERGE_INTO: "b"})
    reply = send(
        bot.events_url, view_submission({**forged, "id": unique("V")}, chosen, user=rep, team=team), FORM
    )
    assert reply.json()["errors"] == {ids.MERGE_FROM: "Only workspace admins can merge competitor names."}
