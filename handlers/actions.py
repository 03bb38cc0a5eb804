"""Buttons: App Home's "Log a lost deal", and the answers on follow-up DMs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks import follow_up_dms
from bot.runtime.slack import describe
from handlers.surfaces import (
    SLACK_FAILURES,
    follow_up_defaults,
    open_autopsy,
    open_modal,
    own_follow_up,
    publish_home,
    redraw_follow_up,
    who,
)
from storage import Store

# action_id -> (the follow-up kind it answers, the state it leads to, how long a snooze lasts)
FOLLOW_UP_ANSWERS: dict[str, tuple[str, str, timedelta | None]] = {
    ids.REACHED_OUT: ("touch_base", "done", None),
    ids.WON_BACK: ("touch_base", "won_back", None),
    ids.LET_GO: ("touch_base", "let_go", None),
    ids.SNOOZE_WEEK: ("touch_base", "snoozed", timedelta(days=7)),
    ids.SNOOZE_MONTH: ("touch_base", "snoozed", timedelta(days=30)),
    ids.HELP_YES: ("help_request", "done", None),
    ids.HELP_NO: ("help_request", "let_go", None),
}


def log_lost_deal(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    ack()
    team_id, _ = who(context, body)
    defaults = follow_up_defaults(context["store"], team_id)
    open_autopsy(client, body["trigger_id"], deal_name="", logger=logger, defaults=defaults)


def answer_follow_up(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    store: Store = context["store"]
    team_id, user_id = who(context, body)
    kind, state, snooze = FOLLOW_UP_ANSWERS[action["action_id"]]
    found = own_follow_up(store, team_id=team_id, user_id=user_id, raw_id=action.get("value"), kind=kind)
    if found is None:
        refused = (action["action_id"], user_id, action.get("value"))
        logger.warning("Refused %s from %s: follow-up %r is not theirs to answer", *refused)
        return
    now = datetime.now(UTC)
    due, changed = store.answer_follow_up(
        team_id=team_id,
        user_id=user_id,
        follow_up_id=found.follow_up.id,
        state=state,
        now=now,
        due_at=now + snooze if snooze else None,
    )
    if due is None:
        return
    redraw_follow_up(client, store, due, logger=logger)
    if changed:  # what is coming up has changed: App Home shows it
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    if changed and kind == "help_request":
        try:
            client.chat_postMessage(
                channel=due.autopsy.user_id,
                **follow_up_dms.help_answer(due.follow_up, due.autopsy).as_kwargs(),
            )
        except SLACK_FAILURES as error:
            logger.warning(
                "Could not tell %s about the help answer: %s", due.autopsy.user_id, describe(error)
            )


def pause_or_resume(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    store: Store = context["store"]
    team_id, user_id = who(context, body)
    if action["action_id"] == ids.PAUSE:
        store.pause_reminders(team_id=team_id, user_id=user_id, now=datetime.now(UTC))
    else:
        store.resume_reminders(team_id=team_id, user_id=user_id)
    due = own_follow_up(store, team_id=team_id, user_id=user_id, raw_id=action.get("value"))
    if due is not None:
        redraw_follow_up(client, store, due, logger=logger)


def add_revisit(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    store: Store = context["store"]
    team_id, user_id = who(context, body)
    due = own_follow_up(store, team_id=team_id, user_id=user_id, raw_id=action.get("value"), kind="revisit")
    if due is None:
        logger.warning("Refused a revisit from %s for follow-up %r", user_id, action.get("value"))
        return
    view = follow_up_dms.revisit_modal(due.follow_up, due.autopsy)
    open_modal(client, body["trigger_id"], view, logger=logger, what="the revisit form")
