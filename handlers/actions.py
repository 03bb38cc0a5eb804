"""Clicks: App Home's buttons and menus, and the answers on follow-up DMs.

Every id in a click is checked against the person Slack says clicked: a forged one is refused
and logged.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import clock, export, ids
from bot.blocks import autopsy_form, follow_up_dms, settings_form
from bot.crm.reasons import form_answers
from bot.digest.week import schedule_for
from bot.followups.planning import A_MONTH, A_WEEK, Snooze, snoozed_until
from bot.runtime.slack import SLACK_FAILURES, describe
from bot.workspace import follow_up_defaults
from handlers.helpers import (
    admins_of,
    defaults_for,
    number,
    open_autopsy_form,
    open_modal,
    own_autopsy,
    own_follow_up,
    publish_home,
    redraw_crm_prompts,
    redraw_follow_up,
    store_of,
    who,
    zone_of,
)
from storage import Due

# action_id -> (the follow-up kind it answers, the state it leads to, how long a snooze lasts)
FOLLOW_UP_ANSWERS: dict[str, tuple[str, str, Snooze | None]] = {
    ids.REACHED_OUT: ("touch_base", "done", None),
    ids.WON_BACK: ("touch_base", "won_back", None),
    ids.LET_GO: ("touch_base", "let_go", None),
    ids.SNOOZE_WEEK: ("touch_base", "snoozed", A_WEEK),
    ids.SNOOZE_MONTH: ("touch_base", "snoozed", A_MONTH),
    ids.HELP_YES: ("help_request", "done", None),
    ids.HELP_NO: ("help_request", "let_go", None),
}


def log_lost_deal(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    ack()
    team_id, _ = who(context, body)
    open_autopsy_form(client, context, body["trigger_id"], team_id=team_id, deal_name="", logger=logger)


def answer_follow_up(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    team_id, user_id = who(context, body)
    kind, state, snooze = FOLLOW_UP_ANSWERS[action["action_id"]]
    follow_up_id, now = number(action.get("value")), clock.now()
    zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
    due_at, due_on = snoozed_until(snooze, now=now, zone=zone) if snooze else (None, None)
    due, changed = None, False
    if follow_up_id is not None:
        with store_of(context).write() as work:
            due, changed = work.follow_ups.answer(
                team_id=team_id, user_id=user_id, follow_up_id=follow_up_id, kind=kind, state=state, now=now,
                due_at=due_at, due_on=due_on,
            )  # fmt: skip
    if due is None:
        refused = (action["action_id"], user_id, action.get("value"))
        logger.warning("Refused %s from %s: follow-up %r is not theirs to answer", *refused)
        return
    redraw_follow_up(client, store_of(context), due, logger=logger, zone=zone)
    if changed:  # what is coming up has changed: App Home shows it
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    if changed and kind == "help_request":
        tell_the_rep(client, due, logger)


def tell_the_rep(client: WebClient, due: Due, logger: Logger) -> None:
    """The rep who asked for help hears which answer their teammate picked."""
    answer = follow_up_dms.help_answer(due.follow_up, due.autopsy)
    try:
        client.chat_postMessage(channel=due.autopsy.user_id, **answer.as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Could not tell %s about the help answer: %s", due.autopsy.user_id, describe(error))


def do_crm_autopsy(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Do the autopsy" on a CRM prompt: the form, filled in with what the CRM knows of the deal."""
    ack()
    team_id, user_id = who(context, body)
    due = own_follow_up(context, team_id, user_id, action.get("value"))
    if due is None or due.lost_deal is None:
        logger.warning(
            "Refused a CRM prompt's form to %s: follow-up %r is not theirs", user_id, action.get("value")
        )
        return
    deal = due.lost_deal
    if deal.state == "done":
        view = autopsy_form.notice(
            "Already written", "You wrote this deal's autopsy already: it's in App Home."
        )
    else:
        prefill = {"deal_name": deal.deal_name or "", "deal_value_cents": deal.amount_cents}
        view = autopsy_form.autopsy_modal(
            deal.deal_name or "",
            clock.now().date(),
            touch_base_days=defaults_for(context, team_id).touch_base_days,
            prefill={**prefill, **form_answers(deal.reason)},
            lost_deal_id=deal.id,
        )
    open_modal(client, body["trigger_id"], view, logger=logger, what="the autopsy form of a CRM deal")


def decline_crm_prompt(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Not this one": no autopsy, no reminder, the DM says so."""
    ack()
    team_id, user_id = who(context, body)
    due = own_follow_up(context, team_id, user_id, action.get("value"))
    if due is None or due.lost_deal is None:
        logger.warning(
            "Refused 'Not this one' from %s: follow-up %r is not theirs", user_id, action.get("value")
        )
        return
    with store_of(context).write() as work:
        work.lost_deals.close(due.lost_deal.id, state="declined", now=clock.now())
    redraw_crm_prompts(
        client, store_of(context), team_id=team_id, lost_deal_id=due.lost_deal.id, logger=logger
    )


def link_opened(ack: Ack) -> None:
    """A link button (the deal in the CRM): Slack opened it; the click only needs its ack."""
    ack()


def pause_or_resume(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    team_id, user_id = who(context, body)
    with store_of(context).write() as work:
        if action["action_id"] == ids.PAUSE:
            work.follow_ups.pause(team_id=team_id, user_id=user_id, now=clock.now())
        else:
            work.follow_ups.resume(team_id=team_id, user_id=user_id)
    due = own_follow_up(context, team_id, user_id, action.get("value"))
    if due is not None:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=clock.now())
        redraw_follow_up(client, store_of(context), due, logger=logger, zone=zone)


def add_revisit(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    team_id, user_id = who(context, body)
    due = own_follow_up(context, team_id, user_id, action.get("value"), kind="revisit")
    if due is None:
        logger.warning("Refused a revisit from %s for follow-up %r", user_id, action.get("value"))
        return
    view = follow_up_dms.revisit_modal(due.follow_up, due.autopsy)
    open_modal(client, body["trigger_id"], view, logger=logger, what="the revisit form")


def show_page(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """App Home's "Show more" and "Newer": the page of the journal from the button's offset."""
    ack()
    team_id, user_id = who(context, body)
    offset = number(action.get("value")) or 0
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger, offset=offset)


def autopsy_menu(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The overflow menu on an autopsy in App Home: edit it, or ask to delete it."""
    ack()
    team_id, user_id = who(context, body)
    option = action.get("selected_option")
    choice, _, raw_id = str(option.get("value") or "" if isinstance(option, dict) else "").partition(":")
    if choice not in ("edit", "delete"):
        logger.warning("Refused an unknown journal choice %r from %s", choice, user_id)
        return
    entry = own_autopsy(context, team_id, user_id, raw_id, logger, choice)
    if entry is None:
        return
    if choice == "edit":
        view = autopsy_form.autopsy_modal("", clock.now().date(), entry=entry)
    else:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=clock.now())
        view = autopsy_form.delete_modal(entry, zone)
    open_modal(client, body["trigger_id"], view, logger=logger, what=f"the {choice} form")


def export_mine(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Send the rep a CSV of everything they wrote, as a file in their DM with Rebound."""
    ack()
    team_id, user_id = who(context, body)
    try:
        with store_of(context).read() as work:
            rows = list(work.autopsies.export(team_id=team_id, user_id=user_id))
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=export.csv_text(rows),
            filename="rebound-my-autopsies.csv",
            title="Your autopsies in Rebound",
            initial_comment=f"Here is everything you wrote in Rebound: {len(rows)} "
            f"{'autopsy' if len(rows) == 1 else 'autopsies'}, as a CSV file.",
        )
    except SQLAlchemyError:
        logger.exception("Could not read %s's autopsies for an export", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not send %s their export: %s", user_id, describe(error))
    else:
        logger.info("Sent %s their export (%s autopsies)", user_id, len(rows))


def open_settings(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Workspace settings, for admins only: the button shows only to them, and is checked again here."""
    ack()
    team_id, user_id = who(context, body)
    if not admins_of(context).is_admin(client, team_id=team_id, user_id=user_id):
        logger.warning("Refused the workspace settings to %s in %s: not an admin", user_id, team_id)
        return
    with store_of(context).read() as work:
        row = work.workspaces.settings(team_id)
    view = settings_form.settings_modal(schedule_for(row, context["settings"]), follow_up_defaults(row))
    open_modal(client, body["trigger_id"], view, logger=logger, what="the workspace settings")
