"""The admin's competitor names: the button, the merge modal within Slack's limits, and what a
submission of it reads."""

from __future__ import annotations

from bot import ids
from bot.blocks import competitor_names
from storage.competitors import NamedCompetitor
from tests.support.slack_requests import fill_form

NAMES = [NamedCompetitor("initech", "Initech", 4), NamedCompetitor("inytech", "Inytech", 1)]


def texts(view) -> str:
    return " ".join(b["text"]["text"] for b in view.to_dict()["blocks"] if b["type"] == "section")


def test_the_modal_offers_every_name_twice_with_its_uses():
    view = competitor_names.merge_modal(NAMES)
    view.validate_json()
    body = view.to_dict()
    selects = {b["block_id"]: b["element"] for b in body["blocks"] if b["type"] == "input"}
    for block_id in (ids.MERGE_FROM, ids.MERGE_INTO):
        assert [(o["text"]["text"], o["value"]) for o in selects[block_id]["options"]] == [
            ("Initech (4 uses)", "initech"),
            ("Inytech (1 use)", "inytech"),
        ]
    assert body["callback_id"] == ids.COMPETITOR_NAMES_VIEW and body["submit"]["text"] == "Merge"


def test_a_merge_is_said_when_the_modal_comes_back_and_one_name_leaves_nothing_to_merge():
    again = competitor_names.merge_modal(NAMES, merged=("Initek <b>", "Initech"))
    assert texts(again).startswith("Merged *Initek &lt;b&gt;* into *Initech*.")
    lonely = competitor_names.merge_modal(NAMES[:1], merged=("Inytech", "Initech")).to_dict()
    assert "submit" not in lonely and "callback_id" not in lonely
    assert competitor_names.FEW in texts(competitor_names.merge_modal(NAMES[:1]))


def test_past_slack_s_hundred_options_the_most_used_are_listed_and_it_says_so():
    many = [NamedCompetitor(f"name {n}", f"Name {n}" + "x" * 80, 500 - n) for n in range(150)]
    view = competitor_names.merge_modal(many)
    view.validate_json()
    [first, _] = [b["element"] for b in view.to_dict()["blocks"] if b["type"] == "input"]
    assert len(first["options"]) == 100 and first["options"][0]["value"] == "name 0"
    assert "The 100 names used most are listed." in str(view.to_dict()["blocks"][-1])


def test_a_submission_reads_the_two_keys_and_refuses_the_same_name_twice_or_none():
    form = competitor_names.merge_modal(NAMES).to_dict()
    read = competitor_names.read_merge
    assert read(fill_form(form, {ids.MERGE_FROM: "inytech", ids.MERGE_INTO: "initech"})) == (
        ("inytech", "initech"),
        {},
    )
    assert read(fill_form(form, {ids.MERGE_FROM: "initech", ids.MERGE_INTO: "initech"})) == (
        None,
        {ids.MERGE_INTO: competitor_names.SAME},
    )
    assert read(fill_form(form, {ids.MERGE_FROM: "initech"}))[1] == {ids.MERGE_INTO: "Please choose a name."}
    assert read({"forged": 1})[1] == {ids.MERGE_FROM: "Please choose a name."}
