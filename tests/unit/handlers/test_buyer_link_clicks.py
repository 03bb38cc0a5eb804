"""The clicks that ask a lost buyer for their side: only on one's own autopsy, answered in a modal
(opened on the trigger, or drawn in place of the modal clicked in), App Home kept up to date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import ids
from bot.asking import BuyerAsking
from bot.customer_side import LinkKeys, page_state
from handlers import actions
from tests.support.examples import ANSWERS
from tests.support.listener_calls import TEAM, USER, interaction

PUBLIC = "https://rebound.example.com"


@pytest.fixture
def asking(context, store) -> BuyerAsking:
    offered = BuyerAsking(store, LinkKeys("unit-secret"), PUBLIC, days=30)
    context["buyer_asking"] = offered
    return offered


def written(store, user: str = USER) -> int:
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=TEAM, user_id=user, view_id=f"V{user}", answers=ANSWERS, created_at=datetime.now(UTC)
        )
    return entry.id


def click(action_id: str, value: object, user: str = USER, *, in_modal: bool = False) -> tuple[dict, dict]:
    action = {"action_id": action_id, "value": value, "type": "button"}
    where = {"view": {"id": "V0MODAL", "type": "modal"}} if in_modal else {}
    return interaction(user, actions=[action], **where), action


def opened_text(client) -> str:
    return str(client.views_open.call_args.kwargs["view"].to_dict())


def test_asking_opens_the_link_in_a_modal_and_asking_again_shows_the_same_one(
    ack, context, client, logger, store, asking
):
    autopsy_id = written(store)
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(autopsy_id)), context, client, logger)
    ack.assert_called_once_with()
    first = opened_text(client)
    assert f"{PUBLIC}/ask/" in first and "A new link, not opened yet." in first
    client.views_publish.assert_called_once()  # App Home: asked, not opened yet
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(autopsy_id)), context, client, logger)
    again = opened_text(client)
    link = first.split("```")[1]
    assert link in again and "The same link you got on" in again
    assert client.views_publish.call_count == 1  # nothing changed for App Home


def test_someone_elses_autopsy_gets_no_link(ack, context, client, logger, store, asking):
    theirs = written(store, user="U0OTHER")
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(theirs)), context, client, logger)
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, "1; DROP TABLE"), context, client, logger)
    assert "/ask/" not in str(client.views_open.call_args_list)
    with store.read() as work:
        assert work.buyer_asks.of_autopsy(team_id=TEAM, autopsy_id=theirs) is None


def test_without_a_public_page_a_stale_button_says_asking_is_off(ack, context, client, logger, store):
    autopsy_id = written(store)
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(autopsy_id)), context, client, logger)
    assert "its public page is switched off" in opened_text(client)
    with store.read() as work:
        assert work.buyer_asks.of_autopsy(team_id=TEAM, autopsy_id=autopsy_id) is None


def test_withdrawing_closes_the_link_in_place_and_a_new_one_can_be_made_from_there(
    ack, context, client, logger, store, asking
):
    autopsy_id = written(store)
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(autopsy_id)), context, client, logger)
    link = opened_text(client).split("```")[1]
    actions.withdraw_buyer_link(
        ack, *click(ids.WITHDRAW_BUYER_LINK, str(autopsy_id), in_modal=True), context, client, logger
    )
    redrawn = client.views_update.call_args.kwargs
    assert redrawn["view_id"] == "V0MODAL" and "You withdrew the link" in str(redrawn["view"].to_dict())
    found = asking.open(link.rsplit("/", 1)[1], now=datetime.now(UTC))
    assert found is not None and page_state(found.ask, datetime.now(UTC)) == "closed"  # the buyer's page
    actions.ask_buyer(ack, *click(ids.ASK_BUYER, str(autopsy_id), in_modal=True), context, client, logger)
    renewed = str(client.views_update.call_args.kwargs["view"].to_dict())
    assert "A new link: the old one was withdrawn" in renewed and link not in renewed


def test_nobody_withdraws_another_persons_link(ack, context, client, logger, store, asking):
    theirs = written(store, user="U0OTHER")
    asking.link(team_id=TEAM, autopsy_id=theirs, now=datetime.now(UTC))
    actions.withdraw_buyer_link(
        ack, *click(ids.WITHDRAW_BUYER_LINK, str(theirs), in_modal=True), context, client, logger
    )
    with store.read() as work:
        assert work.buyer_asks.of_autopsy(team_id=TEAM, autopsy_id=theirs).withdrawn_at is None
    assert "Not here any more" in str(client.views_update.call_args.kwargs["view"].to_dict())
