"""What erasing a person says: counted in plain words, singular and plural, to the rep ("your")
and to an operator ("their"), and the modals valid Block Kit."""

from __future__ import annotations

import json

from bot import ids
from bot.blocks import erasure_modals
from storage import SentMessage
from storage.people import Erasure

MUCH = Erasure(
    autopsies=3,
    revisits=1,
    buyer_asks=2,
    buyer_answers=1,
    follow_ups=5,
    pauses=1,
    zones=1,
    helped=2,
    crm_deals=1,
    installs=1,
    messages=(SentMessage("U0HELP", "D1", "1.1"),),
)


def shown(view) -> str:
    view.validate_json()
    return json.dumps(view.to_dict())


def test_the_words_count_what_goes_and_what_stays_for_the_rep_and_for_an_operator():
    assert erasure_modals.what_goes(MUCH) == [
        "3 autopsies, with 1 revisit",
        "2 links you sent to customers, with the answers of 1 customer: the links stop working",
        "5 reminders",
        "your pause on reminders",
        "the time zone Rebound saved for you",
    ]
    assert erasure_modals.what_stays(MUCH, owner="their") == [
        "2 teammates' autopsies that asked them for help",
        "1 CRM deal they owned",
        "the record that they installed Rebound",
    ]
    one = Erasure(autopsies=1, helped=1)
    assert erasure_modals.what_goes(one) == ["1 autopsy"]
    assert erasure_modals.what_stays(one) == ["1 teammate's autopsy that asked you for help"]


def test_the_confirmation_says_what_goes_first_and_its_button_is_red():
    view = erasure_modals.erase_mine_modal(MUCH)
    text = shown(view)
    assert view.callback_id == ids.ERASE_MINE_VIEW and view.submit is None
    assert "This deletes, for good" in text and "3 autopsies, with 1 revisit" in text
    assert "2 links you sent to customers, with the answers of 1 customer" in text
    assert "will say you took them down" in text and "Kept for the team, without your name" in text
    assert '"style": "danger"' in text and ids.ERASE_MINE_CONFIRMED in text


def test_with_nothing_to_erase_there_is_no_red_button_only_a_notice():
    for nothing in (Erasure(), Erasure(zones=1)):  # a cached zone alone comes back from Slack
        text = shown(erasure_modals.erase_mine_modal(nothing))
        assert "Rebound holds nothing you wrote in this workspace." in text and "danger" not in text


def test_once_done_it_says_what_went_and_where_the_name_was_taken_out():
    text = shown(erasure_modals.erased_notice(MUCH))
    assert "Everything you wrote in Rebound is deleted" in text
    assert "Your name is gone from 2 teammates' autopsies that asked you for help and 1 CRM deal" in text


def test_the_links_sent_to_lost_buyers_and_their_answers_are_counted_in_words():
    def said(asks: int, answers: int, owner: str = "your") -> str:
        erasure = Erasure(autopsies=asks, buyer_asks=asks, buyer_answers=answers)
        return erasure_modals.what_goes(erasure, owner=owner)[1]

    assert said(1, 0) == "1 link you sent to a customer: the link stops working"
    assert said(1, 1) == "1 link you sent to a customer, with the customer's answers: the link stops working"
    assert said(3, 3, "their") == (
        "3 links they sent to customers, with the customers' answers: the links stop working"
    )
    assert (
        said(3, 2) == "3 links you sent to customers, with the answers of 2 customers: the links stop working"
    )
    text = shown(erasure_modals.erased_notice(Erasure(autopsies=1, buyer_asks=1, buyer_answers=1)))
    assert "1 link you sent to a customer, with the customer's answers" in text


def test_actions_are_counted_the_ones_made_going_the_ones_owned_for_teammates_staying():
    erasure = Erasure(actions=2, handed_back=1)
    assert erasure.anything
    assert erasure_modals.what_goes(erasure) == ["2 actions made by you or of your lessons"]
    assert erasure_modals.what_stays(erasure, owner="their") == [
        "1 teammate's action they owned: back with whoever made each, without their outcome"
    ]
    assert erasure_modals.what_stays(Erasure(handed_back=3)) == [
        "3 teammates' actions you owned: back with whoever made each, without your outcome"
    ]
