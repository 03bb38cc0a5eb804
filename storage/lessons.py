"""What the team learned about one competitor, one main reason or some words, as one person may
read it: the autopsies they may see (the workspace's shared ones and their own private ones),
the CRM's lost deals with no autopsy, the shared lessons, the customers' words, deals won back
and open actions. Nothing else is read, not even counted: a count that took in a teammate's
private autopsy would tell that it exists.

Words are searched with each database's own index (storage/searching.py): SQLite FTS5's MATCH,
PostgreSQL's `words @@ tsquery` on GIN. A person's words never reach either as syntax: each run
of letters or digits becomes one quoted term (`search_terms`), bound as a parameter.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
    union,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from storage.autopsies import SHARED, Lesson
from storage.digests import CHECKS, CustomerWords
from storage.models import Action, Autopsy, AutopsyTally, BuyerAsk, Competitor, LostDeal

ANSWERS = ("yes", "partly", "no")  # a self-check's answers (bot.autopsy.ANSWERS)
CHECK_ANSWERS = tuple((name, answer) for name in CHECKS for answer in ANSWERS)  # as tallies count them
TERMS_MAX = 8  # words searched for; more only slows the search and rarely finds more
TERM_MAX = 40  # characters of one word: nothing longer is a word anyone wrote
ALIASES_MAX = 10  # the merged names of one competitor whose words a CRM's reason is searched for

Where = tuple[ColumnElement[bool], ...]  # the conditions a read of autopsies is held to


def search_terms(text: str) -> tuple[str, ...]:
    """The words in what a person typed, safe to search for: runs of letters and digits only (so
    quotes, `*`, `NEAR`'s parentheses, `-`, `:` and `^` are never syntax), the first few, each
    cut short. Empty for text of only punctuation or emoji."""
    words = re.findall(r"[^\W_]+", text.casefold())
    return tuple(dict.fromkeys(word[:TERM_MAX] for word in words))[:TERMS_MAX]


@dataclass(frozen=True)
class OpenAction:
    """An action still open on a lesson the asker may see."""

    what: str
    owner_id: str
    due_on: date


@dataclass(frozen=True)
class LessonsFound:
    """What the team learned about one subject, as one person may see it. `recent` counts are
    from `since` on, `earlier` ones before it."""

    lost_recent: int = 0  # autopsies
    lost_earlier: int = 0
    crm_recent: int = 0  # the CRM's lost deals with no autopsy
    crm_earlier: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # main reason -> autopsies and CRM deals
    self_checks: dict[str, Counter[str]] = field(default_factory=dict)  # question -> yes/partly/no
    lessons: list[Lesson] = field(default_factory=list)  # shared ones, newest first
    shared_lessons: int = 0
    customer_words: list[CustomerWords] = field(default_factory=list)  # of shared autopsies, newest first
    won_back: int = 0
    open_actions: list[OpenAction] = field(default_factory=list)  # soonest due first
    open_actions_total: int = 0

    @property
    def lost(self) -> int:
        return self.lost_recent + self.lost_earlier

    @property
    def crm_lost(self) -> int:
        return self.crm_recent + self.crm_earlier


@dataclass
class Sums:
    """Counts of the autopsies about a subject, as they add up from tallies and rows."""

    lost: list[int] = field(default_factory=lambda: [0, 0])  # [earlier, recent]
    shared: int = 0
    won_back: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    self_checks: dict[str, Counter[str]] = field(default_factory=lambda: {name: Counter() for name in CHECKS})

    def add(self, other: Sums) -> None:
        self.lost = [mine + theirs for mine, theirs in zip(self.lost, other.lost, strict=True)]
        self.shared += other.shared
        self.won_back += other.won_back
        self.reasons.update(other.reasons)
        for name, answers in other.self_checks.items():
            self.self_checks[name].update(answers)


def _autopsy_in(where: Where, autopsy_id: Any) -> ColumnElement[bool]:
    """The autopsy of `autopsy_id` is one of those `where` holds, checked by its key."""
    return exists().where(Autopsy.id == autopsy_id, *where)


class Lessons:
    """The lessons a unit of work reads (`Store.read()`), by competitor, main reason or words."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgresql = session.get_bind().dialect.name == "postgresql"

    def competitor_seen_as(self, *, team_id: str, user_id: str, key: str, name: str) -> str | None:
        """How the asker saw the competitor `key` written: as the team's `name` for it if an
        autopsy they may see wrote it so, else as the newest of those did; None if they may see
        none. A spelling only a teammate's private autopsy used is never shown."""
        seen = select(Autopsy.competitor).where(
            Autopsy.team_id == team_id,
            Autopsy.competitor_key == key,
            or_(Autopsy.sharing.in_(SHARED), Autopsy.user_id == user_id),
        )
        if self.session.scalar(seen.where(Autopsy.competitor == name).limit(1)) is not None:
            return name
        newest = self.session.scalar(seen.order_by(Autopsy.created_at.desc()).limit(1))
        return None if newest is None else newest.strip()

    def about_competitor(
        self,
        *,
        team_id: str,
        user_id: str,
        key: str,
        since: datetime,
        reason_codes: Sequence[str],
        **limits: int,
    ) -> LessonsFound:
        """A competitor by key (merged names carry the key they went into): its autopsies, and the
        CRM's lost deals whose reason names it or one of its merged names."""
        names = [search_terms(name) for name in (key, *self._merged_names(team_id, key))]
        named = self._matching("lost_deal_words", LostDeal, [name for name in names if name], phrase=True)
        return self._found(
            team_id,
            user_id,
            Autopsy.competitor_key == key,
            named,
            since,
            reason_codes=reason_codes,
            tallied=AutopsyTally.competitor_key == key,
            deals_by_id=True,
            **limits,
        )

    def about_reason(
        self,
        *,
        team_id: str,
        user_id: str,
        reason: str,
        since: datetime,
        reason_codes: Sequence[str],
        **limits: int,
    ) -> LessonsFound:
        """A main reason: the autopsies that chose it, and the CRM's lost deals whose reason names it."""
        return self._found(
            team_id,
            user_id,
            Autopsy.main_reason == reason,
            LostDeal.main_reason == reason,
            since,
            reason_codes=reason_codes,
            tallied=AutopsyTally.main_reason == reason,
            **limits,
        )

    def about_words(
        self,
        *,
        team_id: str,
        user_id: str,
        terms: Sequence[str],
        since: datetime,
        reason_codes: Sequence[str],
        **limits: int,
    ) -> LessonsFound:
        """Every term in what a team wrote (competitor, why they won, what the customer said, the
        lesson), in a buyer's answers, or in a CRM's lost deal (its name and reason)."""
        if not terms:
            return LessonsFound()
        by_buyer = select(BuyerAsk.autopsy_id).where(
            self._found_by_ids(BuyerAsk.team_id) == team_id,
            self._matching("buyer_answer_words", BuyerAsk, [terms]),
        )
        in_autopsy = self._matching("autopsy_words", Autopsy, [terms])
        if self.postgresql:
            # Both indexes in one bitmap (GIN's words OR the buyers' autopsies by key), whose heap
            # read also brings each autopsy's facts: no list of ids goes back and forth.
            found = or_(in_autopsy, Autopsy.id == any_(func.array(by_buyer.scalar_subquery())))
        else:
            # One list of ids, read from the words' indexes: an OR of the two would read the team,
            # and so would a team_id here (its index, each row checked); the card checks the team.
            ids = select(Autopsy.id).where(in_autopsy)
            found = self._among(Autopsy.id, ",".join(map(str, self.session.scalars(union(ids, by_buyer)))))
        return self._found(
            team_id,
            user_id,
            found,
            self._matching("lost_deal_words", LostDeal, [terms]),
            since,
            reason_codes=reason_codes,
            tallied=None,
            deals_by_id=True,
            **limits,
        )

    # The words each database searches
    def _matching(
        self, words_table: str, model: Any, wanted: Sequence[Sequence[str]], *, phrase: bool = False
    ) -> ColumnElement[bool]:
        """`model`'s rows whose words hold any of `wanted`: each all of its terms (or, as a
        `phrase`, the terms in order). None wanted finds none. PostgreSQL tests each row's tsvector
        (so a read's other conditions join the GIN index's bitmap); SQLite looks the rows up in
        their FTS5 table."""
        if not wanted:
            return literal_column("1") == 0
        if self.postgresql:
            query = func.phraseto_tsquery if phrase else func.plainto_tsquery
            queries = [query(literal_column("'english'"), " ".join(terms)) for terms in wanted]
            either = queries[0]
            for other in queries[1:]:
                either = either.op("||")(other)  # a tsquery OR another
            return literal_column(f"{model.__tablename__}.words").op("@@")(either)
        alternatives = [
            f'"{" ".join(terms)}"' if phrase else " ".join(f'"{term}"' for term in terms) for terms in wanted
        ]
        return model.id.in_(
            select(literal_column("rowid"))
            .select_from(table(words_table))
            .where(literal_column(words_table).op("MATCH")(" OR ".join(alternatives)))
        )

    def _found_by_ids(self, team_id: Any) -> ColumnElement[str]:
        """A table's `team_id` as compared where its rows were found by their words' ids. SQLite,
        with no statistics, would read the team by its team_id index and check each row against
        those ids: an expression on the column keeps it to the ids. PostgreSQL plans by its
        statistics, and an expression would cost it the index."""
        return team_id if self.postgresql else team_id.concat("")

    def _among(self, column: Any, ids: str) -> ColumnElement[bool]:
        """`column` is one of `ids` (digits and commas), searched for once and sent as one
        parameter (the card's queries would each search again; a parameter apiece would pass
        SQLite's limit), as text: a list of 2,000 numbers costs more to send than to find."""
        if self.postgresql:  # untyped, so the database reads it as the array once, not per row
            return column == any_(cast(bindparam(None, f"{{{ids}}}", NullType()), ARRAY(Integer)))
        listed = func.json_each(bindparam(None, f"[{ids}]", String))
        return column.in_(select(literal_column("value")).select_from(listed))

    def _merged_names(self, team_id: str, key: str) -> Sequence[str]:
        return self.session.scalars(
            select(Competitor.key)
            .where(Competitor.team_id == team_id, Competitor.merged_into == key)
            .order_by(Competitor.uses.desc())
            .limit(ALIASES_MAX)
        ).all()

    # One subject's figures
    def _found(
        self,
        team_id: str,
        user_id: str,
        about: ColumnElement[bool],
        deals: ColumnElement[bool],
        since: datetime,
        *,
        reason_codes: Sequence[str],
        tallied: ColumnElement[bool] | None,
        deals_by_id: bool = False,
        lesson_limit: int = 5,
        words_limit: int = 3,
        action_limit: int = 5,
    ) -> LessonsFound:
        """The figures of the autopsies `about` a subject, from its `tallied` counts, or else (words
        found) from the autopsies themselves, and the CRM's lost `deals` about it."""
        # Every autopsy the asker may see: the team's shared ones and their own, private or not.
        team = Autopsy.team_id if tallied is not None else self._found_by_ids(Autopsy.team_id)
        seen: Where = (
            team == team_id,
            or_(Autopsy.sharing.in_(SHARED), Autopsy.user_id == user_id),
            about,
        )
        shared = (*seen, Autopsy.sharing.in_(SHARED))
        newest = shared

        session = self.session
        if tallied is None:
            sums, seen_ids, shared_ids = self._read_found(seen, since, reason_codes)
            newest = (Autopsy.id.in_([int(i) for i in shared_ids.split(",")[:lesson_limit] if i]),)
            # Found by their words, they are known by id: no autopsy is read again.
            seen_of = partial(self._among, ids=seen_ids)
            shared_of = partial(self._among, ids=shared_ids)
        else:
            # Which autopsies an action or a buyer's answer may come from: each checked by key.
            seen_of, shared_of = partial(_autopsy_in, seen), partial(_autopsy_in, shared)
            # The tallies by month, but for the month `since` falls in: its autopsies are read.
            month = since.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            next_month = (month + timedelta(days=31)).replace(day=1)
            sums = self._tallied(team_id, user_id, tallied, f"{month:%Y-%m}", reason_codes)
            boundary, _ = self._summed(
                (*seen, Autopsy.created_at >= month, Autopsy.created_at < next_month), since, reason_codes
            )
            sums.add(boundary)
        reasons, lost, shared_count = sums.reasons, sums.lost, sums.shared
        self_checks = sums.self_checks if any(lost) else {}
        crm = self._crm_lost(team_id, deals, since, reasons, by_id=deals_by_id)
        lessons = (
            [
                Lesson.shared_by(row)
                for row in session.execute(
                    select(*Lesson.columns())
                    .where(*newest)
                    .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                    .limit(lesson_limit)
                )
            ]
            if shared_count
            else []
        )

        # Open actions are few beside the subject's autopsies: each is read from its own side.
        actions = session.execute(
            select(Action.what, Action.owner_id, Action.due_on, func.count().over())
            .where(Action.team_id == team_id, Action.state == "open", seen_of(Action.autopsy_id))
            .order_by(Action.due_on, Action.id)
            .limit(action_limit)
        ).all()
        return LessonsFound(
            lost_recent=lost[1],
            lost_earlier=lost[0],
            crm_recent=crm[1],
            crm_earlier=crm[0],
            reasons=reasons,
            self_checks=self_checks,
            lessons=lessons,
            shared_lessons=shared_count,
            customer_words=self._customer_words(team_id, shared_of, words_limit) if shared_count else [],
            won_back=sums.won_back,
            open_actions=[OpenAction(what, owner, due) for what, owner, due, _ in actions],
            open_actions_total=actions[0][3] if actions else 0,
        )

    def _read_found(
        self, seen: Sequence[ColumnElement[bool]], since: datetime, reason_codes: Sequence[str]
    ) -> tuple[Sums, str, str]:
        """The autopsies found by their words that the asker may see, read once: their sums, their
        ids and the shared ones' ids, newest first (digits and commas), for the card's other reads
        to look them up by instead of searching and checking each again."""
        if self.postgresql:  # all in the one row of the sums: the ids as text, joined by the database
            as_text = cast(Autopsy.id, String)
            newest = aggregate_order_by(literal_column("','"), Autopsy.created_at.desc(), Autopsy.id.desc())
            sums, (seen_ids, shared_ids) = self._summed(
                seen,
                since,
                reason_codes,
                func.string_agg(as_text, literal_column("','")),
                func.string_agg(as_text, newest).filter(Autopsy.sharing.in_(SHARED)),
            )
            return sums, seen_ids or "", shared_ids or ""
        # SQLite sorts a grouped read: flags worked out by the database, the moment left as stored,
        # and the rows summed here, where a row costs more than a sum in SQL, so little is done.
        rows = self.session.connection().execute(  # Core rows: the ORM's loading is no help here
            select(
                Autopsy.id,
                type_coerce(Autopsy.created_at, String),  # sorts as the moments do, unparsed
                case((Autopsy.created_at >= since, 1), else_=0),
                case((Autopsy.sharing.in_(SHARED), 1), else_=0),
                case((Autopsy.won_back.is_(True), 1), else_=0),
                Autopsy.main_reason,
                *(getattr(Autopsy, name) for name in CHECKS),
            ).where(*seen)
        )
        sums, known, seen_ids, shared = Sums(), set(reason_codes), [], []
        counted = Counter[tuple[object, ...]]()
        for autopsy_id, moment, *facts in rows:
            seen_ids.append(str(autopsy_id))
            counted[tuple(facts)] += 1
            if facts[1]:
                shared.append((moment, autopsy_id))
        for (recent, _, won, reason, *answers), times in counted.items():
            sums.lost[recent] += times
            sums.won_back += won * times
            if reason in known:
                sums.reasons[reason] += times
            for name, answer in zip(CHECKS, answers, strict=True):
                if answer in ANSWERS:
                    sums.self_checks[name][answer] += times
        shared.sort(reverse=True)
        sums.shared = len(shared)
        return sums, ",".join(seen_ids), ",".join(str(autopsy_id) for _, autopsy_id in shared)

    def _summed(
        self, seen: Sequence[ColumnElement[bool]], since: datetime, reason_codes: Sequence[str], *also: Any
    ) -> tuple[Sums, Sequence[Any]]:
        """The autopsies `seen`, summed in one pass and one row (grouped, SQLite would sort them),
        and the values of the aggregates `also` read in it."""
        row = self.session.execute(
            select(
                *also,
                func.count(),
                func.count(case((Autopsy.created_at >= since, 1))),
                func.count(case((Autopsy.sharing.in_(SHARED), 1))),
                func.count(case((Autopsy.won_back.is_(True), 1))),
                *(func.count(case((Autopsy.main_reason == reason, 1))) for reason in reason_codes),
                *(func.count(case((getattr(Autopsy, name) == answer, 1))) for name, answer in CHECK_ANSWERS),
            ).where(*seen)
        ).one()
        total, recent, shared, won, *counts = row[len(also) :]
        sums = Sums(lost=[total - recent, recent], shared=shared, won_back=won)
        sums.reasons.update({reason: n for reason, n in zip(reason_codes, counts, strict=False) if n})
        for (name, answer), times in zip(CHECK_ANSWERS, counts[len(reason_codes) :], strict=True):
            if times:
                sums.self_checks[name][answer] += times
        return sums, row[: len(also)]

    def _tallied(
        self, team_id: str, user_id: str, about: ColumnElement[bool], month: str, reason_codes: Sequence[str]
    ) -> Sums:
        """The subject's tallies the asker may see (the team's and their own private ones), but for
        `month`'s: those before it are earlier, those after it recent."""
        recent = AutopsyTally.month > month
        shared = AutopsyTally.seen_by == ""
        rows = self.session.execute(
            select(
                recent,
                shared,
                AutopsyTally.main_reason,
                func.sum(AutopsyTally.lost),
                func.sum(AutopsyTally.won_back),
                *(func.sum(getattr(AutopsyTally, f"{name}_{answer}")) for name, answer in CHECK_ANSWERS),
            )
            .where(
                AutopsyTally.team_id == team_id,
                about,
                AutopsyTally.seen_by.in_(("", user_id)),
                AutopsyTally.month != month,
            )
            .group_by(recent, shared, AutopsyTally.main_reason)
        )
        sums = Sums()
        known = set(reason_codes)
        for is_recent, is_shared, reason, lost, won, *checks in rows:
            sums.lost[bool(is_recent)] += lost
            sums.shared += lost if is_shared else 0
            sums.won_back += won
            if reason in known:
                sums.reasons[reason] += lost
            for (name, answer), times in zip(CHECK_ANSWERS, checks, strict=True):
                if times:
                    sums.self_checks[name][answer] += times
        return sums

    def _crm_lost(
        self, team_id: str, deals: ColumnElement[bool], since: datetime, reasons: Counter[str], *, by_id: bool
    ) -> list[int]:
        """The CRM's lost deals about the subject that have no autopsy (those count as their
        autopsy does, if the asker may see it), [earlier, recent]; their reasons go into `reasons`."""
        recent = case((LostDeal.changed_at >= since, 1), else_=0).label("recent")
        team = self._found_by_ids(LostDeal.team_id) if by_id else LostDeal.team_id
        counts = [0, 0]
        for is_recent, reason, count in self.session.execute(
            select(recent, LostDeal.main_reason, func.count())
            .where(
                team == team_id,
                LostDeal.lost.is_(True),
                LostDeal.autopsy_id.is_(None),
                LostDeal.state != "skipped",
                deals,
            )
            .group_by(recent, LostDeal.main_reason)
        ):
            counts[is_recent] += count
            if reason is not None:
                reasons[reason] += count
        return counts

    def _customer_words(
        self, team_id: str, shared_of: Callable[[Any], ColumnElement[bool]], limit: int
    ) -> list[CustomerWords]:
        """What buyers of the subject's shared autopsies answered, newest first, as the digest
        quotes them: read from the team's answers, newest first, each autopsy checked by key."""
        if not limit:
            return []
        with_words = or_(BuyerAsk.main_reason.is_not(None), BuyerAsk.changed_mind.is_not(None))
        ask_of = (
            select(BuyerAsk.id)
            .where(
                BuyerAsk.team_id == team_id,
                BuyerAsk.answered_at.is_not(None),
                with_words,
                shared_of(BuyerAsk.autopsy_id),
            )
            .order_by(BuyerAsk.answered_at.desc(), BuyerAsk.id.desc())
            .limit(limit)
        )
        rows = self.session.execute(
            select(*CustomerWords.columns())
            .join(Autopsy, Autopsy.id == BuyerAsk.autopsy_id)
            .where(BuyerAsk.id.in_(list(self.session.scalars(ask_of))))
            .order_by(BuyerAsk.answered_at.desc(), BuyerAsk.id.desc())
        )
        return [CustomerWords.shared_by(row) for row in rows]
