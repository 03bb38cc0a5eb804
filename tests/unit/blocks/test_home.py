"""App Home as a rep reads it: within Slack's limits however full, and every piece of user text escaped."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot import ids
from bot.blocks import home
from storage import FollowUp, JournalEntry, Lesson, LostDeal
from tests.examples import NOW, worst_autopsy


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


def drawn(page: home.HomePage) -> dict[str, Any]:
    body = home.home(page).to_dict()
    View(**body).validate_json()
    return body


def buttons_in(body: dict[str, Any], block_id: str) -> list[tuple[str, str, str | None]]:
    """(label, action_id, value) of the buttons in the actions block `block_id`; [] without one."""
    return [
        (element["text"]["text"], element["action_id"], element.get("value"))
        for block in body["blocks"]
        if block.get("block_id") == block_id
        for element in block["elements"]
    ]


def test_a_new_reps_home_says_there_is_nothing_yet_and_offers_two_ways_in():
    body = drawn(home.HomePage(upcoming=[], journal=[], total=0, offset=0, team_lessons=[]))
    shown = str(body)
    assert "No touch-base reminders waiting. Each autopsy can set one." in shown
    assert "Nothing yet. When a deal slips away, `/lost-deal` is here." in shown
    assert "No lessons shared in the last 30 days." in shown
    assert "Your autopsies (0)" in shown
    assert buttons_in(body, ids.HOME_ACTIONS) == [
        ("Log a lost deal", ids.LOG_LOST_DEAL, None),
        ("Export my data", ids.EXPORT_MINE, None),
    ]
    assert buttons_in(body, ids.HOME_PAGING) == []


def page_of(offset: int, total: int) -> home.HomePage:
    shown = min(home.PAGE, total - offset)
    journal = [JournalEntry(worst_autopsy(offset + n), None, 0, None) for n in range(1, shown + 1)]
    return home.HomePage(upcoming=[], journal=journal, total=total, offset=offset, team_lessons=[])


@pytest.mark.parametrize(
    ("offset", "total", "paging", "where"),
    [
        (0, 25, [("Show more", ids.HOME_PAGE, "10")], "1 to 10 of 25"),
        (10, 25, [("Newer", ids.HOME_NEWER, "0"), ("Show more", ids.HOME_PAGE, "20")], "11 to 20 of 25"),
        (20, 25, [("Newer", ids.HOME_NEWER, "10")], "21 to 25 of 25"),
        (0, 10, [], None),
    ],
)
def test_paging_offers_newer_and_show_more_only_where_there_is_more(offset, total, paging, where):
    body = drawn(page_of(offset, total))
    assert buttons_in(body, ids.HOME_PAGING) == paging
    notes = [block["elements"][0]["text"] for block in body["blocks"] if block["type"] == "context"]
    assert [note for note in notes if re.fullmatch(r"\d+ to \d+ of \d+", note)] == ([where] if where else [])


def lost_deal(number: int, email: str | None, crm: str = "hubspot") -> LostDeal:
    return LostDeal(id=number, team_id="T1", crm=crm, deal_id=str(number), changed_at=NOW,
                    owner_email=email, state="unmatched")  # fmt: skip


def test_admins_see_the_weeks_lost_deals_whose_owner_is_no_one_in_slack():
    unmatched = [lost_deal(1, "gone@example.com"), lost_deal(2, "<!channel>@example.com", "salesforce")]
    page = home.HomePage(upcoming=[], journal=[], total=0, offset=0, team_lessons=[], is_admin=True,
                         unmatched=unmatched)  # fmt: skip
    text = str(drawn(page))
    assert "2 deals lost in HubSpot and Salesforce this week have no one in Slack" in text
    assert "gone@example.com" in text and "&lt;!channel&gt;@example.com" in text
    assert "<!channel>" not in text
    rep = drawn(
        home.HomePage(upcoming=[], journal=[], total=0, offset=0, team_lessons=[], unmatched=unmatched)
    )
    assert "no one in Slack" not in str(rep)


@pytest.mark.parametrize(
    ("url", "linked"),
    [("https://acme.my.salesforce.com/lightning/r/Opportunity/006A/view", True),
     ("https://evil.example|Your bank", False), ("javascript:alert(1)", False), (None, False)],
)  # fmt: skip
def test_an_autopsy_from_the_crm_links_to_its_deal_when_the_link_is_safe(url, linked):
    entry = worst_autopsy(1)
    entry.deal_name, entry.crm, entry.crm_deal_url = "Acme", "salesforce", url
    page = home.HomePage(upcoming=[], journal=[JournalEntry(entry, None, 0, None)], total=1, offset=0,
                         team_lessons=[])  # fmt: skip
    text = str(drawn(page))
    assert (f"<{url}|the deal in Salesforce>" in text) is linked
    assert "Your bank" not in text
