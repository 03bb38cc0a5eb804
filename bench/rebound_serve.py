"""`rebound serve` as bench/metrics_cost.py starts it, with or without bot.metrics' counting.

    python bench/rebound_serve.py [--without-metrics] [serve's options]

Both ways start the same code the same way; --without-metrics then silences the counting, and
only that: /metrics is still served, nothing is counted. Every caller reaches the counting
through the module (`metrics.request_answered(...)`), so replacing the module's functions here,
before the bot starts, silences each of them (gunicorn's workers are forks of this process).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import metrics
from rebound.cli import main

COUNTING = (
    "request_answered",
    "command_acknowledged",
    "views_open_failed",
    "follow_up_tried",
    "digest_tried",
    "crm_events",
)


def _nothing(*_args: object, **_kwargs: object) -> None:
    return None


if __name__ == "__main__":
    options = sys.argv[1:]
    if "--without-metrics" in options:
        options.remove("--without-metrics")
        for name in COUNTING:
            assert callable(getattr(metrics, name)), f"bot.metrics.{name} is gone: update this list"
            setattr(metrics, name, _nothing)
    sys.exit(main(["serve", *options]))
