"""The words autopsies, buyers' answers and CRM lost deals are found by, as each database keeps
them (migration 0009): SQLite's FTS5 tables, kept current by triggers; PostgreSQL's generated
`words` tsvector columns, each with a GIN index. Neither is a model: no code writes them."""

from __future__ import annotations

from sqlalchemy import Column

WORD_TABLES = ("autopsy_words", "buyer_answer_words", "lost_deal_words")  # and FTS5's shadow tables


def is_words_table(name: str) -> bool:
    return name.startswith(WORD_TABLES)


def is_written(column: Column[object]) -> bool:
    """Whether rows are written into this column: a generated one the database fills itself."""
    return column.computed is None
