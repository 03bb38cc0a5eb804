"""`rebound serve --no-scheduler`, as the playground starts it: the real bot, unchanged, whose one
clock (bot/clock.py) follows the playground's, read from the file the playground keeps it in.

    python -m playground.bot_process CLOCK_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot import clock
from bot.cli import main
from playground.clock import PlaygroundClock

if __name__ == "__main__":
    clock.follow(PlaygroundClock(Path(sys.argv[1])).now)
    sys.exit(main(["serve", "--no-scheduler"]))
