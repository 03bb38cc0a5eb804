"""`/lost-deal`: open the autopsy form; `help`, `list`, `stats`, `pause` and `resume` answer privately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import follow_up_dms, replies
from handlers.surfaces import follow_up_defaults, open_autopsy
from storage import Store


def lost_deal(
    ack: Ack, command: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
) -> None:
    text = " ".join((command.get("text") or "").split())
    word = text.lower()
    if word in ("help", "?"):
        ack(**replies.help_message().as_kwargs())
        return
    if word in ("list", "stats"):
        store: Store = context["store"]
        team_id, user_id = context.team_id or context.enterprise_id or "", command["user_id"]
        if word == "list":
            entries, total = store.journal(team_id=team_id, user_id=user_id, offset=0, limit=10)
            ack(**replies.journal_list(entries, total).as_kwargs())
        else:
            now = datetime.now(UTC)
            team = store.week_facts(
                team_id=team_id,
                starts_at=now - timedelta(days=replies.STATS_DAYS),
                ends_at=now,
                lesson_limit=0,
            )
            ack(**replies.stats(store.author_stats(team_id=team_id, user_id=user_id), team).as_kwargs())
        return
    if word in ("pause", "resume"):
        store: Store = context["store"]
        who = {"team_id": context.team_id or "", "user_id": command["user_id"]}
        if word == "pause":
            store.pause_reminders(**who, now=datetime.now(UTC))
        else:
            store.resume_reminders(**who)
        ack(**follow_up_dms.pause_notice(word == "pause").as_kwargs())
        return
    # Ack first: the trigger_id expires 3 seconds after the command was typed.
    ack()
    defaults = follow_up_defaults(context["store"], context.team_id or context.enterprise_id or "")
    if not open_autopsy(client, command["trigger_id"], deal_name=text, logger=logger, defaults=defaults):
        respond(**replies.form_unavailable().as_kwargs())
