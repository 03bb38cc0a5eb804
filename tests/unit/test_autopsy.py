"""The autopsy's rules: what a submission must meet, each broken answer named on its own field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot import autopsy, ids
from bot.blocks import autopsy_form
from tests.support.examples import GOOD, NOW
from tests.support.slack_requests import fill_form


def modal() -> dict:
    return {**autopsy_form.autopsy_modal("Acme Corp", NOW.date()).to_dict(), "id": "V1"}


def submit(**changes: object) -> tuple[autopsy.Answers | None, dict[str, str]]:
    return autopsy.read_submission(fill_form(modal(), {**GOOD, **changes}), NOW)


def test_a_complete_form_becomes_answers():
    answers, errors = submit()
    assert errors == {}
    assert answers is not None
    assert answers.deal_name == "Acme Corp"
    assert answers.deal_value_cents == 1_250_050
    assert answers.touch_base_on == date(2027, 2, 21)
    assert answers.sharing == "named"
    assert answers.help_from == "U0MENTOR1"
    assert (answers.check_listened, answers.check_timing) == ("partly", "yes")
    assert (answers.competitor, answers.main_reason) == ("Globex", "price")


def test_the_competitor_and_the_main_reason_may_be_left_out():
    answers, errors = submit(**{ids.COMPETITOR: "  ", ids.MAIN_REASON: None})
    assert errors == {}
    assert answers is not None and (answers.competitor, answers.main_reason) == (None, None)


@pytest.mark.parametrize(
    ("changes", "block", "says"),
    [
        ({ids.DEAL: "   "}, ids.DEAL, "Please write"),
        ({ids.FEELINGS: "\n\t "}, ids.FEELINGS, "Please write"),
        ({ids.LESSON: " "}, ids.LESSON, "Please write"),
        ({ids.DEAL_VALUE: "-1"}, ids.DEAL_VALUE, "0 or more"),
        ({ids.DEAL_VALUE: "lots"}, ids.DEAL_VALUE, "0 or more"),
        ({ids.DEAL_VALUE: "NaN"}, ids.DEAL_VALUE, "0 or more"),
        ({ids.DEAL_VALUE: "1e400"}, ids.DEAL_VALUE, "0 or more"),
        ({ids.TOUCH_BASE_ON: "2026-11-01"}, ids.TOUCH_BASE_ON, "has passed"),
        ({ids.TOUCH_BASE_ON: "2028-01-01"}, ids.TOUCH_BASE_ON, "within the next year"),
        ({ids.TOUCH_BASE_ON: "next tuesday"}, ids.TOUCH_BASE_ON, "calendar"),
        ({ids.LESSON: "x" * 301}, ids.LESSON, "under 300"),
        ({ids.DEAL: "y" * 151}, ids.DEAL, "under 150"),
        ({ids.FEELINGS: "z" * 3001}, ids.FEELINGS, "under 3000"),
        ({ids.OUTCOME: None}, ids.OUTCOME, "choose"),
        ({ids.CHECK_AGGRESSIVE: None}, ids.CHECK_AGGRESSIVE, "Yes, Partly or No"),
        ({ids.COMPETITOR: "c" * 81}, ids.COMPETITOR, "under 80"),
    ],
)
def test_each_broken_answer_is_named_on_its_own_field(changes, block, says):
    answers, errors = submit(**changes)
    assert answers is None
    assert list(errors) == [block]
    assert says in errors[block]


def test_touch_base_accepts_today_anywhere_and_can_be_skipped():
    earliest, latest = autopsy.date_window(NOW)
    assert earliest <= NOW.date() <= latest
    assert submit(**{ids.TOUCH_BASE_ON: NOW.date().isoformat()})[1] == {}
    assert submit(**{ids.TOUCH_BASE_ON: (NOW.date() + timedelta(days=365)).isoformat()})[1] == {}
    answers, _ = submit(**{ids.NO_TOUCH_BASE: ["skip"]})
    assert answers is not None and answers.touch_base_on is None


def test_a_forged_or_garbled_submission_gets_errors_not_a_crash():
    answers, errors = autopsy.read_submission({"deal": "nonsense", ids.HELP_FROM: {ids.HELP_FROM: []}}, NOW)
    assert answers is None
    assert {ids.DEAL, ids.OUTCOME, ids.FEELINGS, ids.LESSON, ids.SHARING} <= set(errors)
    forged = fill_form(modal(), GOOD)
    forged[ids.HELP_FROM][ids.HELP_FROM]["selected_user"] = "U1>|<!channel"
    assert set(autopsy.read_submission(forged, NOW)[1]) == {ids.HELP_FROM}
    forged = fill_form(modal(), GOOD)
    forged[ids.MAIN_REASON][ids.MAIN_REASON]["selected_option"] = {"value": "bribery"}
    assert set(autopsy.read_submission(forged, NOW)[1]) == {ids.MAIN_REASON}


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Acme Corp", "Acme Corp"),
        ("x" * autopsy.DEAL_MAX, "x" * autopsy.DEAL_MAX),  # at the limit: as typed
        ("Initech Global Holdings " * 8, ("Initech Global Holdings " * 6).strip() + "…"),
        ("a" * 149 + " tail", "a" * 149 + "…"),  # the cut falls between two words
        ("Umbrella, " * 20, ("Umbrella, " * 15).rstrip(", ") + "…"),  # no comma before the ellipsis
        ("x" * 400, "x" * 149 + "…"),  # one word longer than the field: cut within it
    ],
)
def test_a_long_deal_name_ends_at_a_whole_word_with_an_ellipsis(name, shown):
    assert autopsy.deal_for_form(name) == shown
    assert len(shown) <= autopsy.DEAL_MAX
