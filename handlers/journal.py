"""The rep's journal in App Home: paging, edit, delete (after a confirmation) and "Export my data".

Only an autopsy's author may edit or delete it: every id in a click or a form is checked
against the person Slack says sent it, and a forged one is refused and logged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import export, ids
from bot.autopsy import read_submission
from bot.blocks import autopsy_form
from bot.followups import planning
from bot.runtime.slack import describe
from handlers.surfaces import SLACK_FAILURES, follow_up_defaults, open_modal, publish_home, who
from storage import Autopsy, Store


def _number(raw: object) -> int | None:
    value = str(raw or "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _own(
    context: BoltContext, team_id: str, user_id: str, raw_id: object, logger: Logger, what: str
) -> Autopsy | None:
    store: Store = context["store"]
    autopsy_id = _number(raw_id)
    entry = (
        None
        if autopsy_id is None
        else store.own_autopsy(team_id=team_id, user_id=user_id, autopsy_id=autopsy_id)
    )
    if entry is None:
        logger.warning("Refused to %s autopsy %r for %s in %s: not theirs", what, raw_id, user_id, team_id)
    return entry


def show_page(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    team_id, user_id = who(context, body)
    offset = _number(action.get("value")) or 0
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
    entry = _own(context, team_id, user_id, raw_id, logger, choice)
    if entry is None:
        return
    view = (
        autopsy_form.autopsy_modal("", datetime.now(UTC).date(), entry=entry)
        if choice == "edit"
        else autopsy_form.delete_modal(entry)
    )
    open_modal(client, body["trigger_id"], view, logger=logger, what=f"the {choice} form")


def save_edit(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    team_id, user_id = who(context, body)
    entry = _own(context, team_id, user_id, view.get("private_metadata"), logger, "edit")
    if entry is None:
        ack(response_action="errors", errors={ids.DEAL: "This autopsy isn't yours to change."})
        return
    now = datetime.now(UTC)
    answers, errors = read_submission(
        view.get("state", {}).get("values", {}), now, kept_date=entry.touch_base_on
    )
    if answers is None:
        ack(response_action="errors", errors=errors)
        return
    store: Store = context["store"]
    try:
        store.update_autopsy(
            team_id=team_id,
            user_id=user_id,
            autopsy_id=entry.id,
            answers=answers,
            plans=planning.plan(
                answers,
                author_id=user_id,
                now=now,
                revisit_after=timedelta(days=follow_up_defaults(store, team_id).revisit_days),
            ),
            now=now,
        )
    except SQLAlchemyError:
        logger.exception("Could not update autopsy %s for %s", entry.id, user_id)
        ack(
            response_action="errors",
            errors={ids.DEAL: "Sorry, I couldn't save this just now. Please try again."},
        )
        return
    ack()
    logger.info("%s edited autopsy %s", user_id, entry.id)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def confirm_delete(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    team_id, user_id = who(context, body)
    store: Store = context["store"]
    autopsy_id = _number(view.get("private_metadata"))
    try:
        deleted = autopsy_id is not None and store.delete_autopsy(
            team_id=team_id, user_id=user_id, autopsy_id=autopsy_id
        )
    except SQLAlchemyError:
        logger.exception("Could not delete autopsy %s for %s", autopsy_id, user_id)
        ack(
            response_action="update",
            view=autopsy_form.notice("Not deleted", "Sorry, I couldn't delete it just now."),
        )
        return
    ack()
    if not deleted:
        logger.warning("Refused to delete autopsy %r for %s in %s: not theirs", autopsy_id, user_id, team_id)
        return
    logger.info("%s deleted autopsy %s", user_id, autopsy_id)
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def export_mine(ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Send the rep a CSV of everything they wrote, as a file in their DM with Rebound."""
    ack()
    team_id, user_id = who(context, body)
    store: Store = context["store"]
    try:
        rows = list(store.export_autopsies(team_id=team_id, user_id=user_id))
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
