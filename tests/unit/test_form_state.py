"""Any form state Slack (or a forger) could send reads as answers or as field errors: never a crash."""

from __future__ import annotations

from hypothesis import example, given

from bot import autopsy, ids, workspace
from tests.support.examples import NOW
from tests.support.hostile_input import FAST, STATE_VALUES


@FAST
@given(STATE_VALUES)
# Found by hypothesis in CI: a choice or a ticked list that is not an object or a list.
@example({"deal": {}, ids.SET_DAY: {ids.SET_DAY: {"selected_option": True}}})
@example({ids.SET_OPTIONS: {ids.SET_OPTIONS: {"selected_options": True}}})
@example(
    {
        ids.OUTCOME: {ids.OUTCOME: {"selected_option": 7}},
        ids.NO_TOUCH_BASE: {ids.NO_TOUCH_BASE: {"selected_options": "x"}},
    }
)
def test_any_form_state_reads_as_answers_or_field_errors(values):
    answers, errors = autopsy.read_submission(values, NOW)
    assert (answers is None) == bool(errors)
    assert all(isinstance(message, str) and message for message in errors.values())
    chosen, problems = workspace.read_settings(values)
    assert (chosen is None) == bool(problems)
