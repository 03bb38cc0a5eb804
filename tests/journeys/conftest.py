"""Fixtures the journeys share: playgrounds, started once where the tests on them allow it, a
browser for the tests that look at a page, and a bot serving buyers' pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from playground.emulator import SlackEmulator
from storage import Store, upgrade
from tests.support.bot_process import Bot
from tests.support.browser_pages import browser_or_skip, chromium
from tests.support.buyer_pages import public_bot
from tests.support.playground_runs import Playground, start_playground, stop_playground


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a module's tests; each opens its page in a context of its own."""
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def page_playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """A playground for one module's browser tests (each module its own: they count what they wrote)."""
    browser_or_skip()
    playground = start_playground(tmp_path_factory.mktemp("page"))
    yield playground
    assert stop_playground(playground) == 0


@pytest.fixture(scope="session")
def demo_playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """`rebound playground --demo`, started once (living the demo's three weeks is the slow part),
    with its state as it was just after the start kept in `first_look`. The tests that use it are
    in one xdist group, so one worker starts it."""
    playground = start_playground(tmp_path_factory.mktemp("demo"), "--demo")
    playground.look_first()
    yield playground
    assert stop_playground(playground) == 0


@pytest.fixture(scope="module")
def buyer_site(fake: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bot, Store]]:
    """A bot serving buyers' pages for one module's tests (each module its own: the limits count
    what it asked), and the store a rep's button writes links to: the bot's database."""
    home = tmp_path_factory.mktemp("buyer_site")
    url = f"sqlite:///{home / 'rebound.db'}"
    upgrade(url)
    bot = public_bot(fake, url, home)
    store = Store.connect(url)
    yield bot, store
    store.close()
    assert bot.stop() == 0, bot.log_text()
