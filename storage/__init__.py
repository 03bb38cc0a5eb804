"""Rebound's storage: models, the Store that reads and writes them, and migrations."""

from storage.database import EXPORT_FIELDS, Store, make_engine
from storage.migrate import upgrade
from storage.models import Autopsy, Base

__all__ = ["EXPORT_FIELDS", "Autopsy", "Base", "Store", "make_engine", "upgrade"]
