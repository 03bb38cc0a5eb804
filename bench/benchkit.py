"""What the benchmarks share: a throw-away database of each kind, a fake Slack in a process of
its own, and Markdown tables."""

from __future__ import annotations

import gc
import multiprocessing
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from playground.emulator import SlackEmulator  # the scripts put the repository on sys.path first
from tests.schemas import private_schema


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


class FakeSlackProcess:
    """playground/emulator.py's fake Slack, run in a process of its own and read over a pipe.

    A benchmark's senders then do not share a GIL with it: reading a 10 KB views.open and
    echoing the view is Slack's work, and in the senders' process it would slow the senders
    down for the app that sends bigger forms. Arrival times are the fake's `time.monotonic()`,
    the same clock as the caller's on Linux (CLOCK_MONOTONIC is system-wide).
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self.process = context.Process(target=_run_fake_slack, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.port: int = self._pipe.recv()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def reset(self) -> None:
        self._ask("reset")

    def arrivals(self, method: str, key: str) -> list[tuple[Any, float]]:
        """(args[key], arrival time) of every `method` call since the last reset, in order."""
        return self._ask("arrivals", method, key)

    def methods(self) -> Counter[str]:
        """How many calls of each method since the last reset."""
        return self._ask("methods")

    def stop(self) -> None:
        if self.process.is_alive():
            self._pipe.send(("stop",))
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def _ask(self, *request: Any) -> Any:
        self._pipe.send(request)
        return self._pipe.recv()


def _run_fake_slack(pipe: Connection) -> None:
    # The fake keeps every call until reset; the cycle collector would only pause it mid-run
    # (and a pause before a call is stamped is charged to the app).
    gc.disable()
    fake = SlackEmulator().start()
    pipe.send(fake.port)
    try:
        while True:
            try:
                command, *args = pipe.recv()
            except EOFError:
                return
            if command == "stop":
                return
            if command == "reset":
                fake.reset()
                pipe.send(None)
            elif command == "arrivals":
                method, key = args
                pipe.send([(call.args.get(key), call.at) for call in fake.find(method)])
            elif command == "methods":
                pipe.send(Counter(call.method for call in list(fake.calls)))
    finally:
        fake.stop()
