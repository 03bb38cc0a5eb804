"""What a claim writes when it takes over a row whose sender died mid-send."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case

from storage.models import Digest, FollowUp


def interrupted(table: type[FollowUp] | type[Digest]) -> dict[str, Any]:
    """Values for the claiming UPDATE: a claim taken over from a dead sender counts as an attempt,
    so the new sender first checks whether Slack delivered it (bot.slack.receipts). In an UPDATE the
    right-hand side reads the row as it was."""
    was_sending = table.state == "sending"
    return {
        "attempts": case((was_sending, table.attempts + 1), else_=table.attempts),
        "last_error": case((was_sending, "interrupted"), else_=table.last_error),
    }
