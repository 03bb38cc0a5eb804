"""The time zone each person is in: what users.info last said (`tz`), kept a day in the database,
else the operator's REBOUND_TIMEZONE. The follow-up sweep delivers by it and every message that
names a day to a person names it by it, so the two agree."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient

from storage import Store

FRESH_FOR = timedelta(days=1)  # people travel; a day-old zone is asked again


class PersonZones:
    def __init__(self, store: Store, default: ZoneInfo) -> None:
        self.store = store
        self.default = default

    def of(self, client: WebClient, *, team_id: str, user_id: str, now: datetime) -> ZoneInfo:
        """The person's zone: from the cache, else users.info (then cached), else the default.
        Slack's failures reach the caller: the sweep tries again later, a listener uses `default`."""
        with self.store.read() as work:
            cached = work.follow_ups.zones(team_id=team_id, user_ids=[user_id], fresh_since=now - FRESH_FOR)
        name = cached.get(user_id)
        if name is None:
            profile = client.users_info(user=user_id)
            name = str((profile.get("user") or {}).get("tz") or "")
            with self.store.write() as work:
                work.follow_ups.remember_zone(team_id=team_id, user_id=user_id, tz=name, now=now)
        try:
            return ZoneInfo(name) if name else self.default
        except (ZoneInfoNotFoundError, ValueError):
            return self.default
