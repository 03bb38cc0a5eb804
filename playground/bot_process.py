"""`rebound serve --no-scheduler`, as the playground starts it: the real bot, unchanged, whose one
clock (clock/__init__.py) follows the playground's, read from the file the playground keeps it in.

    python -m playground.bot_process CLOCK_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

import clock
from playground.playground_clock import PlaygroundClock
from rebound.cli import main

if __name__ == "__main__":
    clock.follow(PlaygroundClock(Path(sys.argv[1])).now)
    sys.exit(main(["serve", "--no-scheduler"]))
