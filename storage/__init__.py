"""Rebound's storage: the models, a Store handing out units of work, one module per aggregate
(autopsies, follow-ups, digests, workspaces, lost deals, buyer asks), and the Alembic migrations."""

from storage.autopsies import AuthorStats, ExportEntry, JournalEntry, Lesson
from storage.buyer_asks import ANSWER_FIELDS, AskedOf
from storage.digests import CustomerWords, WeekCount, WeekFacts
from storage.engine import make_engine
from storage.follow_ups import Due, Plan, SentMessage
from storage.migrate import downgrade, upgrade
from storage.models import Autopsy, Base, BuyerAsk, Digest, FollowUp, LostDeal, Revisit, WorkspaceSettings
from storage.store import Store, Work

__all__ = [
    "ANSWER_FIELDS",
    "AskedOf",
    "AuthorStats",
    "Autopsy",
    "Base",
    "BuyerAsk",
    "CustomerWords",
    "Digest",
    "Due",
    "ExportEntry",
    "FollowUp",
    "JournalEntry",
    "Lesson",
    "LostDeal",
    "Plan",
    "Revisit",
    "SentMessage",
    "Store",
    "WeekCount",
    "WeekFacts",
    "Work",
    "WorkspaceSettings",
    "downgrade",
    "make_engine",
    "upgrade",
]
