"""Per-workspace follow-up defaults: days to touch base, days to revisit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace_settings") as settings:
        settings.add_column(sa.Column("touch_base_days", sa.Integer(), nullable=True))
        settings.add_column(sa.Column("revisit_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace_settings") as settings:
        settings.drop_column("revisit_days")
        settings.drop_column("touch_base_days")
