"""Forgetting what a person wrote, and taking it out of the DMs that showed it: one autopsy (App
Home's "Delete"), or everything about one person in a workspace (App Home's "Delete everything
I wrote", `rebound purge --user`). Both say first, in words, what goes and what stays."""

from __future__ import annotations

from collections.abc import Sequence
from logging import Logger

from slack_sdk import WebClient

from bot.blocks import follow_up_dms
from bot.slack.web_api import SLACK_FAILURES, describe
from storage import SentMessage, Store
from storage.people import Erasure


def take_down(client: WebClient, sent: Sequence[SentMessage], *, author_id: str, logger: Logger) -> None:
    """Draw the DMs of deleted autopsies again: nothing of them left in them, and no buttons."""
    for message in sent:
        drawn = follow_up_dms.taken_down(message.recipient_id, author_id)
        try:
            client.chat_update(channel=message.channel_id, ts=message.message_ts, **drawn.as_kwargs())
        except SLACK_FAILURES as error:
            logger.warning(
                "Could not take down a deleted autopsy's DM to %s: %s", message.recipient_id, describe(error)
            )


def erase_person(
    store: Store, client: WebClient | None, *, team_id: str, user_id: str, logger: Logger
) -> Erasure:
    """Forget `user_id` in `team_id`, then draw again the DMs their autopsies sent (with no
    `client`, Slack could not be reached: the DMs stay as they were, and the log says so)."""
    with store.write() as work:
        taken = work.people.erase(team_id=team_id, user_id=user_id)
    if client is None:
        if taken.messages:
            logger.warning(
                "Could not reach Slack for %s: %d DMs not taken down", team_id, len(taken.messages)
            )
    else:
        take_down(client, taken.messages, author_id=user_id, logger=logger)
    logger.info("Erased %s in %s", user_id, team_id)
    return taken
