"""What `rebound db copy`, `db backup` and `db restore` show: a bar per table or step on a
terminal (redrawn in place), a line per table or step elsewhere (logs, CI), and at the end the
table of row counts, source against copy."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from storage.backup import BackupReport
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


class _Bar:
    """A bar redrawn in place on a terminal (at most every REDRAW_EVERY), one line per piece of work
    elsewhere. Subclasses say what a bar and a finished piece read like."""

    def __init__(
        self, stream: TextIO, *, terminal: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._terminal = terminal
        self._clock = clock
        self._name = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._drawn = 0.0
        self._open = False  # a bar is on screen without its newline

    def start(self, name: str, total: int) -> None:
        self._name, self._total, self._done = name, total, 0
        self._started = self._drawn = self._clock()
        if self._terminal:
            self._draw()

    def advance(self, done: int) -> None:
        self._done = done
        if self._terminal and self._clock() - self._drawn >= REDRAW_EVERY:
            self._draw()

    def close(self) -> None:
        """End a bar left open (the work stopped midway), so what is printed next starts a line."""
        if self._open:
            self._write("\n")
            self._open = False

    def _bar(self, seconds: float) -> str:
        raise NotImplementedError

    def _draw(self) -> None:
        self._drawn = self._clock()
        self._write(f"\r{self._bar(self._drawn - self._started)}")
        self._open = True

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


class CopyProgress(_Bar):
    """Follows the copy table by table (storage.copy.Progress) on `stream`."""

    def _bar(self, seconds: float) -> str:
        return bar_line(self._name, self._done, self._total, seconds)

    def finish(self) -> None:
        seconds = self._clock() - self._started
        if self._terminal:
            self._draw()
            self._write("\n")
            self._open = False
        else:
            self._write(done_line(self._name, self._done, seconds) + "\n")


def summary_lines(report: CopyReport) -> list[str]:
    """The table the copy ends with: each table's rows on both sides and whether they agree."""
    width = max([len("table"), *(len(table.name) for table in report.tables)])
    lines = [f"{'table':<{width}}  {'source rows':>11}  {'target rows':>11}  checksum"]
    for table in report.tables:
        verdict = "ok" if table.agrees else "DIFFERS"
        lines.append(f"{table.name:<{width}}  {table.source_rows:>11,}  {table.target_rows:>11,}  {verdict}")
    return lines


def step_line(step: str, done: int, total: int, width: int = BAR_WIDTH) -> str:
    """A step's bar, `copying pages  [#####...]  5,120/21,000`, or its name alone when it cannot
    say how far it got (`checking integrity ...`)."""
    if not total:
        return f"{step} ..."
    filled = round(done / total * width)
    return f"{step:<20} [{'#' * filled}{'.' * (width - filled)}] {done:>11,}/{total:,}"


def step_done_line(step: str, done: int, total: int, seconds: float) -> str:
    if not total:
        return f"{step}: done in {seconds:.1f} s"
    return f"{step}: {done:,}/{total:,} in {seconds:.1f} s"


class StepProgress(_Bar):
    """Follows a backup or a restore step by step (storage.backup.Progress) on `stream`."""

    def _bar(self, seconds: float) -> str:
        return step_line(self._name, self._done, self._total)

    def finish(self) -> None:
        line = step_done_line(self._name, self._done, self._total, self._clock() - self._started)
        # On a terminal the finished step replaces its bar (padded over what the bar was longer by).
        width = len(step_line(self._name, self._done, self._total)) if self._terminal else 0
        self._write(("\r" if self._terminal else "") + line.ljust(width) + "\n")
        self._open = False


def backup_summary_lines(report: BackupReport, *, source: str, copy: str) -> list[str]:
    """The table a backup or restore ends with: each table's rows in the source and in the copy
    (columns headed `source` and `copy`), then what the integrity check said."""
    width = max([len("table"), *(len(table.name) for table in report.tables)])
    source_heading, copy_heading = f"{source} rows", f"{copy} rows"
    left, right = max(11, len(source_heading)), max(11, len(copy_heading))
    lines = [f"{'table':<{width}}  {source_heading:>{left}}  {copy_heading:>{right}}"]
    for table in report.tables:
        counted = table.copy_rows >= 0  # not when the copy failed its integrity check
        copied = f"{table.copy_rows:,}" if counted else "-"
        verdict = "ok" if table.agrees else "DIFFERS" if counted else "not counted"
        lines.append(f"{table.name:<{width}}  {table.source_rows:>{left},}  {copied:>{right}}  {verdict}")
    lines.append(f"integrity check: {'; '.join(report.integrity) or 'not run'}")
    return lines
