"""Who calls the listeners in the unit tests, and the interaction body they read."""

from __future__ import annotations

TEAM, USER = "T0UNIT", "U0REP"


def interaction(user: str = USER, **fields: object) -> dict:
    """The parts of an interaction body listeners read."""
    return {"user": {"id": user}, "team": {"id": TEAM}, "trigger_id": "13345224609.trigger", **fields}
