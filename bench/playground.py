"""Benchmark: `rebound playground` as a newcomer meets it, in Debian's headless Chromium.

Run from the repository root:

    .venv/bin/python bench/playground.py              # 5 starts, 60 commands each way (about 2 min)
    .venv/bin/python bench/playground.py --starts 2 --commands 20

* start: from `rebound playground` launched to its page answering `GET /` (the bot started and
  healthy behind it), each start on a fresh SQLite file. Target: under 5 s.
* form drawn: a person types `/lost-deal Acme` in the page's message box; the time until the
  autopsy form is drawn in the page (its dialog visible), the whole path: the page, the
  emulator, the signed command to the real bot, its views.open, the live update, the redraw.
  Target: median under 300 ms.
* baseline, in the same run and interleaved with it: `/lost-deal help`, whose answer rides in the
  bot's ack (no views.open); the same page, emulator and bot, one Web API call fewer.

Commands go out on a fixed schedule (one every --every seconds, as people type), not as fast as
answers come back: a slow answer does not delay the next command's start time.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.bot_process import free_port  # noqa: E402
from tests.support.browser_pages import BROWSERS  # noqa: E402


def start_once() -> tuple[float, subprocess.Popen[str], str]:
    port, home = free_port(), tempfile.mkdtemp(prefix="rebound-bench-playground-")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "rebound", "playground", "--no-browser", "--port", str(port)],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started, process, url
        except OSError:
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise SystemExit("the playground did not start") from None
            time.sleep(0.01)


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(40)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def drawn(url: str, commands: int, every: float, late: list[bool]) -> tuple[list[float], list[float]]:
    """(form drawn, help answered) in ms, interleaved on one schedule; `late` gets, per command,
    whether it went out more than 50 ms after its time (the schedule did not hold)."""
    from playwright.sync_api import sync_playwright

    executable = next(path for path in BROWSERS if Path(path).exists())
    forms: list[float] = []
    helps: list[float] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.get_by_role("button", name="Rebound").click()
        box = page.get_by_role("textbox", name="Message")
        dialog = page.get_by_role("dialog", name="Lost deal autopsy")
        answers = page.locator("li.message.ephemeral")  # only-visible-to-you answers, as drawn
        next_at = time.perf_counter() + 1.0
        for n in range(2 * commands):
            time.sleep(max(0.0, next_at - time.perf_counter()))
            due, next_at = next_at, next_at + every
            wants_form = n % 2 == 0
            seen = answers.count()
            box.fill("/lost-deal Acme" if wants_form else "/lost-deal help")
            sent = time.perf_counter()
            late.append(sent - due > 0.05)
            box.press("Enter")
            if wants_form:
                dialog.wait_for(state="visible", timeout=10_000)
                forms.append((time.perf_counter() - sent) * 1000)
                dialog.get_by_role("button", name="Not now").click()
                dialog.wait_for(state="hidden", timeout=10_000)
            else:
                answers.nth(seen).wait_for(state="visible", timeout=10_000)
                helps.append((time.perf_counter() - sent) * 1000)
        browser.close()
    return forms, helps


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--starts", type=int, default=5, help="how many times to start it (default 5)")
    options.add_argument("--commands", type=int, default=60, help="commands of each kind (default 60)")
    options.add_argument("--every", type=float, default=0.75, help="seconds between commands (default 0.75)")
    args = options.parse_args()
    starts, forms, helps, late = [], [], [], []
    for attempt in range(args.starts):
        took, process, url = start_once()
        starts.append(took)
        try:
            if attempt == 0:
                forms, helps = drawn(url, args.commands, args.every, late)
        finally:
            stop(process)
    print(f"start to page answering, {len(starts)} starts: " + ", ".join(f"{s:.2f} s" for s in starts))
    print(f"  median {statistics.median(starts):.2f} s, worst {max(starts):.2f} s (target: under 5 s)")
    for name, values in (
        ("/lost-deal Acme -> form drawn", forms),
        ("/lost-deal help -> answer drawn", helps),
    ):
        print(
            f"{name}: n={len(values)} p50 {statistics.median(values):.0f} ms, "
            f"p90 {percentile(values, 0.9):.0f} ms, worst {max(values):.0f} ms"
        )
    ratio = statistics.median(forms) / statistics.median(helps)
    spread = statistics.median(helps[::2]) / statistics.median(helps[1::2])
    print(f"form drawn, median against the help baseline: {ratio:.2f}x")
    print(f"the baseline against itself (alternate halves): {spread:.2f}x")
    print(f"commands sent more than 50 ms after their time: {sum(late)} of {len(late)}")
    verdict = max(starts) < 5 and statistics.median(forms) < 300
    print(
        "verdict:",
        "HOLDS" if verdict else "MISSED",
        "(start under 5 s; form drawn under 300 ms at the median)",
    )


if __name__ == "__main__":
    main()
