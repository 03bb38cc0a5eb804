"""`/lost-deal`: open the autopsy form; `help`, `list`, `stats`, `pause`, `resume` and
`lessons <competitor, reason or words>` answer privately."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

import clock
from bot.blocks import follow_up_dms, lessons_card, replies
from bot.blocks.message import Message
from bot.lessons import read_lessons
from handlers.context import store_of, who, zone_of
from handlers.modals import open_autopsy_form

LIST_LENGTH = 10


def lost_deal(
    ack: Ack, command: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
) -> None:
    text = " ".join((command.get("text") or "").split())
    answer = SUBCOMMANDS.get(text.lower())
    if answer is not None:
        team_id, user_id = who(context, command)
        ack(**answer(context, team_id, user_id).as_kwargs())
        return
    word, _, about = text.partition(" ")
    if word.lower() == LESSONS:
        team_id, user_id = who(context, command)
        ack(**_lessons(context, team_id, user_id, about).as_kwargs())
        return
    # Ack first: the trigger_id expires 3 seconds after the command was typed.
    ack()
    team_id, _ = who(context, command)
    if not open_autopsy_form(
        client, context, command["trigger_id"], team_id=team_id, deal_name=text, logger=logger
    ):
        respond(**replies.form_unavailable().as_kwargs())


def _help(context: BoltContext, team_id: str, user_id: str) -> Message:
    return replies.help_message()


def _list(context: BoltContext, team_id: str, user_id: str) -> Message:
    with store_of(context).read() as work:
        entries, total = work.autopsies.journal(team_id=team_id, user_id=user_id, offset=0, limit=LIST_LENGTH)
    zone = zone_of(context, context.client, team_id=team_id, user_id=user_id, now=clock.now())
    return replies.journal_list(entries, total, zone)


def _stats(context: BoltContext, team_id: str, user_id: str) -> Message:
    now = clock.now()
    since = now - timedelta(days=replies.STATS_DAYS)
    with store_of(context).read() as work:
        mine = work.autopsies.author_stats(team_id=team_id, user_id=user_id)
        team = work.digests.week_facts(team_id=team_id, starts_at=since, ends_at=now, lesson_limit=0)
    return replies.stats(mine, team)


def _lessons(context: BoltContext, team_id: str, user_id: str, about: str) -> Message:
    if not about:
        return lessons_card.lessons_help()
    with store_of(context).read() as work:
        answer = read_lessons(work, team_id=team_id, user_id=user_id, typed=about, now=clock.now())
    return lessons_card.lessons_message(answer)


def _pause(context: BoltContext, team_id: str, user_id: str) -> Message:
    with store_of(context).write() as work:
        work.follow_ups.pause(team_id=team_id, user_id=user_id, now=clock.now())
    return follow_up_dms.pause_notice(True)


def _resume(context: BoltContext, team_id: str, user_id: str) -> Message:
    with store_of(context).write() as work:
        work.follow_ups.resume(team_id=team_id, user_id=user_id)
    return follow_up_dms.pause_notice(False)


LESSONS = "lessons"  # `/lost-deal lessons <competitor, reason or words>`: a private card
# `/lost-deal <word>`: a private answer instead of the form.
SUBCOMMANDS: dict[str, Callable[[BoltContext, str, str], Message]] = {
    "help": _help,
    "?": _help,
    "list": _list,
    "stats": _stats,
    "pause": _pause,
    "resume": _resume,
}
