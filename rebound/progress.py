"""What `rebound db copy` shows: a bar per table on a terminal (redrawn in place), a line per
table elsewhere (logs, CI), and at the end the table of row counts, source against target."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from storage.copy import CopyReport

BAR_WIDTH = 24
REDRAW_EVERY = 0.1  # seconds: often enough to look alive, rarely enough to cost nothing


def rows_per_second(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"


def bar_line(table: str, copied: int, rows: int, seconds: float, width: int = BAR_WIDTH) -> str:
    """One table's bar: `autopsies  [#########...]  45,000/100,000  12,345 rows/s`."""
    share = copied / rows if rows else 1.0
    filled = round(share * width)
    bar = "#" * filled + "." * (width - filled)
    return f"{table:<20} [{bar}] {copied:>11,}/{rows:,}  {rows_per_second(copied, seconds)}"


def done_line(table: str, rows: int, seconds: float) -> str:
    return f"{table}: {rows:,} rows copied in {seconds:.1f} s ({rows_per_second(rows, seconds)})"


class CopyProgress:
    """Follows the copy table by table (storage.copy.Progress) on `stream`."""

    def __init__(
        self, stream: TextIO, *, terminal: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._terminal = terminal
        self._clock = clock
        self._table = ""
        self._rows = 0
        self._copied = 0
        self._started = 0.0
        self._drawn = 0.0
        self._open = False  # a bar is on screen without its newline

    def start(self, table: str, rows: int) -> None:
        self._table, self._rows, self._copied = table, rows, 0
        self._started = self._drawn = self._clock()
        if self._terminal:
            self._draw()

    def advance(self, copied: int) -> None:
        self._copied = copied
        if self._terminal and self._clock() - self._drawn >= REDRAW_EVERY:
            self._draw()

    def finish(self) -> None:
        seconds = self._clock() - self._started
        if self._terminal:
            self._draw()
            self._write("\n")
            self._open = False
        else:
            self._write(done_line(self._table, self._copied, seconds) + "\n")

    def close(self) -> None:
        """End a bar left open (the copy stopped midway), so what is printed next starts a line."""
        if self._open:
            self._write("\n")
            self._open = False

    def _draw(self) -> None:
        self._drawn = self._clock()
        line = bar_line(self._table, self._copied, self._rows, self._drawn - self._started)
        self._write(f"\r{line}")
        self._open = True

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


def summary_lines(report: CopyReport) -> list[str]:
    """The table the copy ends with: each table's rows on both sides and whether they agree."""
    width = max([len("table"), *(len(table.name) for table in report.tables)])
    lines = [f"{'table':<{width}}  {'source rows':>11}  {'target rows':>11}  checksum"]
    for table in report.tables:
        verdict = "ok" if table.agrees else "DIFFERS"
        lines.append(f"{table.name:<{width}}  {table.source_rows:>11,}  {table.target_rows:>11,}  {verdict}")
    return lines
