"""How many requests the buyer's page answers from one client address, and for one link, in a
window: counted in the database (storage's PageLimits), so every process of a deployment counts
the same requests. Only keyed hashes of addresses and links are counted, never the values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.customer_side import LinkKeys
from storage import Store

# A buyer answers in a handful of requests (the questions, the answers, the thank-you page, a
# correction); an office behind one address may hold a few buyers. Scanning for links, or
# hammering one, is stopped well before it costs anything.
PER_ADDRESS = 60
PER_LINK = 30
WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class VisitLimits:
    """The limits of one buyer's page; the module's constants unless a test needs smaller ones."""

    per_address: int = PER_ADDRESS
    per_link: int = PER_LINK
    window: timedelta = WINDOW

    def window_of(self, now: datetime) -> datetime:
        """The start of the window `now` falls in: windows are counted from the epoch, so every
        process agrees on them."""
        seconds = self.window.total_seconds()
        return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)

    def wait(self, store: Store, keys: LinkKeys, *, address: str, token: str, now: datetime) -> int | None:
        """Count one request from `address` for the link `token`; None while both are within their
        limits, else the seconds until the window ends. An address over its limit no longer counts
        against the link, so one client hammering a link does not close it to its buyer."""
        start = self.window_of(now)
        with store.write() as work:
            over = (
                work.page_limits.count(keys.caller("address", address), window_start=start) > self.per_address
            )
            if not over:
                over = work.page_limits.count(keys.caller("link", token), window_start=start) > self.per_link
        if not over:
            return None
        return max(1, math.ceil((start + self.window - now).total_seconds()))
