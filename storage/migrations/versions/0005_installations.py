"""Multi-workspace installs: slack_sdk's installation and OAuth state tables, in Rebound's database.

The tables are exactly those slack_sdk's SQLAlchemy stores read and write (built by their own
table builders), created here so that `rebound db upgrade` sets up everything at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    SQLAlchemyInstallationStore.default_installations_table_name,
    SQLAlchemyInstallationStore.default_bots_table_name,
    SQLAlchemyOAuthStateStore.default_table_name,
)


def slack_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, TABLES[0])
    SQLAlchemyInstallationStore.build_bots_table(metadata, TABLES[1])
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, TABLES[2])
    return metadata


def upgrade() -> None:
    slack_metadata().create_all(op.get_bind())


def downgrade() -> None:
    slack_metadata().drop_all(op.get_bind())
