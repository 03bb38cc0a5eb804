"""Apply Alembic migrations programmatically, so `rebound db upgrade` needs no alembic.ini.

Alembic is imported only when a migration has to run or be read: every `rebound` process
migrates at start, and on a database already at the newest revision that is one SELECT instead
of 0.2-0.5 s of importing Alembic and loading its scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationRefused(Exception):
    """Alembic would not migrate: a revision it does not know, most often."""


def alembic_config(url: URL | str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def migration_scripts(url: URL | str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url))


def newest_revision() -> str:
    """The newest migration, read from the scripts' names (0009_lessons_that_come_back.py):
    tests/unit/test_storage.py holds this to Alembic's own head."""
    return max(script.name[:4] for script in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def applied_revisions(connection: Connection) -> set[str]:
    """The revisions the database says it is at; none for an empty one."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _at_newest(url: URL | str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return applied_revisions(connection) == {newest_revision()}
    except SQLAlchemyError:
        return False  # Alembic tries, and says what is wrong
    finally:
        engine.dispose()


def upgrade(url: URL | str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (default: the newest)."""
    if revision == "head" and _at_newest(url):
        return
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as error:
        raise MigrationRefused(str(error)) from None


def downgrade(url: URL | str, revision: str) -> None:
    """Take the database at `url` back down to `revision`, undoing every later migration."""
    from alembic import command
    from alembic.util import CommandError

    try:
        command.downgrade(alembic_config(url), revision)
    except CommandError as error:
        raise MigrationRefused(str(error)) from None
