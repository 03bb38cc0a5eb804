"""Rebound's Web API clients and how their failures are named.

Every client points at SLACK_API_URL and rides out brief outages with slack_sdk's retry
handlers; the one that spends a trigger_id does not retry (a trigger lives 3 seconds).
"""

from __future__ import annotations

import copy
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

# What a Web API call can raise once slack_sdk's retry handlers have given up.
SLACK_FAILURES = (SlackClientError, OSError)
# Slack's answers to a post that no retry will change.
PERMANENT = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "user_disabled",
        "invalid_blocks",
        "msg_too_long",
        "invalid_arguments",
    }
)
TRIGGER_LIFE = 3  # seconds: a trigger_id opens one modal, within 3 seconds of the click


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


def web_client(
    settings: Settings, token: str | None = None, *, wait_out_rate_limits: bool = True
) -> WebClient:
    """A Web API client for work outside a request: start-up checks, or (not waiting out rate
    limits) sweeps, with the bot token or a given workspace's."""
    client = WebClient(token=token or settings.slack_bot_token, logger=slack_logger(settings))
    return use_slack_api(client, settings, wait_out_rate_limits=wait_out_rate_limits)


def for_trigger(client: WebClient) -> WebClient:
    """The request's client, for views.open: one try, waiting no longer than the trigger lives.

    A retry would mostly spend an expired trigger, or one Slack already used, and hold a
    listener thread while Slack is slow; the rep is told at once instead, and tries again.
    """
    spender = copy.copy(client)  # Bolt's per-request client: token, workspace, base URL, logger
    spender.timeout = TRIGGER_LIFE
    spender.retry_handlers = []
    return spender


def error_code(error: SlackApiError) -> str:
    """Slack's error code, else the HTTP status: how a failure is named in the database."""
    return str(error.response.get("error") or f"HTTP {error.response.status_code}")


def describe(error: Exception) -> str:
    """Slack's error code, or the transport failure, in one short phrase for the log."""
    if isinstance(error, SlackApiError):
        return error_code(error)
    return f"{type(error).__name__}: {error}"


def retry_after(error: SlackApiError) -> int:
    """The seconds a rate-limited answer asks to wait (0 when it names none)."""
    value = str(error.response.headers.get("Retry-After") or error.response.headers.get("retry-after") or "")
    return int(value) if value.isdigit() else 0
