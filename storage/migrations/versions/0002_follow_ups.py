"""Follow-ups, revisits, reminder pauses and the time-zone cache.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
SLACK_ID = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column(
            "autopsy_id", sa.Integer(), sa.ForeignKey("autopsies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient_id", SLACK_ID, nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lease_until", MOMENT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("channel_id", SLACK_ID, nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("sent_at", MOMENT, nullable=True),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    op.create_index("ix_follow_ups_state_due", "follow_ups", ["state", "due_at"])
    op.create_index("ix_follow_ups_team_recipient", "follow_ups", ["team_id", "recipient_id", "state"])
    op.create_index("ix_follow_ups_autopsy", "follow_ups", ["autopsy_id"])
    op.create_table(
        "revisits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column(
            "autopsy_id", sa.Integer(), sa.ForeignKey("autopsies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", SLACK_ID, nullable=False),
        sa.Column("view_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.UniqueConstraint("team_id", "view_id", name="uq_revisits_team_view"),
    )
    op.create_index("ix_revisits_autopsy", "revisits", ["autopsy_id", "created_at"])
    op.create_table(
        "reminder_pauses",
        sa.Column("team_id", SLACK_ID, primary_key=True),
        sa.Column("user_id", SLACK_ID, primary_key=True),
        sa.Column("paused_at", MOMENT, nullable=False),
    )
    op.create_table(
        "person_zones",
        sa.Column("team_id", SLACK_ID, primary_key=True),
        sa.Column("user_id", SLACK_ID, primary_key=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("fetched_at", MOMENT, nullable=False),
    )


def downgrade() -> None:
    for table in ("person_zones", "reminder_pauses", "revisits", "follow_ups"):
        op.drop_table(table)
