"""Rebound's storage: models, the Store that reads and writes them, and migrations."""

from storage.database import EXPORT_FIELDS, Due, Plan, Store, make_engine
from storage.migrate import upgrade
from storage.models import Autopsy, Base, FollowUp, Revisit

__all__ = [
    "EXPORT_FIELDS",
    "Autopsy",
    "Base",
    "Due",
    "FollowUp",
    "Plan",
    "Revisit",
    "Store",
    "make_engine",
    "upgrade",
]
