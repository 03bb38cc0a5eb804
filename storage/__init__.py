"""Rebound's storage: models, the Store that reads and writes them, and migrations."""

from storage.database import EXPORT_FIELDS, Due, Plan, Store, make_engine
from storage.digests import Lesson, WeekCount, WeekFacts
from storage.journal import AuthorStats, JournalEntry
from storage.migrate import upgrade
from storage.models import Autopsy, Base, Digest, FollowUp, Revisit, WorkspaceSettings

__all__ = [
    "EXPORT_FIELDS",
    "AuthorStats",
    "Autopsy",
    "Base",
    "Digest",
    "Due",
    "FollowUp",
    "JournalEntry",
    "Lesson",
    "Plan",
    "Revisit",
    "Store",
    "WeekCount",
    "WeekFacts",
    "WorkspaceSettings",
    "make_engine",
    "upgrade",
]
