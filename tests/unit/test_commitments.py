"""What the action forms accept: what we'll change, an owner, a day after today; why not, always."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import commitments, ids
from storage.actions import Commitment

TODAY = date(2026, 11, 23)


def form(what: Any = "Ask about build-vs-buy", owner: Any = "U0OWNER", due: Any = "2026-12-07") -> dict:
    return {
        ids.ACTION_WHAT: {ids.ACTION_WHAT: {"value": what}},
        ids.ACTION_OWNER: {ids.ACTION_OWNER: {"selected_user": owner}},
        ids.ACTION_DUE_ON: {ids.ACTION_DUE_ON: {"selected_date": due}},
    }


def test_a_filled_form_is_a_commitment():
    assert commitments.read_commitment(form(what="  Ask early  "), TODAY) == (
        Commitment(what="Ask early", owner_id="U0OWNER", due_on=date(2026, 12, 7)),
        {},
    )


def test_each_field_is_checked_even_when_slack_s_were_skipped():
    _, errors = commitments.read_commitment(form(what=" ", owner="<!channel>", due="2026-11-23"), TODAY)
    assert set(errors) == {ids.ACTION_WHAT, ids.ACTION_OWNER, ids.ACTION_DUE_ON}
    assert errors[ids.ACTION_DUE_ON] == "Please pick a day after today: an action needs time to happen."
    assert "300" in commitments.read_commitment(form(what="x" * 301), TODAY)[1][ids.ACTION_WHAT]
    assert commitments.read_commitment(form(due="not a day"), TODAY)[1] == {
        ids.ACTION_DUE_ON: "Please pick a day from the calendar."
    }
    assert ids.ACTION_DUE_ON in commitments.read_commitment(form(due="2028-01-01"), TODAY)[1]
    assert commitments.read_commitment({}, TODAY)[0] is None


def test_not_doing_needs_a_reason():
    def why(text: Any) -> tuple[str | None, dict[str, str]]:
        return commitments.read_reason({ids.ACTION_WHY: {ids.ACTION_WHY: {"value": text}}})

    assert why(" No budget this quarter ") == ("No budget this quarter", {})
    assert why("")[0] is None and ids.ACTION_WHY in why(None)[1]
    assert why("x" * 301)[0] is None


def test_the_reminder_is_due_at_the_start_of_its_day_and_a_snooze_is_a_week_of_the_owner_s_days():
    plan = commitments.reminder("U0OWNER", date(2026, 12, 7))
    assert (plan.kind, plan.recipient_id, plan.due_on) == ("action_due", "U0OWNER", date(2026, 12, 7))
    assert plan.due_at == datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 9:00 where the day comes first
    late_in_la = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # Monday 20:00 in Los Angeles
    assert commitments.snooze_day(late_in_la, ZoneInfo("America/Los_Angeles")) == date(2026, 11, 30)
    assert commitments.default_due(TODAY) == date(2026, 12, 7)
