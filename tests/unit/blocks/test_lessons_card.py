"""The lessons card as a rep reads it: which kind of question it answered, counts with every
number under 3 said "fewer than 3", breakdowns only from 3 deals up, shared lessons named or
anonymous, the customers' words, deals won back and open actions; escaped, valid, small."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.blocks.lessons_card import lessons_card, lessons_help, lessons_message
from bot.blocks.message import Message
from bot.lessons import Kind, LessonsAnswer, Subject
from storage import CustomerWords, Lesson
from storage.lessons import LessonsFound, OpenAction
from tests.support.message_reading import shown

INITECH = Subject(Kind.COMPETITOR, "initech", "Initech")
PRICE = Subject(Kind.REASON, "price", "Price")


def lesson(deal: str, user_id: str | None, text: str = "Bring the CFO in early.") -> Lesson:
    return Lesson(deal, "new_deal_lost", "competitor", "Initech", "price", text, user_id, None)


def read(subject: Subject, found: LessonsFound, **settings: bool) -> str:
    message = lessons_message(LessonsAnswer(subject, found, **settings))
    assert len(message.blocks) <= 25
    return shown(message)


def test_a_competitor_s_card_counts_breaks_down_and_quotes_the_team():
    found = LessonsFound(
        lost_recent=4,
        lost_earlier=2,
        crm_recent=3,
        reasons=Counter(price=7, timing=2),
        self_checks={"check_listened": Counter(yes=5, no=1), "check_timing": Counter(partly=6)},
        lessons=[lesson("Acme", "U0ANN"), lesson("Bolt", None, "Demo the <!channel> integration")],
        shared_lessons=7,
        customer_words=[CustomerWords("Acme", "U0ANN", "price", None, "A pilot would have done it.")],
        won_back=1,
        open_actions=[OpenAction("Call <@U0EVIL> back", "U0BOB", date(2026, 12, 1))],
        open_actions_total=4,
    )
    text = read(INITECH, found)
    assert "Lessons about Initech" in text and "A competitor your team has named" in text
    assert "4 in the last 90 days, fewer than 3 before" in text
    assert "with no autopsy:* 3 in the last 90 days, none before" in text
    assert "*Main reasons*: Price 7 · and 1 other reason, fewer than 3\n" in text
    assert "Did I really listen to the prospect's needs? Yes 5 · No fewer than 3\n" in text
    assert "Did I miss the timing because I didn't follow up well? Partly 6\n" in text
    assert "Was I too aggressive? none" in text  # not asked of these deals
    assert "<@U0ANN>" in text and "shared anonymously" in text
    assert "Demo the &lt;!channel&gt; integration" in text
    assert "…and 5 more shared lessons" in text  # 7 shared, 2 shown
    assert "A pilot would have done it." in text
    assert "*Deals won back:* fewer than 3" in text
    assert "Call &lt;@U0EVIL&gt; back · <@U0BOB> · due Tue 1 Dec" in text and "…and 3 more" in text


def test_fewer_than_3_deals_show_no_pattern_and_no_number():
    found = LessonsFound(
        lost_recent=2,
        reasons=Counter(price=2),
        self_checks={"check_listened": Counter(yes=2)},
        lessons=[lesson("Acme", "U0ANN")],
        shared_lessons=1,
    )
    text = read(PRICE, found)
    assert "Lessons about deals lost on price" in text and "A main reason" in text
    assert "fewer than 3 in the last 90 days, none before" in text
    assert text.count("too few deals to show a pattern.") == 2
    assert " 2" not in text and "2 " not in text


def test_reasons_behind_fewer_than_3_deals_fold_into_one_short_phrase():
    def reasons(**counts: int) -> str:
        text = read(INITECH, LessonsFound(lost_recent=9, reasons=Counter(counts)))
        return text.split("*Main reasons*: ")[1].split("\n")[0]

    assert reasons(price=5, timing=3, service=2, relationship=1, other=1) == (
        "Price 5 · Timing or budget 3 · and 3 other reasons, each fewer than 3"
    )
    assert reasons(timing=3, price=4) == "Price 4 · Timing or budget 3"  # most first
    assert reasons(price=2, timing=2, service=2, other=1) == "too few deals to show a pattern."
    assert reasons(price=9, made_up_reason=2) == "Price 9 · and 1 other reason, fewer than 3"
    assert reasons(price=3, timing=0) == "Price 3"  # none is no reason


def test_self_check_answers_given_fewer_than_3_times_are_named_together_and_never_counted():
    def checks(lost: int, **questions: Counter[str]) -> str:
        text = read(INITECH, LessonsFound(lost_recent=lost, self_checks=questions))
        return text.split("*Self-check*")[1].split("*Shared lessons")[0].strip()

    spread = checks(
        7,
        check_listened=Counter(yes=3, partly=2, no=2),
        check_timing=Counter(yes=1, partly=3, no=3),
        check_market=Counter(no=7),
        check_aggressive=Counter(yes=2, partly=2, no=3),
    )
    assert spread.splitlines() == [
        "• Did I really listen to the prospect's needs? Yes 3 · Partly and No fewer than 3 each",
        "• Did I miss the timing because I didn't follow up well? Partly 3 · No 3 · Yes fewer than 3",
        "• Was I unaware of events in the market or among competitors? No 7",
        "• Was I too aggressive? No 3 · Yes and Partly fewer than 3 each",
    ]
    # Enough deals, but no answer given 3 times: no pattern, and no line of "fewer than 3".
    mixed = {q: Counter(yes=2, no=2) for q in ("check_listened", "check_timing", "check_market")}
    assert checks(4, **mixed) == ": too few deals to show a pattern."


def test_words_say_what_was_searched_and_nothing_found_says_what_to_try():
    words = Subject(Kind.WORDS, "security <review>", "security <review>", ("security", "review"))
    message = lessons_message(LessonsAnswer(words, LessonsFound()))
    assert message.text == "Lessons that mention “security &lt;review&gt;”"  # a notification is mrkdwn
    text = shown(message)
    assert "Lessons that mention “security <review>”" in text  # a header is plain text
    assert "searched the team's words for *security review*" in text
    assert "Nothing the team wrote yet that you can see" in text
    nothing = read(Subject(Kind.WORDS, "🙂", "🙂"), LessonsFound())
    assert "no words in that to search for" in nothing


def test_the_shared_lessons_not_shown_are_counted_from_those_shown():
    def more(listed: int, shared: int) -> str:
        found = LessonsFound(lost_recent=9, lessons=[lesson("Acme", "U0ANN")] * listed, shared_lessons=shared)
        return next((line for line in read(INITECH, found).splitlines() if line.startswith("…and")), "")

    assert more(5, 6) == "…and 1 more shared lesson"
    assert more(2, 7) == "…and 5 more shared lessons"  # only 2 came with the answer: 5 unseen
    assert more(5, 5) == ""


def test_anonymous_deal_names_stay_hidden_when_the_workspace_hides_them():
    found = LessonsFound(lost_recent=3, lessons=[lesson("Secret Co", None)], shared_lessons=1)
    assert "Secret Co" not in read(INITECH, found, hide_anonymous_deal_names=True)
    assert "Secret Co" in read(INITECH, found)


def test_the_longest_card_fits_slack_s_limits():
    long = "x" * 300
    found = LessonsFound(
        lost_recent=10**6,
        reasons=Counter({reason: 5 for reason in ("price", "timing", "service", "other")}),
        lessons=[lesson(long, None, long) for _ in range(20)],
        shared_lessons=20,
        customer_words=[CustomerWords(long, None, "other", long, long * 3) for _ in range(10)],
        open_actions=[OpenAction(long, "U0BOB", date(2026, 12, 1)) for _ in range(5)],
        open_actions_total=9,
    )
    blocks = lessons_card(LessonsAnswer(Subject(Kind.WORDS, long, long, ("x" * 40,)), found))
    assert len(blocks) <= 25
    shown(Message("card", blocks))


def test_help_shows_how_to_ask_and_who_sees_what():
    text = shown(lessons_help())
    assert "`/lost-deal lessons Initech`" in text and "`/lost-deal lessons price`" in text
    assert "Only you see the answer" in text and "private autopsy never shows" in text
