"""Lessons before the next pitch: what `/lost-deal lessons <words>` and App Home's search box are
about (a competitor the team named, a main reason, or else words to search for), read as the
asker may see it, and how small numbers are said.

`subject_of` and `said` are pure; `read_lessons` reads one unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot import autopsy
from storage import Work
from storage.competitors import competitor_key
from storage.lessons import LessonsFound, search_terms

RECENT_DAYS = 90  # "in the last 90 days", and before
SMALL = 3  # as the digest: fewer than this many behind a number could name a person
TERM_SHOWN_MAX = 80  # characters of what was typed, said back in the card


class Kind(StrEnum):
    COMPETITOR = "competitor"
    REASON = "reason"
    WORDS = "words"


@dataclass(frozen=True)
class Subject:
    """What the asker asked about: a competitor's key, a main reason's code, or the words typed
    (`terms`, the ones searched for). `name` is how the card names it."""

    kind: Kind
    key: str
    name: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class LessonsAnswer:
    """What a card shows: the subject, and what the asker may see of it."""

    subject: Subject
    found: LessonsFound
    hide_anonymous_deal_names: bool = False


def reason_named(typed: str) -> str | None:
    """The main reason `typed` names: its code or its label, in any case ("price", "Timing",
    "Product or features", "product fit"); None for anything else."""
    wanted = " ".join(typed.replace("_", " ").split()).casefold()
    for code, label in autopsy.REASONS.items():
        if wanted in (code.replace("_", " "), label.casefold()):
            return code
    return None


def subject_of(typed: str, competitor: tuple[str, str] | None) -> Subject:
    """What `typed` asks about: the `competitor` (key, name) it names when the asker may see a
    deal lost to it, else a main reason it names, else its words."""
    if competitor is not None:
        key, name = competitor
        return Subject(Kind.COMPETITOR, key, name)
    if (reason := reason_named(typed)) is not None:
        return Subject(Kind.REASON, reason, autopsy.REASONS[reason])
    shown = " ".join(typed.split())
    if len(shown) > TERM_SHOWN_MAX:
        shown = shown[: TERM_SHOWN_MAX - 1] + "…"
    return Subject(Kind.WORDS, shown, shown, search_terms(typed))


def said(count: int) -> str:
    """A count as a card says it: 1 and 2 are "fewer than 3", never the number."""
    return "none" if count <= 0 else "fewer than 3" if count < SMALL else str(count)


def read_lessons(work: Work, *, team_id: str, user_id: str, typed: str, now: datetime) -> LessonsAnswer:
    """What `typed` asks about and what `user_id` may see of it, as of `now`."""
    since = now - timedelta(days=RECENT_DAYS)
    competitor = None
    key = competitor_key(typed)
    named = None if key is None else work.competitors.named(team_id=team_id, key=key)
    # Only a competitor the asker has seen a deal lost to: one named only in a teammate's private
    # autopsy is searched as words, which find nothing, as for a name never typed.
    if named is not None:
        seen_as = work.lessons.competitor_seen_as(
            team_id=team_id, user_id=user_id, key=named.key, name=named.name
        )
        competitor = None if seen_as is None else (named.key, seen_as)
    subject = subject_of(typed, competitor)
    lessons, asked = work.lessons, {"team_id": team_id, "user_id": user_id, "since": since}
    asked["reason_codes"] = tuple(autopsy.REASONS)
    if subject.kind is Kind.COMPETITOR:
        found = lessons.about_competitor(key=subject.key, **asked)
    elif subject.kind is Kind.REASON:
        found = lessons.about_reason(reason=subject.key, **asked)
    else:
        found = lessons.about_words(terms=subject.terms, **asked)
    settings = work.workspaces.settings(team_id)
    return LessonsAnswer(subject, found, bool(settings and settings.hide_anonymous_deal_names))
