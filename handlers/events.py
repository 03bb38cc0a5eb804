"""Events: App Home is drawn fresh each time the rep opens it."""

from __future__ import annotations

from logging import Logger

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.context import workspace_of
from handlers.redraws import publish_home


def home_opened(event: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    if event.get("tab") != "home":
        return
    publish_home(client, context, team_id=workspace_of(context), user_id=event["user"], logger=logger)
