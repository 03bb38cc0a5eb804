"""The competitors a team has named, one per key, so "Initech", "initech inc." and "Initech, Inc"
are one competitor; and the names an admin merged into another."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.engine import upsert
from storage.models import Autopsy, Competitor

# Company forms a name may end with, in the spellings reps type: dropped from the key.
_COMPANY_FORMS = (
    "inc|incorporated|corp|corporation|co|company|ltd|limited|llc|llp|plc|gmbh|ag|sa|sas|sarl"
    "|bv|nv|oy|ab|as|spa|srl|pty|pte|kk|group|holdings"
)
_TRAILING_FORM = re.compile(rf"(?:\s(?:and\s)?(?:{_COMPANY_FORMS}))+$")  # "Smith & Co"
KEY_MAX = 80


def competitor_key(name: str | None) -> str | None:
    """The key a competitor's name is known by: case, accents, punctuation and a trailing company
    form ignored. None for a name that is only those ("Inc.")."""
    if not name:
        return None
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    words = re.sub(r"[^\w]+", " ", plain.replace("&", " and ")).strip()
    key = _TRAILING_FORM.sub("", f" {words}").strip() or words  # a name that is only a form ("Co")
    return key[:KEY_MAX] or None


@dataclass(frozen=True)
class NamedCompetitor:
    key: str
    name: str
    uses: int


class Competitors:
    """The competitors of a unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known_as(self, *, team_id: str, name: str | None, counted: bool = True) -> str | None:
        """The key an autopsy naming `name` carries, following a merge, and the name remembered
        (the first spelling used stays the one shown). Counts one more use of it, unless the
        autopsy is private (not `counted`): a name only ever used in private is never suggested."""
        key = competitor_key(name)
        if key is None or name is None:
            return None
        use = 1 if counted else 0
        upsert(
            self.session,
            Competitor,
            {"team_id": team_id, "key": key, "name": name.strip()[:KEY_MAX], "uses": use},
            keys=("team_id", "key"),
            changes={"uses": Competitor.uses + use},
        )
        merged = self.session.scalar(
            select(Competitor.merged_into).where(Competitor.team_id == team_id, Competitor.key == key)
        )
        if merged and counted:  # the use counts for the name suggested in its place
            self.session.execute(
                update(Competitor)
                .where(Competitor.team_id == team_id, Competitor.key == merged)
                .values(uses=Competitor.uses + 1)
            )
        return merged or key

    def named(self, *, team_id: str, key: str) -> NamedCompetitor | None:
        """The competitor a key names (a merged name: the one it went into)."""
        row = self.session.get(Competitor, (team_id, key))
        if row is not None and row.merged_into:
            row = self.session.get(Competitor, (team_id, row.merged_into))
        return None if row is None else NamedCompetitor(row.key, row.name, row.uses)

    def merge(self, *, team_id: str, from_key: str, into_key: str) -> bool:
        """Make `from_key` a name of `into_key`: its deals, its own merged names and the names
        typed later all count as the other. False when either is unknown, or they are the same."""
        into = self.named(team_id=team_id, key=into_key)
        source = self.session.get(Competitor, (team_id, from_key))
        if into is None or source is None or source.merged_into or into.key == from_key:
            return False  # a merged name already counts as another: merge that one instead
        moved = [from_key, *self._merged_into(team_id, from_key)]
        self.session.execute(
            update(Competitor)
            .where(Competitor.team_id == team_id, Competitor.key.in_(moved))
            .values(merged_into=into.key)
        )
        self.session.execute(
            update(Competitor)
            .where(Competitor.team_id == team_id, Competitor.key == into.key)
            .values(uses=Competitor.uses + source.uses)
        )
        self.session.execute(
            update(Autopsy)
            .where(Autopsy.team_id == team_id, Autopsy.competitor_key.in_(moved))
            .values(competitor_key=into.key)
        )
        return True

    def _merged_into(self, team_id: str, key: str) -> Sequence[str]:
        return self.session.scalars(
            select(Competitor.key).where(Competitor.team_id == team_id, Competitor.merged_into == key)
        ).all()

    def suggest(self, *, team_id: str, typed: str, limit: int = 20) -> list[NamedCompetitor]:
        """The team's competitors whose name starts with, or has a word starting with, what the
        rep typed: most used first (all of them, for nothing typed), never a name only private
        autopsies used. Merged names are not offered; the one they went into is, when a merged
        spelling is typed too. Typing only punctuation matches no name."""
        query = select(Competitor).where(
            Competitor.team_id == team_id, Competitor.merged_into.is_(None), Competitor.uses > 0
        )
        typed_key = competitor_key(typed)
        if typed.strip() and typed_key is None:
            return []
        if typed_key:
            escaped = typed_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            matching = Competitor.key.like(f"{escaped}%", escape="\\") | Competitor.key.like(
                f"% {escaped}%", escape="\\"
            )
            merged = select(Competitor.merged_into).where(
                Competitor.team_id == team_id, Competitor.merged_into.is_not(None), matching
            )
            query = query.where(matching | Competitor.key.in_(merged))
        rows = self.session.scalars(query.order_by(Competitor.uses.desc(), Competitor.key).limit(limit))
        return [NamedCompetitor(row.key, row.name, row.uses) for row in rows]
