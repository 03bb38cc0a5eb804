"""How a Slack API failure is named in the log and the database: Slack's error code, else the HTTP status."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def error_code(error: SlackApiError) -> str:
    return str(error.response.get("error") or f"HTTP {error.response.status_code}")
