"""The customer's side, pure: the buyer's answers checked, the link's token derived and never
guessable from what the database keeps, the form's token, and the words a rep reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bot import customer_side as side

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def test_every_answer_is_optional_but_one_is_needed_and_the_rest_is_kept_as_typed():
    assert side.read_answers({}) == (
        None,
        {side.NOTHING_ANSWERED: "Please answer at least one question: any one is a great help."},
    )
    assert "at least one" in side.read_answers({"changed_mind": "   "})[1][side.NOTHING_ANSWERED]
    answers, errors = side.read_answers(
        {
            "main_reason": "price",
            "changed_mind": "  A smaller first phase.\r\nAnd a pilot.  ",
            "working_with": "  Friendly,   quick  ",
            "working_score": "4",
            "may_contact": "later",
        }
    )
    assert errors == {}
    assert answers == side.BuyerAnswers(
        main_reason="price",
        changed_mind="A smaller first phase.\nAnd a pilot.",
        working_with="Friendly, quick",
        working_score=4,
        may_contact="later",
    )


def test_words_beside_something_else_say_the_reason_and_are_dropped_beside_another_choice():
    answers, _ = side.read_answers({"other_reason": "Our parent company chose for us"})
    assert (answers.main_reason, answers.other_reason) == ("other", "Our parent company chose for us")
    answers, _ = side.read_answers({"main_reason": "timing", "other_reason": "leftover words"})
    assert (answers.main_reason, answers.other_reason) == ("timing", None)


def test_forged_or_oversized_answers_are_refused_by_field_with_what_to_do():
    _, errors = side.read_answers(
        {"main_reason": "bribery", "working_score": "11", "may_contact": "maybe", "changed_mind": "x" * 1001}
    )
    assert set(errors) == {"main_reason", "working_score", "may_contact", "changed_mind"}
    assert errors["changed_mind"] == "Please keep this under 1000 characters (it has 1001)."
    assert "1 to 5" in errors["working_score"]


def test_the_link_is_derived_again_from_its_seed_by_the_server_only():
    keys, other_server = side.LinkKeys("signing-secret"), side.LinkKeys("another-secret")
    seed = keys.new_seed()
    token = keys.token_for(seed)
    assert keys.token_for(seed) == token  # shown again to its rep: the same link
    assert other_server.token_for(seed) != token  # the seed alone (a leaked database) opens nothing
    assert len(seed) == 32 and int(seed, 16) >= 0  # 128 random bits, kept to show the link again
    assert len(token) >= 43 and "=" not in token  # 256 bits keyed by the server's secret, URL-safe
    assert keys.hash_of(token) != token and len(keys.hash_of(token)) == 64
    assert len({keys.token_for(keys.new_seed()) for _ in range(200)}) == 200
    assert side.link_of("https://rebound.example.com", token) == f"https://rebound.example.com/ask/{token}"


def test_a_form_token_is_good_for_its_own_link_only_and_goes_stale_not_forged():
    keys = side.LinkKeys("signing-secret")
    mine, theirs = keys.hash_of("link-a"), keys.hash_of("link-b")
    drawn = keys.form_token(mine, NOW)
    assert keys.form_check(mine, drawn, NOW + timedelta(minutes=5)) == "ok"
    assert keys.form_check(theirs, drawn, NOW) == "forged"
    assert keys.form_check(mine, "", NOW) == "forged"
    assert keys.form_check(mine, drawn.replace(".", ".0"), NOW) == "forged"
    assert keys.form_check(mine, side.LinkKeys("other").form_token(mine, NOW), NOW) == "forged"
    assert keys.form_check(mine, keys.form_token(mine, NOW + timedelta(hours=1)), NOW) == "forged"
    assert keys.form_check(mine, drawn, NOW + side.FORM_LIFE + timedelta(seconds=1)) == "stale"


def test_callers_are_counted_by_a_keyed_hash_never_by_their_address():
    keys = side.LinkKeys("signing-secret")
    counted = keys.caller("address", "203.0.113.9")
    assert "203.0.113.9" not in counted and len(counted) == 64
    assert counted == keys.caller("address", "203.0.113.9") != keys.caller("link", "203.0.113.9")


def ask(**moments):
    defaults = {
        "answered_at": None,
        "withdrawn_at": None,
        "opened_at": None,
        "expires_at": NOW + timedelta(days=30),
    }
    return SimpleNamespace(**{**defaults, **moments})


def test_a_link_stands_where_its_moments_say_for_the_rep_and_for_the_buyer():
    assert side.link_state(ask(), NOW) == "not opened yet"
    assert side.link_state(ask(opened_at=NOW), NOW) == "opened"
    assert side.link_state(ask(expires_at=NOW), NOW) == "expired"
    assert side.link_state(ask(withdrawn_at=NOW), NOW) == "withdrawn"
    assert side.link_state(ask(answered_at=NOW, expires_at=NOW), NOW) == "answered"
    assert side.page_state(ask(), NOW) == "open"
    assert side.page_state(ask(answered_at=NOW), NOW + timedelta(minutes=59)) == "correcting"
    assert side.page_state(ask(answered_at=NOW), NOW + timedelta(hours=1)) == "closed"
    assert side.page_state(ask(withdrawn_at=NOW), NOW) == "closed"
    assert side.page_state(ask(expires_at=NOW), NOW) == "closed"


def test_the_note_is_kind_honest_and_names_the_contact_when_the_crm_did():
    note = side.note_for_buyer(company="Globex", contact="Dana")
    assert note.startswith("Hi Dana,")
    assert "Thank you for considering Globex" in note
    assert "about a minute" in note and "isn't a sales follow-up" in note
    assert "read by the person who sent you this and by the Globex team" in note
    assert side.note_for_buyer(company="Globex", contact=None).startswith("Hello,")


def test_without_a_company_name_the_note_says_us():
    note = side.note_for_buyer(company=None, contact=None)
    assert "Thank you for considering us." in note and "by our team, to learn from" in note
    assert "None" not in note


def test_different_main_reasons_get_one_gentle_line_and_the_same_get_none():
    assert side.disagreement("timing", "price", None) == (
        "You thought it was timing; they said price. Worth a look when you revisit your notes."
    )
    assert side.disagreement("price", "other", "Their parent company chose") == (
        "You thought it was price; they said “Their parent company chose”. "
        "Worth a look when you revisit your notes."
    )
    assert side.disagreement("price", "price", None) is None
    assert side.disagreement(None, "price", None) is None
    assert side.disagreement("price", None, None) is None
