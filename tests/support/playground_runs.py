"""`rebound playground` as a process, and what its page asks of it (/play/...) without a browser."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

RILEY, SAM = "U0RILEY", "U0SAM"
RILEY_DM = "D0RILEY"


@dataclass
class FirstLook:
    """The playground's state just after it started, and the machine's time when it was read."""

    state: dict[str, Any]
    at: datetime


@dataclass
class Playground:
    process: subprocess.Popen[str]
    url: str
    first_line: str
    first_look: FirstLook | None = None

    def look_first(self) -> None:
        self.first_look = FirstLook(self.state(), datetime.now().astimezone())

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())

    def state(self) -> dict[str, Any]:
        return json.loads(self.get("/play/state")[2])

    def until(self, seen: Callable[[dict[str, Any]], Any], timeout: float = 10) -> Any:
        """What `seen` finds in the state, once it finds something."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            found = seen(state)
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"never seen; state: {json.dumps(state)[:2000]}")
            time.sleep(0.1)


def start_playground(cwd: Path, *args: str, port: int = 0) -> Playground:
    """`rebound playground --no-browser` in `cwd`, once it has said where its page is. Port 0
    lets it bind a free port itself: one probed here and released could be taken by its own
    fake Slack before its page binds it (CI saw exactly that)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "rebound", "playground", "--no-browser", "--port", str(port), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if "living three weeks" in first:  # --demo's story, told once before the page is served
        first = process.stdout.readline().strip()
    served = re.search(r"http://127\.0\.0\.1:\d+", first)
    return Playground(process, served.group(0) if served else f"http://127.0.0.1:{port}", first)


def stop_playground(playground: Playground) -> int:
    os.killpg(playground.process.pid, signal.SIGTERM)
    code = playground.process.wait(40)
    if code:  # what it said on the way out, in the failing test's report
        print(playground.process.stdout.read() if playground.process.stdout else "", flush=True)
    return code


def top_modal(state: dict[str, Any], person: str = RILEY) -> dict[str, Any] | None:
    stack = state["modals"].get(person) or []
    return stack[-1] if stack else None


def playground_message(
    state: dict[str, Any], text: str, conversation: str = RILEY_DM
) -> dict[str, Any] | None:
    """The first message in `conversation` whose text holds `text`, or None."""
    return next((m for m in state["conversations"].get(conversation, []) if text in m["text"]), None)
