"""The pieces forms are made of: choices in the order given, inputs with their limits, mrkdwn lines."""

from __future__ import annotations

from bot.blocks import elements

CHOICES = {"zeta": "Last letter", "alpha": "First letter", "mu": "Middle letter"}


def test_options_keep_the_order_and_labels_they_were_given():
    shown = [option.to_dict() for option in elements.options(CHOICES)]
    assert [(o["value"], o["text"]["text"]) for o in shown] == [
        ("zeta", "Last letter"),
        ("alpha", "First letter"),
        ("mu", "Middle letter"),
    ]


def test_pick_finds_the_option_with_that_value_or_none():
    choices = elements.options(CHOICES)
    picked = elements.pick(choices, "alpha")
    assert picked is not None and picked.to_dict()["text"]["text"] == "First letter"
    assert elements.pick(choices, "omega") is None
    assert elements.pick(choices, None) is None


def test_a_text_input_carries_its_limit_and_whether_it_may_be_left_empty():
    required = elements.text_input("lesson", "The lesson", 300, initial="Listen more").to_dict()
    assert (required["block_id"], required["label"]["text"]) == ("lesson", "The lesson")
    assert required.get("optional", False) is False
    assert required["element"]["action_id"] == "lesson"
    assert required["element"]["max_length"] == 300
    assert required["element"]["initial_value"] == "Listen more"
    optional = elements.text_input("why", "Why?", 500, optional=True, multiline=True, initial="").to_dict()
    assert optional["optional"] is True and optional["element"]["multiline"] is True
    assert optional["element"]["max_length"] == 500
    assert "initial_value" not in optional["element"]  # an empty answer is no answer


def test_a_select_starts_on_the_given_choice_and_on_none_for_an_unknown_one():
    chosen = elements.select("day", "On", CHOICES, "Choose one", initial="mu").to_dict()
    assert chosen["element"]["initial_option"]["value"] == "mu"
    assert chosen["element"]["placeholder"]["text"] == "Choose one"
    unknown = elements.select("day", "On", CHOICES, "Choose one", initial="omega").to_dict()
    assert "initial_option" not in unknown["element"]


def test_a_section_and_a_note_are_mrkdwn():
    assert elements.section("*Follow-ups*").to_dict() == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Follow-ups*"},
    }
    assert elements.note("_small print_").to_dict() == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "_small print_"}],
    }
