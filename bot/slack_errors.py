"""How a Slack API failure is named in the log and the database: Slack's error code, else the HTTP status."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def error_code(error: SlackApiError) -> str:
    return str(error.response.get("error") or f"HTTP {error.response.status_code}")


def describe(error: Exception) -> str:
    """Slack's error code, or the transport failure, in one short phrase for the log."""
    if isinstance(error, SlackApiError):
        return error_code(error)
    return f"{type(error).__name__}: {error}"
