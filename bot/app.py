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


def use_slack_api(client: WebClient, settings: Settings, *, wait_out_rate_limits: bool = True) -> WebClient:
    """Point a Web API client at SLACK_API_URL and let it ride out brief outages and rate limits.

    Sweeps pass `wait_out_rate_limits=False`: slack_sdk would sleep the whole Retry-After in
    place, stalling every other delivery; the sweep reschedules that one row instead.
    """
    client.base_url = settings.slack_api_url
    client.timeout = 10
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    if wait_out_rate_limits:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return client


def slack_logger(settings: Settings) -> logging.Logger:
    """The logger Rebound's Slack clients and Bolt log to, with a level of its own: slack_sdk
    checks its logger's own level, and unset it formats every request as a debug line."""
    logger = logging.getLogger("rebound.slack")
    logger.setLevel(settings.log_level)
    return logger


def web_client(settings: Settings, *, wait_out_rate_limits: bool = True) -> WebClient:
    """A Web API client for work outside a request (sweeps, start-up checks)."""
    client = WebClient(token=settings.slack_bot_token, logger=slack_logger(settings))
    return use_slack_api(client, settings, wait_out_rate_limits=wait_out_rate_limits)


def sweep_client(settings: Settings) -> WebClient:
    """The Web API client follow-up sweeps send with."""
    return web_client(settings, wait_out_rate_limits=False)


def create_app(settings: Settings, store: Store) -> App:
    """Build the Bolt app. Its token was checked at start-up, so Bolt need not check it again."""
    # Bolt builds its own client (reading SLACK_BOT_TOKEN itself if we passed a client too),
    # so the token goes in here and the client is then pointed at SLACK_API_URL.
    app = App(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        logger=slack_logger(settings),
    )

    use_slack_api(app.client, settings)

    @app.middleware
    def provide_store(context: BoltContext, next) -> None:
        context["store"] = store
        context["settings"] = settings
        next()

    handlers.register(app)
    return app
