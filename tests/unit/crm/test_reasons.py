"""The CRM's loss reason filling in the autopsy form: a choice where the reason plainly says one,
the reason's own words where it does not, so the form never guesses for the rep."""

from __future__ import annotations

import pytest

from bot import autopsy
from bot.crm.reasons import form_answers

PLAIN = [
    # Stock picklist values of HubSpot and Salesforce, and what reps type.
    ("Price", {"main_reason": "price"}),
    ("Pricing too high", {"main_reason": "price"}),
    ("Too EXPENSIVE for them", {"main_reason": "price"}),
    ("Asked for a bigger discount", {"main_reason": "price"}),
    ("Competitor", {"winner": "competitor"}),
    ("Lost to Globex", {"winner": "competitor"}),
    ("Chose another vendor", {"winner": "competitor"}),
    ("Went with a competitor on price", {"main_reason": "price", "winner": "competitor"}),
    ("Timing", {"main_reason": "timing"}),
    ("No budget", {"main_reason": "timing"}),
    ("Budget freeze until next year", {"main_reason": "timing"}),
    ("Missing features", {"main_reason": "product_fit"}),
    ("Poor support", {"main_reason": "service"}),
    ("Our champion left", {"main_reason": "relationship"}),
    ("No decision", {"winner": "no_decision"}),
    ("Prospect went dark", {"winner": "no_decision"}),
    ("Built it in-house", {"winner": "in_house"}),
    ("They built themselves a spreadsheet", {"winner": "in_house"}),
]


@pytest.mark.parametrize(("reason", "answers"), PLAIN)
def test_a_reason_that_plainly_names_a_choice_fills_that_choice_in(reason, answers):
    """The rep sees the form already answered as the CRM says, one click less."""
    assert form_answers(reason) == answers


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
    assert form_answers("They went back and forth for months " * 40 + "and then chose on price") == {
        "main_reason": "price"
    }
