"""The playground's sweeps (playground/runner.py) when it stops: a sweep under way, the timer's or
a page's jump, goes to its end before the process exits, and no other starts after."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot.config import load_settings
from playground.runner import Sweeps
from storage import Store, upgrade

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


class HeldClient:
    """Only the playground client's clock is read by a sweep's start."""

    def now(self) -> datetime:
        return NOW


def test_stopping_waits_for_the_sweep_under_way_and_starts_no_other(tmp_path):
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    upgrade(url)
    environ = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret", "DATABASE_URL": url}
    settings = load_settings(environ, dotenv_dir=tmp_path)
    store = Store.connect(url)
    sweeps = Sweeps(settings, store, HeldClient())  # type: ignore[arg-type]
    started, release, ran = threading.Event(), threading.Event(), []

    class SlowFollowUps:  # a sweep still sending, or a digest still drawing its chart
        def run(self, now: datetime) -> None:
            ran.append(("follow-ups", now))
            started.set()
            release.wait(10)

    class Digests:
        def run(self, now: datetime) -> None:
            ran.append(("digest", now))

    sweeps.follow_ups, sweeps.digests = SlowFollowUps(), Digests()  # type: ignore[assignment]
    try:
        under_way = threading.Thread(target=sweeps.run)
        under_way.start()
        assert started.wait(10)
        finishing = threading.Thread(target=sweeps.finish)
        finishing.start()
        finishing.join(0.3)
        assert finishing.is_alive()  # stopping waits for the sweep under way
        release.set()
        finishing.join(10)
        under_way.join(10)
        assert not finishing.is_alive()
        assert ran == [("follow-ups", NOW), ("digest", NOW)]  # it went to its end
        sweeps.run()  # the timer's next turn, or a jump, after the stop began
        assert ran == [("follow-ups", NOW), ("digest", NOW)]
    finally:
        release.set()
        store.close()
