"""Actions as their reader sees them: the form (the lesson to edit, the clicker as owner, two weeks
on), the maker's confirmation, and the owner's reminder: where it came from as the lesson's sharing
allows, its three answers while open, and its outcome once answered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ButtonElement

from bot import ids
from bot.blocks import action_items, follow_up_dms
from storage import Due
from storage.models import Action
from tests.support.examples import NOW, follow_up, worst_autopsy
from tests.support.message_reading import readable, shown

PARIS = ZoneInfo("Europe/Paris")
PAUSE = ButtonElement(text="Pause my reminders", action_id=ids.PAUSE, value="11")


def action(**changes: Any) -> Action:
    fields = dict(
        id=5,
        team_id="T1",
        autopsy_id=1,
        view_id="VA",
        made_by="U1",
        owner_id="U0OWNER",
        what="<!channel> Ask about build-vs-buy & <@U0EVIL>",
        due_on=date(2026, 12, 7),
        state="open",
        outcome=None,
        created_at=NOW,
        closed_at=None,
    )
    return Action(**{**fields, **changes})


def reminder(act: Action, **changes: Any) -> Due:
    entry = worst_autopsy(1)
    for name, value in changes.items():
        setattr(entry, name, value)
    return Due(follow_up("action_due", recipient_id=act.owner_id, action_id=act.id), entry, action=act)


def test_the_form_offers_the_lesson_to_edit_the_clicker_as_owner_and_two_weeks_on():
    entry = worst_autopsy(1)
    view = action_items.action_modal(entry, maker_id="U0MATE", today=date(2026, 11, 23))
    view.validate_json()  # title within 24 characters, each field valid
    body = view.to_dict()
    elements = {block.get("block_id"): block.get("element", {}) for block in body["blocks"]}
    assert elements[ids.ACTION_WHAT]["initial_value"] == entry.lesson[:300]
    assert elements[ids.ACTION_OWNER]["initial_user"] == "U0MATE"
    assert elements[ids.ACTION_DUE_ON]["initial_date"] == "2026-12-07"
    assert body["private_metadata"] == "1"
    text = " ".join(readable(body["blocks"]))
    assert "from a lesson shared anonymously" in text and "<!here>" not in text  # the deal is not named


def test_where_an_action_came_from_follows_the_lesson_s_sharing():
    def said(sharing: str, reader: str) -> str:
        return action_items.origin(deal_name="Acme <3", sharing=sharing, author_id="U0REP", reader_id=reader)

    assert said("private", "U0REP") == "from your lesson on *Acme &lt;3*"
    assert said("named", "U0MATE") == "from <@U0REP>'s lesson on *Acme &lt;3*"
    assert said("anonymous", "U0MATE") == "from a lesson shared anonymously"
    assert said("private", "U0BOSS") == "from a lesson not shared with the team"


def test_the_maker_hears_when_the_owner_will_be_reminded():
    own = shown(action_items.made_notice(action(owner_id="U1"), maker_zone=PARIS, now=NOW))
    assert "On Monday 7 December 2026, in your working hours, I'll ask how it went." in own
    theirs = shown(action_items.made_notice(action(), maker_zone=PARIS, now=NOW))
    assert "<@U0OWNER> owns it. They'll see it in their App Home now" in theirs
    assert "reminder on Monday 7 December 2026 in their working hours: no message before that" in theirs


def test_a_reminder_on_an_open_action_offers_done_not_doing_and_snooze():
    act = action()
    message = follow_up_dms.build(reminder(act), zone=PARIS)
    text = shown(message)
    assert "An action you own is due" in text and "from a lesson shared anonymously" in text
    assert "asked by <@U1>" in text
    [answers] = [b for b in message.as_kwargs()["blocks"] if b.get("block_id") == "action_due_answers_5"]
    assert [(e["action_id"], e.get("value")) for e in answers["elements"]] == [
        (ids.ACTION_DONE, "5"),
        (ids.ACTION_NOT_DOING, "5"),
        (ids.ACTION_SNOOZE_WEEK, "5"),
        (ids.ACTION_SNOOZE_UNTIL, None),
        (ids.PAUSE, "11"),
    ]


def test_its_author_reads_the_deal_an_anonymous_lesson_came_from():
    act = action(owner_id="U1")  # worst_autopsy's author
    assert "from your lesson on" in shown(follow_up_dms.build(reminder(act), zone=PARIS))


def test_an_answered_reminder_shows_its_outcome_and_no_buttons():
    done = follow_up_dms.build(reminder(action(state="done")), zone=PARIS)
    assert "Done :white_check_mark:" in shown(done)
    dropped = follow_up_dms.build(reminder(action(state="dropped", outcome="No <!here> budget")), zone=PARIS)
    assert "Not doing it, because: _No &lt;!here&gt; budget_" in shown(dropped)
    for message in (done, dropped):
        assert not [b for b in message.as_kwargs()["blocks"] if b["type"] == "actions"]


def test_a_snoozed_reminder_names_the_day_it_comes_again():
    act = action(due_on=date(2026, 12, 12))  # a Saturday: it comes on the Monday
    due = reminder(act)
    due.follow_up.state, due.follow_up.due_on = "snoozed", act.due_on
    due.follow_up.due_at = datetime(2026, 12, 11, 19, 0, tzinfo=UTC)
    assert "Snoozed: I'll remind you again on Monday 14 December 2026." in shown(
        follow_up_dms.build(due, zone=PARIS)
    )


def test_not_doing_asks_why_and_the_age_of_an_action_reads_in_weeks():
    view = action_items.not_doing_modal(action())
    view.validate_json()
    assert view.private_metadata == "5"
    [why] = [block for block in view.to_dict()["blocks"] if block.get("block_id") == ids.ACTION_WHY]
    assert not why.get("optional", False)
    assert action_items.open_for(NOW, NOW + timedelta(days=6)) == "new this week"
    assert action_items.open_for(NOW, NOW + timedelta(days=7)) == "open 1 week"
    assert action_items.open_for(NOW, NOW + timedelta(days=23)) == "open 3 weeks"
