"""The customer's side: each autopsy's link to its buyer and their answers, the counts behind the
public page's rate limits, the sender's name buyers see, and the buyer contact a CRM names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
SLACK_ID = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "buyer_asks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column(
            "autopsy_id", sa.Integer(), sa.ForeignKey("autopsies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_seed", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("opened_at", MOMENT, nullable=True),
        sa.Column("withdrawn_at", MOMENT, nullable=True),
        sa.Column("answered_at", MOMENT, nullable=True),
        sa.Column("main_reason", sa.String(32), nullable=True),
        sa.Column("other_reason", sa.String(200), nullable=True),
        sa.Column("changed_mind", sa.Text(), nullable=True),
        sa.Column("working_with", sa.String(300), nullable=True),
        sa.Column("working_score", sa.Integer(), nullable=True),
        sa.Column("may_contact", sa.String(8), nullable=True),
        sa.UniqueConstraint("autopsy_id", name="uq_buyer_asks_autopsy"),
        sa.UniqueConstraint("token_hash", name="uq_buyer_asks_token_hash"),
    )
    op.create_index("ix_buyer_asks_team_answered", "buyer_asks", ["team_id", "answered_at"])
    op.create_table(
        "page_visits",
        sa.Column("who", sa.String(64), primary_key=True),
        sa.Column("window_start", MOMENT, primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_page_visits_window", "page_visits", ["window_start"])
    with op.batch_alter_table("workspace_settings") as table:
        table.add_column(sa.Column("company_name", sa.String(80), nullable=True))
    with op.batch_alter_table("autopsies") as table:
        table.add_column(sa.Column("buyer_contact", sa.String(150), nullable=True))
    with op.batch_alter_table("lost_deals") as table:
        table.add_column(sa.Column("contact_name", sa.String(150), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lost_deals") as table:
        table.drop_column("contact_name")
    with op.batch_alter_table("autopsies") as table:
        table.drop_column("buyer_contact")
    with op.batch_alter_table("workspace_settings") as table:
        table.drop_column("company_name")
    op.drop_index("ix_page_visits_window", table_name="page_visits")
    op.drop_table("page_visits")
    op.drop_index("ix_buyer_asks_team_answered", table_name="buyer_asks")
    op.drop_table("buyer_asks")
