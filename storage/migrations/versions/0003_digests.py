"""The weekly digest: workspace settings, one row per digest week, and what it reports on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
SLACK_ID = sa.String(32)


def upgrade() -> None:
    with op.batch_alter_table("autopsies") as autopsies:
        autopsies.add_column(sa.Column("competitor", sa.String(80), nullable=True))
        autopsies.add_column(sa.Column("main_reason", sa.String(32), nullable=True))
    op.create_index("ix_follow_ups_team_closed", "follow_ups", ["team_id", "closed_at"])
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", SLACK_ID, primary_key=True),
        sa.Column("digest_channel", SLACK_ID, nullable=True),
        sa.Column("digest_day", sa.String(3), nullable=True),
        sa.Column("digest_time", sa.String(5), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("empty_week_note", sa.Boolean(), nullable=True),
        sa.Column("hide_anonymous_deal_names", sa.Boolean(), nullable=True),
        sa.Column("digest_chart", sa.Boolean(), nullable=True),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("starts_at", MOMENT, nullable=False),
        sa.Column("ends_at", MOMENT, nullable=False),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt_at", MOMENT, nullable=False),
        sa.Column("lease_until", MOMENT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("posted_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.UniqueConstraint("team_id", "week", name="uq_digests_team_week"),
    )
    op.create_index("ix_digests_state_attempt", "digests", ["state", "attempt_at"])


def downgrade() -> None:
    op.drop_table("digests")
    op.drop_table("workspace_settings")
    op.drop_index("ix_follow_ups_team_closed", "follow_ups")
    with op.batch_alter_table("autopsies") as autopsies:
        autopsies.drop_column("main_reason")
        autopsies.drop_column("competitor")
