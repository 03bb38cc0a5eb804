"""The autopsies table.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "autopsies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("view_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deal_name", sa.String(150), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("deal_value_cents", sa.BigInteger(), nullable=True),
        sa.Column("winner", sa.String(32), nullable=False),
        sa.Column("winner_reason", sa.Text(), nullable=True),
        sa.Column("customer_said", sa.Text(), nullable=True),
        sa.Column("check_listened", sa.String(8), nullable=False),
        sa.Column("check_timing", sa.String(8), nullable=False),
        sa.Column("check_market", sa.String(8), nullable=False),
        sa.Column("check_aggressive", sa.String(8), nullable=False),
        sa.Column("feelings", sa.Text(), nullable=False),
        sa.Column("lesson", sa.String(300), nullable=False),
        sa.Column("touch_base_on", sa.Date(), nullable=True),
        sa.Column("help_from", sa.String(32), nullable=True),
        sa.Column("sharing", sa.String(16), nullable=False),
        sa.UniqueConstraint("team_id", "view_id", name="uq_autopsies_team_view"),
    )
    op.create_index("ix_autopsies_team_created", "autopsies", ["team_id", "created_at"])
    op.create_index("ix_autopsies_team_user_created", "autopsies", ["team_id", "user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("autopsies")
