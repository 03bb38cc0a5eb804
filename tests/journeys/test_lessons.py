"""Lessons before the next pitch, end to end against the real bot: `/lost-deal lessons <words>`
answered privately in the ack with the card (a competitor by any spelling, a main reason, words),
App Home's search box answered in that person's App Home only, a teammate's private autopsy
never found, and hostile words answered like any others."""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from playground.emulator import SlackEmulator
from tests.support.app_home_views import home_click, home_showing
from tests.support.bot_process import Bot
from tests.support.lost_deal_form import FORM_ANSWERS, command_answer, open_form, submit
from tests.support.slack_requests import unique


def write(bot: Bot, fake: SlackEmulator, user: str, team: str, deal: str, **answers: Any) -> None:
    view = open_form(bot, fake, deal, user=user, team=team)
    assert submit(bot, view, {**FORM_ANSWERS, **answers}, user=user, team=team).status == 200


def lessons(bot: Bot, fake: SlackEmulator, typed: str, *, user: str, team: str) -> str:
    answer = command_answer(bot, fake, f"lessons {typed}", user=user, team=team)
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    return json.dumps(answer, ensure_ascii=False)


def test_the_card_answers_privately_and_a_teammate_s_private_autopsy_is_never_found(bot, fake):
    team, ann, bob, me = unique("T"), unique("U"), unique("U"), unique("U")
    for n, author in enumerate((ann, ann, me)):
        write(bot, fake, author, team, f"Deal {n}", **{ids.COMPETITOR: "Initech", ids.SHARING: "named"})
    write(
        bot,
        fake,
        bob,
        team,
        "Bob's deal",
        **{ids.COMPETITOR: "initech inc.", ids.SHARING: "private", ids.LESSON: "Procurement was bribed."},
    )

    card = lessons(bot, fake, "Initech, Inc", user=me, team=team)
    assert "Lessons about Initech" in card and "A competitor your team has named" in card
    assert "3 in the last 90 days, none before" in card  # Bob's private one is not counted
    assert "Send the proposal within 48 hours of the demo." in card and f"<@{ann}>" in card
    assert "Procurement" not in card and "Bob's deal" not in card
    assert "4 in the last 90 days" in lessons(bot, fake, "initech", user=bob, team=team)  # his own too

    by_reason = lessons(bot, fake, "PRICE", user=me, team=team)
    assert "Lessons about deals lost on price" in by_reason and "Price 3" in by_reason
    assert "Nothing the team wrote yet that you can see" in lessons(bot, fake, "bribed", user=me, team=team)
    assert "Procurement was bribed." not in lessons(
        bot, fake, "bribed", user=bob, team=team
    )  # no private lesson
    words = lessons(bot, fake, '"late with the" proposal* NEAR(x) OR 1=1; --', user=me, team=team)
    assert "searched the team's words for" in words


def test_lessons_alone_says_how_to_ask(bot, fake):
    answer = lessons(bot, fake, "", user=unique("U"), team=unique("T"))
    assert "`/lost-deal lessons Initech`" in answer and "`/lost-deal lessons price`" in answer


def test_app_home_s_search_box_draws_the_card_in_the_searcher_s_home_only(bot, fake):
    team, ann, me = unique("T"), unique("U"), unique("U")
    write(bot, fake, ann, team, "Acme", **{ids.COMPETITOR: "Globex", ids.SHARING: "anonymous"})
    searched = {"action_id": ids.LESSONS_SEARCH, "type": "plain_text_input", "value": "  globex  "}
    home_click(bot, me, team, searched, block_id=ids.HOME_LESSONS_SEARCH)
    view = json.dumps(home_showing(fake, me, "Lessons about Globex"), ensure_ascii=False)
    assert "Send the proposal within 48 hours of the demo." in view and "shared anonymously" in view
    assert f"<@{ann}>" not in view
    theirs = fake.find("views.publish", lambda c: c.args.get("user_id") != me)
    assert not [call for call in theirs if "Lessons about Globex" in json.dumps(call.args)]
