"""What the team learned about a competitor, a main reason or some words, on SQLite and PostgreSQL:
only what the asker may see is read or counted (a teammate's private autopsy never, not its
lesson, not its words, not in a count), the CRM's lost deals with no autopsy, the words kept
current on edit and delete and after `rebound db copy`, and hostile words answered, never an error."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot import autopsy
from bot.deal_news import WORKFLOW, DealNews
from storage import Plan, Store
from storage.actions import Commitment
from storage.copy import copy_database
from storage.lessons import LessonsFound, OpenAction, search_terms
from storage.models import FollowUp
from tests.support.buyer_answering import buyer_answers
from tests.support.databases import Quiet
from tests.support.examples import ANSWERS, lost_to_initech, save_lesson
from tests.support.hostile_input import HOSTILE_SEARCHES
from tests.support.lived_in_database import a_team_with_everything
from tests.support.slack_requests import unique

TEAM = "T1"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=90)
REASONS = tuple(autopsy.REASONS)
ME, ANN, BOB = "U0ME", "U0ANN", "U0BOB"


def lost(store: Store, user: str, deal: str, *, at: datetime = NOW, **changes: object) -> int:
    return lost_to_initech(store, user, deal, team=TEAM, at=at, **changes)


def competitor(store: Store, key: str = "initech", user: str = ME) -> LessonsFound:
    with store.read() as work:
        return work.lessons.about_competitor(
            team_id=TEAM, user_id=user, key=key, since=SINCE, reason_codes=REASONS
        )


def words(store: Store, text: str, user: str = ME) -> LessonsFound:
    with store.read() as work:
        return work.lessons.about_words(
            team_id=TEAM, user_id=user, terms=search_terms(text), since=SINCE, reason_codes=REASONS
        )


def reason(store: Store, main_reason: str, user: str = ME) -> LessonsFound:
    with store.read() as work:
        return work.lessons.about_reason(
            team_id=TEAM, user_id=user, reason=main_reason, since=SINCE, reason_codes=REASONS
        )


def crm_lost(store: Store, deal_id: str, *, reason: str, main_reason: str | None, at: datetime = NOW) -> None:
    news = DealNews(
        crm=WORKFLOW,
        deal_id=deal_id,
        key=unique("K"),
        changed_at=at,
        lost=True,
        deal_name=f"Deal {deal_id}",
        reason=reason,
        main_reason=main_reason,
        owner_user_id=ANN,
    )
    with store.write() as work:
        work.lost_deals.receive(team_id=TEAM, news=[news], now=at)


def test_a_competitor_counts_what_the_asker_may_see_in_and_before_the_90_days(store):
    lost(store, ANN, "Acme", lesson="Bring the CFO in early.")
    lost(store, BOB, "Bolt", sharing="anonymous", competitor="initech inc.", main_reason="timing")
    lost(store, ME, "Mine", sharing="private", lesson="MY PRIVATE LESSON")
    lost(store, BOB, "Hidden", sharing="private", lesson="BOB'S PRIVATE LESSON", main_reason="service")
    lost(store, ANN, "Old", at=NOW - timedelta(days=200), check_listened="no")
    lost(store, ANN, "Globex deal", competitor="Globex")
    save_lesson(store, ANN, team="T2", competitor="Initech", winner="competitor", deal_name="Elsewhere")

    found = competitor(store)
    assert (found.lost_recent, found.lost_earlier) == (3, 1)  # Bob's private one nowhere
    assert found.reasons == {"price": 3, "timing": 1}
    assert found.self_checks["check_listened"] == {"partly": 3, "no": 1}
    assert [lesson.deal_name for lesson in found.lessons] == ["Bolt", "Acme", "Old"]  # shared, newest first
    assert found.lessons[0].user_id is None and found.lessons[1].user_id == ANN
    assert found.shared_lessons == 3
    assert "Hidden" not in {lesson.deal_name for lesson in competitor(store, user=ANN).lessons}
    assert competitor(store, user=BOB).lost == 4  # Bob sees his own private one, not mine


def test_a_merged_name_s_deals_and_the_crm_s_reasons_naming_either_count_as_the_competitor(store):
    lost(store, ANN, "Acme")
    lost(store, ANN, "Bolt", competitor="Initrode")
    with store.write() as work:
        assert work.competitors.merge(team_id=TEAM, from_key="initrode", into_key="initech")
    crm_lost(store, "1", reason="Went with Initech, cheaper", main_reason="price")
    crm_lost(store, "2", reason="Initrode had the integration", main_reason="product_fit")
    crm_lost(store, "3", reason="Lost to Globex", main_reason=None, at=NOW - timedelta(days=100))
    crm_lost(store, "4", reason="Initech again", main_reason=None, at=NOW - timedelta(days=100))

    found = competitor(store)
    assert found.lost == 2
    assert (found.crm_recent, found.crm_earlier) == (2, 1)
    assert found.reasons == {"price": 3, "product_fit": 1}


def test_a_reason_counts_autopsies_and_the_crm_s_lost_deals_without_one(store):
    lost(store, ANN, "Acme", main_reason="timing")
    lost(store, BOB, "Secret", sharing="private", main_reason="timing")
    lost(store, ANN, "Pricey", main_reason="price")
    crm_lost(store, "1", reason="No budget this year", main_reason="timing")
    crm_lost(store, "2", reason="Too expensive", main_reason="price")

    found = reason(store, "timing")
    assert (found.lost, found.crm_lost) == (1, 1)
    assert [lesson.deal_name for lesson in found.lessons] == ["Acme"]


def test_words_are_found_in_what_the_asker_may_see_and_a_teammate_s_private_words_never(store):
    lost(store, ANN, "Acme", lesson="Procurement wanted a security review first.")
    lost(store, BOB, "Secret", sharing="private", lesson="Procurement stalled the security review.")
    lost(store, ME, "Mine", sharing="private", customer_said="Procurement hated our contract.")

    mine = words(store, "procurement")
    assert mine.lost == 2  # Ann's shared one and my own private one
    assert [lesson.deal_name for lesson in mine.lessons] == ["Acme"]  # a private lesson, never
    theirs = words(store, "procurement", user=ANN)
    assert theirs.lost == 1 and theirs.shared_lessons == 1
    assert words(store, "stalled", user=ANN) == LessonsFound()  # Bob's words: not even a count
    assert words(store, "stalled", user=BOB).lost == 1
    assert words(store, "reviews security").lost == 1  # every word, stemmed, in any order
    assert words(store, "procurement contract").lost == 1


def test_buyers_words_and_crm_deals_are_searched_too_and_quoted_as_the_autopsy_is_shared(store):
    named = lost(store, ANN, "Acme")
    hidden = lost(store, BOB, "Secret", sharing="private")
    buyer_answers(store, team_id=TEAM, autopsy_id=named, at=NOW, changed_mind="A proper pilot.")
    buyer_answers(store, team_id=TEAM, autopsy_id=hidden, at=NOW, changed_mind="A pilot, honestly.")
    crm_lost(store, "9", reason="They wanted a pilot", main_reason=None)

    found = words(store, "pilot")
    assert (found.lost, found.crm_lost) == (1, 1)
    assert [(said.deal_name, said.user_id, said.changed_mind) for said in found.customer_words] == [
        ("Acme", ANN, "A proper pilot.")
    ]
    assert [said.deal_name for said in competitor(store).customer_words] == ["Acme"]


def test_deals_won_back_and_open_actions_of_what_the_asker_may_see(store):
    acme = lost(store, ANN, "Acme")
    hidden = lost(store, BOB, "Secret", sharing="private")
    with store.write() as work:
        for autopsy_id in (acme, hidden):
            work.session.query(FollowUp).filter(FollowUp.autopsy_id == autopsy_id).update(
                {"state": "won_back", "closed_at": NOW}
            )
        for n, (autopsy_id, what) in enumerate(
            ((acme, "Call the CFO"), (hidden, "SECRET PLAN"), (acme, "Done"))
        ):
            action, _ = work.actions.make(
                team_id=TEAM,
                autopsy_id=autopsy_id,
                made_by=ANN,
                view_id=f"VA{n}",
                commitment=Commitment(what=what, owner_id=ANN, due_on=date(2026, 12, 1 + n)),
                reminder=Plan(kind="action_due", recipient_id=ANN, due_at=NOW),
                now=NOW,
            )
            if what == "Done":
                action.state = "done"

    found = competitor(store)
    assert found.won_back == 1
    assert found.open_actions == [OpenAction("Call the CFO", ANN, date(2026, 12, 1))]
    assert found.open_actions_total == 1


def test_an_edited_autopsy_is_found_by_its_new_words_and_a_deleted_one_not_at_all(store):
    acme = lost(store, ANN, "Acme", lesson="Quantum pricing scared them.")
    with store.write() as work:
        edited = replace(ANSWERS, deal_name="Acme", sharing="named", lesson="Bring a reference customer.")
        assert work.autopsies.update(
            team_id=TEAM, user_id=ANN, autopsy_id=acme, answers=edited, plans=[], now=NOW
        )
    assert words(store, "quantum").lost == 0
    assert words(store, "reference customer").lost == 1
    with store.write() as work:
        assert work.autopsies.delete(team_id=TEAM, user_id=ANN, autopsy_id=acme)
    assert words(store, "reference customer") == LessonsFound()


def test_hostile_words_get_an_answer_never_an_error(store):
    lost(store, ANN, "Acme", lesson='Initech NEAR "price" OR -cheap*: ^ok (yes) AND 1=1; DROP TABLE x')
    for typed in HOSTILE_SEARCHES:
        assert words(store, typed).lost in (0, 1), typed
    assert words(store, 'NEAR "price" OR -cheap*: (yes)').lost == 1  # the words in it, as words
    assert competitor(store).lost == 1  # the table is still there


def test_search_terms_are_words_only_a_few_and_short():
    assert search_terms('Initech" OR 1=1 -- NEAR(a b) ^x:y *') == (
        "initech",
        "or",
        "1",
        "near",
        "a",
        "b",
        "x",
        "y",
    )
    assert search_terms("!!! ??? 🙂🙂") == ()
    assert search_terms("مرحبا שלום") == ("مرحبا", "שלום")
    assert len(search_terms("word " * 5000)) == 1
    assert search_terms("x" * 100) == ("x" * 40,)


def test_after_db_copy_to_postgresql_and_back_words_are_still_found(tmp_path, postgres_url):
    source, back = f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'back.db'}"
    a_team_with_everything(source, TEAM, ME)
    for url in (postgres_url, back):
        copy_database(source, url, progress=Quiet())
        with closing(Store.connect(url)) as copied, copied.read() as work:
            found = work.lessons.about_words(
                team_id=TEAM, user_id=unique("U"), terms=("lesson",), since=SINCE, reason_codes=REASONS
            )
            by_name = work.lessons.about_competitor(
                team_id=TEAM, user_id=unique("U"), key="initech", since=SINCE, reason_codes=REASONS
            )
        assert found.lost == 6  # the named and anonymous of 9; the private 3 not
        assert by_name.lost == 6
        source = url


def test_a_competitor_is_seen_by_the_asker_only_through_an_autopsy_they_may_see(store):
    lost(store, BOB, "Secret", sharing="private", competitor="UMBRELLA, CORP.")
    with store.read() as work:
        seen_as = work.lessons.competitor_seen_as
        assert seen_as(team_id=TEAM, user_id=ANN, key="umbrella", name="UMBRELLA, CORP.") is None
        assert seen_as(team_id=TEAM, user_id=BOB, key="umbrella", name="UMBRELLA, CORP.") == (
            "UMBRELLA, CORP."
        )
    # Once a shared autopsy names it, Ann sees it as that one wrote it, never as Bob's private one.
    lost(store, ANN, "Old", competitor="Umbrella Corp", at=NOW - timedelta(days=40))
    lost(store, ANN, "New", competitor="umbrella", at=NOW - timedelta(days=2))
    with store.read() as work:
        seen_as = work.lessons.competitor_seen_as
        assert seen_as(team_id=TEAM, user_id=ANN, key="umbrella", name="UMBRELLA, CORP.") == "umbrella"
        assert seen_as(team_id=TEAM, user_id=ANN, key="umbrella", name="Umbrella Corp") == "Umbrella Corp"
