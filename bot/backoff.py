"""How long a failed try waits before the next: one rule for the follow-up sweep and the digest's,
so a Slack or HubSpot outage is ridden out the same way everywhere."""

from __future__ import annotations

from datetime import timedelta


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
