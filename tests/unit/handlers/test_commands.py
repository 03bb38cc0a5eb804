"""`/lost-deal`: the form opens after the ack; each word gets its private answer in the ack."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from unittest.mock import MagicMock

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import ids
from handlers import commands
from tests.support.examples import ANSWERS
from tests.support.listener_calls import TEAM, USER


def command(text: str) -> dict:
    return {
        "command": "/lost-deal",
        "text": text,
        "user_id": USER,
        "team_id": TEAM,
        "trigger_id": "1.trigger",
    }


def test_a_deal_name_opens_the_form_filled_in_after_the_ack(ack, context, client, logger):
    respond, order = MagicMock(), []
    ack.side_effect = lambda *a, **k: order.append("ack")
    client.views_open.side_effect = lambda **k: order.append("views.open")
    commands.lost_deal(ack, command("  Acme   Corp "), context, client, respond, logger)
    assert order == ["ack", "views.open"]
    view = json.loads(client.views_open.call_args.kwargs["view"])
    deal = next(block for block in view["blocks"] if block.get("block_id") == ids.DEAL)
    assert deal["element"]["initial_value"] == "Acme Corp"
    respond.assert_not_called()


def test_a_form_slack_would_not_open_is_explained_to_the_rep(ack, context, client, logger):
    respond = MagicMock()
    refused = SlackResponse(
        client=client,
        http_verb="POST",
        api_url="views.open",
        req_args={},
        data={"ok": False, "error": "expired_trigger_id"},
        headers={},
        status_code=200,
    )
    client.views_open.side_effect = SlackApiError("expired", refused)
    commands.lost_deal(ack, command("Acme"), context, client, respond, logger)
    assert "try `/lost-deal` again" in respond.call_args.kwargs["text"]


@pytest.mark.parametrize(("word", "says"), [("help", "/lost-deal Acme Corp"), ("?", "/lost-deal list")])
def test_help_is_the_ack_itself_and_opens_nothing(ack, context, client, logger, word, says):
    commands.lost_deal(ack, command(word), context, client, MagicMock(), logger)
    assert says in ack.call_args.kwargs["text"]
    client.views_open.assert_not_called()


def test_list_and_stats_answer_from_the_reps_own_autopsies(ack, context, client, logger, store):
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM, user_id=USER, view_id="V1", answers=ANSWERS, created_at=datetime.now(UTC)
        )
    commands.lost_deal(ack, command("LIST"), context, client, MagicMock(), logger)
    assert "Acme Corp" in json.dumps(ack.call_args.kwargs["blocks"])
    commands.lost_deal(ack, command("stats"), context, client, MagicMock(), logger)
    stats = json.dumps(ack.call_args.kwargs["blocks"])
    assert "*You:* 1 autopsy (customer cancelled 1)" in stats
    assert "too few in the last 90 days to show a pattern" in stats


def test_pause_and_resume_are_kept_for_the_rep_and_say_so(ack, context, client, logger, store):
    commands.lost_deal(ack, command("pause"), context, client, MagicMock(), logger)
    assert "paused" in ack.call_args.kwargs["text"]
    with store.read() as work:
        assert work.follow_ups.paused(team_id=TEAM, user_id=USER)
    commands.lost_deal(ack, command("resume"), context, client, MagicMock(), logger)
    assert "back on" in ack.call_args.kwargs["text"]
    with store.read() as work:
        assert not work.follow_ups.paused(team_id=TEAM, user_id=USER)


def test_an_org_wide_request_without_a_workspace_is_kept_under_the_org(ack, context, client, logger, store):
    del context["team_id"]
    context["enterprise_id"] = "E0ORG"
    commands.lost_deal(ack, {**command("pause"), "team_id": ""}, context, client, MagicMock(), logger)
    with store.read() as work:
        assert work.follow_ups.paused(team_id="E0ORG", user_id=USER)
        assert not work.follow_ups.paused(team_id="", user_id=USER)


def test_lessons_answer_privately_in_the_ack_and_alone_say_how_to_ask(ack, context, client, logger, store):
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM,
            user_id="U0ANN",
            view_id="V1",
            answers=replace(ANSWERS, winner="competitor", competitor="Initech", sharing="named"),
            created_at=datetime.now(UTC),
        )
    commands.lost_deal(ack, command("lessons  initech INC."), context, client, MagicMock(), logger)
    card = json.dumps(ack.call_args.kwargs["blocks"])
    assert "Lessons about Initech" in card and "Ask about build-vs-buy in the first call." in card
    commands.lost_deal(ack, command("Lessons"), context, client, MagicMock(), logger)
    assert "`/lost-deal lessons price`" in ack.call_args.kwargs["text"]
    client.views_open.assert_not_called()


def test_a_competitor_named_only_in_a_teammate_s_private_autopsy_is_searched_as_words(
    ack, context, client, logger, store
):
    with store.write() as work:
        work.autopsies.save(
            team_id=TEAM,
            user_id="U0BOB",
            view_id="V1",
            answers=replace(ANSWERS, winner="competitor", competitor="Umbrella", sharing="private"),
            created_at=datetime.now(UTC),
        )
    commands.lost_deal(ack, command("lessons Umbrella"), context, client, MagicMock(), logger)
    card = json.dumps(ack.call_args.kwargs["blocks"])
    assert "searched the team's words for *umbrella*" in card
    assert "Nothing the team wrote yet that you can see" in card
