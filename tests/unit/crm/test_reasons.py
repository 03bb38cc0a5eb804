"""The CRM's loss reason filling in the autopsy form: a choice where the reason plainly says one,
the reason's own words where it does not, so the form never guesses for the rep."""

from __future__ import annotations

import pytest

from bot import autopsy
from bot.crm.reasons import form_answers, main_reason_named

PLAIN = [
    # Stock picklist values of HubSpot and Salesforce: the choice says it all.
    ("Price", {"main_reason": "price"}),
    ("Competitor", {"winner": "competitor"}),
    ("Timing", {"main_reason": "timing"}),
    ("No budget", {"main_reason": "timing"}),
    ("Missing features", {"main_reason": "product_fit"}),
    ("Poor support", {"main_reason": "service"}),
    ("No decision", {"winner": "no_decision"}),
    # What reps type: the choice it names, and their words kept beside it.
    ("Pricing too high", {"main_reason": "price", "winner_reason": "Pricing too high"}),
    ("Too EXPENSIVE for them", {"main_reason": "price", "winner_reason": "Too EXPENSIVE for them"}),
    ("Asked for a bigger discount", {"main_reason": "price", "winner_reason": "Asked for a bigger discount"}),
    ("Lost to Globex", {"winner": "competitor", "winner_reason": "Lost to Globex"}),
    ("Chose another vendor", {"winner": "competitor", "winner_reason": "Chose another vendor"}),
    (
        "Went with a competitor on price",
        {"main_reason": "price", "winner": "competitor", "winner_reason": "Went with a competitor on price"},
    ),
    (
        "Budget freeze until next year",
        {"main_reason": "timing", "winner_reason": "Budget freeze until next year"},
    ),
    ("Our champion left", {"main_reason": "relationship", "winner_reason": "Our champion left"}),
    ("Prospect went dark", {"winner": "no_decision", "winner_reason": "Prospect went dark"}),
    ("Built it in-house", {"winner": "in_house", "winner_reason": "Built it in-house"}),
    (
        "They built themselves a spreadsheet",
        {"winner": "in_house", "winner_reason": "They built themselves a spreadsheet"},
    ),
]


@pytest.mark.parametrize(("reason", "answers"), PLAIN)
def test_a_reason_that_plainly_names_a_choice_fills_that_choice_in(reason, answers):
    """The rep sees the form already answered as the CRM says, one click less."""
    assert form_answers(reason) == answers


def test_a_price_too_high_for_the_budget_is_price_with_the_crms_words_kept():
    """HubSpot's reason as a newcomer saw it: "The main reason" is Price, and the words stay in
    "Why did they win?". A budget named beside a price is the measure of the price, not timing."""
    reason = "Price was too high for this year's budget"
    assert form_answers(reason) == {"main_reason": "price", "winner_reason": reason}
    assert form_answers("Too expensive for the budget")["main_reason"] == "price"


@pytest.mark.parametrize(("reason", "answers"), PLAIN)
def test_every_choice_filled_in_is_one_the_form_offers(reason, answers):
    """A value the form does not have would make Slack refuse the whole modal."""
    filled = form_answers(reason)
    assert filled.get("main_reason", "price") in autopsy.REASONS
    assert filled.get("winner", "competitor") in autopsy.WINNERS


@pytest.mark.parametrize(
    "reason",
    [
        "Other",
        "Their company was acquired",
        "Price and timing",  # two main reasons: the form does not pick one for the rep
        "Lost to no decision",  # two winners
        "Their <CFO> & legal stalled it",  # plain text input: kept raw, escaping would show &amp;
    ],
)
def test_a_reason_that_names_no_choice_or_two_is_kept_as_the_reps_words(reason):
    """Better the CRM's own words in "Why did they win?" than a guess the rep must undo."""
    assert form_answers(reason) == {"winner_reason": reason}


def test_spaces_and_line_breaks_from_the_crm_are_collapsed():
    assert form_answers("  Their CFO\n\tleft   the company ") == {
        "winner_reason": "Their CFO left the company"
    }


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t "])
def test_no_reason_fills_nothing_in(reason):
    """An empty "Why did they win?" the rep can type in, not an empty answer to delete."""
    assert form_answers(reason) == {}


def test_a_very_long_reason_is_cut_to_what_the_form_accepts():
    """Slack refuses a modal whose initial value is longer than the input's max_length."""
    reason = "They said: " + "a long story about their board " * 100
    filled = form_answers(reason)
    assert len(filled["winner_reason"]) == autopsy.WINNER_REASON_MAX
    assert filled["winner_reason"] == reason[: autopsy.WINNER_REASON_MAX]


def test_a_very_long_reason_still_names_the_choice_it_ends_with():
    reason = "They went back and forth for months " * 40 + "and then chose on price"
    assert form_answers(reason) == {
        "main_reason": "price",
        "winner_reason": reason[: autopsy.WINNER_REASON_MAX],
    }


def test_a_lost_deal_counts_by_the_main_reason_its_crm_reason_plainly_names():
    assert main_reason_named("Too expensive for this year's budget") == "price"
    assert main_reason_named("Price and timing") is None  # two named: the CRM's words only
    assert main_reason_named(None) is None
