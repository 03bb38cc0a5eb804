"""The follow-up DMs as their reader sees them: what each says, the answers it offers, when it stops."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import autopsy, ids
from bot.asking import BUYER_ANSWERED
from bot.blocks import follow_up_dms
from bot.blocks.message import Message
from bot.followups.planning import A_MONTH, A_WEEK, snoozed_until
from storage import Autopsy, BuyerAsk, Due, Revisit
from tests.support.examples import NOW, buyer_ask, follow_up, worst_autopsy
from tests.support.message_reading import readable, shown

LOS_ANGELES, KIRITIMATI = ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")  # UTC-8, UTC+14
DEAL = "<!channel> Acme & <https://evil|bank>"
SHOWN_DEAL = "&lt;!channel&gt; Acme &amp; &lt;https://evil|bank&gt;"


def lost(**changes: Any) -> Autopsy:
    fields = dict(
        id=3,
        team_id="T1",
        user_id="U0REP",
        view_id="V3",
        created_at=NOW,
        deal_name=DEAL,
        outcome="renewal_lost",
        deal_value_cents=None,
        winner="competitor",
        competitor="<@U0EVIL> & Co",
        winner_reason="<!here> was cheaper",
        main_reason="price",
        customer_said="Price & <@U0EVIL>",
        check_listened="yes",
        check_timing="partly",
        check_market="no",
        check_aggressive="no",
        feelings="Gutted <!channel>",
        lesson="Call first & <https://evil|often>",
        touch_base_on=None,
        help_from="U0HELP",
        sharing="named",
    )
    return Autopsy(**{**fields, **changes})


def build(
    due: Due,
    revisits: Sequence[Revisit] = (),
    *,
    paused: bool = False,
    zone: ZoneInfo = UTC,
    offer_asking: bool = False,
) -> Message:
    """The DM, read by someone in UTC unless `zone` says otherwise."""
    return follow_up_dms.build(due, revisits, paused=paused, zone=zone, offer_asking=offer_asking)


def buttons(message: Message) -> list[tuple[str, str, str]]:
    """(label, action_id, value) of every button, in order."""
    return [
        (element["text"]["text"], element["action_id"], element["value"])
        for block in (block.to_dict() for block in message.blocks)
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@pytest.mark.parametrize("state", ["pending", "sending", "sent"])
def test_a_due_touch_base_recalls_what_was_written_and_offers_every_answer(state):
    message = build(Due(follow_up(state=state), lost()))
    text = shown(message)
    assert f"*Time to touch base with {SHOWN_DEAL}.* You lost this one on Monday 23 November." in text
    assert "*Who got the sale:* &lt;@U0EVIL&gt; &amp; Co (a competitor): &lt;!here&gt; was cheaper" in text
    assert ">Price &amp; &lt;@U0EVIL&gt;" in text and ">Call first &amp; &lt;https://evil|often&gt;" in text
    assert buttons(message) == [
        ("I reached out", ids.REACHED_OUT, "11"),
        ("Snooze a week", ids.SNOOZE_WEEK, "11"),
        ("Snooze a month", ids.SNOOZE_MONTH, "11"),
        ("Won them back", ids.WON_BACK, "11"),
        ("Let it go", ids.LET_GO, "11"),
        ("Pause my reminders", ids.PAUSE, "11"),
    ]
    [answers] = [block for block in message.blocks if block.type == "actions"]
    assert answers.block_id == ids.TOUCH_BASE_ANSWERS


def test_a_snoozed_touch_base_says_when_it_comes_back_and_offers_no_second_snooze():
    snoozed = follow_up(state="snoozed", due_at=NOW + timedelta(days=7))
    message = follow_up_dms.touch_base(snoozed, lost(), [], False, UTC)
    assert "Snoozed: I'll remind you again on Monday 30 November." in shown(message)
    assert not {ids.SNOOZE_WEEK, ids.SNOOZE_MONTH} & {action for _, action, _ in buttons(message)}
    # App Home still offers the other answers to a snoozed reminder.
    offered = [button.text.text for button in follow_up_dms.touch_base_buttons(snoozed)]
    assert offered == ["I reached out", "Won them back", "Let it go"]


@pytest.mark.parametrize(
    ("snooze", "clicked", "comes_back"),
    [
        # Thursday 10 December, 20:00 in Los Angeles: already Friday in UTC. A week is next Thursday.
        (A_WEEK, datetime(2026, 12, 10, 20, 0, tzinfo=LOS_ANGELES), "Thursday 17 December"),
        # A month from 10 December is Sunday 10 January: the reminder comes on the Monday.
        (A_MONTH, datetime(2026, 12, 10, 20, 0, tzinfo=LOS_ANGELES), "Monday 11 January"),
        # A month from Saturday 2 January is Tuesday 2 February: that day.
        (A_MONTH, datetime(2027, 1, 2, 10, 0, tzinfo=LOS_ANGELES), "Tuesday 2 February"),
    ],
)
def test_a_snoozed_touch_base_names_the_weekday_it_comes_back_in_the_reps_zone(snooze, clicked, comes_back):
    due_at, due_on = snoozed_until(snooze, now=clicked.astimezone(UTC), zone=LOS_ANGELES)
    snoozed = follow_up(state="snoozed", due_at=due_at, due_on=due_on)
    text = shown(build(Due(snoozed, lost()), zone=LOS_ANGELES))
    assert f"Snoozed: I'll remind you again on {comes_back}." in text


def test_a_reminder_snoozed_to_a_weekend_before_snoozes_knew_weekends_names_the_monday():
    saturday = datetime(2027, 1, 2, 15, 0, tzinfo=UTC)  # a row written as `now + 30 days`, no day
    text = shown(build(Due(follow_up(state="snoozed", due_at=saturday), lost()), zone=LOS_ANGELES))
    assert "Snoozed: I'll remind you again on Monday 4 January." in text


def test_the_days_a_dm_recalls_are_the_readers_own():
    # Written Monday 23 November at 12:00 UTC: already Tuesday on Kiritimati, still Monday in Los Angeles.
    seen = [
        Revisit(
            id=1,
            team_id="T1",
            autopsy_id=3,
            user_id="U0REP",
            view_id="VR1",
            text="Seen",
            created_at=datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
        )
    ]
    assert "You lost this one on Tuesday 24 November." in shown(
        build(Due(follow_up(), lost()), zone=KIRITIMATI)
    )
    assert "You lost this one on Monday 23 November." in shown(
        build(Due(follow_up(), lost()), zone=LOS_ANGELES)
    )
    revisit = shown(build(Due(follow_up(kind="revisit"), lost()), seen, zone=LOS_ANGELES))
    assert f"*On Monday 23 November you wrote about {SHOWN_DEAL}.*" in revisit
    assert "*What you saw on Thursday 26 November:*" in revisit  # 06:00 UTC Friday is 22:00 Thursday there


@pytest.mark.parametrize("state", sorted(follow_up_dms.TOUCH_BASE_ANSWERS))
def test_an_answered_touch_base_closes_with_its_answer_and_asks_nothing_more(state):
    message = build(Due(follow_up(state=state), lost()))
    assert follow_up_dms.TOUCH_BASE_ANSWERS[state] in shown(message)
    assert buttons(message) == []


def test_a_revisit_shows_the_feelings_the_self_check_and_only_the_latest_three_looks_back():
    seen = [
        Revisit(
            id=n,
            team_id="T1",
            autopsy_id=3,
            user_id="U0REP",
            view_id=f"VR{n}",
            text=f"Look {n} & <@U0EVIL>",
            created_at=NOW + timedelta(days=n),
        )
        for n in range(1, 6)
    ]
    message = build(Due(follow_up(kind="revisit"), lost()), seen)
    text = shown(message)
    assert f"*On Monday 23 November you wrote about {SHOWN_DEAL}.*" in text
    assert "*How it felt:*\n>Gutted &lt;!channel&gt;" in text
    for question, answer in zip(autopsy.SELF_CHECKS.values(), ["Yes", "Partly", "No", "No"], strict=True):
        assert f"• {question} *{answer}*" in text
    assert "Look 1" not in text and "Look 2" not in text
    assert "*What you saw on Friday 27 November:*\n>Look 4 &amp; &lt;@U0EVIL&gt;" in text
    assert text.index("Look 3") < text.index("Look 4") < text.index("Look 5")
    assert buttons(message) == [
        ("Add what I see now", ids.ADD_REVISIT, "11"),
        ("Pause my reminders", ids.PAUSE, "11"),
    ]


def test_a_revisit_once_written_thanks_the_rep_and_asks_nothing_more():
    message = build(Due(follow_up(kind="revisit", state="done"), lost()))
    assert "Thank you for looking back." in shown(message)
    assert buttons(message) == []


def test_a_help_request_about_a_private_autopsy_asks_without_telling_what_happened():
    message = build(Due(follow_up(kind="help_request"), lost(sharing="private")))
    text = shown(message)
    assert f"<@U0REP> lost *{SHOWN_DEAL}* and would value your help thinking it through." in text
    assert "What happened" not in text and "Price" not in text and "Call first" not in text
    assert buttons(message) == [
        ("I'll reach out", ids.HELP_YES, "11"),
        ("Can't right now", ids.HELP_NO, "11"),
        ("Pause my reminders", ids.PAUSE, "11"),
    ]


@pytest.mark.parametrize("sharing", ["named", "anonymous"])
def test_a_help_request_about_a_shared_autopsy_sums_it_up(sharing):
    text = shown(build(Due(follow_up(kind="help_request"), lost(sharing=sharing))))
    assert "*What happened:* Renewal lost\n*Who got the sale:* &lt;@U0EVIL&gt; &amp; Co" in text


def test_the_teammate_reads_about_the_reps_deal_not_their_own():
    """The teammate asked for help lost nothing: the customer spoke to the rep, the lesson is the rep's."""
    text = shown(build(Due(follow_up(kind="help_request", recipient_id="U0HELP"), lost())))
    assert "*What the customer told <@U0REP>:*\n>Price &amp; &lt;@U0EVIL&gt;" in text
    assert "*<@U0REP>'s lesson:*\n>Call first &amp; &lt;https://evil|often&gt;" in text
    assert "told you" not in text and "Your lesson" not in text


@pytest.mark.parametrize("kind", ["touch_base", "revisit"])
def test_the_rep_reads_their_own_words_as_theirs(kind):
    text = shown(build(Due(follow_up(kind=kind, recipient_id="U0REP"), lost())))
    assert "*What they told you:*\n>Price &amp;" in text and "*Your lesson:*\n>Call first" in text
    assert "<@U0REP>" not in text


def test_a_help_request_taken_down_tells_the_teammate_why_and_keeps_nothing_of_the_autopsy():
    message = follow_up_dms.taken_down("U0HELP", "U0REP")
    text = shown(message)
    assert text == "<@U0REP> took this autopsy down, so there's nothing to answer here any more."
    assert buttons(message) == []


def test_the_reps_own_reminder_taken_down_says_they_deleted_it():
    message = follow_up_dms.taken_down("U0REP", "U0REP")
    assert shown(message) == "You deleted this autopsy, so there's nothing to do here any more."
    assert buttons(message) == []


@pytest.mark.parametrize(
    ("state", "closing"),
    [
        ("done", "You said you'll reach out to <@U0REP>. Thank you."),
        ("let_go", "No problem. I've let <@U0REP> know you can't right now."),
    ],
)
def test_an_answered_help_request_closes_with_the_answer(state, closing):
    message = build(Due(follow_up(kind="help_request", state=state), lost()))
    assert closing in shown(message)
    assert buttons(message) == []


@pytest.mark.parametrize(
    ("state", "told"),
    [
        ("done", f"<@U0HELP> will reach out to you about *{SHOWN_DEAL}*."),
        ("let_go", f"<@U0HELP> can't help with *{SHOWN_DEAL}* right now. Someone else on the team might"),
    ],
)
def test_the_rep_hears_what_the_teammate_answered(state, told):
    message = follow_up_dms.help_answer(follow_up(kind="help_request", state=state), lost())
    assert told in shown(message) and told in message.text


def test_the_revisit_form_asks_what_the_rep_sees_now_within_its_limit():
    view = follow_up_dms.revisit_modal(follow_up(kind="revisit"), lost())
    view.validate_json()
    body = view.to_dict()
    assert (body["callback_id"], body["private_metadata"]) == (ids.REVISIT_VIEW, "11")
    assert f"Looking back at *{SHOWN_DEAL}*." in readable(body["blocks"])
    [field] = [block for block in body["blocks"] if block["type"] == "input"]
    assert (field["block_id"], field["label"]["text"]) == (ids.REVISIT_TEXT, "What do you see now?")
    assert field["element"]["max_length"] == autopsy.REVISIT_MAX and field["element"]["multiline"]


def test_pausing_and_resuming_say_so_and_promise_nothing_is_lost():
    paused = shown(follow_up_dms.pause_notice(True))
    assert "Your reminders are paused." in paused and "`/lost-deal resume`" in paused
    resumed = shown(follow_up_dms.pause_notice(False))
    assert "Your reminders are back on." in resumed and "paused" not in resumed


@pytest.mark.parametrize(
    ("kind", "opening", "block_id"),
    [
        ("touch_base", "Time to touch base with", ids.TOUCH_BASE_ANSWERS),
        ("revisit", "On Monday 23 November you wrote about", ids.REVISIT_ANSWERS),
        ("help_request", "would value your help", ids.HELP_ANSWERS),
    ],
)
def test_each_kind_draws_its_own_dm_and_a_paused_rep_is_offered_resume(kind, opening, block_id):
    message = build(Due(follow_up(kind=kind), lost()), paused=True)
    assert opening in shown(message)
    assert [block.block_id for block in message.blocks if block.type == "actions"] == [block_id]
    assert buttons(message)[-1] == ("Resume my reminders", ids.RESUME, "11")
    assert ids.PAUSE not in {action for _, action, _ in buttons(message)}


@pytest.mark.parametrize("kind", ["touch_base", "revisit", "help_request"])
def test_the_longest_autopsy_all_of_it_markup_still_makes_a_dm_slack_accepts(kind):
    """Escaping makes text longer (`&` is five characters once escaped): each section still fits
    Slack's 3,000 characters, or the DM could never be sent and would be retried for ever."""
    worst = worst_autopsy(3)
    revisits = [
        Revisit(
            id=n, team_id="T1", autopsy_id=3, user_id="U1", view_id=f"V{n}", text="&" * 3000, created_at=NOW
        )
        for n in range(3)
    ]
    message = build(Due(follow_up(kind=kind), worst), revisits)
    for block in message.blocks:
        assert len(block.to_dict().get("text", {}).get("text", "")) <= 3000
    text = shown(message)
    assert "&amp;" in text or "&lt;" in text or "&gt;" in text


def test_feelings_full_of_ampersands_are_cut_on_a_whole_character():
    message = build(Due(follow_up(kind="revisit"), lost(feelings="Q&A " * 625)))
    felt = next(t for t in readable([b.to_dict() for b in message.blocks]) if t.startswith("*How it felt:*"))
    assert felt.endswith("…") and "&amp" in felt and not felt.removesuffix("…").endswith(("&", "&a", "&am"))


@pytest.mark.parametrize("kind", ["touch_base", "revisit", "help_request"])
def test_the_notification_text_carries_no_ping_either(kind):
    message = build(Due(follow_up(kind=kind), lost()))
    assert "<!channel>" not in message.text and "&lt;!channel&gt; Acme &amp;" in message.text


def their_answers(**changes: Any) -> BuyerAsk:
    given = dict(
        answered_at=NOW + timedelta(days=1),
        main_reason="timing",
        changed_mind="A pilot <!here> first",
        working_with="Kind",
        working_score=5,
        may_contact="yes",
    )
    return buyer_ask(NOW, **{**given, **changes})


def test_a_touch_base_offers_to_ask_the_buyer_until_they_answered_and_then_shows_their_side():
    acme = lost(deal_name="Acme")
    offered = build(Due(follow_up(), acme), offer_asking=True)
    assert buttons(offered)[-1] == ("Ask Acme for their side", ids.ASK_BUYER, "3")
    assert ids.ASK_BUYER not in {action for _, action, _ in buttons(build(Due(follow_up(), acme)))}
    asked = build(Due(follow_up(), acme, buyer_ask=their_answers(answered_at=None)), offer_asking=True)
    assert buttons(asked)[-1][1] == ids.ASK_BUYER  # asked, unanswered: the same link, shown again
    answered = build(Due(follow_up(), acme, buyer_ask=their_answers()), offer_asking=True)
    text = shown(answered)
    assert "*Their side*, answered 24 Nov 2026:" in text and ">A pilot &lt;!here&gt; first" in text
    assert "Main reason: The timing or the budget (you wrote: Price)" in text
    assert ids.ASK_BUYER not in {action for _, action, _ in buttons(answered)}


def test_a_revisit_shows_the_buyers_side_beside_the_notes():
    text = shown(build(Due(follow_up(kind="revisit"), lost(), buyer_ask=their_answers())))
    assert "*Their side*, answered 24 Nov 2026:" in text and "A pilot &lt;!here&gt; first" in text


@pytest.mark.parametrize("sharing", ["named", "anonymous", "private"])
def test_a_teammates_help_request_shows_nothing_of_the_buyers_side(sharing):
    message = build(Due(follow_up(kind="help_request"), lost(sharing=sharing), buyer_ask=their_answers()))
    text = shown(message)
    assert "Their side" not in text and "pilot" not in text and "Kind" not in text


def test_the_buyer_answered_dm_is_built_from_the_due_follow_up_and_its_ask():
    message = build(
        Due(follow_up(kind=BUYER_ANSWERED, recipient_id="U0REP"), lost(), buyer_ask=their_answers())
    )
    text = shown(message)
    assert message.text == f"{SHOWN_DEAL} answered" and "<!channel>" not in message.text
    assert "*Your main reason*\nPrice" in text and "*Their main reason*\nThe timing or the budget" in text
    assert "You thought it was price; they said timing. Worth a look when you revisit your notes." in text


def test_the_longest_buyer_answers_still_make_a_dm_slack_accepts():
    worst = their_answers(
        main_reason="other",
        other_reason="<" * 200,
        changed_mind="&" * 1000,
        working_with=">" * 300,
    )
    message = build(Due(follow_up(kind=BUYER_ANSWERED), worst_autopsy(3), buyer_ask=worst))
    for block in message.blocks:
        body = block.to_dict()
        assert len(body.get("text", {}).get("text", "")) <= 3000
        assert all(len(field["text"]) <= 2000 for field in body.get("fields", []))
    assert "&lt;" in shown(message)
