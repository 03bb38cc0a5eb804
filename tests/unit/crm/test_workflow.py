"""The Workflow Builder step's inputs, read into the lost deal the sweep prompts about."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.crm.workflow import read_step
from bot.deal_news import WORKFLOW, UnreadableNews

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)


def test_the_inputs_become_a_lost_deal_for_the_person_named():
    news = read_step(
        {"person": "U0ALICE", "deal_name": "  Acme   Corp ", "amount": "12,500.50", "reason": "Price"},
        execution_id="Fx1",
        now=NOW,
    )
    assert (news.crm, news.key, news.lost, news.changed_at) == (WORKFLOW, "Fx1", True, NOW)
    assert (news.owner_user_id, news.deal_name, news.reason) == ("U0ALICE", "Acme Corp", "Price")
    assert news.main_reason == "price"
    assert news.amount == Decimal("12500.50")


def test_the_same_person_and_deal_name_are_one_deal_whatever_the_case_or_spacing():
    first = read_step({"person": "U0ALICE", "deal_name": "Acme Corp"}, execution_id="Fx1", now=NOW)
    again = read_step({"person": "U0ALICE", "deal_name": "acme  CORP"}, execution_id="Fx2", now=NOW)
    other = read_step({"person": "U0BOB", "deal_name": "Acme Corp"}, execution_id="Fx3", now=NOW)
    assert first.deal_id == again.deal_id != other.deal_id
    assert len(read_step({"person": "U0A", "deal_name": "x" * 500}, execution_id="F", now=NOW).deal_id) <= 64


def test_optional_inputs_may_be_left_out():
    news = read_step(
        {"person": "W0ORGUSER", "deal_name": "Globex", "amount": None}, execution_id="F", now=NOW
    )
    assert news.amount is None and news.reason is None and news.contact_name is None


def test_the_buyer_contact_is_read_in_one_line_within_its_room():
    inputs = {"person": "U0ALICE", "deal_name": "Acme", "buyer_contact": "  Jo \n Buyer <!here> "}
    assert read_step(inputs, execution_id="F", now=NOW).contact_name == "Jo Buyer <!here>"
    long = read_step({**inputs, "buyer_contact": "y" * 400}, execution_id="F", now=NOW)
    assert long.contact_name == "y" * 150


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"deal_name": "Acme"}, "person"),
        ({"person": "#general", "deal_name": "Acme"}, "person"),
        ({"person": "U0ALICE"}, "deal_name"),
        ({"person": "U0ALICE", "deal_name": "   "}, "deal_name"),
        ({"person": "U0ALICE", "deal_name": ["Acme"]}, "text"),
        ({"person": "U0ALICE", "deal_name": "Acme", "amount": "lots"}, "number"),
        ({"person": "U0ALICE", "deal_name": "Acme", "amount": "-5"}, "positive"),
        ({"person": "U0ALICE", "deal_name": "Acme", "amount": "NaN"}, "positive"),
    ],
)
def test_inputs_that_make_no_deal_are_refused_in_words_for_the_workflow(inputs, says):
    with pytest.raises(UnreadableNews, match=says):
        read_step(inputs, execution_id="Fx1", now=NOW)
