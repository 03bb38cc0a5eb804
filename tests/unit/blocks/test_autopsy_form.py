"""The autopsy form as the rep sees it: every question, Slack's limits, the edit form, the cached JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import autopsy, ids
from bot.blocks import autopsy_form
from storage.competitors import NamedCompetitor
from tests.support.examples import NOW, worst_autopsy
from tests.support.slack_requests import fill_form


def test_modal_asks_every_question_within_slack_limits():
    view = autopsy_form.autopsy_modal("Acme Corp", NOW.date())
    view.validate_json()  # titles ≤ 24, ≤ 100 blocks, labels, ids…
    body = view.to_dict()
    inputs = {block["block_id"]: block for block in body["blocks"] if block["type"] == "input"}
    assert set(inputs) == {
        ids.DEAL,
        ids.OUTCOME,
        ids.DEAL_VALUE,
        ids.WINNER,
        ids.COMPETITOR,
        ids.MAIN_REASON,
        ids.WINNER_REASON,
        ids.CUSTOMER_SAID,
        ids.CHECK_LISTENED,
        ids.CHECK_TIMING,
        ids.CHECK_MARKET,
        ids.CHECK_AGGRESSIVE,
        ids.FEELINGS,
        ids.LESSON,
        ids.TOUCH_BASE_ON,
        ids.NO_TOUCH_BASE,
        ids.HELP_FROM,
        ids.SHARING,
    }
    assert inputs[ids.DEAL]["element"]["initial_value"] == "Acme Corp"
    for check in autopsy.SELF_CHECKS:
        assert [o["text"]["text"] for o in inputs[check]["element"]["options"]] == ["Yes", "Partly", "No"]
    # 90 days on is Sunday 21 February; reminders come on weekdays, so the form suggests the Monday.
    assert inputs[ids.TOUCH_BASE_ON]["element"]["initial_date"] == "2027-02-22"
    assert "or on the Monday after if it's a weekend" in inputs[ids.TOUCH_BASE_ON]["hint"]["text"]
    assert inputs[ids.SHARING]["element"]["initial_option"]["value"] == "named"
    for block in inputs.values():
        if "max_length" in block["element"]:
            assert block["element"]["max_length"] <= 3000


def test_a_long_deal_name_ends_at_a_word_and_the_hint_says_it_was_shortened():
    name = "Initech Global Holdings, EMEA renewal of the enterprise platform and services " * 3
    for view in (
        autopsy_form.autopsy_modal(name, NOW.date()).to_dict(),
        json.loads(autopsy_form.new_autopsy_form(name, NOW.date())),
        autopsy_form.autopsy_modal("", NOW.date(), prefill={"deal_name": name}).to_dict(),  # from a CRM
    ):
        deal = next(b for b in view["blocks"] if b.get("block_id") == ids.DEAL)
        shown = deal["element"]["initial_value"]
        assert len(shown) <= autopsy.DEAL_MAX and shown.endswith(" platform and…")
        assert name.startswith(shown.removesuffix("…"))
        assert deal["hint"]["text"] == autopsy_form.SHORTENED
        assert "longer than 150 characters, so it ends at a word" in deal["hint"]["text"]


def test_a_deal_name_that_fits_has_no_hint():
    view = autopsy_form.autopsy_modal("Acme Corp", NOW.date()).to_dict()
    deal = next(b for b in view["blocks"] if b.get("block_id") == ids.DEAL)
    assert deal["element"]["initial_value"] == "Acme Corp" and "hint" not in deal


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
    sent = json.loads(autopsy_form.new_autopsy_form(deal, NOW.date()))
    assert sent == autopsy_form.autopsy_modal(deal, NOW.date()).to_dict()
    # and the cached blank form is never altered by filling in a deal
    assert (
        "initial_value"
        not in json.loads(autopsy_form.new_autopsy_form("", NOW.date()))["blocks"][1]["element"]
    )


@pytest.mark.parametrize("days", range(1, 15))
def test_the_suggested_touch_base_day_is_a_weekday_whatever_the_workspace_chose(days):
    for today in (NOW.date(), date(2026, 12, 10), date(2027, 1, 2)):  # a Monday, a Thursday, a Saturday
        view = json.loads(autopsy_form.new_autopsy_form("Acme", today, days))
        [picker] = [b["element"] for b in view["blocks"] if b.get("block_id") == ids.TOUCH_BASE_ON]
        suggested = date.fromisoformat(picker["initial_date"])
        assert suggested.weekday() < 5 and 0 <= (suggested - today).days - days <= 2


def test_the_delete_confirmation_dates_the_autopsy_in_the_reps_zone():
    entry = worst_autopsy(1)
    entry.deal_name, entry.created_at = "Acme", datetime(2026, 12, 11, 2, 0, tzinfo=UTC)
    view = autopsy_form.delete_modal(entry, ZoneInfo("America/Los_Angeles"))
    view.validate_json()
    assert "*Acme*, written 10 Dec 2026." in json.dumps(view.to_dict())
    assert "*Acme*, written 11 Dec 2026." in json.dumps(autopsy_form.delete_modal(entry, UTC).to_dict())


def test_the_delete_confirmation_says_the_customers_link_and_answers_go_with_it():
    said = json.dumps(autopsy_form.delete_modal(worst_autopsy(1), UTC).to_dict())
    assert "any link you sent the customer, with their answers (the link stops working)" in said


def test_deleting_is_confirmed_with_a_red_button_and_keeping_it_is_the_way_out():
    """A modal's submit button is always green; the destructive step is Slack's `danger` button."""
    view = autopsy_form.delete_modal(worst_autopsy(42), UTC)
    view.validate_json()
    body = view.to_dict()
    assert "submit" not in body and body["close"]["text"] == "Keep it"
    [button] = [
        element for block in body["blocks"] if block["type"] == "actions" for element in block["elements"]
    ]
    assert (button["text"]["text"], button["style"]) == ("Delete it", "danger")
    assert (button["action_id"], button["value"]) == (ids.AUTOPSY_DELETE, "42")
    assert "It can't be undone." in json.dumps(body)


@pytest.mark.parametrize(
    ("helpers", "said"),
    [
        ([], None),
        (["U0MENTOR"], "The help request you sent <@U0MENTOR> now says you took it down."),
        (["U0A", "U0B"], "The help requests you sent <@U0A> and <@U0B> now say you took it down."),
    ],
)
def test_once_deleted_the_modal_says_so_and_who_sees_it_taken_down(helpers, said):
    view = autopsy_form.deleted(worst_autopsy(42), helpers)
    view.validate_json()
    text = view.to_dict()["blocks"][0]["text"]["text"]
    assert text.startswith("Your autopsy of *&lt;!here&gt;&amp;") and "is deleted" in text
    assert (said in text) if said else "help request" not in text


def test_every_question_has_a_label_that_reads_as_one():
    """Slack adds "(optional)" to an optional field's label: "Or (optional)" asked nothing."""
    body = autopsy_form.autopsy_modal("Acme Corp", NOW.date()).to_dict()
    labels = {
        block["block_id"]: block["label"]["text"] for block in body["blocks"] if block["type"] == "input"
    }
    assert labels[ids.NO_TOUCH_BASE] == "Rather not touch base again?"
    assert all(len(label.split()) >= 2 for label in labels.values())


def test_a_crm_deals_form_comes_by_the_same_door_filled_with_what_the_crm_knew():
    view = autopsy_form.new_autopsy_form(
        "Initech",
        NOW.date(),
        30,
        prefill={"deal_name": "Initech", "deal_value_cents": 1250000},
        lost_deal_id=7,
    )
    body = view.to_dict()
    assert body["private_metadata"] == f"{autopsy_form.LOST_DEAL_METADATA}7"
    inputs = {block["block_id"]: block["element"] for block in body["blocks"] if block["type"] == "input"}
    assert (inputs[ids.DEAL]["initial_value"], inputs[ids.DEAL_VALUE]["initial_value"]) == (
        "Initech",
        "12500",
    )


def competitor_field(view) -> dict:
    return next(b for b in view.to_dict()["blocks"] if b.get("block_id") == ids.COMPETITOR)["element"]


def test_the_competitor_field_loads_the_team_s_names_as_the_rep_types_and_an_edit_shows_the_one_chosen():
    blank = competitor_field(autopsy_form.autopsy_modal("Acme Corp", NOW.date()))
    assert blank["type"] == "external_select" and blank["action_id"] == ids.COMPETITOR
    assert blank["min_query_length"] == 1 and "initial_option" not in blank
    entry = worst_autopsy(7)
    edited = competitor_field(autopsy_form.autopsy_modal("", NOW.date(), entry=entry))
    assert edited["initial_option"]["value"] == entry.competitor
    assert len(edited["initial_option"]["text"]["text"]) <= 75  # Slack's limit on an option's text
    from_crm = competitor_field(autopsy_form.autopsy_modal("", NOW.date(), prefill={"competitor": "Initech"}))
    assert (from_crm["initial_option"]["text"]["text"], from_crm["initial_option"]["value"]) == (
        "Initech",
    ) * 2
    filled = fill_form(autopsy_form.autopsy_modal("", NOW.date(), entry=entry).to_dict(), {})
    assert autopsy.read_submission(filled, NOW)[0].competitor == entry.competitor


def shown(options) -> list[tuple[str, str]]:
    return [(o.to_dict()["text"]["text"], o.to_dict()["value"]) for o in options]


def test_the_competitor_choices_offer_what_was_typed_first_unless_the_team_already_has_that_name():
    known = [
        NamedCompetitor("initech", "Initech", 4),
        NamedCompetitor("big initiative", "Big Initiative Ltd", 1),
    ]
    assert shown(autopsy_form.competitor_options("ini", known)) == [
        ("Use “ini”", "ini"),
        ("Initech", "Initech"),
        ("Big Initiative Ltd", "Big Initiative Ltd"),
    ]
    assert shown(autopsy_form.competitor_options("  initech, inc. ", known[:1])) == [("Initech", "Initech")]
    assert shown(autopsy_form.competitor_options("Hooli   Labs", [])) == [("Use “Hooli Labs”", "Hooli Labs")]
    assert shown(autopsy_form.competitor_options("?!", [])) == []  # no name in it


def test_a_long_typed_name_fits_slack_s_option_limits_and_the_form_s():
    [option] = shown(autopsy_form.competitor_options("x" * 500, []))
    assert len(option[0]) <= 75 and option[0].endswith("…”")
    assert option[1] == "x" * autopsy.COMPETITOR_MAX
