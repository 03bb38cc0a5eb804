"""Forms submitted: each is checked, stored, and only then acknowledged; then the rep hears back.

A form that fails its checks, or that the database does not take, stays open with the reason
under its field, and nothing the rep typed is lost.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot import ids, workspace
from bot.autopsy import read_revisit, read_submission
from bot.blocks import competitor_names, replies, settings_form
from bot.digest.week import schedule_for
from bot.slack.web_api import SLACK_FAILURES, describe
from bot.workspace import follow_up_defaults
from handlers.context import admins_of, asking_of, plans_for, store_of, who, zone_of
from handlers.modals import form_values, keep_open, not_saved
from handlers.ownership import crm_origin, own_autopsy, own_follow_up, own_lost_deal
from handlers.redraws import publish_home, redraw_crm_prompts, redraw_follow_up

NOTHING_TO_REVISIT = "This autopsy isn't here any more (it was deleted), so there's nowhere to keep this."
NOT_THERE_TO_EDIT = "I can't find this autopsy among yours any more: it may have been deleted."


def save_autopsy(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    now = clock.now()
    answers, errors = read_submission(form_values(view), now)
    if answers is None:
        return keep_open(ack, errors)
    team_id, user_id = who(context, body)
    plans = plans_for(context, answers, team_id=team_id, user_id=user_id, now=now)
    lost_deal = own_lost_deal(context, team_id, user_id, view.get("private_metadata"))
    try:
        with store_of(context).write() as work:
            entry, is_new = work.autopsies.save(
                team_id=team_id,
                user_id=user_id,
                view_id=view["id"],
                answers=answers,
                created_at=now,
                follow_ups=plans,
                origin=crm_origin(lost_deal),
            )
            if is_new and lost_deal is not None:  # its prompt and reminder are answered with it
                work.lost_deals.link_autopsy(lost_deal.id, autopsy_id=entry.id, now=now)
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.DEAL, f"an autopsy for {user_id}")
    ack()  # only now, with the autopsy committed, does Slack hear that it was received
    if not is_new:
        logger.info("Autopsy for view %s arrived again; already stored", view["id"])
        return
    if lost_deal is not None:
        redraw_crm_prompts(
            client, store_of(context), team_id=team_id, lost_deal_id=lost_deal.id, logger=logger
        )
    try:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
        ask_for = entry.id if asking_of(context) is not None else None
        thanks = replies.thank_you(answers, zone=zone, now=now, ask_for=ask_for, action_for=entry.id)
        client.chat_postMessage(channel=user_id, **thanks.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Autopsy stored, but the thank-you DM to %s failed: %s", user_id, describe(error))
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def save_revisit(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    text, errors = read_revisit(form_values(view))
    if text is None:
        return keep_open(ack, errors)
    team_id, user_id = who(context, body)
    due = own_follow_up(context, team_id, user_id, view.get("private_metadata"), kind="revisit")
    if due is None:  # its autopsy was deleted while the form was open: say so, and keep what was typed
        logger.warning("Refused a revisit from %s for follow-up %r", user_id, view.get("private_metadata"))
        return keep_open(ack, {ids.REVISIT_TEXT: NOTHING_TO_REVISIT})
    now = clock.now()
    mine = {"team_id": team_id, "user_id": user_id}
    try:
        with store_of(context).write() as work:  # the revisit and the answer to its DM, together
            added = work.autopsies.add_revisit(
                **mine, autopsy_id=due.autopsy.id, view_id=view["id"], text=text, now=now
            )
            answered, _ = work.follow_ups.answer(**mine, follow_up_id=due.follow_up.id, state="done", now=now)
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.REVISIT_TEXT, f"a revisit for {user_id}")
    ack()
    if added and answered is not None:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
        redraw_follow_up(client, context, answered, logger=logger, zone=zone)
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)  # its revisits


def save_edit(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    team_id, user_id = who(context, body)
    entry = own_autopsy(context, team_id, user_id, view.get("private_metadata"), logger, "edit")
    if entry is None:
        return keep_open(ack, {ids.DEAL: NOT_THERE_TO_EDIT})
    now = clock.now()
    answers, errors = read_submission(form_values(view), now, kept_date=entry.touch_base_on)
    if answers is None:
        return keep_open(ack, errors)
    plans = plans_for(context, answers, team_id=team_id, user_id=user_id, now=now)
    try:
        with store_of(context).write() as work:
            work.autopsies.update(
                team_id=team_id, user_id=user_id, autopsy_id=entry.id, answers=answers, plans=plans, now=now
            )
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.DEAL, f"the edit of autopsy {entry.id} for {user_id}")
    ack()
    logger.info("%s edited autopsy %s", user_id, entry.id)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def save_settings(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Workspace settings: the admin check runs again here, so a forged form from anyone else is refused."""
    team_id, user_id = who(context, body)
    if not admins_of(context).is_admin(client, team_id=team_id, user_id=user_id):
        logger.warning("Refused a workspace settings change from %s in %s: not an admin", user_id, team_id)
        return keep_open(ack, {ids.SET_CHANNEL: "Only workspace admins can change these settings."})
    chosen, errors = workspace.read_settings(form_values(view))
    if chosen is None:
        return keep_open(ack, errors)
    try:
        with store_of(context).write() as work:
            work.workspaces.save_settings(team_id, now=clock.now(), **chosen)
            row = work.workspaces.settings(team_id)
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.SET_CHANNEL, f"the workspace settings of {team_id}")
    # The admin sees them saved, as they are now in force, where they pressed Save.
    ack(
        response_action="update",
        view=settings_form.saved(
            schedule_for(row, context["settings"]), follow_up_defaults(row), company=chosen["company_name"]
        ),
    )
    logger.info("%s changed the workspace settings of %s: %s", user_id, team_id, chosen)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def merge_competitor_names(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """One competitor name merged into another by an admin (checked again: a forged form is refused);
    the modal comes back with the names as they are now, for the next merge."""
    team_id, user_id = who(context, body)
    if not admins_of(context).is_admin(client, team_id=team_id, user_id=user_id):
        logger.warning("Refused a competitor merge from %s in %s: not an admin", user_id, team_id)
        return keep_open(ack, {ids.MERGE_FROM: "Only workspace admins can merge competitor names."})
    chosen, errors = competitor_names.read_merge(form_values(view))
    if chosen is None:
        return keep_open(ack, errors)
    from_key, into_key = chosen
    try:
        with store_of(context).write() as work:
            named = work.competitors.named(team_id=team_id, key=from_key)
            if not work.competitors.merge(team_id=team_id, from_key=from_key, into_key=into_key):
                return keep_open(ack, {ids.MERGE_FROM: competitor_names.GONE})
            into = work.competitors.named(team_id=team_id, key=into_key)
            names = work.competitors.suggest(
                team_id=team_id, typed="", limit=competitor_names.CHOICES_MAX + 1
            )
    except SQLAlchemyError:
        return not_saved(ack, logger, ids.MERGE_FROM, f"a competitor merge in {team_id}")
    merged = (named.name if named else from_key, into.name if into else into_key)
    ack(response_action="update", view=competitor_names.merge_modal(names, merged=merged))
    logger.info("%s merged competitor %s into %s in %s", user_id, from_key, into_key, team_id)
