"""The playground's clock: the system's time, moved forward by the jumps a person asks for.

It lives in a small file beside the playground's database, so the bot's own process (which follows
it through `clock.follow`, see playground/bot_process.py) and the next run of the playground
read the same moment. Without a file (a test's client) it is kept in memory.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from clock import system_now


class PlaygroundClock:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._ahead = timedelta(0)
        self._read_from: tuple[int, int] | None = None  # the file's (inode, mtime) last read
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The playground's moment, an aware UTC datetime."""
        return system_now() + self.ahead()

    def ahead(self) -> timedelta:
        """How far the playground's clock is ahead of the system's."""
        if self.path is None:
            return self._ahead
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return timedelta(0)
        with self._lock:
            if self._read_from != (stat.st_ino, stat.st_mtime_ns):
                try:
                    self._ahead = timedelta(seconds=float(self.path.read_text() or 0))
                except ValueError:  # a file edited by hand: the system's time
                    self._ahead = timedelta(0)
                self._read_from = (stat.st_ino, stat.st_mtime_ns)
            return self._ahead

    def move_to(self, moment: datetime) -> None:
        """Jump to `moment` (never back: what was sent stays sent)."""
        self._write(max(moment - system_now(), self.ahead()))

    def start_at(self, moment: datetime) -> None:
        """Start the story at `moment`, in the past: the demo's first day, lived up to today."""
        self._write(moment - system_now())

    def _write(self, ahead: timedelta) -> None:
        with self._lock:
            self._ahead = ahead
            if self.path is not None:
                # Written whole and renamed, so the bot's process never reads half a number.
                partial = self.path.with_suffix(".partial")
                partial.write_text(f"{ahead.total_seconds():.6f}\n")
                os.replace(partial, self.path)
