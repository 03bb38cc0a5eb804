"""View submissions: the autopsy form is checked, stored, then acknowledged, then the rep is thanked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.autopsy import read_submission
from bot.blocks import follow_up_dms, replies
from bot.followups import planning
from handlers.surfaces import (
    SLACK_FAILURES,
    describe,
    follow_up_defaults,
    own_follow_up,
    publish_home,
    redraw_follow_up,
    who,
)
from storage import Store


def save_autopsy(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    now = datetime.now(UTC)
    answers, errors = read_submission(view.get("state", {}).get("values", {}), now)
    if answers is None:
        ack(response_action="errors", errors=errors)
        return
    store: Store = context["store"]
    team_id, user_id = who(context, body)
    try:
        _, is_new = store.save_autopsy(
            team_id=team_id,
            user_id=user_id,
            view_id=view["id"],
            answers=answers,
            created_at=now,
            follow_ups=planning.plan(
                answers,
                author_id=user_id,
                now=now,
                revisit_after=timedelta(days=follow_up_defaults(store, team_id).revisit_days),
            ),
        )
    except SQLAlchemyError:
        logger.exception("Could not store an autopsy for %s", user_id)
        # Keep the modal open with everything the rep wrote, rather than lose it.
        ack(
            response_action="errors",
            errors={ids.DEAL: "Sorry, I couldn't save this just now. Please press Save again."},
        )
        return
    # Only now, with the autopsy committed, does Slack hear that it was received.
    ack()
    if not is_new:
        logger.info("Autopsy for view %s arrived again; already stored", view["id"])
        return
    try:
        client.chat_postMessage(channel=user_id, **replies.thank_you(answers).as_kwargs())
    except SLACK_FAILURES as error:
        logger.warning("Autopsy stored, but the thank-you DM to %s failed: %s", user_id, describe(error))
    publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)


def save_revisit(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    store: Store = context["store"]
    team_id, user_id = who(context, body)
    state = view.get("state", {}).get("values", {}).get(ids.REVISIT_TEXT, {}).get(ids.REVISIT_TEXT, {})
    text = str(state.get("value") or "").strip()
    if not text or len(text) > follow_up_dms.REVISIT_MAX:
        problem = (
            "Please write a few words."
            if not text
            else f"Please keep this under {follow_up_dms.REVISIT_MAX} characters."
        )
        ack(response_action="errors", errors={ids.REVISIT_TEXT: problem})
        return
    metadata = view.get("private_metadata")
    due = own_follow_up(store, team_id=team_id, user_id=user_id, raw_id=metadata, kind="revisit")
    if due is None:
        logger.warning("Refused a revisit from %s for follow-up %r", user_id, metadata)
        ack()
        return
    now = datetime.now(UTC)
    try:
        added = store.add_revisit(
            team_id=team_id,
            user_id=user_id,
            autopsy_id=due.autopsy.id,
            view_id=view["id"],
            text=text,
            now=now,
        )
        store.answer_follow_up(
            team_id=team_id, user_id=user_id, follow_up_id=due.follow_up.id, state="done", now=now
        )
    except SQLAlchemyError:
        logger.exception("Could not store a revisit for %s", user_id)
        ack(
            response_action="errors",
            errors={ids.REVISIT_TEXT: "Sorry, I couldn't save this just now. Please try again."},
        )
        return
    ack()
    if added:
        again = store.follow_up(team_id=team_id, follow_up_id=due.follow_up.id)
        if again is not None:
            redraw_follow_up(client, store, again, logger=logger)
        publish_home(client, context, team_id=team_id, user_id=user_id, logger=logger)  # its revisits
