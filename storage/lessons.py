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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, case, exists, func, literal_column, or_, select, table, union
from sqlalchemy.orm import Session

from storage.autopsies import SHARED, Lesson
from storage.digests import CHECKS, CustomerWords
from storage.models import Action, Autopsy, BuyerAsk, Competitor, FollowUp, LostDeal

ANSWERS = ("yes", "partly", "no")  # a self-check's answers (bot.autopsy.ANSWERS)
TERMS_MAX = 8  # words searched for; more only slows the search and rarely finds more
TERM_MAX = 40  # characters of one word: nothing longer is a word anyone wrote
ALIASES_MAX = 10  # the merged names of one competitor whose words a CRM's reason is searched for


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


class Lessons:
    """The lessons a unit of work reads (`Store.read()`), by competitor, main reason or words."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgresql = session.get_bind().dialect.name == "postgresql"

    def sees_competitor(self, *, team_id: str, user_id: str, key: str) -> bool:
        """Whether the asker may see an autopsy lost to the competitor `key`."""
        seen = select(Autopsy.id).where(
            Autopsy.team_id == team_id,
            Autopsy.competitor_key == key,
            or_(Autopsy.sharing.in_(SHARED), Autopsy.user_id == user_id),
        )
        return self.session.scalar(seen.limit(1)) is not None

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
        named = self._words(
            "lost_deal_words", LostDeal, team_id, [name for name in names if name], phrase=True
        )
        return self._found(
            team_id,
            user_id,
            Autopsy.competitor_key == key,
            LostDeal.id.in_(named),
            since,
            reason_codes=reason_codes,
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
        # One list of ids, read from the words' indexes: an OR of the two would read the whole team.
        by_buyer = select(BuyerAsk.autopsy_id).where(
            BuyerAsk.team_id == team_id,
            BuyerAsk.id.in_(self._words("buyer_answer_words", BuyerAsk, team_id, [terms])),
        )
        found = union(self._words("autopsy_words", Autopsy, team_id, [terms]), by_buyer)
        deals = LostDeal.id.in_(self._words("lost_deal_words", LostDeal, team_id, [terms]))
        return self._found(
            team_id,
            user_id,
            Autopsy.id.in_(found),
            deals,
            since,
            reason_codes=reason_codes,
            by_id=True,
            **limits,
        )

    # The words each database searches
    def _words(
        self,
        words_table: str,
        model: Any,
        team_id: str,
        wanted: Sequence[Sequence[str]],
        *,
        phrase: bool = False,
    ) -> Any:
        """The ids of `model`'s rows of the team whose words hold any of `wanted`: each all of its
        terms (or, as a `phrase`, the terms in order). None wanted finds none."""
        if not wanted:
            return select(model.id).where(literal_column("1") == 0)
        if self.postgresql:
            query = func.phraseto_tsquery if phrase else func.plainto_tsquery
            queries = [query(literal_column("'english'"), " ".join(terms)) for terms in wanted]
            either = queries[0]
            for other in queries[1:]:
                either = either.op("||")(other)  # a tsquery OR another
            words = literal_column(f"{model.__tablename__}.words")
            return select(model.id).where(model.team_id == team_id, words.op("@@")(either))
        alternatives = [
            f'"{" ".join(terms)}"' if phrase else " ".join(f'"{term}"' for term in terms) for terms in wanted
        ]
        return (
            select(literal_column("rowid"))
            .select_from(table(words_table))
            .where(literal_column(words_table).op("MATCH")(" OR ".join(alternatives)))
        )

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
        by_id: bool = False,
        lesson_limit: int = 5,
        words_limit: int = 3,
        action_limit: int = 5,
    ) -> LessonsFound:
        # Every autopsy the asker may see: the team's shared ones and their own, private or not.
        team = Autopsy.team_id
        if by_id and not self.postgresql:
            # SQLite, with no statistics, would take an index on team_id for a narrow one and read
            # the whole team to check each row against the words' ids; "+" keeps it to those ids.
            team = literal_column("+autopsies.team_id", String)
        seen = (
            team == team_id,
            or_(Autopsy.sharing.in_(SHARED), Autopsy.user_id == user_id),
            about,
        )
        session = self.session
        # One pass over the subject's autopsies, one row of sums: grouped, SQLite would sort them.
        pairs = [(name, answer) for name in CHECKS for answer in ANSWERS]
        won_back = exists().where(
            FollowUp.autopsy_id == Autopsy.id, FollowUp.kind == "touch_base", FollowUp.state == "won_back"
        )
        total, recent, shared_count, won, *counts = session.execute(
            select(
                func.count(),
                func.count(case((Autopsy.created_at >= since, 1))),
                func.count(case((Autopsy.sharing.in_(SHARED), 1))),
                func.count(case((won_back, 1))),
                *(func.count(case((Autopsy.main_reason == reason, 1))) for reason in reason_codes),
                *(func.count(case((getattr(Autopsy, name) == answer, 1))) for name, answer in pairs),
            ).where(*seen)
        ).one()
        lost = [total - recent, recent]
        reasons = Counter({reason: n for reason, n in zip(reason_codes, counts, strict=False) if n})
        self_checks: dict[str, Counter[str]] = {name: Counter() for name in CHECKS}
        for (name, answer), times in zip(pairs, counts[len(reason_codes) :], strict=True):
            if times:
                self_checks[name][answer] += times
        if not any(lost):
            self_checks = {}
        crm = self._crm_lost(team_id, deals, since, reasons)
        shared = (*seen, Autopsy.sharing.in_(SHARED))
        lessons = (
            [
                Lesson.shared_by(row)
                for row in session.execute(
                    select(*Lesson.columns())
                    .where(*shared)
                    .order_by(Autopsy.created_at.desc(), Autopsy.id.desc())
                    .limit(lesson_limit)
                )
            ]
            if shared_count
            else []
        )

        # Open actions are few beside the subject's autopsies: each is read from its own side,
        # its autopsy checked by key.
        def of_seen(autopsy_id: Any) -> Any:
            return exists().where(Autopsy.id == autopsy_id, *seen)

        actions = session.execute(
            select(Action.what, Action.owner_id, Action.due_on, func.count().over())
            .where(Action.team_id == team_id, Action.state == "open", of_seen(Action.autopsy_id))
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
            customer_words=self._customer_words(team_id, shared, words_limit) if shared_count else [],
            won_back=won,
            open_actions=[OpenAction(what, owner, due) for what, owner, due, _ in actions],
            open_actions_total=actions[0][3] if actions else 0,
        )

    def _crm_lost(
        self, team_id: str, deals: ColumnElement[bool], since: datetime, reasons: Counter[str]
    ) -> list[int]:
        """The CRM's lost deals about the subject that have no autopsy (those count as their
        autopsy does, if the asker may see it), [earlier, recent]; their reasons go into `reasons`."""
        recent = case((LostDeal.changed_at >= since, 1), else_=0).label("recent")
        counts = [0, 0]
        for is_recent, reason, count in self.session.execute(
            select(recent, LostDeal.main_reason, func.count())
            .where(
                LostDeal.team_id == team_id,
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
        self, team_id: str, shared: Sequence[ColumnElement[bool]], limit: int
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
                exists().where(Autopsy.id == BuyerAsk.autopsy_id, *shared),
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
