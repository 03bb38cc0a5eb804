"""Stopping on SIGTERM or Ctrl-C (`rebound serve` in Socket Mode, `rebound worker`, the playground):
the first signal stops, and the ones after it never hang the process."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT

# In a process of its own: a hang there is a failed test here, not a hung suite. A second signal
# lands while the first handler is inside `stopping.set()`, which holds the Event's lock.
SECOND_SIGNAL_INSIDE_THE_FIRST = """
import signal, threading
from rebound.server import stop_on_signals

stopping = threading.Event()
stop_on_signals(stopping)
signal.raise_signal(signal.SIGINT)
with stopping._cond:  # as Event.set() holds it when the next signal comes
    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)
print("stopping" if stopping.is_set() else "still running")
"""


def test_ctrl_c_twice_or_ctrl_c_then_sigterm_stops_once_and_never_hangs():
    done = subprocess.run(
        [sys.executable, "-c", SECOND_SIGNAL_INSIDE_THE_FIRST],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "stopping"), done.stderr
