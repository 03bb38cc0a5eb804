"""The one clock Rebound asks for "now".

Every part of Rebound that needs the time calls `now()`; nothing else reads the wall clock (ruff's
banned-api rule in pyproject.toml keeps it so). In production `now()` is the system's time.

A program that runs Rebound on a clock of its own calls `follow()` once, before it starts Rebound,
with its clock's `now`. The playground does: its clock jumps ahead so a month of reminders shows in
a minute, and the bot it starts follows it. The product has no other knowledge of whose clock it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def system_now() -> datetime:
    """The system's time, as an aware UTC datetime: production's clock, and the one a clock of
    another program (the playground's) counts from."""
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_now


def now() -> datetime:
    """This moment, as an aware UTC datetime."""
    return _source()


def follow(source: Callable[[], datetime]) -> None:
    """From now on, `now()` is `source()` (an aware datetime) in this process."""
    global _source
    _source = source
