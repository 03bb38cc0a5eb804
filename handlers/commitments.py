"""Actions: "Make it an action" (thank-you DM, App Home, the digest) and its form; the owner's
answers to its reminder (Done, Not doing with why, Snooze a week or to a day).

Ids in clicks and forms are checked against the person Slack says acted: only a lesson they may
see can become their action (a private autopsy is its author's alone, even to a forged click),
and only an action's owner answers it. The reminder's DM is drawn again after each answer.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot import commitments, ids
from bot.blocks import action_items, replies
from bot.blocks.message import Message
from bot.slack.web_api import SLACK_FAILURES, describe
from bot.working_hours import earliest_delivery
from handlers.context import store_of, who, zone_of
from handlers.modals import form_values, keep_open, not_saved, open_modal
from handlers.ownership import number
from handlers.redraws import answer_refused_click, publish_home, redraw_follow_up, tell_clicker
from storage import Work
from storage.models import Action

NOT_ADOPTABLE = "This lesson can't become an action: it was deleted, or it isn't shared with the team."
NOT_YOURS = "This action is someone else's to answer, so I've left it as it is."


def make_action(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Make it an action": the form, with the lesson to edit, the clicker as owner, two weeks on."""
    ack()
    team_id, user_id = who(context, body)
    autopsy_id, entry = number(action.get("value")), None
    if autopsy_id is not None:
        with store_of(context).read() as work:
            entry = work.actions.lesson_for(team_id=team_id, user_id=user_id, autopsy_id=autopsy_id)
    if entry is None:
        logger.warning(
            "Refused an action from %s on autopsy %r: not theirs to see", user_id, action.get("value")
        )
        return answer_refused_click(client, context, body, Message.saying(NOT_ADOPTABLE), logger=logger)
    now = clock.now()
    today = now.astimezone(zone_of(context, client, team_id=team_id, user_id=user_id, now=now)).date()
    view = action_items.action_modal(entry, maker_id=user_id, today=today)
    if not open_modal(client, body["trigger_id"], view, logger=logger, what="the action form"):
        tell_clicker(client, body, replies.form_unavailable("click the button again"), logger=logger)


def save_action(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The action's form: checked, stored once (by its view), and only then acknowledged."""
    team_id, user_id = who(context, body)
    now = clock.now()
    zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
    commitment, errors = commitments.read_commitment(form_values(view), now.astimezone(zone).date())
    if commitment is None:
        return keep_open(ack, errors)
    autopsy_id = number(view.get("private_metadata"))
    try:
        with store_of(context).write() as work:
            entry = (
                None
                if autopsy_id is None
                else work.actions.lesson_for(team_id=team_id, user_id=user_id, autopsy_id=autopsy_id)
            )
            if entry is None:  # deleted while the form was open, or a forged id
                logger.warning(
                    "Refused an action from %s on autopsy %r", user_id, view.get("private_metadata")
                )
                return keep_open(ack, {ids.ACTION_WHAT: NOT_ADOPTABLE})
            made, is_new = work.actions.make(
                team_id=team_id,
                autopsy_id=entry.id,
                made_by=user_id,
                view_id=view["id"],
                commitment=commitment,
                reminder=commitments.reminder(commitment.owner_id, commitment.due_on),
                now=now,
            )
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.ACTION_WHAT, f"an action for {user_id}")
    ack()
    if not is_new:
        logger.info("Action for view %s arrived again; already stored", view["id"])
        return
    logger.info("%s made action %s for %s", user_id, made.id, made.owner_id)
    try:
        notice = action_items.made_notice(made, maker_zone=zone, now=now)
        client.chat_postMessage(channel=user_id, **notice.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Action stored, but its confirmation to %s failed: %s", user_id, describe(error))
    for person in sorted({user_id, made.owner_id}):
        publish_home(client, context, team_id=team_id, user_id=person, logger=logger)


def _redraw(client: WebClient, context: BoltContext, team_id: str, action_id: int, logger: Logger) -> None:
    """Draw the action's reminder DM as it stands now, once it was sent; and its owner's App Home."""
    with store_of(context).read() as work:
        reminder = work.actions.reminder_of(team_id=team_id, action_id=action_id)
        due = None if reminder is None else work.follow_ups.get(team_id=team_id, follow_up_id=reminder)
    if due is None or due.action is None:
        return
    owner = due.action.owner_id
    zone = zone_of(context, client, team_id=team_id, user_id=owner, now=clock.now())
    redraw_follow_up(client, context, due, logger=logger, zone=zone)
    publish_home(client, context, team_id=team_id, user_id=owner, logger=logger)


def _refuse(client: WebClient, context: BoltContext, body: dict, raw_id: object, logger: Logger) -> None:
    logger.warning("Refused an answer from %s to action %r: not theirs", body["user"]["id"], raw_id)
    answer_refused_click(client, context, body, Message.saying(NOT_YOURS), logger=logger)


def _owned(work: Work, team_id: str, user_id: str, action_id: int | None) -> Action | None:
    """The action, if the clicker owns it; None for anyone else's, or an id that is none."""
    if action_id is None:
        return None
    return work.actions.owned(team_id=team_id, owner_id=user_id, action_id=action_id)


def action_done(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Done": closed by its owner, once (a second click finds it closed, and redraws it)."""
    ack()
    team_id, user_id = who(context, body)
    action_id = number(action.get("value"))
    with store_of(context).write() as work:
        owned = _owned(work, team_id, user_id, action_id)
        if owned is not None:
            done = {"state": "done", "outcome": None, "now": clock.now()}
            work.actions.close(team_id=team_id, owner_id=user_id, action_id=owned.id, **done)
    if owned is None:
        return _refuse(client, context, body, action.get("value"), logger)
    _redraw(client, context, team_id, owned.id, logger)


def action_not_doing(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Not doing": a small form asking why (it is the action's outcome)."""
    ack()
    team_id, user_id = who(context, body)
    with store_of(context).read() as work:
        owned = _owned(work, team_id, user_id, number(action.get("value")))
    if owned is None:
        return _refuse(client, context, body, action.get("value"), logger)
    if owned.state != "open":  # answered already, in another window
        return _redraw(client, context, team_id, owned.id, logger)
    view = action_items.not_doing_modal(owned)
    if not open_modal(client, body["trigger_id"], view, logger=logger, what="the not-doing form"):
        tell_clicker(client, body, replies.form_unavailable("click the button again"), logger=logger)


def save_not_doing(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Why not: required; the action is closed as dropped with it, by its owner only."""
    why, errors = commitments.read_reason(form_values(view))
    if why is None:
        return keep_open(ack, errors)
    team_id, user_id = who(context, body)
    action_id = number(view.get("private_metadata"))
    try:
        with store_of(context).write() as work:
            owned = _owned(work, team_id, user_id, action_id)
            if owned is not None:
                work.actions.close(
                    team_id=team_id,
                    owner_id=user_id,
                    action_id=owned.id,
                    state="dropped",
                    outcome=why,
                    now=clock.now(),
                )
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.ACTION_WHY, f"why {user_id} is not doing action {action_id}")
    if owned is None:
        logger.warning("Refused a not-doing from %s for action %r", user_id, view.get("private_metadata"))
        return keep_open(ack, {ids.ACTION_WHY: "This action isn't yours to close, or it was deleted."})
    ack()
    _redraw(client, context, team_id, owned.id, logger)


def action_snooze(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Snooze a week", or a day picked: the reminder comes again then, in working hours."""
    ack()
    team_id, user_id = who(context, body)
    now = clock.now()
    zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
    if action["action_id"] == ids.ACTION_SNOOZE_WEEK:
        action_id, until = number(action.get("value")), commitments.snooze_day(now, zone)
    else:  # the datepicker: its block names the action
        raw = str(action.get("block_id") or "").removeprefix(ids.ACTION_DUE_ANSWERS.format(id=""))
        action_id = number(raw)
        until, why_not = commitments.later_day(action.get("selected_date"), now.astimezone(zone).date())
        if until is None:
            return tell_clicker(
                client, body, Message.saying(f"{why_not} The action is as it was."), logger=logger
            )
    snoozed = None
    if action_id is not None:
        with store_of(context).write() as work:
            snoozed = work.actions.snooze(
                team_id=team_id,
                owner_id=user_id,
                action_id=action_id,
                until=until,
                reminder_at=earliest_delivery(until),
            )
            owned = work.actions.owned(team_id=team_id, owner_id=user_id, action_id=action_id)
        if snoozed is None and owned is not None:  # closed already: show it as it is
            return _redraw(client, context, team_id, action_id, logger)
    if snoozed is None or action_id is None:
        return _refuse(client, context, body, action.get("value") or action.get("block_id"), logger)
    _redraw(client, context, team_id, action_id, logger)
