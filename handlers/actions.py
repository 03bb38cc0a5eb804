"""Clicks: App Home's buttons and menus, and the answers on follow-up DMs.

Every id in a click is checked against the person Slack says clicked: a forged one is refused
and logged. No click passes in silence: one whose subject is gone (a deleted autopsy), or that
is someone else's to answer, is answered with a kind word where it was made, or the surface
it came from is drawn again.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot import export, ids
from bot.asking import BuyerAsking
from bot.blocks import (
    autopsy_form,
    buyer_link,
    competitor_names,
    erasure_modals,
    follow_up_dms,
    replies,
    settings_form,
)
from bot.crm.reasons import form_answers
from bot.digest.week import schedule_for
from bot.erasure import erase_person, take_down
from bot.followups.planning import A_MONTH, A_WEEK, Snooze, snoozed_until
from bot.slack.web_api import SLACK_FAILURES, describe
from bot.workspace import follow_up_defaults
from handlers import commitments
from handlers.context import admins_of, asking_of, store_of, who, zone_of
from handlers.modals import open_autopsy_form, open_modal, show_modal, update_modal
from handlers.ownership import number, own_autopsy, own_follow_up, refused_follow_up
from handlers.redraws import (
    answer_refused_click,
    clicked_in_home,
    publish_home,
    redraw_crm_prompts,
    redraw_follow_up,
    tell_clicker,
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
AGAIN = "click the button again"  # what to do when Slack closed a click's window for a form
GONE = "This autopsy isn't here any more: it was deleted, perhaps in another window."
ADMINS_ONLY = "Only workspace admins can change these settings. Ask one of them, or your Slack admin."
NAMES_ADMINS_ONLY = "Only workspace admins can merge competitor names. Ask one of them, or your Slack admin."


def log_lost_deal(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    ack()
    team_id, _ = who(context, body)
    if not open_autopsy_form(
        client, context, body["trigger_id"], team_id=team_id, deal_name="", logger=logger
    ):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


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
                team_id=team_id,
                user_id=user_id,
                follow_up_id=follow_up_id,
                kind=kind,
                state=state,
                now=now,
                due_at=due_at,
                due_on=due_on,
            )
    if due is None:
        refused = (action["action_id"], user_id, action.get("value"))
        logger.warning("Refused %s from %s: follow-up %r is not theirs to answer", *refused)
        why = refused_follow_up(context, team_id, action.get("value"), "autopsy")
        return answer_refused_click(client, context, body, why, logger=logger)
    redraw_follow_up(client, context, due, logger=logger, zone=zone)
    if changed or clicked_in_home(body):  # what is coming up has changed, or Home showed it stale
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
        why = refused_follow_up(context, team_id, action.get("value"), "deal")
        return answer_refused_click(client, context, body, why, logger=logger)
    deal = due.lost_deal
    if deal.state == "done":
        view = autopsy_form.notice(
            "Already written", "You wrote this deal's autopsy already: it's in App Home."
        )
        opened = open_modal(client, body["trigger_id"], view, logger=logger, what="a written deal's notice")
    else:
        prefill = {"deal_name": deal.deal_name or "", "deal_value_cents": deal.amount_cents}
        opened = open_autopsy_form(
            client,
            context,
            body["trigger_id"],
            team_id=team_id,
            deal_name=deal.deal_name or "",
            logger=logger,
            prefill={**prefill, **form_answers(deal.reason)},
            lost_deal_id=deal.id,
        )
    if not opened:
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


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
        why = refused_follow_up(context, team_id, action.get("value"), "deal")
        return answer_refused_click(client, context, body, why, logger=logger)
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
        redraw_follow_up(client, context, due, logger=logger, zone=zone)
    else:  # its DM is gone with its autopsy: the pause holds all the same, and says so
        tell_clicker(
            client, body, follow_up_dms.pause_notice(action["action_id"] == ids.PAUSE), logger=logger
        )


def add_revisit(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    team_id, user_id = who(context, body)
    due = own_follow_up(context, team_id, user_id, action.get("value"), kind="revisit")
    if due is None:
        logger.warning("Refused a revisit from %s for follow-up %r", user_id, action.get("value"))
        why = refused_follow_up(context, team_id, action.get("value"), "autopsy")
        return answer_refused_click(client, context, body, why, logger=logger)
    view = follow_up_dms.revisit_modal(due.follow_up, due.autopsy)
    if not open_modal(client, body["trigger_id"], view, logger=logger, what="the revisit form"):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


def show_page(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """App Home's "Show more" and "Newer": the page of the journal from the button's offset."""
    ack()
    team_id, user_id = who(context, body)
    offset = number(action.get("value")) or 0
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger, offset=offset)


def search_lessons(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """App Home's lessons search, on Enter: App Home again, the card of what was typed under the box."""
    ack()
    team_id, user_id = who(context, body)
    typed = " ".join(str(action.get("value") or "").split())
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger, lessons_typed=typed)


def autopsy_menu(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The overflow menu on an autopsy in App Home: edit it, make its lesson an action, or ask to
    delete it."""
    option = action.get("selected_option")
    choice, _, raw_id = str(option.get("value") or "" if isinstance(option, dict) else "").partition(":")
    if choice == "action":
        return commitments.make_action(ack, body, {**action, "value": raw_id}, context, client, logger)
    ack()
    team_id, user_id = who(context, body)
    if choice not in ("edit", "delete"):
        logger.warning("Refused an unknown journal choice %r from %s", choice, user_id)
        return
    entry = own_autopsy(context, team_id, user_id, raw_id, logger, choice)
    if entry is None:  # deleted meanwhile (App Home in another window): say so, and draw Home again
        view = autopsy_form.notice("Not here any more", GONE)
        open_modal(client, body["trigger_id"], view, logger=logger, what="a deleted autopsy's notice")
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
        return
    if choice == "edit":
        view = autopsy_form.autopsy_modal("", clock.now().date(), entry=entry)
    else:
        zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=clock.now())
        view = autopsy_form.delete_modal(entry, zone)
    if not open_modal(client, body["trigger_id"], view, logger=logger, what=f"the {choice} form"):
        tell_clicker(client, body, replies.form_unavailable("choose it again from the menu"), logger=logger)


def delete_autopsy(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The confirmation's red "Delete it": the autopsy goes, and the DMs it sent say so."""
    ack()
    team_id, user_id = who(context, body)
    entry = own_autopsy(context, team_id, user_id, action.get("value"), logger, "delete")
    deleted, sent = False, []
    if entry is not None:
        try:
            with store_of(context).write() as work:
                sent = work.follow_ups.messages_of(team_id=team_id, autopsy_id=entry.id)
                deleted = work.autopsies.delete(team_id=team_id, user_id=user_id, autopsy_id=entry.id)
        except SQLAlchemyError:
            logger.exception("Could not delete autopsy %s for %s", entry.id, user_id)
            notice = autopsy_form.notice(
                "Not deleted", "Sorry, I couldn't delete it just now. Please try again."
            )
            return update_modal(client, body, notice, logger=logger)
    if entry is None or not deleted:
        update_modal(client, body, autopsy_form.notice("Not here any more", GONE), logger=logger)
        return publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    logger.info("%s deleted autopsy %s", user_id, entry.id)
    helpers = sorted({message.recipient_id for message in sent} - {user_id})
    update_modal(client, body, autopsy_form.deleted(entry, helpers), logger=logger)
    take_down(client, sent, author_id=user_id, logger=logger)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def export_mine(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Send the rep a CSV of everything they wrote, as a file in their DM with Rebound (and a
    second of their actions on teammates' lessons, when they have any)."""
    ack()
    team_id, user_id = who(context, body)
    try:
        with store_of(context).read() as work:
            rows = list(work.autopsies.export(team_id=team_id, user_id=user_id))
            actions = work.actions.on_teammates_lessons(team_id=team_id, user_id=user_id)
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=export.csv_text(rows),
            filename="rebound-my-autopsies.csv",
            title="Your autopsies in Rebound",
            initial_comment=f"Here is everything you wrote in Rebound: {len(rows)} "
            f"{'autopsy' if len(rows) == 1 else 'autopsies'}, as a CSV file.",
        )
        if actions:  # what they wrote in actions on teammates' lessons, which no autopsy row holds
            client.files_upload_v2(
                channel=channel,
                content=export.actions_csv(actions),
                filename="rebound-my-actions.csv",
                title="Your actions on teammates' lessons",
                initial_comment=f"And the {len(actions)} {'action' if len(actions) == 1 else 'actions'} "
                "you made or own on teammates' lessons.",
            )
    except SQLAlchemyError:
        logger.exception("Could not read %s's autopsies for an export", user_id)
    except SLACK_FAILURES as error:
        logger.warning("Could not send %s their export: %s", user_id, describe(error))
    else:
        logger.info("Sent %s their export (%s autopsies)", user_id, len(rows))
        return
    tell_clicker(client, body, replies.export_failed(), logger=logger)


def confirm_erase_mine(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """App Home's "Delete everything I wrote": first, in words, what would go and what stays."""
    ack()
    team_id, user_id = who(context, body)
    try:
        with store_of(context).read() as work:
            erasure = work.people.erasure(team_id=team_id, user_id=user_id)
    except SQLAlchemyError:
        logger.exception("Could not count what erasing %s would take", user_id)
        view = autopsy_form.notice("Not now", "Sorry, I couldn't look that up just now. Please try again.")
    else:
        view = erasure_modals.erase_mine_modal(erasure)
    if not open_modal(
        client, body["trigger_id"], view, logger=logger, what="the delete-everything confirmation"
    ):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


def erase_mine(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """The confirmation's red "Delete everything": the rep is forgotten, the DMs that showed what
    they wrote say so, and App Home is drawn again, empty."""
    ack()
    team_id, user_id = who(context, body)
    try:
        erased = erase_person(store_of(context), client, team_id=team_id, user_id=user_id, logger=logger)
    except SQLAlchemyError:
        logger.exception("Could not erase %s in %s", user_id, team_id)
        notice = autopsy_form.notice("Not deleted", "Sorry, I couldn't delete it just now. Please try again.")
        return update_modal(client, body, notice, logger=logger)
    update_modal(client, body, erasure_modals.erased_notice(erased), logger=logger)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def open_settings(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Workspace settings, for admins only: the button shows only to them, and is checked again here."""
    ack()
    team_id, user_id = who(context, body)
    if not admins_of(context).is_admin(client, team_id=team_id, user_id=user_id):
        logger.warning("Refused the workspace settings to %s in %s: not an admin", user_id, team_id)
        view = autopsy_form.notice("Workspace settings", ADMINS_ONLY)
        open_modal(client, body["trigger_id"], view, logger=logger, what="the settings' admins-only notice")
        return publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)  # no button now
    with store_of(context).read() as work:
        row = work.workspaces.settings(team_id)
    view = settings_form.settings_modal(
        schedule_for(row, context["settings"]),
        follow_up_defaults(row),
        company=row.company_name if row is not None else None,
    )
    if not open_modal(client, body["trigger_id"], view, logger=logger, what="the workspace settings"):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


def open_competitor_names(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Competitor names, for admins only, as the settings are: the form to merge one into another."""
    ack()
    team_id, user_id = who(context, body)
    if not admins_of(context).is_admin(client, team_id=team_id, user_id=user_id):
        logger.warning("Refused the competitor names to %s in %s: not an admin", user_id, team_id)
        view = autopsy_form.notice("Competitor names", NAMES_ADMINS_ONLY)
        open_modal(client, body["trigger_id"], view, logger=logger, what="the names' admins-only notice")
        return publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    with store_of(context).read() as work:
        names = work.competitors.suggest(team_id=team_id, typed="", limit=competitor_names.CHOICES_MAX + 1)
    view = competitor_names.merge_modal(names)
    if not open_modal(client, body["trigger_id"], view, logger=logger, what="the competitor names"):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)


def ask_buyer(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """ "Ask <deal> for their side" (or "Make a new link"): the rep's personal link for the lost
    buyer, the note to send with it and where it stands, in a modal only they see."""
    ack()
    team_id, user_id = who(context, body)
    asking = asking_of(context)
    entry = own_autopsy(context, team_id, user_id, action.get("value"), logger, "ask the buyer of")
    if asking is None or entry is None:
        show_modal(client, body, no_link(asking), logger=logger, what="why there is no link")
        return publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    now = clock.now()
    shown = asking.link(team_id=team_id, autopsy_id=entry.id, now=now)
    with store_of(context).read() as work:
        settings = work.workspaces.settings(team_id)
    zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
    company = settings.company_name if settings is not None else None
    view = buyer_link.link_modal(entry, shown, company=company, zone=zone)
    if not show_modal(client, body, view, logger=logger, what="the buyer's link"):
        tell_clicker(client, body, replies.form_unavailable(AGAIN), logger=logger)
    if shown.made != "same":  # App Home says where the link stands
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def withdraw_buyer_link(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The link's confirmed "Withdraw link": it stops opening, and the modal and App Home say so."""
    ack()
    team_id, user_id = who(context, body)
    asking = asking_of(context)
    entry = own_autopsy(
        context, team_id, user_id, action.get("value"), logger, "withdraw the buyer's link of"
    )
    if asking is None or entry is None:
        update_modal(client, body, no_link(asking), logger=logger)
        return publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)
    now = clock.now()
    if asking.withdraw(team_id=team_id, autopsy_id=entry.id, now=now):
        logger.info("%s withdrew the buyer's link of autopsy %s", user_id, entry.id)
    with store_of(context).read() as work:
        ask = work.buyer_asks.of_autopsy(team_id=team_id, autopsy_id=entry.id)
    zone = zone_of(context, client, team_id=team_id, user_id=user_id, now=now)
    update_modal(client, body, buyer_link.withdrawn_modal(entry, ask, zone=zone), logger=logger)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def no_link(asking: BuyerAsking | None) -> View:
    """Why a click on a buyer's link button does nothing: asking is off now (a button drawn before
    the public page was switched off), or the autopsy is not the clicker's (deleted, or forged)."""
    return (
        buyer_link.not_offered_modal() if asking is None else autopsy_form.notice("Not here any more", GONE)
    )
