"""The lessons card's counts kept as autopsies change: per team, competitor, main reason, month and
who may see them, how many autopsies, won back and each self-check answer. Triggers keep them, so
no writer (the form, an edit, erasure, `rebound db copy`) can forget; a card then sums a few hundred
rows instead of reading every autopsy about its subject. Whether an autopsy's touch-base was won
back is kept on the autopsy by the follow-ups' triggers for the same reason. And the index App Home
reads "actions I asked of others" by.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_ID = sa.String(32)
SHARED = "('named', 'anonymous')"  # storage.autopsies.SHARED
CHECKS = ("check_listened", "check_timing", "check_market", "check_aggressive")
ANSWERS = ("yes", "partly", "no")
KEY = ("team_id", "competitor_key", "seen_by", "main_reason", "month")
COUNTED = ("lost", "won_back", *(f"{check}_{answer}" for check in CHECKS for answer in ANSWERS))
# The autopsy's columns a tally depends on: an update of any other leaves the tallies alone.
TALLIED = (
    "team_id",
    "user_id",
    "sharing",
    "created_at",
    "competitor_key",
    "main_reason",
    "won_back",
    *CHECKS,
)


def upgrade() -> None:
    op.create_index("ix_actions_team_maker", "actions", ["team_id", "made_by", "state"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Added in place, not by a batch rebuild, which on SQLite would drop the words' triggers.
    op.add_column("autopsies", sa.Column("won_back", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE autopsies SET won_back = TRUE WHERE EXISTS (SELECT 1 FROM follow_ups WHERE "
        "follow_ups.autopsy_id = autopsies.id AND kind = 'touch_base' AND state = 'won_back')"
    )
    op.create_table(
        "autopsy_tallies",
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("competitor_key", sa.String(80), nullable=False),  # '' for none
        sa.Column("seen_by", SLACK_ID, nullable=False),  # '' for the team (shared), else the author
        sa.Column("main_reason", sa.String(32), nullable=False),  # '' for none
        sa.Column("month", sa.String(7), nullable=False),  # of created_at in UTC, as YYYY-MM
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTED),
        sa.PrimaryKeyConstraint(*KEY, name="pk_autopsy_tallies"),
    )
    op.create_index(
        "ix_autopsy_tallies_reason",
        "autopsy_tallies",
        ["team_id", "main_reason", "seen_by", "competitor_key", "month"],
    )
    if postgresql:
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    month = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')" if postgresql else "substr(created_at, 1, 7)"
    keys = _keys("autopsies", month).values()
    op.execute(
        f"INSERT INTO autopsy_tallies ({', '.join(KEY + COUNTED)}) "
        f"SELECT {', '.join(keys)}, {', '.join(f'sum({value})' for value in _counts('autopsies', 1))} "
        f"FROM autopsies GROUP BY {', '.join(keys)}"
    )


def _keys(row: str, month: str) -> dict[str, str]:
    return {
        "team_id": f"{row}.team_id",
        "competitor_key": f"coalesce({row}.competitor_key, '')",
        "seen_by": f"CASE WHEN {row}.sharing IN {SHARED} THEN '' ELSE {row}.user_id END",
        "main_reason": f"coalesce({row}.main_reason, '')",
        "month": month.replace("created_at", f"{row}.created_at"),
    }


def _counts(row: str, sign: int) -> list[str]:
    one = "" if sign > 0 else "-"
    return [
        f"{one}1",
        f"{one}(CASE WHEN {row}.won_back THEN 1 ELSE 0 END)",
        *(
            f"{one}(CASE WHEN {row}.{check} = '{answer}' THEN 1 ELSE 0 END)"
            for check in CHECKS
            for answer in ANSWERS
        ),
    ]


def _tallied(row: str, sign: int, month: str) -> str:
    """Add (sign 1) or take out (-1) one autopsy's counts; a tally left counting nothing goes, so
    the table holds what counting the autopsies gives, and a copy's the same."""
    keys = _keys(row, month)
    added = ", ".join(f"{name} = autopsy_tallies.{name} + excluded.{name}" for name in COUNTED)
    upsert = (
        f"INSERT INTO autopsy_tallies ({', '.join(KEY + COUNTED)}) "
        f"VALUES ({', '.join(keys.values())}, {', '.join(_counts(row, sign))}) "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {added};"
    )
    if sign > 0:
        return upsert
    same = " AND ".join(f"{name} = {value}" for name, value in keys.items())
    return f"{upsert} DELETE FROM autopsy_tallies WHERE {same} AND lost = 0;"


# An autopsy is won back when one of its touch-bases is. The follow-ups' triggers act only when a
# won-back state comes or goes (rare), never for the many follow-ups that come and go otherwise:
# a won-back touch-base added makes it won back; one removed or changed away, it is counted again.
WON_BACK_ADDED = "UPDATE autopsies SET won_back = TRUE WHERE autopsies.id = {row}.autopsy_id AND NOT won_back"
WON_BACK_COUNTED = (
    "UPDATE autopsies SET won_back = NOT won_back WHERE autopsies.id = {row}.autopsy_id AND won_back <> "
    "EXISTS (SELECT 1 FROM follow_ups WHERE follow_ups.autopsy_id = autopsies.id "
    "AND kind = 'touch_base' AND state = 'won_back')"
)
# (event, the row, when its trigger acts, what it does)
WON_BACK_EVENTS = (
    ("INSERT", "new", "new.kind = 'touch_base' AND new.state = 'won_back'", WON_BACK_ADDED),
    ("DELETE", "old", "old.kind = 'touch_base' AND old.state = 'won_back'", WON_BACK_COUNTED),
    (
        "UPDATE",
        "new",
        "new.kind = 'touch_base' AND (old.state = 'won_back') <> (new.state = 'won_back')",
        WON_BACK_COUNTED,
    ),
)


def _sqlite_triggers() -> None:
    month = "substr(created_at, 1, 7)"
    added = _tallied("new", 1, month)
    op.execute(f"CREATE TRIGGER autopsy_tallies_added AFTER INSERT ON autopsies BEGIN {added} END")
    op.execute(
        "CREATE TRIGGER autopsy_tallies_removed AFTER DELETE ON autopsies BEGIN "
        f"{_tallied('old', -1, month)} END"
    )
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in TALLIED)
    op.execute(
        f"CREATE TRIGGER autopsy_tallies_changed AFTER UPDATE ON autopsies WHEN {changed} BEGIN "
        f"{_tallied('old', -1, month)} {_tallied('new', 1, month)} END"
    )
    for event, row, when, change in WON_BACK_EVENTS:
        op.execute(
            f"CREATE TRIGGER autopsies_won_back_{event.lower()} AFTER {event} ON follow_ups "
            f"WHEN {when} BEGIN {change.format(row=row)}; END"
        )


def _postgresql_triggers() -> None:
    month = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    op.execute(
        f"""CREATE FUNCTION autopsy_tallies_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {_tallied("OLD", -1, month)} END IF;
    IF TG_OP <> 'DELETE' THEN {_tallied("NEW", 1, month)} END IF;
    RETURN NULL;
END $$"""
    )
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in TALLIED)
    op.execute(
        "CREATE TRIGGER autopsy_tallies_kept AFTER INSERT OR DELETE ON autopsies "
        "FOR EACH ROW EXECUTE FUNCTION autopsy_tallies_kept()"
    )
    op.execute(
        f"CREATE TRIGGER autopsy_tallies_changed AFTER UPDATE ON autopsies FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION autopsy_tallies_kept()"
    )
    for event, row, when, change in WON_BACK_EVENTS:
        name = f"autopsies_won_back_{event.lower()}"
        op.execute(
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {change.format(row=row.upper())};
    RETURN NULL;
END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON follow_ups FOR EACH ROW WHEN ({when}) "
            f"EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event, *_ in WON_BACK_EVENTS:
            op.execute(f"DROP TRIGGER autopsies_won_back_{event.lower()} ON follow_ups")
            op.execute(f"DROP FUNCTION autopsies_won_back_{event.lower()}()")
        op.execute("DROP TRIGGER autopsy_tallies_changed ON autopsies")
        op.execute("DROP TRIGGER autopsy_tallies_kept ON autopsies")
        op.execute("DROP FUNCTION autopsy_tallies_kept()")
    else:
        for trigger in ("added", "removed", "changed"):
            op.execute(f"DROP TRIGGER autopsy_tallies_{trigger}")
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER autopsies_won_back_{event}")
    op.drop_index("ix_autopsy_tallies_reason", table_name="autopsy_tallies")
    op.drop_table("autopsy_tallies")
    op.drop_column("autopsies", "won_back")
    op.drop_index("ix_actions_team_maker", table_name="actions")
