"""The replies a rep reads: the thank-you DM, and the private answers to `/lost-deal` words."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from bot import autopsy, ids
from bot.blocks import autopsy_form, replies
from storage import AuthorStats, JournalEntry, WeekFacts
from tests.support.examples import GOOD, NOW, worst_autopsy
from tests.support.message_reading import shown
from tests.support.slack_requests import fill_form


def submitted(**changes: object) -> autopsy.Answers:
    form = {**autopsy_form.autopsy_modal("Acme Corp", NOW.date()).to_dict(), "id": "V1"}
    answers, errors = autopsy.read_submission(fill_form(form, {**GOOD, **changes}), NOW)
    assert answers is not None, errors
    return answers


def test_thank_you_is_warm_escaped_and_valid():
    answers = submitted(
        **{
            ids.DEAL: "<!channel> Acme & Co",
            ids.LESSON: "<https://evil|click> me",
            ids.WINNER_REASON: "<@U999>",
        }
    )
    message = replies.thank_you(answers, zone=UTC, now=NOW)
    rendered = str([block.to_dict() for block in message.blocks])
    for block in message.blocks:
        Block.parse(block.to_dict()).validate_json()
    assert "&lt;!channel&gt; Acme &amp; Co" in rendered
    assert "<!channel>" not in rendered and "<https://evil" not in rendered and "<@U999>" not in rendered
    assert "not a verdict on you" in rendered
    # 21 February 2027 is a Sunday: the reminder comes on the Monday, and the rep is told why.
    assert (
        "Reminders come on weekdays, 9:00 to 17:00 your time: on Monday 22 February 2027 I'll remind"
        in rendered
    )
    assert "Sunday" not in rendered
    assert "<@U0MENTOR1>" in rendered  # the chosen teammate is a real mention


def test_help_lists_every_lost_deal_word():
    message = replies.help_message()
    text = shown(message)
    assert message.text == text
    for word in ("list", "stats", "pause", "help"):
        assert f"`{ids.COMMAND} {word}`" in text
    assert "`resume`" in text and f"`{ids.COMMAND} Acme Corp`" in text


def test_when_the_form_cannot_open_the_rep_is_asked_to_try_again():
    text = shown(replies.form_unavailable())
    assert "Sorry" in text and f"Please try `{ids.COMMAND}` again." in text
    assert "Please click the button again." in shown(replies.form_unavailable("click the button again"))


@pytest.mark.parametrize("what", ["autopsy", "deal"])
def test_a_click_on_what_was_deleted_says_so_kindly(what):
    message = replies.gone(what)
    assert (
        shown(message)
        == message.text
        == f"This {what} was deleted, so there's nothing to answer here any more."
    )


def test_a_click_on_someone_elses_follow_up_says_whose_it_is_not_blame():
    assert shown(replies.not_yours()) == "This one is someone else's to answer, so I've left it as it is."


def test_a_failed_export_says_to_try_again():
    assert "try *Export my data* again" in shown(replies.export_failed())


def test_a_rep_with_no_autopsies_is_told_how_to_write_one():
    message = replies.journal_list([], 0, UTC)
    assert message.text == "No autopsies yet"
    assert (
        shown(message) == "You haven't written an autopsy yet. When a deal slips away, `/lost-deal` is here."
    )


def test_the_journal_lists_the_latest_autopsies_escaped_in_the_order_given():
    entries = []
    for number, deal in enumerate(["<!channel> Newest & Co", "<@U0EVIL> Middle", "Oldest"], start=1):
        entry = worst_autopsy(number)
        entry.deal_name, entry.created_at = deal, NOW - timedelta(days=number)
        entry.lesson = "<https://evil|bank> " + "x" * 200 if number == 1 else f"Lesson {number}"
        entries.append(JournalEntry(entry, None, 0, None))
    text = shown(replies.journal_list(entries, 12, UTC))
    assert "Your last 3 of 12 autopsies" in text
    assert "• *&lt;!channel&gt; Newest &amp; Co* · Renewal lost · 22 Nov 2026" in text
    assert "<!channel>" not in text and "<@U0EVIL>" not in text and "<https://evil" not in text
    assert text.index("Newest") < text.index("Middle") < text.index("Oldest")
    assert "_&lt;https://evil|bank&gt; xxx" in text and "x" * 120 not in text and "…_" in text
    assert "Edit, delete or read them in full in Rebound's App Home." in text


@pytest.mark.parametrize(
    ("shown_count", "total", "title"),
    [(1, 1, "Your autopsy"), (3, 3, "Your 3 autopsies"), (1, 4, "Your last 1 of 4 autopsies")],
)
def test_the_journal_counts_in_words_that_fit_the_count(shown_count, total, title):
    """Not "Your last 1 of 1 autopsies": all of them is said as all of them, one as one."""
    entries = [JournalEntry(worst_autopsy(number), None, 0, None) for number in range(shown_count)]
    message = replies.journal_list(entries, total, UTC)
    assert message.blocks[0].text.text == title and message.text == title


def test_one_touch_base_is_said_as_one():
    team = WeekFacts(lost=1, follow_ups_done=1, won_back=0)
    text = shown(replies.stats(AuthorStats(1, Counter(renewal_lost=1), 1, 0), team))
    assert "*You:* 1 autopsy (renewal lost 1) · 1 touch-base done · 0 won back" in text
    assert "*The team, last 90 days:* 1 shared autopsy · 1 touch-base done" in text


def test_stats_without_autopsies_of_ones_own_show_the_team_and_no_pattern_from_few():
    team = WeekFacts(lost=1, follow_ups_done=2, won_back=0, reasons=Counter(price=1))
    text = shown(replies.stats(AuthorStats(0, Counter(), 0, 0), team))
    assert "*You:* no autopsies yet." in text
    assert "*The team, last 90 days:* 1 shared autopsy · 2 touch-bases done · 0 won back" in text
    too_few = "too few in the last 90 days to show a pattern."
    assert text.count(too_few) == 3 and "Price 1" not in text


def test_stats_count_ones_own_autopsies_by_outcome_and_the_teams_patterns():
    mine = AuthorStats(3, Counter(renewal_lost=2, new_deal_lost=1), reached_out=2, won_back=1)
    team = WeekFacts(
        lost=4,
        follow_ups_done=5,
        won_back=1,
        self_checks={"check_listened": Counter(yes=3, no=1)},
        winners=[("competitor", "<@U0EVIL> & Co", 3), ("no_decision", None, 1)],
        reasons=Counter(price=3, timing=1),
    )
    text = shown(replies.stats(mine, team))
    assert "*You:* 3 autopsies (renewal lost 2, lost a new deal 1) · 2 touch-bases done · 1 won back" in text
    assert "*The team, last 90 days:* 4 shared autopsies · 5 touch-bases done · 1 won back" in text
    assert "*Self-check, all together* (Yes / Partly / No)\n• Did I really listen" in text
    assert "? 3 / 0 / 1\n" in text and "trend" not in text  # no weeks to compare with here
    assert "1. &lt;@U0EVIL&gt; &amp; Co: 3\n2. No decision: 1" in text and "<@U0EVIL>" not in text
    assert "*The most common reasons*: Price 3 · Timing or budget 1" in text
    assert "Private autopsies count only in your own line." in text


def test_stats_say_how_often_rep_and_customer_agreed_once_three_buyers_answered():
    mine = AuthorStats(0, Counter(), 0, 0)
    few = shown(replies.stats(mine, WeekFacts(lost=4, reasons_compared=2, reasons_agreed=2)))
    assert "Rep and customer" not in few
    three = shown(replies.stats(mine, WeekFacts(lost=4, reasons_compared=3, reasons_agreed=2)))
    assert "*Rep and customer named the same main reason* in 2 of 3 answers in the last 90 days." in three


def test_ten_autopsies_with_the_longest_deal_names_still_list_within_slack_limits():
    entries = [JournalEntry(worst_autopsy(n), None, 0, None) for n in range(1, 11)]
    message = replies.journal_list(entries, 10, UTC)
    for block in message.blocks:
        assert len(block.to_dict().get("text", {}).get("text", "")) <= 3000
    assert shown(message).count("&lt;!here&gt;&amp;") >= 10


def test_the_thank_you_notification_carries_no_ping():
    message = replies.thank_you(submitted(**{ids.DEAL: "<!channel> Acme & Co"}), zone=UTC, now=NOW)
    assert message.text.startswith("Your autopsy of &lt;!channel&gt; Acme &amp; Co is saved")


LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("picked", "written", "told"),
    [
        # a weekday picked: that day, and nothing to explain
        (
            "2027-02-22",
            datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
            "On Monday 22 February 2027 I'll remind you",
        ),
        # today picked, after 17:00 in Los Angeles (already the 24th in UTC): the next morning
        (
            "2026-11-23",
            datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
            "Reminders come on weekdays, 9:00 to 17:00 your time: "
            "on Tuesday 24 November 2026 I'll remind you",
        ),
        # a Saturday picked: the Monday after
        (
            "2027-01-02",
            datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
            "Reminders come on weekdays, 9:00 to 17:00 your time: on Monday 4 January 2027 I'll remind you",
        ),
    ],
)
def test_thank_you_names_the_day_the_reminder_will_reach_the_rep(picked, written, told):
    answers = submitted(**{ids.TOUCH_BASE_ON: picked})
    text = shown(replies.thank_you(answers, zone=LOS_ANGELES, now=written))
    assert f"{told} to touch base with Acme Corp, gently." in text
    assert ("Reminders come on weekdays" in text) == (picked != "2027-02-22")


def test_the_journal_dates_each_autopsy_in_the_reps_zone():
    entry = worst_autopsy(1)
    entry.created_at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Monday 18:00 in Los Angeles
    entries = [JournalEntry(entry, None, 0, None)]
    assert "Renewal lost · 23 Nov 2026" in shown(replies.journal_list(entries, 1, LOS_ANGELES))
    assert "Renewal lost · 24 Nov 2026" in shown(replies.journal_list(entries, 1, UTC))


def test_thank_you_offers_to_ask_the_buyer_only_when_rebound_can():
    answers = submitted(**{ids.DEAL: "Globex"})
    offered = replies.thank_you(answers, zone=UTC, now=NOW, ask_for=12)
    text = shown(offered)
    assert "Want their side of the story too?" in text
    [button] = [
        element
        for block in (block.to_dict() for block in offered.blocks)
        for element in block.get("elements", [])
        if element.get("action_id") == ids.ASK_BUYER
    ]
    assert (button["text"]["text"], button["value"]) == ("Ask Globex for their side", "12")
    plain = replies.thank_you(answers, zone=UTC, now=NOW)
    assert ids.ASK_BUYER not in str([block.to_dict() for block in plain.blocks])
    assert "their side" not in shown(plain)
