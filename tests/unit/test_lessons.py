"""What `/lost-deal lessons <words>` asks about: a competitor the asker has seen a deal lost to,
else a main reason by its code or label in any case, else the words typed; and small numbers said."""

from __future__ import annotations

import pytest

from bot.lessons import Kind, Subject, reason_named, said, subject_of


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("price", "price"),
        ("PRICE", "price"),
        ("Timing", "timing"),
        ("timing or budget", "timing"),
        ("Product or features", "product_fit"),
        ("product_fit", "product_fit"),
        ("product fit", "product_fit"),
        ("  relationship   or trust ", "relationship"),
        ("pricing", None),
        ("", None),
    ],
)
def test_a_main_reason_is_named_by_its_code_or_label_in_any_case(typed, reason):
    assert reason_named(typed) == reason


def test_a_competitor_the_asker_has_seen_comes_first_then_a_reason_then_words():
    assert subject_of("Initech, Inc", ("initech", "Initech")) == Subject(
        Kind.COMPETITOR, "initech", "Initech"
    )
    assert subject_of("price", None) == Subject(Kind.REASON, "price", "Price")
    assert subject_of("price", ("price", "Price Ltd")).kind is Kind.COMPETITOR
    words = subject_of('security   "review"', None)
    assert (words.kind, words.name, words.terms) == (Kind.WORDS, 'security "review"', ("security", "review"))


def test_what_was_typed_is_said_back_short():
    assert len(subject_of("word " * 2000, None).name) == 80


@pytest.mark.parametrize(("count", "text"), [(0, "none"), (1, "fewer than 3"), (2, "fewer than 3"), (3, "3")])
def test_numbers_under_3_are_never_said(count, text):
    assert said(count) == text
