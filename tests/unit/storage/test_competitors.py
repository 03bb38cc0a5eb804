"""Competitor names on SQLite and PostgreSQL: one key for the spellings of one company, the uses
that order suggestions, an admin's merges, and suggestions as the rep types.

One database of each kind for the module (migrating one costs more than these tests), each test
in a workspace of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage import Autopsy, Store, upgrade
from storage.competitors import competitor_key
from tests.support.databases import postgres_schema
from tests.support.examples import ANSWERS
from tests.support.slack_requests import unique

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('competitors') / 'rebound.db'}"
        else:
            url = stack.enter_context(postgres_schema())
        upgrade(url)
        opened = Store.connect(url)
        stack.callback(opened.close)
        yield opened


@pytest.fixture
def team() -> str:
    return unique("T")


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (("Initech", "initech inc.", "Initech, Inc", "INITECH  Incorporated"), "initech"),
        (("Société Générale", "societe generale", "SOCIÉTÉ GÉNÉRALE SA"), "societe generale"),
        (("Smith & Co", "Smith and Company", "smith, co."), "smith"),
        (("Globex Corp.", "Globex Corporation Ltd", "globex"), "globex"),
        (("Acme-Labs", "acme labs!", "Acme.Labs"), "acme labs"),
    ],
)
def test_the_spellings_of_one_company_have_one_key(spellings, key):
    assert {competitor_key(name) for name in spellings} == {key}


def test_a_name_that_is_only_a_company_form_keeps_it_and_one_of_only_punctuation_has_none():
    assert competitor_key("Co") == "co"
    assert competitor_key("Inc.") == "inc"
    assert competitor_key("...") is None
    assert competitor_key("") is None
    assert competitor_key(None) is None
    assert competitor_key("x" * 200) == "x" * 80


def test_different_companies_keep_different_keys():
    assert competitor_key("Initech") != competitor_key("Initrode")
    assert competitor_key("Co-op Bank") != competitor_key("Bank")


def name(store: Store, team: str, typed: str) -> str | None:
    with store.write() as work:
        return work.competitors.known_as(team_id=team, name=typed)


def suggested(store: Store, team: str, typed: str) -> list[tuple[str, int]]:
    with store.read() as work:
        return [(c.name, c.uses) for c in work.competitors.suggest(team_id=team, typed=typed)]


def test_each_autopsy_naming_a_competitor_counts_one_use_under_the_first_spelling(store, team):
    assert name(store, team, "Initech") == "initech"
    assert name(store, team, "initech inc.") == "initech"
    assert name(store, team, "  Initech, Inc ") == "initech"
    assert name(store, team, "Globex") == "globex"
    assert name(store, team, "   ") is None
    assert suggested(store, team, "") == [("Initech", 3), ("Globex", 1)]
    with store.read() as work:
        assert work.competitors.named(team_id=team, key="initech").name == "Initech"
        assert work.competitors.named(team_id=unique("T"), key="initech") is None  # another workspace's


def save(store: Store, team: str, competitor: str | None, view: str, sharing: str = "anonymous") -> Autopsy:
    answers = replace(ANSWERS, winner="competitor", competitor=competitor, sharing=sharing)
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=team, user_id="U1", view_id=view, answers=answers, created_at=NOW
        )
        return entry


def keys(store: Store, team: str) -> dict[str, str | None]:
    with store.read() as work:
        rows = work.session.execute(
            select(Autopsy.view_id, Autopsy.competitor_key).where(Autopsy.team_id == team)
        )
        return {view: key for view, key in rows}


def test_an_autopsy_carries_its_competitor_s_key_and_slack_s_second_delivery_counts_no_use(store, team):
    save(store, team, "Initech, Inc", "V1")
    save(store, team, "Initech, Inc", "V1")  # Slack delivered the submission again
    save(store, team, None, "V2")
    assert keys(store, team) == {"V1": "initech", "V2": None}
    assert suggested(store, team, "ini") == [("Initech, Inc", 1)]


def test_merging_moves_the_deals_and_later_spellings_land_on_the_other(store, team):
    save(store, team, "Initech", "V1")
    save(store, team, "Initech", "V2")
    save(store, team, "Inytech", "V3")
    with store.write() as work:
        assert work.competitors.merge(team_id=team, from_key="inytech", into_key="initech")
    assert keys(store, team) == {"V1": "initech", "V2": "initech", "V3": "initech"}
    save(store, team, "inytech ltd", "V4")  # typed again after the merge
    assert keys(store, team)["V4"] == "initech"
    with store.read() as work:
        assert work.competitors.named(team_id=team, key="inytech").name == "Initech"
    assert suggested(store, team, "in") == [("Initech", 4)]  # the merged name is not offered
    assert suggested(store, team, "inyt") == [("Initech", 4)]  # typing it offers the one it went into


def test_merging_into_a_merged_name_lands_on_the_name_it_went_into_with_its_own_merged_names(store, team):
    for view, typed in enumerate(("Initech", "Inytech", "Initek", "Intech")):
        save(store, team, typed, f"V{view}")
    with store.write() as work:
        assert work.competitors.merge(team_id=team, from_key="inytech", into_key="initech")
        assert work.competitors.merge(team_id=team, from_key="intech", into_key="initek")
        # "intech" went into "initek"; "initek" now goes into "inytech", itself merged into "initech"
        assert work.competitors.merge(team_id=team, from_key="initek", into_key="inytech")
    assert set(keys(store, team).values()) == {"initech"}
    assert name(store, team, "Intech") == "initech"
    assert suggested(store, team, "") == [("Initech", 5)]


def test_a_merge_of_an_unknown_name_into_itself_or_in_a_circle_is_refused_and_changes_nothing(store, team):
    save(store, team, "Initech", "V1")
    save(store, team, "Globex", "V2")
    with store.write() as work:
        merges = work.competitors
        assert not merges.merge(team_id=team, from_key="initech", into_key="initech")
        assert not merges.merge(team_id=team, from_key="umbrella", into_key="initech")
        assert not merges.merge(team_id=team, from_key="initech", into_key="umbrella")
        assert not merges.merge(team_id=unique("T"), from_key="globex", into_key="initech")  # not that team's
        assert merges.merge(team_id=team, from_key="globex", into_key="initech")
        assert not merges.merge(team_id=team, from_key="initech", into_key="globex")  # globex is initech
        assert not merges.merge(team_id=team, from_key="globex", into_key="initech")  # already is
    assert keys(store, team) == {"V1": "initech", "V2": "initech"}
    assert suggested(store, team, "") == [("Initech", 2)]


def test_suggestions_match_the_start_of_the_name_or_of_any_word_most_used_first(store, team):
    for typed, times in (("Initech", 1), ("Big Initiative Ltd", 3), ("Mini Tech", 2), ("Globex", 5)):
        for _ in range(times):
            name(store, team, typed)
    assert suggested(store, team, "ini") == [("Big Initiative Ltd", 3), ("Initech", 1)]
    assert suggested(store, team, "  TECH") == [("Mini Tech", 2)]
    assert suggested(store, team, "big ini") == [("Big Initiative Ltd", 3)]
    assert suggested(store, team, "Initech, Inc.") == [("Initech", 1)]
    assert suggested(store, team, "umbrella") == []
    assert suggested(store, unique("T"), "ini") == []


def test_what_the_rep_types_is_matched_literally_even_sql_s_wildcards(store, team):
    for typed in ("Initech", "A_B Partners", "AxB Partners", "100% Sales"):
        name(store, team, typed)
    assert suggested(store, team, "a_b") == [("A_B Partners", 1)]
    assert suggested(store, team, "%") == []
    assert suggested(store, team, "_") == []
    assert suggested(store, team, "100%") == [("100% Sales", 1)]
    assert suggested(store, team, "\\") == []
    assert suggested(store, team, "' OR 1=1 --") == []


def test_a_name_only_private_autopsies_used_is_never_suggested_until_one_is_shared(store, team):
    secret = save(store, team, "Umbrella Corp", "V1", sharing="private")
    save(store, team, "Globex", "V2", sharing="private")
    assert keys(store, team) == {"V1": "umbrella", "V2": "globex"}  # the rep's own views still group it
    assert suggested(store, team, "") == []
    with store.write() as work:  # the rep shares the first one in an edit
        answers = replace(ANSWERS, winner="competitor", competitor="Umbrella Corp", sharing="named")
        work.autopsies.update(
            team_id=team, user_id="U1", autopsy_id=secret.id, answers=answers, plans=[], now=NOW
        )
    assert suggested(store, team, "") == [("Umbrella Corp", 1)]
