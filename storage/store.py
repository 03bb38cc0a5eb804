"""The Store: one engine and one sessionmaker per process, handing out units of work.

A unit of work is one SQLAlchemy session and, for `write()`, one transaction, committed when
the block ends and rolled back if it raises: a handler can put a revisit and the answer to
its follow-up in one commit. Nothing outside `storage/` writes SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.actions import Actions
from storage.autopsies import Autopsies
from storage.buyer_asks import BuyerAsks, PageLimits
from storage.competitors import Competitors
from storage.digests import Digests
from storage.engine import make_engine
from storage.follow_ups import FollowUps
from storage.lessons import Lessons
from storage.loss_trends import LossTrends
from storage.lost_deals import LostDeals
from storage.people import People
from storage.workspaces import Workspaces


class Work:
    """What one unit of work reaches, by aggregate; each made on first use, as most units of work
    reach one or two."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def autopsies(self) -> Autopsies:
        return Autopsies(self.session)

    @cached_property
    def follow_ups(self) -> FollowUps:
        return FollowUps(self.session)

    @cached_property
    def digests(self) -> Digests:
        return Digests(self.session)

    @cached_property
    def workspaces(self) -> Workspaces:
        return Workspaces(self.session)

    @cached_property
    def lost_deals(self) -> LostDeals:
        return LostDeals(self.session)

    @cached_property
    def buyer_asks(self) -> BuyerAsks:
        return BuyerAsks(self.session)

    @cached_property
    def page_limits(self) -> PageLimits:
        return PageLimits(self.session)

    @cached_property
    def actions(self) -> Actions:
        return Actions(self.session)

    @cached_property
    def competitors(self) -> Competitors:
        return Competitors(self.session)

    @cached_property
    def loss_trends(self) -> LossTrends:
        return LossTrends(self.session)

    @cached_property
    def lessons(self) -> Lessons:
        return Lessons(self.session)

    @cached_property
    def people(self) -> People:
        return People(self.session)


class Store:
    """Rebound's database, for this process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: URL | str, *, pool_size: int = 5, pool_timeout: float = 30) -> Store:
        return cls(make_engine(url, pool_size=pool_size, pool_timeout=pool_timeout))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Work]:
        """A unit of work in one transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield Work(session)

    @contextmanager
    def read(self) -> Iterator[Work]:
        """A unit of work that only reads (it is never committed)."""
        with self._sessions() as session:
            yield Work(session)

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True
