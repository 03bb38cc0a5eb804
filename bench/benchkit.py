"""What the benchmarks share: a throw-away database of each kind, and Markdown tables."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from tests.schemas import private_schema  # the scripts put the repository on sys.path first


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as home:
        yield f"sqlite:///{Path(home) / 'rebound.db'}"


def postgres_database(server: str) -> AbstractContextManager[str]:
    """A private schema on `server`, dropped afterwards (the tests' own helper)."""
    return private_schema(server, "rebound_bench")


def table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table; the first column left-aligned, the rest right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if index < 1 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|")
    for row in rows:
        print(line(row))
