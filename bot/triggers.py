"""Slack calls that spend a trigger_id: opening a modal after a command or a click."""

from __future__ import annotations

import copy

from slack_sdk import WebClient

TRIGGER_LIFE = 3  # seconds: a trigger_id opens one modal, within 3 seconds of the click


def for_trigger(client: WebClient) -> WebClient:
    """The request's client, for views.open: one try, waiting no longer than the trigger lives.

    A trigger expires 3 seconds after the rep typed or clicked. slack_sdk's retry waits 0.5-1.5 s,
    then 1-2 s (after a rate limit, the whole Retry-After), so a retry mostly spends an expired
    trigger, or one Slack already used; and while Slack is slow, a 10-second timeout times three
    tries held a listener thread for half a minute. The rep is told at once instead, and tries
    again. (Without retry handlers, slack_sdk also reads each answer once, not twice: for
    views.open that answer is the whole form, echoed back.)
    """
    spender = copy.copy(client)  # Bolt's per-request client: token, workspace, base URL, logger
    spender.timeout = TRIGGER_LIFE
    spender.retry_handlers = []
    return spender
