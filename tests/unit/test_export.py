"""The export as its readers meet it: the rep's CSV in the words they chose in the form, with their
revisits, the touch-base outcome, the CRM deal it came from and the lost buyer's answers in the
buyer's words, safe in a spreadsheet; and the JSON with the stored codes, for scripts."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot import autopsy, customer_side, export, ids
from bot.blocks import autopsy_form
from storage import ANSWER_FIELDS, Autopsy, BuyerAsk, ExportEntry, FollowUp, Revisit
from storage.models import Action
from tests.support.examples import ANSWERS, NOW

ANSWERED = NOW + timedelta(days=98, hours=3)


def entry(
    touch_base: FollowUp | None = None,
    revisits: tuple[Revisit, ...] = (),
    buyer_ask: BuyerAsk | None = None,
    **changes: Any,
) -> ExportEntry:
    written = {
        **asdict(ANSWERS),
        "id": 7,
        "team_id": "T1",
        "user_id": "U1",
        "view_id": "V1",
        "created_at": NOW,
    }
    return ExportEntry(Autopsy(**{**written, **changes}), touch_base, revisits, buyer_ask)


def form_options(block_id: str) -> dict[str, str]:
    """The choices the form offers for a question, code -> the words the rep saw."""
    view = autopsy_form.autopsy_modal("", NOW.date()).to_dict()
    [block] = [block for block in view["blocks"] if block.get("block_id") == block_id]
    return {option["value"]: option["text"]["text"] for option in block["element"]["options"]}


COLUMNS = {
    ids.OUTCOME: "What happened?",
    ids.WINNER: "Who got the sale?",
    ids.MAIN_REASON: "The main reason",
    **{check: question for check, question in autopsy.SELF_CHECKS.items()},
    ids.SHARING: "Shared",
}
CHOICES = [(block_id, code, words) for block_id in COLUMNS for code, words in form_options(block_id).items()]


@pytest.mark.parametrize(("block_id", "code", "words"), CHOICES)
def test_the_csv_says_each_answer_in_the_form_s_words_and_the_json_keeps_its_code(block_id, code, words):
    chosen = entry(**{block_id: code})
    assert export.readable(chosen)[COLUMNS[block_id]] == words
    assert export.record(chosen)[block_id] == code


def test_a_row_reads_as_the_rep_wrote_it():
    row = export.readable(entry(main_reason="price", crm=None))
    assert tuple(row) == export.CSV_COLUMNS
    assert row["Written (UTC)"] == "2026-11-23 12:00"
    assert row["Deal or prospect"] == "Acme Corp" and row["Deal value"] == "19999.99"
    assert (
        row["What happened?"] == "Customer cancelled" and row["Who got the sale?"] == "They built it in-house"
    )
    assert row["The main reason"] == "Price"
    assert row["Did I really listen to the prospect's needs?"] == "Partly"
    assert row["Shared"] == "In the team digest, anonymously"
    assert row["The lesson"] == ANSWERS.lesson and row["Touch base on"] == "2027-03-01"
    assert row["Revisits (UTC)"] == "" and row["Touch-base outcome"] is None and row["From the CRM"] is None


def test_revisits_share_the_autopsy_s_row_oldest_first_each_after_its_date():
    seen = (
        Revisit(text="They went quiet.", created_at=NOW + timedelta(days=7)),
        Revisit(
            text="Their CFO left, so: budget.\nWorth a call in March.", created_at=NOW + timedelta(days=40)
        ),
    )
    assert export.readable(entry(revisits=seen))["Revisits (UTC)"] == (
        "2026-11-30 12:00: They went quiet.\n\n"
        "2027-01-02 12:00: Their CFO left, so: budget.\nWorth a call in March."
    )
    assert export.record(entry(revisits=seen))["revisits"] == [
        {"created_at": "2026-11-30T12:00:00+00:00", "text": "They went quiet."},
        {
            "created_at": "2027-01-02T12:00:00+00:00",
            "text": "Their CFO left, so: budget.\nWorth a call in March.",
        },
    ]


@pytest.mark.parametrize(
    ("state", "closed_at", "words", "answered"),
    [
        ("done", ANSWERED, "I reached out", "2027-03-01 15:00"),
        ("won_back", ANSWERED, "Won them back", "2027-03-01 15:00"),
        ("let_go", ANSWERED, "Let it go", "2027-03-01 15:00"),
        ("snoozed", None, "Snoozed", None),
        ("pending", None, "Not yet: waiting for the day", None),
        ("sent", None, "Reminded, no answer yet", None),
        ("cancelled", ANSWERED, "No reminder: the date was removed", None),
        ("failed", ANSWERED, "The reminder could not be delivered", None),
    ],
)
def test_the_touch_base_outcome_says_what_the_rep_answered_and_when(state, closed_at, words, answered):
    touch = FollowUp(kind="touch_base", state=state, closed_at=closed_at)
    row, record = export.readable(entry(touch)), export.record(entry(touch))
    assert (row["Touch-base outcome"], row["Touch-base answered (UTC)"]) == (words, answered)
    assert record["touch_base_outcome"] == state
    assert record["touch_base_answered_at"] == (answered and ANSWERED.isoformat())


def test_the_touch_base_buttons_are_the_words_the_export_uses():
    from bot.blocks.follow_up_dms import touch_base_buttons

    buttons = touch_base_buttons(FollowUp(id=3, kind="touch_base", state="sent"))
    shown = {button.action_id: button.text.text for button in buttons}
    assert shown[ids.REACHED_OUT] == export.TOUCH_BASE_OUTCOMES["done"]
    assert shown[ids.WON_BACK] == export.TOUCH_BASE_OUTCOMES["won_back"]
    assert shown[ids.LET_GO] == export.TOUCH_BASE_OUTCOMES["let_go"]


@pytest.mark.parametrize(
    ("crm", "named"), [("hubspot", "HubSpot"), ("salesforce", "Salesforce"), ("workflow", "A workflow")]
)
def test_an_autopsy_the_crm_prompted_says_which_deal_it_came_from(crm, named):
    link = "https://app.hubspot.com/contacts/1234/record/0-3/987654"
    came = entry(crm=crm, crm_deal_id="987654", crm_deal_url=link)
    row = export.readable(came)
    assert (row["From the CRM"], row["CRM deal ID"], row["CRM deal link"]) == (named, "987654", link)
    assert {key: export.record(came)[key] for key in ("crm", "crm_deal_id", "crm_deal_url")} == {
        "crm": crm,
        "crm_deal_id": "987654",
        "crm_deal_url": link,
    }


HOSTILE = {
    "deal_name": '=HYPERLINK("https://evil.example","Click me")',
    "competitor": "-Globex, Inc.",
    "winner_reason": '+1 for "them", sadly',
    "customer_said": "@SUM(A1:A9)\r\nand a second line",
    "feelings": "\tTabbed in, then: commas, \"quotes\", 'apostrophes'\nand a newline",
    "lesson": 'Plain words, with, commas and "quotes"\nand a line break',
}


def test_user_text_comes_back_intact_from_the_csv_and_no_cell_runs_as_a_formula():
    seen = (Revisit(text='=cmd|" /C calc"!A0, later', created_at=NOW + timedelta(days=7)),)
    text = export.csv_text([entry(revisits=seen, **HOSTILE), entry(id=8, deal_name="Second, Co")])
    [header, *_] = csv.reader(io.StringIO(text))
    assert tuple(header) == export.CSV_COLUMNS
    first, second = csv.DictReader(io.StringIO(text, newline=""))
    columns = {
        "deal_name": "Deal or prospect",
        "competitor": "Competitor",
        "winner_reason": "Why did they win?",
        "customer_said": "What the customer said",
        "feelings": "What happened, and how you felt",
        "lesson": "The lesson",
    }
    for field, column in columns.items():
        typed = HOSTILE[field]
        starts_a_formula = typed.startswith(export.FORMULA_STARTS)
        assert first[column] == ("'" + typed if starts_a_formula else typed), field
    assert first["Revisits (UTC)"] == '2026-11-30 12:00: =cmd|" /C calc"!A0, later'
    assert second["Deal or prospect"] == "Second, Co"
    for row in (first, second):
        assert not any(cell.startswith(export.FORMULA_STARTS) for cell in row.values())


def test_the_json_holds_every_field_as_typed_for_scripts():
    out = io.StringIO()
    export.write_json([entry(**HOSTILE), entry(id=8, created_at=datetime(2026, 12, 1, tzinfo=UTC))], out)
    first, second = json.loads(out.getvalue())
    assert tuple(first) == export.EXPORT_FIELDS
    assert {field: first[field] for field in HOSTILE} == HOSTILE
    assert first["outcome"] == "customer_cancelled" and first["check_listened"] == "partly"
    assert second["created_at"] == "2026-12-01T00:00:00+00:00" and second["deal_value"] == "19999.99"
    empty = io.StringIO()
    export.write_json([], empty)
    assert json.loads(empty.getvalue()) == []


ASKED = NOW + timedelta(days=1)
ANSWERED_BY_BUYER = ASKED + timedelta(days=2, hours=3)


def asked(**changes: Any) -> BuyerAsk:
    """The link the rep sent the lost buyer, opened and answered, with every answer given."""
    fields = dict(
        id=5,
        team_id="T1",
        autopsy_id=7,
        token_seed="SEED-NEVER-EXPORTED",
        token_hash="HASH-NEVER-EXPORTED",
        created_at=ASKED,
        expires_at=ASKED + timedelta(days=30),
        opened_at=ANSWERED_BY_BUYER - timedelta(minutes=4),
        withdrawn_at=None,
        answered_at=ANSWERED_BY_BUYER,
        main_reason="other",
        other_reason="Your CEO's tweet",
        changed_mind="A pilot at half the price.\nAnd a call back.",
        working_with="Kind, but slow",
        working_score=4,
        may_contact="later",
    )
    return BuyerAsk(**{**fields, **changes})


def test_the_buyer_s_answers_read_in_the_words_the_buyer_chose_and_the_json_keeps_the_codes():
    answered = entry(buyer_ask=asked())
    row = export.readable(answered, as_of=ANSWERED_BY_BUYER)
    assert {column: row[column] for column in export.CUSTOMER_COLUMNS} == {
        "Asked the customer (UTC)": "2026-11-24 12:00",
        "The customer's link": "Answered",
        "Link expires (UTC)": "2026-12-24 12:00",
        "Customer opened it (UTC)": "2026-11-26 14:56",
        "Link withdrawn (UTC)": None,
        "Customer answered (UTC)": "2026-11-26 15:00",
        "Customer: the main reason they chose otherwise": customer_side.REASONS["other"],
        "Customer: their other reason": "Your CEO's tweet",
        "Customer: what would have changed their mind": "A pilot at half the price.\nAnd a call back.",
        "Customer: what working with us was like": "Kind, but slow",
        "Customer: working with us, 1 to 5": "4: Good",
        "Customer: may we get in touch again?": "Maybe later, not now",
    }
    record = export.record(answered, as_of=ANSWERED_BY_BUYER)
    assert {field: record[field] for field in export.EXPORT_FIELDS if field.startswith("buyer_")} == {
        "buyer_asked_at": "2026-11-24T12:00:00+00:00",
        "buyer_link_state": "answered",
        "buyer_link_expires_at": "2026-12-24T12:00:00+00:00",
        "buyer_opened_at": "2026-11-26T14:56:00+00:00",
        "buyer_withdrawn_at": None,
        "buyer_answered_at": "2026-11-26T15:00:00+00:00",
        "buyer_main_reason": "other",
        "buyer_other_reason": "Your CEO's tweet",
        "buyer_changed_mind": "A pilot at half the price.\nAnd a call back.",
        "buyer_working_with": "Kind, but slow",
        "buyer_working_score": 4,
        "buyer_may_contact": "later",
    }
    # The link's token (its seed, its hash) never leaves: with the server's secret it opens the page.
    assert "NEVER-EXPORTED" not in json.dumps(record) + export.csv_text([answered])


@pytest.mark.parametrize("code", list(customer_side.REASONS))
def test_each_reason_the_buyer_could_choose_is_exported_in_the_page_s_words(code):
    row = export.readable(entry(buyer_ask=asked(main_reason=code)), as_of=ANSWERED_BY_BUYER)
    assert row["Customer: the main reason they chose otherwise"] == customer_side.REASONS[code]


@pytest.mark.parametrize(
    ("changes", "as_of", "state"),
    [
        (dict(opened_at=None, answered_at=None), ASKED, "not opened yet"),
        (dict(answered_at=None), ANSWERED_BY_BUYER, "opened"),
        (dict(answered_at=None, withdrawn_at=ASKED + timedelta(days=3)), ANSWERED_BY_BUYER, "withdrawn"),
        (dict(opened_at=None, answered_at=None), ASKED + timedelta(days=30), "expired"),
    ],
)
def test_an_unanswered_link_says_where_it_stood_when_exported(changes, as_of, state):
    unanswered = entry(buyer_ask=asked(**{**changes, **dict.fromkeys(ANSWER_FIELDS)}))
    row = export.readable(unanswered, as_of=as_of)
    assert row["The customer's link"] == state[:1].upper() + state[1:]
    assert row["Customer: the main reason they chose otherwise"] is None
    assert export.record(unanswered, as_of=as_of)["buyer_link_state"] == state


def test_an_autopsy_whose_rep_never_asked_has_empty_customer_cells_and_null_keys():
    row, record = export.readable(entry()), export.record(entry())
    assert all(row[column] is None for column in export.CUSTOMER_COLUMNS)
    assert all(record[field] is None for field in export.EXPORT_FIELDS if field.startswith("buyer_"))


def test_a_buyer_s_words_come_back_intact_from_the_csv_and_never_run_as_a_formula():
    hostile = asked(
        other_reason='=HYPERLINK("https://evil.example","Click")',
        changed_mind="+1 for them\r\nand <script>alert(1)</script>",
        working_with="@SUM(A1:A9) مرحبا 👋",
    )
    [row] = csv.DictReader(io.StringIO(export.csv_text([entry(buyer_ask=hostile)]), newline=""))
    assert row["Customer: their other reason"] == "'" + hostile.other_reason
    assert row["Customer: what would have changed their mind"] == "'" + hostile.changed_mind
    assert row["Customer: what working with us was like"] == "'" + hostile.working_with
    assert not any(cell.startswith(export.FORMULA_STARTS) for cell in row.values())


def test_each_action_made_of_the_lesson_goes_with_its_autopsy_and_a_person_s_others_in_their_own_file():
    made = Action(
        id=3,
        autopsy_id=7,
        made_by="U1",
        owner_id="U0MATE",
        what="=Ask about build-vs-buy",
        due_on=date(2026, 12, 7),
        state="dropped",
        outcome="No budget, this quarter",
        created_at=NOW,
        closed_at=ANSWERED,
    )
    row = entry()
    with_action = ExportEntry(row.autopsy, None, (), None, (made,))
    assert export.record(with_action)["actions"] == [
        {
            "id": 3,
            "made_by": "U1",
            "owner_id": "U0MATE",
            "what": "=Ask about build-vs-buy",
            "due_on": "2026-12-07",
            "state": "dropped",
            "outcome": "No budget, this quarter",
            "created_at": NOW.isoformat(),
            "closed_at": ANSWERED.isoformat(),
        }
    ]
    assert export.record(row)["actions"] == []
    [cells] = list(csv.DictReader(io.StringIO(export.csv_text([with_action]))))
    assert cells["Actions"] == (
        "'=Ask about build-vs-buy · owner U0MATE, made by U1 on 2026-11-23 12:00 · due 2026-12-07 · "
        "Not doing (No budget, this quarter)"
    )
    [header, line] = list(csv.reader(io.StringIO(export.actions_csv([made]))))
    assert tuple(header) == export.ACTIONS_COLUMNS
    assert line == [
        "'=Ask about build-vs-buy",
        "U0MATE",
        "U1",
        "2026-11-23 12:00",
        "2026-12-07",
        "Not doing",
        "No budget, this quarter",
        "2027-03-01 15:00",
        "7",
    ]
