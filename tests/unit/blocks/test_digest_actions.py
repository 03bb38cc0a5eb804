"""The digest's actions: Open actions every week with their age and owner, Done this week, an
anonymous lesson's author never named; a shared lesson offers "Make it an action"; the fullest
digest with both lists stays within Slack's 50 blocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks import digest_actions, digest_post
from bot.digest.week import Schedule, Week
from storage import CustomerWords, Lesson, WeekFacts
from storage.actions import ActionItem, ActionList
from storage.models import Action
from tests.support.message_reading import shown

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE = Schedule(channel="C0LESSONS", day="fri", at=time(16, 0), zone=PARIS)
WEEK = Week(
    key="2026-W47",
    starts_at=datetime(2026, 11, 13, 15, 0, tzinfo=UTC),
    ends_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
    zone=PARIS,
)
EMPTY = WeekFacts()


def lesson(deal: str, **changes: Any) -> Lesson:
    fields = dict(
        deal_name=deal,
        outcome="renewal_lost",
        winner="in_house",
        competitor=None,
        main_reason=None,
        lesson=f"What {deal} taught us",
        user_id="U0ANN",
        deal_value_cents=None,
    )
    return Lesson(**{**fields, **changes})


def week_of(lessons: list[Lesson], **changes: Any) -> WeekFacts:
    return WeekFacts(lost=len(lessons), lessons=lessons, **changes)


def item(
    what: str, owner: str = "U0OWNER", *, age: timedelta = timedelta(days=22), **changes: Any
) -> ActionItem:
    action = Action(
        id=1, made_by="U0MAKER", owner_id=owner, what=what, state="open", created_at=WEEK.ends_at - age
    )
    return ActionItem(
        action, changes.get("deal", "Acme"), changes.get("sharing", "named"), changes.get("author", "U0REP")
    )


def test_open_actions_show_their_age_and_owner_and_done_this_week_follows():
    actions = digest_actions.TeamActions(
        open=ActionList([item("Ask about <!here> budgets"), item("New one", age=timedelta(days=2))], 2),
        done=ActionList([item("Shipped the ROI sheet", "U0DONE")], 1),
    )
    text = shown(digest_post.build(WEEK, week_of([lesson("Acme")] * 3), {}, SCHEDULE, actions))
    assert "*Open actions*\n• Ask about &lt;!here&gt; budgets · <@U0OWNER> · open 3 weeks\n" in text
    assert "\n• New one · <@U0OWNER> · new this week" in text
    assert "*Done this week*\n• Shipped the ROI sheet · <@U0DONE>" in text


def test_an_anonymous_lesson_s_author_is_never_named_even_as_the_owner():
    shy = item("Quiet change", "U0SHY", sharing="anonymous", author="U0SHY")
    text = shown(
        digest_post.build(
            WEEK,
            week_of([lesson("Acme")] * 3),
            {},
            SCHEDULE,
            digest_actions.TeamActions(open=ActionList([shy], 1)),
        )
    )
    assert "U0SHY" not in text and "Quiet change · its owner, not named" in text


def test_a_quiet_week_still_carries_its_open_actions_even_without_a_note():
    actions = digest_actions.TeamActions(open=ActionList([item("Still open")], 1))
    quiet = replace(SCHEDULE, empty_week_note=False)
    text = shown(digest_post.build(WEEK, EMPTY, {}, quiet, actions))
    assert "A quiet week" in text and "Still open" in text
    assert digest_post.build(WEEK, EMPTY, {}, quiet, digest_actions.TeamActions()) is None


def test_a_shared_lesson_offers_make_it_an_action():
    message = digest_post.build(WEEK, week_of([lesson("Acme", autopsy_id=12)] * 3), {}, SCHEDULE)
    buttons = [b["accessory"] for b in message.as_kwargs()["blocks"] if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(ids.MAKE_ACTION, "12")] * 3


def test_the_fullest_digest_with_both_action_lists_stays_within_slack_s_limits():
    worst_lesson = lesson("&" * 150, competitor=">" * 80, lesson="<" * 300, autopsy_id=1)
    worst_words = CustomerWords("&" * 150, None, "other", "<" * 200, "&" * 1000)
    facts = replace(
        week_of([worst_lesson] * digest_post.LESSONS_SHOWN),
        lost=60,
        crm_lost=70,
        crm_autopsies=60,
        customer_words=[worst_words] * digest_post.WORDS_SHOWN,
        customers_answered=45,
        reasons_compared=40,
        reasons_agreed=12,
    )
    carried = replace(WEEK, starts_at=datetime(2026, 11, 6, 15, 0, tzinfo=UTC))  # with a note on why
    worst = item("<!channel>" * 30)
    full = ActionList([worst] * digest_actions.SHOWN, 500)
    message = digest_post.build(
        carried, facts, {}, SCHEDULE, digest_actions.TeamActions(open=full, done=full)
    )
    text = shown(message)  # every block valid, at most 50
    assert text.count("a customer, shared anonymously") == digest_post.WORDS_SHOWN
    assert text.count("…and 490 more in App Home") == 2
