"""The autopsy's rules and builders on their own: what a rep sees and what a submission must meet."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.blocks import autopsy_form, home, replies
from bot.blocks.mrkdwn import escape
from storage import Autopsy, FollowUp, JournalEntry, Lesson
from tests.slack_requests import fill_form

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GOOD = {
    ids.DEAL: "Acme Corp",
    ids.OUTCOME: "renewal_lost",
    ids.DEAL_VALUE: "12,500.50",
    ids.WINNER: "competitor",
    ids.COMPETITOR: "Globex",
    ids.MAIN_REASON: "price",
    ids.WINNER_REASON: "Cheaper, and they called first",
    ids.CUSTOMER_SAID: "Price, mostly.",
    ids.CHECK_LISTENED: "partly",
    ids.CHECK_TIMING: "yes",
    ids.CHECK_MARKET: "no",
    ids.CHECK_AGGRESSIVE: "no",
    ids.FEELINGS: "Frustrated. I thought we had it.",
    ids.LESSON: "Follow up within a week of the demo.",
    ids.TOUCH_BASE_ON: "2027-02-21",
    ids.HELP_FROM: "U0MENTOR1",
}


def modal() -> dict:
    return {**autopsy_form.autopsy_modal("Acme Corp", NOW.date()).to_dict(), "id": "V1"}


def submit(**changes: object) -> tuple[autopsy.Answers | None, dict[str, str]]:
    return autopsy.read_submission(fill_form(modal(), {**GOOD, **changes}), NOW)


def test_modal_asks_every_question_within_slack_limits():
    view = autopsy_form.autopsy_modal("Acme Corp", NOW.date())
    view.validate_json()  # titles ≤ 24, ≤ 100 blocks, labels, ids…
    body = view.to_dict()
    inputs = {block["block_id"]: block for block in body["blocks"] if block["type"] == "input"}
    assert set(inputs) == {
        ids.DEAL, ids.OUTCOME, ids.DEAL_VALUE, ids.WINNER, ids.COMPETITOR, ids.MAIN_REASON,
        ids.WINNER_REASON, ids.CUSTOMER_SAID,
        ids.CHECK_LISTENED, ids.CHECK_TIMING, ids.CHECK_MARKET, ids.CHECK_AGGRESSIVE,
        ids.FEELINGS, ids.LESSON, ids.TOUCH_BASE_ON, ids.NO_TOUCH_BASE, ids.HELP_FROM, ids.SHARING,
    }  # fmt: skip
    assert inputs[ids.DEAL]["element"]["initial_value"] == "Acme Corp"
    for check in autopsy.SELF_CHECKS:
        assert [o["text"]["text"] for o in inputs[check]["element"]["options"]] == ["Yes", "Partly", "No"]
    assert inputs[ids.TOUCH_BASE_ON]["element"]["initial_date"] == "2027-02-21"  # 90 days on
    assert inputs[ids.SHARING]["element"]["initial_option"]["value"] == "named"
    for block in inputs.values():
        if "max_length" in block["element"]:
            assert block["element"]["max_length"] <= 3000


def test_a_long_deal_name_is_cut_to_what_the_field_allows():
    view = autopsy_form.autopsy_modal("x" * 400, NOW.date()).to_dict()
    deal = next(b for b in view["blocks"] if b.get("block_id") == ids.DEAL)
    assert len(deal["element"]["initial_value"]) == autopsy.DEAL_MAX


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


def test_escape_neutralises_pings_and_links():
    assert escape("<!channel> & <@U123> <https://evil|bank>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|bank&gt;"
    )


def test_thank_you_is_warm_escaped_and_valid():
    answers, _ = submit(
        **{
            ids.DEAL: "<!channel> Acme & Co",
            ids.LESSON: "<https://evil|click> me",
            ids.WINNER_REASON: "<@U999>",
        }
    )
    message = replies.thank_you(answers)
    rendered = str([block.to_dict() for block in message.blocks])
    for block in message.blocks:
        Block.parse(block.to_dict()).validate_json()
    assert "&lt;!channel&gt; Acme &amp; Co" in rendered
    assert "<!channel>" not in rendered and "<https://evil" not in rendered and "<@U999>" not in rendered
    assert "not a verdict on you" in rendered
    assert "Sunday 21 February 2027" in rendered
    assert "<@U0MENTOR1>" in rendered  # the chosen teammate is a real mention


def worst_autopsy(number: int) -> Autopsy:
    """An autopsy with every field at its longest, all of it markup."""
    return Autopsy(
        id=number, team_id="T1", user_id="U1", view_id=f"V{number}", created_at=NOW,
        deal_name="<!here>&" * 18, outcome="renewal_lost", deal_value_cents=123_456_789_00,
        winner="competitor", competitor="<@U0EVIL>" * 8, winner_reason="<" * 500, main_reason="price",
        customer_said="&" * 1000, check_listened="yes", check_timing="partly", check_market="no",
        check_aggressive="no", feelings=">" * 3000, lesson="<!channel>" * 30, touch_base_on=None,
        help_from="U0HELP", sharing="anonymous",
    )  # fmt: skip


def test_the_fullest_home_stays_valid_escaped_and_under_100_blocks():
    entries = [worst_autopsy(number) for number in range(1, 11)]
    touch = FollowUp(id=7, team_id="T1", autopsy_id=1, kind="touch_base", recipient_id="U1",
                     due_at=NOW, due_on=NOW.date(), state="snoozed")  # fmt: skip
    lesson = Lesson(deal_name="<!here>" * 20, outcome="renewal_lost", winner="competitor",
                    competitor="<https://evil|x>", main_reason=None, lesson="<@U0EVIL>" * 30,
                    user_id=None, deal_value_cents=None)  # fmt: skip
    page = home.HomePage(
        upcoming=[(touch, entries[0])] * 5,
        journal=[JournalEntry(entry, touch, 3, "<!channel>" * 300) for entry in entries],
        total=500,
        offset=10,
        team_lessons=[lesson] * 10,
        is_admin=True,
    )
    body = home.home(page).to_dict()
    View(**body).validate_json()
    assert len(body["blocks"]) <= 100
    shown = str(body)
    for markup in ("<!here>", "<!channel>", "<@U0EVIL>", "<https://evil"):
        assert markup not in shown
    assert "Workspace settings" in shown and "11 to 20 of 500" in shown


def test_the_edit_form_is_the_autopsy_filled_in():
    entry = worst_autopsy(42)
    view = autopsy_form.autopsy_modal("", NOW.date(), entry=entry)
    view.validate_json()
    body = view.to_dict()
    assert (body["callback_id"], body["private_metadata"]) == (ids.AUTOPSY_EDIT_VIEW, "42")
    inputs = {block["block_id"]: block["element"] for block in body["blocks"] if block["type"] == "input"}
    assert inputs[ids.DEAL]["initial_value"] == entry.deal_name
    assert inputs[ids.DEAL_VALUE]["initial_value"] == "123456789"
    assert inputs[ids.SHARING]["initial_option"]["value"] == "anonymous"
    assert inputs[ids.NO_TOUCH_BASE]["initial_options"][0]["value"] == "skip"
    assert inputs[ids.HELP_FROM]["initial_user"] == "U0HELP"
    # Submitted unchanged, it reads back as the same answers.
    answers, errors = autopsy.read_submission(fill_form({**body, "id": "V1"}, {}), NOW)
    assert errors == {} and answers is not None
    assert (answers.deal_name, answers.feelings, answers.touch_base_on) == (
        entry.deal_name,
        entry.feelings,
        None,
    )
    assert answers.deal_value_cents == entry.deal_value_cents


TRICKY_DEALS = [
    "",
    "Acme Corp",
    "<!channel> & Co",
    "x" * 400,
    "\u2028",
    'Quote " back\\slash \u0000deal\u0000 🎉',
]


@pytest.mark.parametrize("deal", TRICKY_DEALS)
def test_the_cached_form_is_the_built_form(deal):
    sent = json.loads(autopsy_form.autopsy_modal_json(deal, NOW.date()))
    assert sent == autopsy_form.autopsy_modal(deal, NOW.date()).to_dict()
    # and the cached blank form is never altered by filling in a deal
    assert (
        "initial_value"
        not in json.loads(autopsy_form.autopsy_modal_json("", NOW.date()))["blocks"][1]["element"]
    )
