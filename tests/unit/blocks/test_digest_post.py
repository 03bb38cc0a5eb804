"""The weekly digest as the team reads it: the week's lessons and buyers' words escaped, patterns only
from enough autopsies or answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot import autopsy
from bot.blocks import digest_post
from bot.digest.week import Schedule, Week
from bot.loss_trends import month_starts
from storage import CustomerWords, Lesson, WeekFacts
from storage.loss_trends import LossTrend, MonthlyLosses
from tests.support.message_reading import shown

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE = Schedule(channel="C0LESSONS", day="fri", at=time(16, 0), zone=PARIS)
WEEK = Week(
    key="2026-W47",
    starts_at=datetime(2026, 11, 13, 15, 0, tzinfo=UTC),
    ends_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
    zone=PARIS,
)
TITLE = "Lessons learned · week to Fri 20 Nov 2026"
TOO_FEW = "too few this week to show a pattern."


def lesson(deal: str, user_id: str | None = "U0ANN", **changes: Any) -> Lesson:
    fields = dict(
        deal_name=deal,
        outcome="renewal_lost",
        winner="competitor",
        competitor="Globex",
        main_reason="price",
        lesson=f"What {deal} taught us",
        user_id=user_id,
        deal_value_cents=None,
    )
    return Lesson(**{**fields, **changes})


def week_of(lessons: list[Lesson], **changes: Any) -> WeekFacts:
    """A week whose shared autopsies are `lessons`, all answering the self-check alike."""
    count = len(lessons)
    checks = ("check_listened", "check_timing", "check_market", "check_aggressive")
    facts = WeekFacts(
        lost=count,
        follow_ups_done=2,
        lessons=lessons,
        self_checks={name: Counter(yes=count) for name in checks},
        winners=[("competitor", "Globex", count)],
        reasons=Counter(price=count),
    )
    return replace(facts, **changes)


def test_a_week_of_lessons_shows_each_one_escaped_with_who_shared_it():
    lessons = [
        lesson("<!channel> Acme & Co", competitor="<@U0EVIL>", lesson="Call <https://evil|bank> & listen"),
        lesson("Initech", user_id=None),
        lesson("Hooli", user_id="U0BOB"),
    ]
    message = digest_post.build(WEEK, week_of(lessons, named_value_cents=1_250_050), {}, SCHEDULE)
    text = shown(message)
    assert message is not None and message.text == f"{TITLE}: 3 deals lost"
    assert message.blocks[0].to_dict()["text"]["text"] == TITLE
    assert "*3 deals lost* (named deals worth 12,500.50 in all) · 2 follow-ups done" in text
    assert (
        "*&lt;!channel&gt; Acme &amp; Co* · Renewal lost · who won: &lt;@U0EVIL&gt; (a competitor)\n"
        ">Call &lt;https://evil|bank&gt; &amp; listen\n— <@U0ANN>"
    ) in text
    assert (
        "*Initech* · Renewal lost · who won: Globex (a competitor)\n"
        ">What Initech taught us\n— shared anonymously"
    ) in text
    assert "— <@U0BOB>" in text
    assert "more lesson" not in text


def test_hidden_deal_names_keep_anonymous_lessons_anonymous():
    hiding = replace(SCHEDULE, hide_anonymous_deal_names=True)
    lessons = [lesson("Secret Co", user_id=None, lesson="Ask sooner"), lesson("Open Co"), lesson("Third Co")]
    text = shown(digest_post.build(WEEK, week_of(lessons), {}, hiding))
    assert "Secret Co" not in text and "*A deal* · Renewal lost" in text and "*Open Co*" in text


def test_fewer_than_three_shared_autopsies_show_no_pattern():
    text = shown(digest_post.build(WEEK, week_of([lesson("Acme"), lesson("Hooli")]), {}, SCHEDULE))
    assert f"*Self-check, all together*: {TOO_FEW}" in text
    assert f"*Who won the deals we lost*: {TOO_FEW}" in text
    assert f"*The most common reasons*: {TOO_FEW}" in text
    assert "Globex: 2" not in text and "Price 2" not in text


def test_three_shared_autopsies_show_the_patterns_but_reasons_need_three_of_their_own():
    lessons = [lesson("Acme"), lesson("Hooli"), lesson("Initech")]
    facts = week_of(
        lessons, winners=[("competitor", "<@U0EVIL>", 2), ("in_house", None, 1)], reasons=Counter(price=2)
    )
    text = shown(digest_post.build(WEEK, facts, {}, SCHEDULE))
    assert "• Was I too aggressive? 3 / 0 / 0 · no trend yet" in text
    assert "*Who won the deals we lost*\n1. &lt;@U0EVIL&gt;: 2\n2. They built it in-house: 1" in text
    assert f"*The most common reasons*: {TOO_FEW}" in text


def test_the_self_check_shows_the_share_of_yes_against_the_weeks_before():
    now = {
        "check_listened": Counter(yes=3, partly=1),  # 75%
        "check_timing": Counter(no=4),  # 0%
        "check_market": Counter(yes=2, no=2),  # 50%
        "check_aggressive": Counter(yes=4),
    }
    earlier = {
        "check_listened": Counter(yes=13, no=7),  # 65%: 10 points up is up
        "check_timing": Counter(yes=1, no=9),  # 10%: 10 points down is down
        "check_market": Counter(yes=41, no=59),  # 41%: within 10 points is level
        "check_aggressive": Counter(yes=2),  # too few to compare
    }
    facts = week_of([lesson(f"Deal {n}") for n in range(4)], self_checks=now)
    text = shown(digest_post.build(WEEK, facts, earlier, SCHEDULE))
    assert "(Yes / Partly / No, and the share of Yes against the 4 weeks before)" in text
    assert "• Did I really listen to the prospect's needs? 3 / 1 / 0 · Yes 75% ↑ from 65%" in text
    assert "• Did I miss the timing because I didn't follow up well? 0 / 0 / 4 · Yes 0% ↓ from 10%" in text
    assert "competitors? 2 / 0 / 2 · Yes 50% → from 41%" in text
    assert "• Was I too aggressive? 4 / 0 / 0 · no trend yet" in text


def test_more_lessons_than_fit_say_how_many_more_and_stay_within_slack_limits():
    worst = dict(competitor=">" * 80, lesson="<" * 300)
    lessons = [lesson("&" * 150, **worst) for _ in range(digest_post.LESSONS_SHOWN + 2)]
    message = digest_post.build(WEEK, week_of(lessons, lost=27), {}, SCHEDULE)  # 27 shared, 22 read
    text = shown(message)
    assert text.count("— <@U0ANN>") == digest_post.LESSONS_SHOWN
    assert "…and 7 more lessons: read them all in Rebound's App Home" in text
    one_more = shown(digest_post.build(WEEK, week_of(lessons[:21]), {}, SCHEDULE))
    assert "…and 1 more lesson: read" in one_more


def test_a_quiet_week_gets_a_short_note_or_nothing_at_all():
    message = digest_post.build(WEEK, WeekFacts(), {}, SCHEDULE)
    text = shown(message)
    assert message is not None and message.text == f"{TITLE}: a quiet week"
    assert "A quiet week: no lost deals were shared." in text and "Self-check" not in text
    assert digest_post.build(WEEK, WeekFacts(), {}, replace(SCHEDULE, empty_week_note=False)) is None


def test_a_week_with_only_a_deal_won_back_celebrates_it():
    message = digest_post.build(WEEK, WeekFacts(won_back=1), {}, replace(SCHEDULE, empty_week_note=False))
    text = shown(message)
    assert message is not None and message.text == f"{TITLE}: 0 deals lost, 1 won back"
    assert ":tada: *1 deal won back this week!*" in text and "*No deals lost* · 0 follow-ups done" in text
    assert "This week's lessons" not in text


def test_a_competitor_named_in_markup_is_text_in_who_won_too():
    hostile = "<!channel> <@U0EVIL> <https://evil|Acme> & more"
    lessons = [lesson(deal) for deal in ("Acme", "Hooli", "Initech")]
    facts = week_of(lessons, winners=[("competitor", hostile, 3)])
    text = shown(digest_post.build(WEEK, facts, {}, SCHEDULE))
    assert "1. &lt;!channel&gt; &lt;@U0EVIL&gt; &lt;https://evil|Acme&gt; &amp; more: 3" in text


def test_a_named_lesson_links_to_its_deal_in_the_crm_an_anonymous_one_does_not():
    url = "https://app.hubspot.com/contacts/62515/record/0-3/7001"
    named = lesson("Acme", crm="hubspot", crm_deal_url=url)
    anonymous = lesson("Globex", user_id=None, crm=None, crm_deal_url=None)  # as Lesson.shared_by gives it
    text = shown(digest_post.build(WEEK, week_of([named, anonymous]), {}, SCHEDULE))
    assert f"<{url}|the deal in HubSpot>" in text
    assert text.count("the deal in") == 1


def test_the_crm_line_shows_the_share_of_lost_deals_with_an_autopsy_only_with_three_or_more():
    facts = week_of([lesson("Acme")], crm_lost=4, crm_autopsies=3)
    assert "*From the CRM:* 3 of 4 deals marked lost got an autopsy (75%)." in shown(
        digest_post.build(WEEK, facts, {}, SCHEDULE)
    )
    few = shown(digest_post.build(WEEK, replace(facts, crm_lost=2, crm_autopsies=1), {}, SCHEDULE))
    assert "too few deals marked lost this week" in few and "1 of 2" not in few
    assert "From the CRM" not in shown(digest_post.build(WEEK, week_of([lesson("Acme")]), {}, SCHEDULE))


def test_a_week_the_crm_lost_deals_but_none_were_shared_is_not_called_quiet():
    facts = WeekFacts(crm_lost=3, crm_autopsies=0)
    text = shown(digest_post.build(WEEK, facts, {}, SCHEDULE))
    assert "No lost deals shared" in text and "0 of 3 deals marked lost got an autopsy (0%)" in text
    assert "A quiet week" not in text


def test_a_digest_that_carries_a_missed_week_says_how_far_back_and_why():
    carried = replace(WEEK, starts_at=datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    message = digest_post.build(carried, week_of([lesson("Acme")], won_back=1), {}, SCHEDULE)
    text = shown(message)
    assert message is not None and message.blocks[0].to_dict()["text"]["text"] == (
        "Lessons learned · 2 weeks to Fri 20 Nov 2026"
    )
    assert "This digest reaches back to Fri 6 Nov: no digest went out for those weeks" in text
    assert "*Lessons of these 2 weeks*" in text and "This week's lessons" not in text
    assert "won back these 2 weeks!" in text and "too few these 2 weeks to show a pattern." in text


def words(deal: str, user_id: str | None = "U0ANN", **changes: Any) -> CustomerWords:
    fields = dict(
        deal_name=deal,
        user_id=user_id,
        main_reason="price",
        other_reason=None,
        changed_mind=f"A pilot would have changed {deal}'s mind",
    )
    return CustomerWords(**{**fields, **changes})


def answered(said: list[CustomerWords], compared: int = 0, agreed: int = 0, **changes: Any) -> WeekFacts:
    """A week of three lessons in which the buyers of `said` answered their rep's link."""
    lessons = [lesson("Acme"), lesson("Hooli"), lesson("Initech")]
    return week_of(
        lessons,
        customer_words=said,
        customers_answered=len(said),
        reasons_compared=compared,
        reasons_agreed=agreed,
        **changes,
    )


def test_the_customer_s_words_show_named_with_the_rep_and_anonymous_without():
    said = [
        words("Acme"),
        words("Secret Co", user_id=None, main_reason="timing", changed_mind="Budget in Q3."),
        words("Hooli", main_reason="other", other_reason="Your CEO's tweet", changed_mind=None),
        words("Initech", main_reason=None),
    ]
    text = shown(digest_post.build(WEEK, answered(said), {}, SCHEDULE))
    assert "*In the customer's words*\nWhat customers who chose otherwise told us this week" in text
    assert (
        "*Acme* · their main reason: The price\nWhat would have changed their mind:\n"
        ">A pilot would have changed Acme's mind\n— <@U0ANN>'s customer"
    ) in text
    assert (
        "*Secret Co* · their main reason: The timing or the budget\nWhat would have changed their mind:\n"
        ">Budget in Q3.\n— a customer, shared anonymously"
    ) in text
    assert "*Hooli* · their main reason: Something else: Your CEO's tweet\n— <@U0ANN>'s customer" in text
    assert "*Initech*\nWhat would have changed their mind:\n>A pilot would have changed Initech" in text
    # The buyer's answer stands alone: the digest never sets the rep's reason beside it.
    assert "Price" not in text.split("*In the customer's words*")[1].split("*Self-check")[0]
    hiding = replace(SCHEDULE, hide_anonymous_deal_names=True)
    hidden = shown(digest_post.build(WEEK, answered(said), {}, hiding))
    assert "Secret Co" not in hidden and "*A deal* · their main reason: The timing" in hidden
    assert "*Acme* · their main reason" in hidden


def test_a_buyer_s_hostile_words_show_as_text():
    hostile = "<!channel> *Call* <@U0EVIL> <https://evil|bank> & ~more~ مرحبا 👋"
    said = [
        words("<!here> Acme", main_reason="other", other_reason=hostile, changed_mind=f"{hostile}\nsecond")
    ]
    text = shown(digest_post.build(WEEK, answered(said), {}, SCHEDULE))
    escaped = (
        "&lt;!channel&gt; \u2217Call\u2217 &lt;@U0EVIL&gt; &lt;https://evil|bank&gt; &amp; "
        "\u223cmore\u223c مرحبا 👋"
    )
    assert f"*&lt;!here&gt; Acme* · their main reason: Something else: {escaped}\n" in text
    assert f"What would have changed their mind:\n>{escaped}\n>second\n— <@U0ANN>'s customer" in text


def test_what_would_have_changed_their_mind_is_shown_briefly():
    said = [words("Acme", changed_mind="word " * 300)]
    text = shown(digest_post.build(WEEK, answered(said), {}, SCHEDULE))
    [quoted] = [line for line in text.splitlines() if line.startswith(">word")]
    assert len(quoted) == digest_post.WORDS_QUOTED and quoted.endswith("…")


def test_rep_and_customer_agreeing_shows_only_with_three_answers_behind_it():
    said = [words("Acme"), words("Hooli")]
    two = shown(digest_post.build(WEEK, answered(said, compared=2, agreed=1), {}, SCHEDULE))
    assert "Rep and customer" not in two and "1 of 2" not in two
    assert "*In the customer's words*" in two  # the words show; the comparison waits for three
    three = shown(digest_post.build(WEEK, answered(said, compared=3, agreed=1), {}, SCHEDULE))
    assert "*Rep and customer named the same main reason* in 1 of 3 answers this week." in three
    assert three.index("*The most common reasons*") < three.index("*Rep and customer")


def test_a_week_whose_only_news_is_a_buyer_s_answer_is_not_quiet():
    facts = WeekFacts(customer_words=[words("Acme")], customers_answered=1)
    message = digest_post.build(WEEK, facts, {}, replace(SCHEDULE, empty_week_note=False))
    text = shown(message)
    assert "A quiet week" not in text and "*No deals lost*" in text
    assert "*Acme* · their main reason: The price" in text and "This week's lessons" not in text


def test_a_full_week_with_every_section_at_its_longest_stays_within_slack_s_limits():
    worst_lesson = lesson("&" * 150, competitor=">" * 80, lesson="<" * 300)
    worst_words = words(
        "&" * 150,
        main_reason="other",
        other_reason="<" * 200,
        changed_mind="&" * 1000,
    )
    carried = replace(WEEK, starts_at=datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    facts = replace(
        answered([worst_words] * digest_post.WORDS_SHOWN, compared=40, agreed=12),
        lessons=[worst_lesson] * digest_post.LESSONS_SHOWN,
        lost=60,
        customers_answered=45,
        crm_lost=70,
        crm_autopsies=60,
    )
    trend = LossTrend(
        month_starts=tuple(month_starts(date(2026, 10, 1), PARIS)),
        reasons=tuple(MonthlyLosses(key, key, (999,) * 6, (99,) * 6) for key in autopsy.REASONS),
        competitors=tuple(MonthlyLosses(f"k{n}", "<" * 80, (999,) * 6, (99,) * 6) for n in range(5)),
    )
    message = digest_post.build(carried, facts, {}, SCHEDULE, trend=trend)
    text = shown(message)  # every block valid, at most 50
    assert "Lost deals per month, May 2026 to Oct 2026" in text
    assert text.count("'s customer") == digest_post.WORDS_SHOWN
    assert "…and 35 more customers answered: every answer is in `rebound export`" in text
    assert "in 12 of 40 answers these 2 weeks." in text


def test_the_month_s_first_digest_carries_the_loss_trend_even_in_a_quiet_week():
    trend = LossTrend(
        month_starts=tuple(month_starts(date(2026, 11, 1), PARIS)),
        reasons=(MonthlyLosses("price", "price", (1, 0, 2, 3, 1, 4), (0, 0, 0, 1, 0, 0)),),
        competitors=(),
    )
    quiet = WeekFacts()
    text = shown(digest_post.build(WEEK, quiet, {}, SCHEDULE, trend=trend))
    assert (
        "A quiet week" in text
        and "*Price*  `▃▁▅▆▃█`  1 · 0 · 2 · 3 · 1 · 4  (11 deals; 1 action made)" in text
    )
    assert "Lost deals per month" not in shown(digest_post.build(WEEK, quiet, {}, SCHEDULE))
