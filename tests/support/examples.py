"""Example data the tests share: a moment, a filled-in autopsy form, an autopsy as stored, the
worst autopsy a rep could write (every field at its longest, all of it markup), a follow-up, and a
shared lesson saved in the week of a digest."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot import ids
from bot.autopsy import Answers
from bot.lessons import Kind, LessonsAnswer, Subject
from playground.emulator import TEAM_ID
from storage import Autopsy, BuyerAsk, CustomerWords, FollowUp, Lesson, Plan, Store
from storage.lessons import LessonsFound, OpenAction

# A rep who lost a renewal to an in-house build, sharing the lesson anonymously.
ANSWERS = Answers(
    deal_name="Acme Corp",
    outcome="customer_cancelled",
    deal_value_cents=1_999_999,
    winner="in_house",
    winner_reason="They hired two engineers instead",
    customer_said="We wanted more control.",
    check_listened="partly",
    check_timing="no",
    check_market="yes",
    check_aggressive="no",
    feelings="Disappointed, but I understand.",
    lesson="Ask about build-vs-buy in the first call.",
    touch_base_on=date(2027, 3, 1),
    help_from=None,
    sharing="anonymous",
)


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


GOOD = {
    ids.DEAL: "Acme Corp",
    ids.OUTCOME: "renewal_lost",
    ids.DEAL_VALUE: "12,500.50",
    ids.WINNER: "competitor",
    ids.COMPETITOR: "Globex",
    ids.MAIN_REASON: "price",
    ids.WINNER_REASON: "Cheaper, and they called first",
    ids.CUSTOMER_SAID: "Price, mostly.",
    ids.CHECK_LISTENED: "partly",
    ids.CHECK_TIMING: "yes",
    ids.CHECK_MARKET: "no",
    ids.CHECK_AGGRESSIVE: "no",
    ids.FEELINGS: "Frustrated. I thought we had it.",
    ids.LESSON: "Follow up within a week of the demo.",
    ids.TOUCH_BASE_ON: "2027-02-21",
    ids.HELP_FROM: "U0MENTOR1",
}


def worst_autopsy(number: int) -> Autopsy:
    """An autopsy with every field at its longest, all of it markup."""
    return Autopsy(
        id=number,
        team_id="T1",
        user_id="U1",
        view_id=f"V{number}",
        created_at=NOW,
        deal_name="<!here>&" * 18,
        outcome="renewal_lost",
        deal_value_cents=123_456_789_00,
        winner="competitor",
        competitor="<@U0EVIL>" * 8,
        winner_reason="<" * 500,
        main_reason="price",
        customer_said="&" * 1000,
        check_listened="yes",
        check_timing="partly",
        check_market="no",
        check_aggressive="no",
        feelings=">" * 3000,
        lesson="<!channel>" * 30,
        touch_base_on=None,
        help_from="U0HELP",
        sharing="anonymous",
    )


def follow_up(kind: str = "touch_base", state: str = "sent", **changes: Any) -> FollowUp:
    """A follow-up of autopsy 3, sent to U0HELP at NOW unless `changes` say otherwise."""
    fields = dict(
        id=11, team_id="T1", autopsy_id=3, kind=kind, recipient_id="U0HELP", due_at=NOW, state=state
    )
    return FollowUp(**{**fields, **changes})


# Friday 27 November 2026, 16:00 UTC is the default digest moment; its week starts Friday 20th.
IN_WEEK = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
_views = itertools.count()


def save_lesson(
    store: Store, user: str, *, at: datetime = IN_WEEK, team: str = TEAM_ID, **changes: Any
) -> int:
    """A named autopsy written at `at` (a touch-base due then), as the digest reads it; its id."""
    plans = [Plan(kind="touch_base", recipient_id=user, due_at=at)]
    answers = replace(ANSWERS, **{"sharing": "named", "deal_value_cents": None, **changes})
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=team,
            user_id=user,
            view_id=f"V{next(_views)}",
            answers=answers,
            created_at=at,
            follow_ups=plans,
        )
    return entry.id


def lost_to_initech(store: Store, user: str, deal: str, *, team: str, at: datetime, **changes: Any) -> int:
    """`deal`'s named autopsy, lost to Initech on price unless `changes` say; its id."""
    fields: dict[str, Any] = {"winner": "competitor", "competitor": "Initech", "main_reason": "price"}
    return save_lesson(store, user, team=team, at=at, deal_name=deal, **{**fields, **changes})


def buyer_ask(asked_at: datetime, **changes: Any) -> BuyerAsk:
    """An autopsy's link to its buyer, made at `asked_at` and not yet opened, unless `changes` say."""
    fields: dict[str, Any] = dict(
        id=1,
        team_id="T1",
        autopsy_id=3,
        token_seed="seed",
        token_hash="hash",
        created_at=asked_at,
        expires_at=asked_at + timedelta(days=30),
        opened_at=None,
        withdrawn_at=None,
        answered_at=None,
        main_reason=None,
        other_reason=None,
        changed_mind=None,
        working_with=None,
        working_score=None,
        may_contact=None,
    )
    return BuyerAsk(**{**fields, **changes})


_MARKUP = "<!channel>" * 30
# The fullest lessons card: everything at its most, all of it markup.
FULLEST_LESSONS = LessonsAnswer(
    Subject(Kind.COMPETITOR, "initech", "Initech"),
    LessonsFound(
        lost_recent=40,
        reasons=Counter(price=30, timing=10),
        self_checks={"check_listened": Counter(yes=40)},
        lessons=[
            Lesson(
                _MARKUP,
                "new_deal_lost",
                "competitor",
                _MARKUP,
                None,
                _MARKUP,
                None,
                None,
            )
        ]
        * 5,
        shared_lessons=40,
        customer_words=[CustomerWords(_MARKUP, None, "other", _MARKUP, _MARKUP)] * 3,
        won_back=4,
        open_actions=[OpenAction(_MARKUP, "U0BOB", date(2026, 12, 1))] * 5,
        open_actions_total=9,
    ),
)
