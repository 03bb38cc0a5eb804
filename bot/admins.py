"""Who may change a workspace's settings: Slack's workspace admins and owners, and REBOUND_ADMINS.

Slack's answer (users.info) is trusted for 10 minutes per process; a Slack that cannot be
asked makes no one an admin, never everyone.
"""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient

from bot.slack.web_api import SLACK_FAILURES, describe

logger = logging.getLogger("rebound.admins")

ROLES = ("is_admin", "is_owner", "is_primary_owner")


class Admins:
    def __init__(self, operators_admins: frozenset[str], fresh_for: float = 600.0) -> None:
        self.operators_admins = operators_admins
        self.fresh_for = fresh_for
        self._asked: dict[tuple[str, str], tuple[float, bool]] = {}

    def is_admin(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        if user_id in self.operators_admins:
            return True
        cached = self._asked.get((team_id, user_id))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            person = client.users_info(user=user_id).get("user") or {}
        except SLACK_FAILURES as error:
            logger.warning("Could not check whether %s is an admin: %s", user_id, describe(error))
            return False
        admin = any(bool(person.get(role)) for role in ROLES)
        self._asked[(team_id, user_id)] = (time.monotonic() + self.fresh_for, admin)
        return admin
