"""The index App Home's and the digest's team open actions are read by, oldest first, and the
loss trend's actions made per month: without it, both read every action of the team (SQLite
sorted 20,000 open ones to show 10, at 100,000 actions).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_actions_team_state_made", "actions", ["team_id", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_actions_team_state_made", table_name="actions")
