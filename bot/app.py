"""The Bolt app factory: one `App`, its Web API client, and every listener registered."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.config import Settings
from storage import Store

logger = logging.getLogger("rebound")


def use_slack_api(client: WebClient, settings: Settings) -> WebClient:
    """Point a Web API client at SLACK_API_URL and let it ride out brief outages and rate limits."""
    client.base_url = settings.slack_api_url
    client.timeout = 10
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def create_app(settings: Settings, store: Store) -> App:
    """Build the Bolt app. Its token was checked at start-up, so Bolt need not check it again."""
    # Bolt builds its own client (reading SLACK_BOT_TOKEN itself if we passed a client too),
    # so the token goes in here and the client is then pointed at SLACK_API_URL.
    app = App(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        logger=logging.getLogger("rebound.bolt"),
    )

    use_slack_api(app.client, settings)

    @app.middleware
    def provide_store(context: BoltContext, next) -> None:
        context["store"] = store
        next()

    handlers.register(app)
    return app
