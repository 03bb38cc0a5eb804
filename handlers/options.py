"""Options Slack asks for while a person types in a select that Rebound fills (`external_select`).

Slack waits 3 seconds for them, so the answer comes from one read of the store and nothing else.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.autopsy_form import competitor_options
from handlers.context import store_of, workspace_of


def competitor_names(ack: Ack, payload: dict, context: BoltContext, logger: Logger) -> None:
    """The form's competitor field: the team's names that match what the rep typed, most used first,
    and what they typed, so a new competitor can be named even when the names cannot be read."""
    typed = payload.get("value")
    typed = typed if isinstance(typed, str) else ""
    try:
        with store_of(context).read() as work:
            known = work.competitors.suggest(team_id=workspace_of(context), typed=typed)
    except SQLAlchemyError:
        logger.exception("Could not read the competitor names for %s", workspace_of(context))
        known = []
    ack(options=[option.to_dict() for option in competitor_options(typed, known)])
