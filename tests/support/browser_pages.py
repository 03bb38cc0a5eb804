"""Pages in Debian's headless Chromium, driven by Playwright: the browser, the playground's page
opened in a context of its own (its own storage) collecting what went wrong in it, and axe-core's
findings on a page.

Required when CI=true; elsewhere skipped, with the reason, when no browser is installed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
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


AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # axe-core's tags for WCAG 2.1 level AA


def axe_or_skip() -> str:
    """axe-core's browser script, installed from npm by .ci/run (its `npm install --prefix .tools` line)."""
    if not AXE.exists():
        missing = (
            f"axe-core is not installed at {AXE.relative_to(ROOT)} (run the npm install line in .ci/run)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the accessibility test: {missing}")
        pytest.skip(missing)
    return AXE.read_text()


def _with_axe(page: Any, script: str) -> None:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(f"{script}\n;0")  # evaluated, not a <script>: the page's policy runs only its own


def serious_to_axe(page: Any, script: str) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now, modal and all."""
    _with_axe(page, script)
    return page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)"""
    )


def wcag_violations(page: Any, script: str) -> list[str]:
    """Every WCAG 2.1 A and AA violation axe-core finds on the page as it is now, whatever its impact."""
    _with_axe(page, script)
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
            .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)""",
        WCAG_21_AA,
    )
