"""The CRM's prompt and reminder as the deal's owner reads them: kind, factual, two answers, then done."""

from __future__ import annotations

from typing import Any

import pytest

from bot import ids
from bot.blocks import crm_prompts
from bot.blocks.message import Message
from storage import FollowUp, LostDeal
from tests.support.examples import NOW, follow_up
from tests.support.message_reading import shown

DEAL = "<!channel> Acme & <https://evil|bank>"
SHOWN_DEAL = "&lt;!channel&gt; Acme &amp; &lt;https://evil|bank&gt;"
URL = "https://acme.my.salesforce.com/006000000000001AAA"


def lost_deal(**changes: Any) -> LostDeal:
    fields = dict(
        id=5,
        team_id="T1",
        crm="salesforce",
        deal_id="006000000000001AAA",
        changed_at=NOW,
        stage="Closed Lost",
        lost=True,
        deal_name=DEAL,
        amount_cents=4_800_000,
        currency="USD",
        reason="Went with <@U0EVIL> & cheaper",
        owner_email="dana@example.com",
        owner_id="U0REP",
        deal_url=URL,
        state="prompted",
    )
    return LostDeal(**{**fields, **changes})


def crm_follow_up(kind: str = "crm_prompt", state: str = "sending", **changes: Any) -> FollowUp:
    """A prompt about the deal above, to its owner: about a lost deal, not an autopsy."""
    about = {"id": 21, "autopsy_id": None, "lost_deal_id": 5, "recipient_id": "U0REP"}
    return follow_up(kind, state, **{**about, **changes})


def buttons(message: Message) -> list[dict[str, Any]]:
    return [
        element
        for block in (block.to_dict() for block in message.blocks)
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def answers(message: Message) -> list[tuple[str, str, str | None]]:
    """(label, action_id, value) of the buttons that answer the prompt."""
    return [
        (button["text"]["text"], button["action_id"], button.get("value"))
        for button in buttons(message)
        if "url" not in button
    ]


def links(message: Message) -> list[tuple[str, str]]:
    return [(button["text"]["text"], button["url"]) for button in buttons(message) if "url" in button]


def test_the_prompt_is_sorry_about_the_deal_and_blames_no_one():
    """The first thing a rep reads after losing a deal must be kind, or they will ignore it."""
    message = crm_prompts.prompt(crm_follow_up(), lost_deal())
    text = shown(message)
    assert text.startswith(f"*Sorry about {SHOWN_DEAL}.* It was marked Closed Lost in Salesforce.")
    assert "it isn't a verdict on you" in text
    assert "The form is already filled in." in text
    assert message.text == f"Sorry about {SHOWN_DEAL}: an autopsy?"  # the notification, escaped too
    for blame in ("fault", "should have", "failed", "mistake"):
        assert blame not in text.lower()


def test_the_prompt_states_the_amount_and_the_crms_reason_escaped():
    """The facts the rep would otherwise look up, without the CRM's text becoming a ping."""
    text = shown(crm_prompts.prompt(crm_follow_up(), lost_deal()))
    assert "*Amount:* 48,000 USD" in text
    assert "*Reason in Salesforce:* Went with &lt;@U0EVIL&gt; &amp; cheaper" in text


def test_without_amount_or_reason_the_prompt_leaves_those_lines_out():
    """No "Amount: None": a fact the CRM did not give is simply not shown."""
    text = shown(crm_prompts.prompt(crm_follow_up(), lost_deal(amount_cents=None, reason=None)))
    assert "Amount" not in text and "Reason in" not in text and "None" not in text


def test_the_prompt_offers_the_autopsy_and_a_way_out_carrying_the_follow_up():
    """Both answers must name this follow-up, or the click would answer another deal."""
    message = crm_prompts.prompt(crm_follow_up(id=4321), lost_deal())
    assert answers(message) == [
        ("Do the autopsy", ids.CRM_DO_AUTOPSY, "4321"),
        ("Not this one", ids.CRM_NOT_THIS_ONE, "4321"),
    ]
    [actions] = [block for block in message.blocks if block.type == "actions"]
    assert actions.block_id == ids.CRM_PROMPT_ANSWERS
    assert buttons(message)[0]["style"] == "primary"


def test_a_deal_with_a_url_gets_a_button_to_open_it_in_its_crm():
    """The link is a button's URL, never mrkdwn, so the CRM's text cannot spoof it."""
    assert links(crm_prompts.prompt(crm_follow_up(), lost_deal())) == [("Open in Salesforce", URL)]
    hubspot = lost_deal(crm="hubspot", deal_url="https://app.hubspot.com/contacts/1/record/0-3/7")
    assert links(crm_prompts.prompt(crm_follow_up(), hubspot)) == [
        ("Open in HubSpot", "https://app.hubspot.com/contacts/1/record/0-3/7")
    ]


@pytest.mark.parametrize("url", [None, ""])
def test_a_deal_without_a_url_gets_no_link_button(url):
    """A button to nowhere would be worse than none."""
    message = crm_prompts.prompt(crm_follow_up(), lost_deal(deal_url=url))
    assert links(message) == []
    assert [label for label, _, _ in answers(message)] == ["Do the autopsy", "Not this one"]


def test_a_deal_from_a_workflow_is_said_to_be_marked_lost_without_naming_a_crm():
    text = shown(crm_prompts.prompt(crm_follow_up(), lost_deal(crm="workflow", deal_url=None)))
    assert f"*Sorry about {SHOWN_DEAL}.* It was marked lost." in text
    assert "Closed Lost" not in text


def test_a_deal_without_a_name_is_called_by_its_crm_id():
    message = crm_prompts.prompt(crm_follow_up(), lost_deal(deal_name=None, deal_id="7000001"))
    assert "*Sorry about deal 7000001.*" in shown(message)


def test_the_reminder_is_a_gentle_last_nudge_with_the_same_answers():
    """The one reminder must not pressure: it says it is the last, and offers the same way out."""
    message = crm_prompts.reminder(crm_follow_up(kind="crm_reminder", id=22), lost_deal())
    text = shown(message)
    assert f"*A gentle nudge about {SHOWN_DEAL}.*" in text
    assert "If not, that's fine too: this is the last I'll mention it." in text
    assert "Sorry about" not in text
    assert message.text == f"A gentle nudge about {SHOWN_DEAL}"
    assert answers(message) == [
        ("Do the autopsy", ids.CRM_DO_AUTOPSY, "22"),
        ("Not this one", ids.CRM_NOT_THIS_ONE, "22"),
    ]


@pytest.mark.parametrize(
    ("kind", "opening"), [("crm_prompt", "Sorry about"), ("crm_reminder", "A gentle nudge about")]
)
def test_build_draws_the_prompt_or_the_reminder_by_its_kind(kind, opening):
    assert shown(crm_prompts.build(crm_follow_up(kind=kind), lost_deal())).startswith(
        f"*{opening} {SHOWN_DEAL}.*"
    )


@pytest.mark.parametrize("kind", ["crm_prompt", "crm_reminder"])
@pytest.mark.parametrize(
    ("deal_state", "follow_up_state", "closing"),
    [
        ("done", "done", "Thank you: your autopsy is saved."),
        ("declined", "cancelled", "No autopsy for this one, and that's fine. I won't ask about it again."),
        ("skipped", "cancelled", "Nothing to do here any more."),
    ],
)
def test_once_answered_the_dm_is_drawn_again_with_no_buttons(kind, deal_state, follow_up_state, closing):
    """A second click on an answered prompt would open a form for nothing, or decline a done deal."""
    message = crm_prompts.build(crm_follow_up(kind=kind, state=follow_up_state), lost_deal(state=deal_state))
    text = shown(message)
    assert closing in text
    assert buttons(message) == []
    assert "*Amount:* 48,000 USD" in text  # what it was about is still there


@pytest.mark.parametrize(
    ("cents", "currency", "said"),
    [
        (4_800_000, "USD", "48,000 USD"),
        (123_456_789, "EUR", "1,234,567.89 EUR"),
        (150, "GBP", "1.50 GBP"),
        (5, "USD", "0.05 USD"),
        (0, "USD", "0 USD"),
        (99_900, None, "999"),
        (-150, "USD", "-1.50 USD"),  # a credit note: divmod alone would say -2.50
        (-4_800_000, "USD", "-48,000 USD"),
        (None, "USD", None),
    ],
)
def test_money_is_written_with_thousands_separators_and_cents_only_when_there_are_some(cents, currency, said):
    assert crm_prompts.money(cents, currency) == said


def test_unmatched_deals_list_their_owners_emails_escaped_once_each():
    """Admins need the emails to invite; the same owner twice is one email to act on."""
    deals = [
        lost_deal(owner_email="b<&>@example.com"),
        lost_deal(owner_email="a@example.com"),
        lost_deal(owner_email="a@example.com", crm="hubspot"),
    ]
    line = crm_prompts.unmatched_line(deals)
    assert line.startswith(":warning: 3 deals lost in HubSpot and Salesforce this week have no one in Slack:")
    assert "owner emails a@example.com, b&lt;&amp;&gt;@example.com." in line
    assert "<" not in line.replace(":warning:", "")


def test_one_unmatched_deal_is_said_in_the_singular_and_a_missing_email_is_named():
    line = crm_prompts.unmatched_line([lost_deal(owner_email=None)])
    assert line.startswith(":warning: 1 deal lost in Salesforce this week has no one in Slack:")
    assert "owner emails no owner email." in line


def test_more_than_ten_owner_emails_are_cut_with_an_ellipsis():
    """App Home stays readable when a whole team is missing from Slack."""
    deals = [lost_deal(owner_email=f"rep{n:02d}@example.com") for n in range(12)]
    line = crm_prompts.unmatched_line(deals)
    assert "12 deals" in line
    assert "rep09@example.com …" in line and "rep10@example.com" not in line
