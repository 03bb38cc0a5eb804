"""Lessons that come back: actions and their reminders, competitors by key, the reason a CRM's
lost deal plainly names, and the words each database finds autopsies, buyers' answers and lost
deals by (SQLite: FTS5 tables its triggers keep current; PostgreSQL: generated tsvector columns
with GIN indexes).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.competitors import competitor_key

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
SLACK_ID = sa.String(32)

# Each searched table, its FTS5 table (SQLite) and the columns searched. The PostgreSQL column
# `words` holds the same text, stemmed as English as SQLite's porter tokenizer does.
SEARCHED = {
    "autopsies": ("autopsy_words", ("competitor", "winner_reason", "customer_said", "lesson")),
    "buyer_asks": ("buyer_answer_words", ("other_reason", "changed_mind", "working_with")),
    "lost_deals": ("lost_deal_words", ("deal_name", "reason")),
}


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column(
            "autopsy_id", sa.Integer(), sa.ForeignKey("autopsies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("view_id", sa.String(64), nullable=False),
        sa.Column("made_by", SLACK_ID, nullable=False),
        sa.Column("owner_id", SLACK_ID, nullable=False),
        sa.Column("what", sa.String(300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(300), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.UniqueConstraint("team_id", "view_id", name="uq_actions_team_view"),
    )
    op.create_index("ix_actions_team_state", "actions", ["team_id", "state", "due_on"])
    op.create_index("ix_actions_team_owner", "actions", ["team_id", "owner_id", "state"])
    op.create_index("ix_actions_team_closed", "actions", ["team_id", "closed_at"])
    op.create_index("ix_actions_autopsy", "actions", ["autopsy_id"])
    op.create_table(
        "competitors",
        sa.Column("team_id", SLACK_ID, primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.String(80), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    op.create_index("ix_competitors_team_uses", "competitors", ["team_id", "uses"])
    with op.batch_alter_table("follow_ups") as table:
        table.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_follow_ups_action_id_actions", "actions", ["action_id"], ["id"], ondelete="CASCADE"
        )
        table.create_index("ix_follow_ups_action", ["action_id"])
    with op.batch_alter_table("autopsies") as table:
        table.add_column(sa.Column("competitor_key", sa.String(80), nullable=True))
        table.create_index("ix_autopsies_team_competitor", ["team_id", "competitor_key", "created_at"])
        table.create_index("ix_autopsies_team_reason", ["team_id", "main_reason", "created_at"])
    with op.batch_alter_table("lost_deals") as table:
        table.add_column(sa.Column("main_reason", sa.String(32), nullable=True))
        table.create_index("ix_lost_deals_team_reason", ["team_id", "main_reason", "changed_at"])
    _known_competitors()
    # The words last: a batch rebuild of a table (SQLite) would drop the triggers made on it.
    if op.get_bind().dialect.name == "postgresql":
        for table, (_, columns) in SEARCHED.items():
            text = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN words tsvector "
                f"GENERATED ALWAYS AS (to_tsvector('english', {text})) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_words ON {table} USING gin (words)")
    else:
        for table, (search, columns) in SEARCHED.items():
            _sqlite_words(table, search, columns)


def _known_competitors() -> None:
    """The key of each competitor already named, and the team's names: the first spelling seen."""
    bind = op.get_bind()
    autopsies = sa.table(
        "autopsies",
        sa.column("id"),
        sa.column("team_id"),
        sa.column("competitor"),
        sa.column("competitor_key"),
        sa.column("created_at"),
    )
    competitors = sa.table(
        "competitors",
        sa.column("team_id"),
        sa.column("key"),
        sa.column("name"),
        sa.column("uses"),
        sa.column("created_at"),
    )
    named = bind.execute(
        sa.select(autopsies.c.id, autopsies.c.team_id, autopsies.c.competitor, autopsies.c.created_at)
        .where(autopsies.c.competitor.is_not(None))
        .order_by(autopsies.c.created_at)
    ).all()
    known: dict[tuple[str, str], dict[str, object]] = {}
    for row in named:
        key = competitor_key(row.competitor)
        if key is None:
            continue
        bind.execute(sa.update(autopsies).where(autopsies.c.id == row.id).values(competitor_key=key))
        first = known.setdefault(
            (row.team_id, key),
            {
                "team_id": row.team_id,
                "key": key,
                "name": row.competitor.strip()[:80],
                "uses": 0,
                "created_at": row.created_at,
            },
        )
        first["uses"] = int(first["uses"]) + 1  # type: ignore[call-overload]
    if known:
        bind.execute(sa.insert(competitors), list(known.values()))


def _sqlite_words(table: str, search: str, columns: Sequence[str]) -> None:
    """An external-content FTS5 table over `columns` of `table`, kept current by triggers as the
    SQLite manual shows (a 'delete' row takes out the old text before the new goes in)."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE {search} USING fts5({listed}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    insert = f"INSERT INTO {search}(rowid, {listed}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {search}({search}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    op.execute(f"CREATE TRIGGER {search}_added AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER {search}_removed AFTER DELETE ON {table} BEGIN {remove} END")
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    op.execute(
        f"CREATE TRIGGER {search}_changed AFTER UPDATE ON {table} WHEN {changed} BEGIN {remove} {insert} END"
    )
    op.execute(f"INSERT INTO {search}({search}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX ix_{table}_words")
            op.execute(f"ALTER TABLE {table} DROP COLUMN words")
    else:
        for search, _ in SEARCHED.values():
            for trigger in ("added", "removed", "changed"):
                op.execute(f"DROP TRIGGER {search}_{trigger}")
            op.execute(f"DROP TABLE {search}")
    with op.batch_alter_table("lost_deals") as table:
        table.drop_index("ix_lost_deals_team_reason")
        table.drop_column("main_reason")
    with op.batch_alter_table("autopsies") as table:
        table.drop_index("ix_autopsies_team_reason")
        table.drop_index("ix_autopsies_team_competitor")
        table.drop_column("competitor_key")
    with op.batch_alter_table("follow_ups") as table:
        table.drop_index("ix_follow_ups_action")
        table.drop_constraint("fk_follow_ups_action_id_actions", type_="foreignkey")
        table.drop_column("action_id")
    op.drop_index("ix_competitors_team_uses", table_name="competitors")
    op.drop_table("competitors")
    for index in (
        "ix_actions_autopsy",
        "ix_actions_team_closed",
        "ix_actions_team_owner",
        "ix_actions_team_state",
    ):
        op.drop_index(index, table_name="actions")
    op.drop_table("actions")
