"""The playground's page in Debian's headless Chromium, driven by Playwright: the browser, and the
page opened in a context of its own (its own storage), collecting what went wrong in it.

Required when CI=true; elsewhere skipped, with the reason, when no browser is installed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.playground_runs import Playground

BROWSERS = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium-headless-shell",
    "/usr/bin/chromium",
)


def browser_or_skip() -> str:
    found = next((path for path in BROWSERS if Path(path).exists()), None) or shutil.which("chromium")
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "Playwright for Python is not installed (pip install -c constraints.txt -e '.[dev]')"
    if found is None:
        missing = "no headless Chromium (apt-get install chromium-headless-shell)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the browser tests: {missing}")
        pytest.skip(missing)
    return str(found)


@contextmanager
def chromium(env: dict[str, str] | None = None) -> Iterator[Any]:
    """Headless Chromium (a playwright Browser), in `env` if given."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_or_skip(), args=["--no-sandbox"], env=env)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_beside(browser: Any, env: dict[str, str]) -> Iterator[Any]:
    """Another Chromium, in `env`, from the driver that started `browser` (one driver per thread)."""
    other = browser.browser_type.launch(executable_path=browser_or_skip(), args=["--no-sandbox"], env=env)
    try:
        yield other
    finally:
        other.close()


@contextmanager
def browsing(browser: Any, playground: Playground, *, width: int = 1280, height: int = 800) -> Iterator[Any]:
    """The page open in a fresh context of `browser`, collecting console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        opened = context.new_page()
        problems: list[str] = []
        opened.on("console", lambda message: message.type == "error" and problems.append(message.text))
        opened.on("pageerror", lambda error: problems.append(str(error)))
        opened.goto(playground.url + "/")
        # As a person would, wait for the page to show its first state (its people) before acting.
        opened.get_by_label("You are").locator("option").first.wait_for(state="attached")
        opened.problems = problems  # type: ignore[attr-defined]
        yield opened
    finally:
        context.close()


def type_command(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
