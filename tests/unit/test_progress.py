"""What `rebound db copy`, `db backup` and `db restore` show while they run and at their end."""

from __future__ import annotations

import io
from pathlib import Path

from rebound.progress import (
    CopyProgress,
    StepProgress,
    backup_summary_lines,
    bar_line,
    step_line,
    summary_lines,
)
from storage.backup import BackupReport, TableRows
from storage.copy import CopyReport, TableCopy


def test_a_bar_shows_the_share_copied_the_rows_and_the_rate():
    line = bar_line("autopsies", 50_000, 100_000, 2.0, width=10)
    assert "[#####.....]" in line and "50,000/100,000" in line and "25,000 rows/s" in line
    assert "[##########]" in bar_line("revisits", 0, 0, 0.0, width=10)  # an empty table is done


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_each_table_is_one_bar_redrawn_in_place():
    screen, clock = io.StringIO(), Clock()
    progress = CopyProgress(screen, terminal=True, clock=clock)
    progress.start("autopsies", 4_000)
    for copied in (1_000, 2_000, 3_000, 4_000):
        clock.now += 0.5
        progress.advance(copied)
    progress.finish()
    progress.start("follow_ups", 10)
    progress.close()  # stopped midway: the next line starts on its own
    lines = screen.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""
    assert lines[0].count("\r") == 6  # drawn at start, on each advance, at the end
    assert lines[0].rsplit("\r", 1)[1].startswith("autopsies") and "4,000/4,000" in lines[0]
    assert "follow_ups" in lines[1] and "0/10" in lines[1]


def test_elsewhere_each_table_is_one_plain_line():
    log, clock = io.StringIO(), Clock()
    progress = CopyProgress(log, terminal=False, clock=clock)
    progress.start("autopsies", 3)
    clock.now = 2.0
    progress.advance(3)
    progress.finish()
    progress.close()
    assert log.getvalue() == "autopsies: 3 rows copied in 2.0 s (2 rows/s)\n"


def test_the_summary_says_which_table_differs():
    report = CopyReport(
        [TableCopy("autopsies", 2, "a", 2, "a"), TableCopy("follow_ups", 3, "b", 3, "c")], seconds=1.0
    )
    header, autopsies, follow_ups = summary_lines(report)
    assert header.split() == ["table", "source", "rows", "target", "rows", "checksum"]
    assert autopsies.split() == ["autopsies", "2", "2", "ok"]
    assert follow_ups.split() == ["follow_ups", "3", "3", "DIFFERS"]
    assert [table.name for table in report.disagreeing] == ["follow_ups"]


def test_a_step_shows_its_share_or_only_its_name_when_it_cannot_say():
    assert "[#####.....]" in step_line("copying pages", 512, 1_024, width=10)
    assert "512/1,024" in step_line("copying pages", 512, 1_024, width=10)
    assert step_line("checking integrity", 0, 0) == "checking integrity ..."


def test_on_a_terminal_each_step_is_a_bar_that_ends_as_its_line():
    screen, clock = io.StringIO(), Clock()
    progress = StepProgress(screen, terminal=True, clock=clock)
    progress.start("copying pages", 300)
    for done in (100, 200, 300):
        clock.now += 0.5
        progress.advance(done)
    progress.finish()
    progress.start("checking integrity", 0)
    clock.now += 0.25
    progress.finish()
    progress.start("counting rows", 13)
    progress.close()  # stopped midway: the next line starts on its own
    lines = screen.getvalue().split("\n")
    assert len(lines) == 4 and lines[3] == ""
    assert lines[0].count("\r") == 5  # drawn at start and on each advance, replaced at the end
    assert lines[0].rsplit("\r", 1)[1].rstrip() == "copying pages: 300/300 in 1.5 s"
    assert lines[1].rsplit("\r", 1)[1].rstrip() == "checking integrity: done in 0.2 s"
    assert lines[2].endswith("0/13")


def test_elsewhere_each_step_is_one_plain_line():
    log, clock = io.StringIO(), Clock()
    progress = StepProgress(log, terminal=False, clock=clock)
    progress.start("copying pages", 300)
    clock.now = 2.0
    progress.advance(300)
    progress.finish()
    progress.start("checking integrity", 0)
    progress.finish()
    progress.close()
    assert log.getvalue() == "copying pages: 300/300 in 2.0 s\nchecking integrity: done in 0.0 s\n"


def test_the_backup_summary_says_which_table_differs_and_what_the_integrity_check_found():
    report = BackupReport(
        Path("b.db"), "0007", 10, 4096, [TableRows("autopsies", 2, 2), TableRows("revisits", 3, 1)]
    )
    report.integrity = ["ok"]
    header, autopsies, revisits, integrity = backup_summary_lines(report, source="database", copy="backup")
    assert header.split() == ["table", "database", "rows", "backup", "rows"]
    assert autopsies.split() == ["autopsies", "2", "2", "ok"]
    assert revisits.split() == ["revisits", "3", "1", "DIFFERS"]
    assert integrity == "integrity check: ok"
    damaged = BackupReport(
        Path("b.db"), "0007", 10, 4096, [TableRows("autopsies", 2)], ["Page 7: btreeInitPage() error"]
    )
    assert backup_summary_lines(damaged, source="database", copy="backup")[1].split() == [
        "autopsies",
        "2",
        "-",
        "not",
        "counted",
    ]
    assert not damaged.intact and report.intact and report.disagreeing == [report.tables[1]]
