"""App Home's actions: yours, the ones you asked of others, the team's open ones (an anonymous
lesson's author never named), and the recently closed with their outcome. (A full App Home with
every list full: tests/unit/blocks/test_home.py.)"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from bot.blocks import home_actions
from storage.actions import ActionItem, ActionList
from storage.models import Action
from tests.support.examples import NOW
from tests.support.message_reading import readable

ME = "U0ME"


def item(
    what: str = "Ask early", *, sharing: str = "named", author: str = "U0REP", **changes: Any
) -> ActionItem:
    fields = dict(
        id=1,
        team_id="T1",
        autopsy_id=1,
        view_id="V",
        made_by=ME,
        owner_id=ME,
        what=what,
        due_on=date(2026, 12, 7),
        state="open",
        outcome=None,
        created_at=NOW - timedelta(days=15),
        closed_at=None,
    )
    return ActionItem(Action(**{**fields, **changes}), "Acme", sharing, author)


def text_of(actions: home_actions.HomeActions) -> str:
    return "\n".join(
        readable([block.to_dict() for block in home_actions.action_sections(actions, zone=UTC, now=NOW)])
    )


def test_each_list_says_what_who_and_when():
    text = text_of(
        home_actions.HomeActions(
            user_id=ME,
            owned=ActionList([item("Mine", author=ME)], 1),
            asked=ActionList([item("Theirs", owner_id="U0MATE")], 1),
            team=ActionList([item("The team's", owner_id="U0MATE")], 1),
            closed=ActionList(
                [
                    item("Did it", state="done", closed_at=NOW),
                    item("Dropped", state="dropped", outcome="No <!here> budget", closed_at=NOW),
                ],
                2,
            ),
        )
    )
    assert "*Your actions*\n• *Mine* · due Mon 7 Dec · from your lesson on *Acme*" in text
    assert "*Actions you asked of others*\n• *Theirs* · <@U0MATE> · due Mon 7 Dec" in text
    assert "*The team's open actions*\n• *The team's* · <@U0MATE> · open 2 weeks" in text
    assert "• *Did it* · done 23 Nov" in text
    assert "• *Dropped* · not doing 23 Nov: _No &lt;!here&gt; budget_" in text


def test_an_anonymous_lesson_s_author_is_not_named_and_a_long_list_says_how_many_more():
    anonymous = item("Quietly", sharing="anonymous", author="U0SHY", owner_id="U0SHY")
    text = text_of(home_actions.HomeActions(user_id=ME, team=ActionList([anonymous] * 5, 8)))
    assert "U0SHY" not in text and "its owner, not named" in text
    assert "…and 3 more" in text
    assert "None open. Any lesson can become one" in text  # nothing of mine
