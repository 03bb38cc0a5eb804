"""An index for "has this CRM deal an autopsy already?", asked before every CRM prompt: without it
each question reads all of a workspace's autopsies (bench/crm.py: 6.9x slower at 10x autopsies).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_autopsies_team_crm_deal", "autopsies", ["team_id", "crm", "crm_deal_id"])


def downgrade() -> None:
    op.drop_index("ix_autopsies_team_crm_deal", table_name="autopsies")
