"""Alembic environment: migrations run against the URL Rebound hands over, online only."""

from alembic import context

from storage.engine import make_engine
from storage.models import Base

engine = make_engine(context.config.attributes["database_url"])
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
