"""Asking the lost buyer, as the rep reads it in Slack: the button, the private answer with the
link and the note, where the link stands, and the buyer's answers beside what the rep wrote."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import ids
from bot.asking import LinkShown
from bot.blocks import buyer_link
from storage import Autopsy, BuyerAsk
from tests.support.examples import NOW, buyer_ask
from tests.support.message_reading import MARKUP, readable, shown

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: NOW (12:00 UTC) is the next day there
LINK = "https://rebound.example.com/ask/Ab_-cd_Ef-_gh"
HOSTILE = "<!channel> *cheap* & <https://evil|bank> _now_"


def entry(**changes: Any) -> Autopsy:
    fields: dict[str, Any] = dict(
        id=3,
        team_id="T1",
        user_id="U0REP",
        view_id="V3",
        created_at=NOW,
        deal_name="Acme & <Sons>",
        outcome="new_deal_lost",
        deal_value_cents=None,
        winner="competitor",
        competitor="Globex",
        winner_reason=None,
        main_reason="timing",
        customer_said="Not this quarter.",
        check_listened="yes",
        check_timing="partly",
        check_market="no",
        check_aggressive="no",
        feelings="Flat.",
        lesson="Ask about budget cycles.",
        touch_base_on=None,
        help_from=None,
        sharing="named",
        buyer_contact=None,
    )
    return Autopsy(**{**fields, **changes})


def ask(**changes: Any) -> BuyerAsk:
    return buyer_ask(NOW, **changes)


def answered(**changes: Any) -> BuyerAsk:
    return ask(
        **{
            "opened_at": NOW + timedelta(days=1),
            "answered_at": NOW + timedelta(days=1),
            "main_reason": "price",
            "changed_mind": "A smaller first order.",
            "working_with": "Quick to answer",
            "working_score": 4,
            "may_contact": "later",
            **changes,
        }
    )


def modal_text(view: View) -> str:
    view.validate_json()
    body = view.to_dict()
    assert len(body["blocks"]) <= 100 and len(body["title"]["text"]) <= 24
    return "\n".join(readable(body["blocks"]))


def elements(view: View, action_id: str) -> list[dict[str, Any]]:
    return [
        element
        for block in view.to_dict()["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    ]


def test_the_button_names_the_deal_as_plain_text_cut_to_slacks_75_characters():
    button = buyer_link.ask_button("Acme   Corp", 42).to_dict()
    assert (button["text"]["type"], button["text"]["text"], button["action_id"], button["value"]) == (
        "plain_text",
        "Ask Acme Corp for their side",
        ids.ASK_BUYER,
        "42",
    )
    long = buyer_link.ask_button("Initech " * 20, 7).to_dict()["text"]["text"]
    assert len(long) == 75 and long.startswith("Ask Initech") and long.endswith("… for their side")


def test_a_new_link_comes_with_the_note_where_it_stands_and_a_way_to_withdraw_it():
    written = entry(buyer_contact="Jo <Buyer>")
    shown_link = LinkShown(ask(), LINK, "not opened yet", "new")
    view = buyer_link.link_modal(written, shown_link, company="Initech & Co", zone=KIRITIMATI)
    text = modal_text(view)
    assert view.to_dict()["callback_id"] == ids.BUYER_LINK_VIEW and "submit" not in view.to_dict()
    assert "your contact at *Acme &amp; &lt;Sons&gt;*" in text and "Rebound sends no email" in text
    assert f"```{LINK}```" in text  # as it is, to copy: no look-alike in place of its underscores
    assert "A new link, not opened yet. It stays open until Thursday 24 December 2026." in text
    assert ">Hi Jo &lt;Buyer&gt;,\n>\n>Thank you for considering Initech &amp; Co." in text
    assert "by the Initech &amp; Co team, to learn from" in text
    assert buyer_link.UNNAMED_COMPANY not in text
    [withdraw] = elements(view, ids.WITHDRAW_BUYER_LINK)
    assert (withdraw["text"]["text"], withdraw["value"], withdraw["style"]) == (
        "Withdraw link",
        "3",
        "danger",
    )
    assert withdraw["confirm"]["confirm"]["text"] == "Withdraw it"
    assert (
        "The link to *Acme &amp; &lt;Sons&gt;* stops working at once" in withdraw["confirm"]["text"]["text"]
    )


def test_without_the_company_name_the_note_says_us_and_the_rep_learns_why():
    view = buyer_link.link_modal(
        entry(), LinkShown(ask(), LINK, "not opened yet", "new"), company=None, zone=UTC
    )
    text = modal_text(view)
    assert ">Hello,\n" in text and "Thank you for considering us." in text
    assert buyer_link.UNNAMED_COMPANY.replace('"', "") in text.replace('"', "")


@pytest.mark.parametrize(
    ("link", "says"),
    [
        (
            LinkShown(ask(), LINK, "not opened yet", "same"),
            "The same link you got on Monday 23 November 2026: not opened yet. "
            "It stays open until Wednesday 23 December 2026.",
        ),
        (
            LinkShown(ask(opened_at=NOW + timedelta(days=2)), LINK, "opened", "same"),
            "The same link you got on Monday 23 November 2026: opened on Wednesday 25 November 2026, "
            "not answered yet.",
        ),
        (
            LinkShown(ask(), LINK, "not opened yet", "renewed", "withdrawn"),
            "A new link: the old one was withdrawn, and stays closed. It stays open until",
        ),
        (
            LinkShown(ask(), LINK, "not opened yet", "renewed", "expired"),
            "A new link: the old one had expired, and stays closed.",
        ),
        (
            LinkShown(ask(), LINK, "not opened yet", "renewed", "changed"),
            "A new link: the old one no longer opens. It stays open until",
        ),
    ],
    ids=["same, not opened", "same, opened", "after a withdrawal", "after expiry", "after a new secret"],
)
def test_asking_again_says_where_the_link_stands(link, says):
    assert says in modal_text(buyer_link.link_modal(entry(), link, company="Initech", zone=UTC))


def test_an_answered_link_shows_their_side_instead_of_a_link():
    link = LinkShown(answered(), LINK, "answered", "same")
    view = buyer_link.link_modal(entry(), link, company="Initech", zone=UTC)
    text = modal_text(view)
    assert "*Acme &amp; &lt;Sons&gt;* answered on Tuesday 24 November 2026." in text
    assert "Main reason: The price (you wrote: Timing or budget)" in text
    assert LINK not in text and elements(view, ids.WITHDRAW_BUYER_LINK) == []


def test_a_withdrawn_link_says_so_and_offers_a_new_one_unless_they_answered_first():
    gone = buyer_link.withdrawn_modal(entry(), ask(withdrawn_at=NOW + timedelta(hours=1)), zone=UTC)
    text = modal_text(gone)
    assert "*You withdrew the link to Acme &amp; &lt;Sons&gt;* on Monday 23 November 2026." in text
    [again] = elements(gone, ids.ASK_BUYER)
    assert (again["text"]["text"], again["value"]) == ("Make a new link", "3")
    late = buyer_link.withdrawn_modal(entry(), answered(), zone=UTC)
    assert "before the link was withdrawn, so there is nothing to withdraw" in modal_text(late)
    assert elements(late, ids.ASK_BUYER) == []


def test_their_side_is_escaped_and_sets_their_reason_beside_the_reps():
    side = buyer_link.their_side(
        entry(main_reason=None),
        answered(main_reason="other", other_reason=HOSTILE, changed_mind=HOSTILE, working_with=HOSTILE),
        KIRITIMATI,
    )
    for markup in MARKUP:
        assert markup not in side
    assert side.startswith("*Their side*, answered 25 Nov 2026:")
    assert "• Main reason: Something else: “&lt;!channel&gt; \u2217cheap\u2217 &amp;" in side
    assert "(you wrote: _none given_)" in side
    assert "• What would have changed their mind:\n>&lt;!channel&gt;" in side
    assert "• Working with the team: 4: Good · “&lt;!channel&gt;" in side
    assert "• May you get in touch again? Maybe later, not now" in side


def test_their_side_leaves_out_what_they_did_not_answer():
    side = buyer_link.their_side(entry(), ask(answered_at=NOW, working_score=2), UTC)
    assert side == "*Their side*, answered 23 Nov 2026:\n• Working with the team: 2: Not easy"


@pytest.mark.parametrize(
    ("stands", "line"),
    [
        (ask(), "asked for their side: not opened yet, open until 23 Dec 2026"),
        (
            ask(opened_at=NOW + timedelta(days=3)),
            "asked for their side: opened 26 Nov 2026, open until 23 Dec 2026",
        ),
        (ask(withdrawn_at=NOW + timedelta(days=1)), "link to their side withdrawn 24 Nov 2026"),
        (ask(expires_at=NOW + timedelta(days=1)), "link to their side expired 24 Nov 2026, unanswered"),
    ],
    ids=["not opened", "opened", "withdrawn", "expired"],
)
def test_an_unanswered_link_says_where_it_stands_in_app_home(stands, line):
    assert buyer_link.asked_line(stands, UTC, NOW + timedelta(days=5)) == line


def test_the_answered_dm_sets_both_main_reasons_side_by_side_with_one_gentle_line():
    message = buyer_link.answered_dm(entry(), answered(), ZoneInfo("America/Los_Angeles"))
    text = shown(message)
    assert message.text == "Acme &amp; &lt;Sons&gt; answered"
    assert "*Acme &amp; &lt;Sons&gt; answered.* Thank you for asking." in text
    assert "beside what you wrote on Monday 23 November 2026:" in text
    [fields] = [block.to_dict()["fields"] for block in message.blocks if block.to_dict().get("fields")]
    assert [field["text"] for field in fields] == [
        "*Your main reason*\nTiming or budget",
        "*Their main reason*\nThe price",
    ]
    assert "You thought it was timing; they said price. Worth a look when you revisit your notes." in text
    assert "*What would have changed their mind:*\n>A smaller first order." in text
    assert "*Working with your team:* 4: Good · “Quick to answer”" in text
    assert "*May you get in touch again?* Maybe later, not now" in text
    assert "*What they told you back then:*\n>Not this quarter." in text
    assert "their words may appear in the team digest." in text


def test_the_same_main_reason_gets_no_line_and_hostile_words_stay_words():
    message = buyer_link.answered_dm(
        entry(main_reason="price", sharing="private", customer_said=None),
        answered(changed_mind=HOSTILE, working_with=HOSTILE, working_score=None, may_contact=None),
        UTC,
    )
    text = shown(message)
    assert "You thought" not in text and "told you back then" not in text and "get in touch" not in text
    assert ">&lt;!channel&gt; *cheap* &amp; &lt;https://evil|bank&gt; _now_" in text  # quoted as typed
    assert "“&lt;!channel&gt; \u2217cheap\u2217 &amp; &lt;https://evil|bank&gt; \u02cdnow\u02cd”" in text
    assert "Your autopsy is private, so their words stay with you." in text


def test_a_disagreement_on_something_else_quotes_their_words_escaped():
    message = buyer_link.answered_dm(entry(), answered(main_reason="other", other_reason=HOSTILE), UTC)
    text = shown(message)
    assert "You thought it was timing; they said “&lt;!channel&gt; \u2217cheap\u2217 &amp;" in text


def test_a_dm_whose_answers_are_gone_says_so_without_failing():
    assert shown(buyer_link.answered_dm(entry(), None, UTC)) == (
        "Acme &amp; &lt;Sons&gt; answered, but their answers aren't here any more."
    )


def test_the_offer_under_the_thank_you_is_a_line_and_the_button():
    blocks = [block.to_dict() for block in buyer_link.ask_offer("Acme", 9)]
    for block in blocks:
        Block.parse(block).validate_json()
    assert "personal link to a one-minute page" in json.dumps(blocks)
    assert blocks[1]["elements"][0]["value"] == "9"
