"""Lost deals from the CRM: one row per deal, each notification seen once, autopsies that remember
the deal they came from, and follow-ups about a lost deal (no autopsy yet, owner not yet found).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
SLACK_ID = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "lost_deals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("crm", sa.String(16), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("changed_at", MOMENT, nullable=False),
        sa.Column("stage", sa.String(100), nullable=True),
        sa.Column("lost", sa.Boolean(), nullable=True),
        sa.Column("from_import", sa.Boolean(), nullable=False),
        sa.Column("deal_name", sa.String(150), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("pipeline", sa.String(100), nullable=True),
        sa.Column("owner_email", sa.String(254), nullable=True),
        sa.Column("owner_id", SLACK_ID, nullable=True),
        sa.Column("deal_url", sa.String(500), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column(
            "autopsy_id", sa.Integer(), sa.ForeignKey("autopsies.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.UniqueConstraint("team_id", "crm", "deal_id", name="uq_lost_deals_team_crm_deal"),
    )
    op.create_index("ix_lost_deals_team_changed", "lost_deals", ["team_id", "changed_at"])
    op.create_table(
        "deal_news_seen",
        sa.Column("team_id", SLACK_ID, primary_key=True),
        sa.Column("crm", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column(
            "lost_deal_id",
            sa.Integer(),
            sa.ForeignKey("lost_deals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("received_at", MOMENT, nullable=False),
    )
    with op.batch_alter_table("autopsies") as autopsies:
        autopsies.add_column(sa.Column("crm", sa.String(16), nullable=True))
        autopsies.add_column(sa.Column("crm_deal_id", sa.String(64), nullable=True))
        autopsies.add_column(sa.Column("crm_deal_url", sa.String(500), nullable=True))
    with op.batch_alter_table("follow_ups") as follow_ups:
        follow_ups.alter_column("autopsy_id", existing_type=sa.Integer(), nullable=True)
        follow_ups.alter_column("recipient_id", existing_type=SLACK_ID, nullable=True)
        follow_ups.add_column(
            sa.Column(
                "lost_deal_id",
                sa.Integer(),
                sa.ForeignKey("lost_deals.id", name="fk_follow_ups_lost_deal", ondelete="CASCADE"),
                nullable=True,
            )
        )
        follow_ups.create_index("ix_follow_ups_lost_deal", ["lost_deal_id"])


def downgrade() -> None:
    op.execute("DELETE FROM follow_ups WHERE lost_deal_id IS NOT NULL")
    with op.batch_alter_table("follow_ups") as follow_ups:
        follow_ups.drop_index("ix_follow_ups_lost_deal")
        follow_ups.drop_constraint("fk_follow_ups_lost_deal", type_="foreignkey")
        follow_ups.drop_column("lost_deal_id")
        follow_ups.alter_column("recipient_id", existing_type=SLACK_ID, nullable=False)
        follow_ups.alter_column("autopsy_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("autopsies") as autopsies:
        autopsies.drop_column("crm_deal_url")
        autopsies.drop_column("crm_deal_id")
        autopsies.drop_column("crm")
    op.drop_table("deal_news_seen")
    op.drop_index("ix_lost_deals_team_changed", "lost_deals")
    op.drop_table("lost_deals")
