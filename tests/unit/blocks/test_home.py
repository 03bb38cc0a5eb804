"""App Home as a rep reads it: within Slack's limits however full, and every piece of user text escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.blocks import home
from bot.blocks.home_actions import SHOWN, HomeActions
from bot.loss_trends import month_starts
from storage import BuyerAsk, FollowUp, JournalEntry, Lesson, LostDeal
from storage.actions import ActionItem, ActionList
from storage.loss_trends import LossTrend, MonthlyLosses
from storage.models import Action
from tests.support.examples import FULLEST_LESSONS, NOW, worst_autopsy


def test_the_fullest_home_stays_valid_escaped_and_under_100_blocks():
    entries = [worst_autopsy(number) for number in range(1, 11)]
    worst_action = Action(
        id=1,
        made_by="U1",
        owner_id="U2",
        what="<!channel>" * 30,
        due_on=NOW.date(),
        state="dropped",
        outcome="<@U0EVIL>" * 30,
        created_at=NOW,
        closed_at=NOW,
    )
    full = ActionList([ActionItem(worst_action, "<!here>" * 20, "anonymous", "U2")] * SHOWN, 99)
    touch = FollowUp(
        id=7,
        team_id="T1",
        autopsy_id=1,
        kind="touch_base",
        recipient_id="U1",
        due_at=NOW,
        due_on=NOW.date(),
        state="snoozed",
    )
    lesson = Lesson(
        deal_name="<!here>" * 20,
        outcome="renewal_lost",
        winner="competitor",
        competitor="<https://evil|x>",
        main_reason=None,
        lesson="<@U0EVIL>" * 30,
        user_id=None,
        deal_value_cents=None,
    )
    page = home.HomePage(
        upcoming=[(touch, entries[0])] * 5,
        journal=[JournalEntry(entry, touch, 3, "<!channel>" * 300) for entry in entries],
        total=500,
        offset=10,
        team_lessons=[lesson] * 10,
        zone=UTC,
        now=NOW,
        is_admin=True,
        actions=HomeActions(user_id="U1", owned=full, asked=full, team=full, closed=full),
        loss_trend=LossTrend(
            month_starts=tuple(month_starts(NOW.date(), UTC)),
            reasons=tuple(MonthlyLosses(key, key, (99,) * 6, (9,) * 6) for key in autopsy.REASONS),
            competitors=tuple(MonthlyLosses(f"k{n}", "<!here>" * 10, (99,) * 6, (9,) * 6) for n in range(5)),
        ),
        lessons_found=FULLEST_LESSONS,
    )
    body = home.home(page).to_dict()
    View(**body).validate_json()
    assert len(body["blocks"]) <= 100
    shown = str(body)
    for markup in ("<!here>", "<!channel>", "<@U0EVIL>", "<https://evil"):
        assert markup not in shown
    assert "Workspace settings" in shown and "Competitor names" in shown and "11 to 20 of 500" in shown
    assert "Lost deals per month" in shown


def test_the_team_view_shows_the_loss_trend_once_there_are_losses_to_show():
    empty = LossTrend(month_starts=tuple(month_starts(NOW.date(), UTC)), reasons=(), competitors=())
    price = MonthlyLosses("price", "price", (0, 1, 2, 0, 1, 3), (0,) * 6)
    lean = home.HomePage(upcoming=[], journal=[], total=0, offset=0, team_lessons=[], zone=UTC, now=NOW)
    assert "Lost deals per month" not in str(drawn(replace(lean, loss_trend=empty)))
    shown = str(drawn(replace(lean, loss_trend=replace(empty, reasons=(price,)))))
    assert "*Price*  `▁▃▆▁▃█`  0 · 1 · 2 · 0 · 1 · 3" in shown


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
    body = drawn(
        home.HomePage(upcoming=[], journal=[], total=0, offset=0, team_lessons=[], zone=UTC, now=NOW)
    )
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
    return home.HomePage(
        upcoming=[], journal=journal, total=total, offset=offset, team_lessons=[], zone=UTC, now=NOW
    )


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
    return LostDeal(
        id=number,
        team_id="T1",
        crm=crm,
        deal_id=str(number),
        changed_at=NOW,
        owner_email=email,
        state="unmatched",
    )


def test_admins_see_the_weeks_lost_deals_whose_owner_is_no_one_in_slack():
    unmatched = [lost_deal(1, "gone@example.com"), lost_deal(2, "<!channel>@example.com", "salesforce")]
    page = home.HomePage(
        upcoming=[],
        journal=[],
        total=0,
        offset=0,
        team_lessons=[],
        zone=UTC,
        now=NOW,
        is_admin=True,
        unmatched=unmatched,
    )
    text = str(drawn(page))
    assert "2 deals lost in HubSpot and Salesforce this week have no one in Slack" in text
    assert "gone@example.com" in text and "&lt;!channel&gt;@example.com" in text
    assert "<!channel>" not in text
    rep = drawn(
        home.HomePage(
            upcoming=[],
            journal=[],
            total=0,
            offset=0,
            team_lessons=[],
            zone=UTC,
            now=NOW,
            unmatched=unmatched,
        )
    )
    assert "no one in Slack" not in str(rep)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://acme.my.salesforce.com/lightning/r/Opportunity/006A/view", True),
        ("https://evil.example|Your bank", False),
        ("javascript:alert(1)", False),
        (None, False),
    ],
)
def test_an_autopsy_from_the_crm_links_to_its_deal_when_the_link_is_safe(url, linked):
    entry = worst_autopsy(1)
    entry.deal_name, entry.crm, entry.crm_deal_url = "Acme", "salesforce", url
    page = home.HomePage(
        upcoming=[],
        journal=[JournalEntry(entry, None, 0, None)],
        total=1,
        offset=0,
        team_lessons=[],
        zone=UTC,
        now=NOW,
    )
    text = str(drawn(page))
    assert (f"<{url}|the deal in Salesforce>" in text) is linked
    assert "Your bank" not in text


LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def touch_base(number: int, state: str, due_on: date | None, **moments: datetime) -> FollowUp:
    due_at = moments.pop("due_at", datetime(2027, 1, 1, 19, 0, tzinfo=UTC))
    return FollowUp(
        id=number,
        team_id="T1",
        autopsy_id=number,
        kind="touch_base",
        recipient_id="U1",
        due_at=due_at,
        due_on=due_on,
        state=state,
        **moments,
    )


def test_coming_up_and_the_journal_name_the_day_each_reminder_reaches_the_rep_in_their_zone():
    now = datetime(2026, 12, 11, 2, 0, tzinfo=UTC)  # Friday in UTC; Thursday 18:00 in Los Angeles
    entries = [worst_autopsy(n) for n in range(1, 5)]
    for entry, deal in zip(entries, ("Saturday Co", "Snoozed Co", "Sent Co", "Late Co"), strict=True):
        entry.deal_name = deal
    entries[0].created_at = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 19:00 on the 9th in Los Angeles
    upcoming = [
        # picked Saturday 2 January in the form: it comes on Monday 4 January
        touch_base(1, "pending", date(2027, 1, 2)),
        # snoozed to a moment written without its day (before snoozes knew weekends): a Sunday's, Monday
        touch_base(2, "snoozed", None, due_at=datetime(2027, 1, 10, 18, 0, tzinfo=UTC)),
        # sent on Friday 8 January at 9:00 in Los Angeles (17:00 UTC): that day, whatever was planned
        touch_base(3, "sent", date(2027, 1, 5), sent_at=datetime(2027, 1, 8, 17, 0, tzinfo=UTC)),
        # due on Wednesday 9 December, held back (paused): after Thursday's hours there, Friday 9:00
        touch_base(4, "pending", date(2026, 12, 9), due_at=datetime(2026, 12, 8, 19, 0, tzinfo=UTC)),
    ]
    page = home.HomePage(
        upcoming=list(zip(upcoming, entries, strict=True)),
        journal=[JournalEntry(entries[0], upcoming[0], 0, None)],
        total=1,
        offset=0,
        team_lessons=[],
        zone=LOS_ANGELES,
        now=now,
    )
    text = str(drawn(page))
    assert "*Touch base with Saturday Co* · Mon 4 Jan 2027" in text
    assert "*Touch base with Snoozed Co* · Mon 11 Jan 2027 (snoozed)" in text
    assert "*Touch base with Sent Co* · Fri 8 Jan 2027" in text
    assert "*Touch base with Late Co* · Fri 11 Dec 2026" in text
    assert "Written 9 Dec 2026" in text and "touch base 4 Jan 2027: waiting" in text


def test_admins_alone_learn_why_reps_cannot_ask_buyers_without_a_public_page():
    def page(is_admin: bool, offered: bool) -> str:
        drawn_page = home.HomePage(
            upcoming=[],
            journal=[],
            total=0,
            offset=0,
            team_lessons=[],
            zone=UTC,
            now=NOW,
            is_admin=is_admin,
            asking_offered=offered,
        )
        return str(drawn(drawn_page))

    assert "Set `REBOUND_PUBLIC_URL` and serve over HTTP" in page(is_admin=True, offered=False)
    assert "REBOUND_PUBLIC_URL" not in page(is_admin=False, offered=False)
    assert "REBOUND_PUBLIC_URL" not in page(is_admin=True, offered=True)


def buyer_ask(autopsy_id: int, **changes: Any) -> BuyerAsk:
    fields: dict[str, Any] = dict(
        id=autopsy_id,
        team_id="T1",
        autopsy_id=autopsy_id,
        token_seed="seed",
        token_hash=f"hash{autopsy_id}",
        created_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )
    return BuyerAsk(**{**fields, **changes})


def journal_page(asks: dict[int, BuyerAsk], *, offered: bool = True) -> dict[str, Any]:
    journal = [JournalEntry(worst_autopsy(n), None, 0, None) for n in (1, 2, 3)]
    for item in journal:
        item.autopsy.main_reason = "timing"
    page = home.HomePage(
        upcoming=[],
        journal=journal,
        total=3,
        offset=0,
        team_lessons=[],
        zone=UTC,
        now=NOW + timedelta(days=2),
        buyer_asks=asks,
        asking_offered=offered,
    )
    return drawn(page)


def test_an_autopsy_shows_the_buyers_side_once_answered_and_where_the_link_stands_before():
    hostile = "<!channel> & <@U0EVIL>"
    asks = {
        1: buyer_ask(
            1,
            answered_at=NOW + timedelta(days=1),
            main_reason="price",
            changed_mind=hostile,
            may_contact="no",
        ),
        2: buyer_ask(2, opened_at=NOW + timedelta(days=1)),
    }
    body = journal_page(asks)
    shown = str(body)
    assert "<!channel>" not in shown and "<@U0EVIL>" not in shown  # the buyer's words, escaped
    assert "*Their side*, answered 24 Nov 2026:" in shown
    assert "Main reason: The price (you wrote: Timing or budget)" in shown
    assert "&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;" in shown and "No, please don't" in shown
    assert "asked for their side: opened 24 Nov 2026, open until 23 Dec 2026" in shown
    # The button: not on the answered one; on the one asked (the same link again) and the one not asked.
    assert buttons_in(body, ids.HOME_ASK_BUYER.format(id=1)) == []
    for number in (2, 3):
        [(label, action_id, value)] = buttons_in(body, ids.HOME_ASK_BUYER.format(id=number))
        assert (action_id, value) == (ids.ASK_BUYER, str(number))
        assert label.startswith("Ask <!here>&") and label.endswith("for their side") and len(label) <= 75


def test_without_a_public_page_there_is_no_button_but_answers_already_given_still_show():
    asks = {1: buyer_ask(1, answered_at=NOW, main_reason="service")}
    body = journal_page(asks, offered=False)
    assert all(buttons_in(body, ids.HOME_ASK_BUYER.format(id=n)) == [] for n in (1, 2, 3))
    assert "Main reason: The service or support" in str(body)


def test_the_fullest_home_with_every_buyer_answered_at_length_stays_within_slack_limits():
    longest = "<!channel>" * 100
    asks = {
        n: buyer_ask(
            n,
            answered_at=NOW,
            main_reason="other",
            other_reason=longest[:200],
            changed_mind=longest,
            working_with=longest[:300],
            working_score=5,
            may_contact="yes",
        )
        for n in range(1, 11)
    }
    entries = [worst_autopsy(n) for n in range(1, 11)]
    page = home.HomePage(
        upcoming=[],
        journal=[JournalEntry(entry, None, 3, "<!channel>" * 300) for entry in entries],
        total=500,
        offset=10,
        team_lessons=[],
        zone=UTC,
        now=NOW,
        is_admin=True,
        buyer_asks=asks,
        asking_offered=True,
    )
    body = drawn(page)
    assert len(body["blocks"]) <= 100
    assert "<!channel>" not in str(body)


def test_a_lesson_can_become_an_action_from_the_journal_s_menu_and_from_the_team_s_lessons():
    entry = worst_autopsy(4)
    shared = Lesson(
        deal_name="Acme",
        outcome="renewal_lost",
        winner="in_house",
        competitor=None,
        main_reason=None,
        lesson="Ask early",
        user_id="U0MATE",
        deal_value_cents=None,
        autopsy_id=9,
    )
    body = drawn(
        home.HomePage(
            upcoming=[],
            journal=[JournalEntry(entry, None, 0, None)],
            total=1,
            offset=0,
            team_lessons=[shared],
            zone=UTC,
            now=NOW,
        )
    )
    menus = [
        b["accessory"] for b in body["blocks"] if b.get("accessory", {}).get("action_id") == ids.AUTOPSY_MENU
    ]
    assert [(o["text"]["text"], o["value"]) for o in menus[0]["options"]][1] == (
        "Make it an action",
        "action:4",
    )
    [adopt] = [
        b["accessory"] for b in body["blocks"] if b.get("accessory", {}).get("action_id") == ids.MAKE_ACTION
    ]
    assert (adopt["text"]["text"], adopt["value"]) == ("Make it an action", "9")
