"""The Bolt app factory: one `App`, its Web API client, and every listener registered."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

import handlers
from bot import metrics
from bot.admins import Admins
from bot.asking import buyer_asking_for
from bot.config import Settings
from bot.slack.installs import installation_store
from bot.slack.web_api import describe, slack_logger, use_slack_api
from bot.workspace import FollowUpDefaultsCache
from bot.zones import PersonZones
from rebound.request_log import team_and_user, what_was_asked
from storage import Store

logger = logging.getLogger("rebound")


# The bot scopes an install asks for: the same as manifest.yml (a test keeps them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "channels:join",
    "files:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
)


# Bolt acknowledges from inside the listener, so with its default of 5 threads five listeners
# waiting on a slow Slack keep the sixth rep unheard past Slack's 3 s. Listeners mostly wait on
# Slack: a thread is cheap, and the pool starts one only when none is idle.
LISTENER_THREADS = 64


def create_app(settings: Settings, store: Store) -> App:
    """Build the Bolt app. Its token was checked at start-up, so Bolt need not check it again."""
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="rebound-listener")
    # Bolt builds its own client (reading SLACK_BOT_TOKEN itself if we passed a client too),
    # so the token goes in here and the client is then pointed at SLACK_API_URL.
    if settings.oauth:
        assert settings.slack_client_id is not None and settings.slack_client_secret is not None
        install_store = installation_store(settings.slack_client_id, store.engine)
        app = CountedApp(
            signing_secret=settings.slack_signing_secret or "",
            logger=slack_logger(settings),
            listener_executor=listeners,
            installation_store=install_store,
            # Bolt's default calls auth.test for every request; one Slack hiccup there and Bolt
            # answers "please reinstall" with a 200. Each token is checked once per process instead.
            authorize=InstallationStoreAuthorize(
                installation_store=install_store,
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                logger=slack_logger(settings),
                cache_enabled=True,
            ),
            oauth_settings=OAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=install_store,
                state_store=SQLAlchemyOAuthStateStore(
                    expiration_seconds=600, engine=store.engine, logger=logging.getLogger("rebound.oauth")
                ),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            ),
        )
        # app_uninstalled and tokens_revoked: the workspace's tokens are deleted; its data is kept.
        app.enable_token_revocation_listeners()
    else:
        app = CountedApp(
            token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret or "",
            token_verification_enabled=False,
            logger=slack_logger(settings),
            listener_executor=listeners,
        )

    use_slack_api(app.client, settings)

    app.use(ProvideServices(store, settings))
    app.error(answer_failure)
    handlers.register(app)
    return app


# Slack's payload types, as bot.metrics names their kinds
_KINDS = {
    "block_actions": "action",
    "interactive_message": "action",
    "view_submission": "view_submission",
    "block_suggestion": "options",
    "dialog_suggestion": "options",
}


def request_kind(body: dict[str, Any]) -> str:
    """What a request asks, in one of bot.metrics.REQUEST_KINDS (a forged body too: never its words)."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return "function" if isinstance(event, dict) and event.get("type") == "function_executed" else "event"
    return _KINDS.get(kind, "other") if isinstance(kind, str) else "other"


class CountedApp(App):
    """Bolt's App, counting every request it answers by kind and outcome, and timing each slash
    command to its ack (bot.metrics).

    Counted here because HTTP (SlackEvents) and Socket Mode (SocketModeHandler) both hand every
    request to `dispatch`, and no Bolt middleware could: Bolt runs global middleware one after
    another, and their `next()` returns at once, before any listener runs. With
    process_before_response off (Bolt's default, and Rebound's), Bolt's listener runner returns
    as soon as the listener has called ack() (it looks every 10 ms), so `dispatch` lasts until the
    ack, not through the work that follows it."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        response = super().dispatch(req)
        kind, outcome = request_kind(req.body), metrics.outcome_of(response.status)
        if kind == "command" and outcome != metrics.REFUSED:
            metrics.command_acknowledged(time.perf_counter() - started)
        metrics.request_answered(kind, outcome)
        return response


class ProvideServices(Middleware):
    """Puts what listeners share in every request's context: the store, the settings, who is an
    admin, each workspace's follow-up defaults (the last two cached for this process), each
    person's time zone, and asking lost buyers for their side (None where it is not offered).

    A `Middleware` rather than a function: Bolt calls it directly, without working out which
    arguments a function wants on every request."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.services = {
            "store": store,
            "settings": settings,
            "admins": Admins(settings.admins),
            "follow_up_defaults": FollowUpDefaultsCache(store),
            "zones": PersonZones(store, settings.timezone),
            "buyer_asking": buyer_asking_for(settings, store),
        }

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        req.context.update(self.services)
        return next()


ENVIRONMENT = (SlackApiError, SlackClientError, OSError, SQLAlchemyError)


def answer_failure(error: Exception, body: dict, logger: logging.Logger) -> None:
    """A request Rebound could not answer: Slack or the database out of reach is one line for the
    operator (Slack retries events; people see Slack's error and try again); a bug keeps its
    traceback. The answer stays a 500."""
    team, user = team_and_user(body)
    what = what_was_asked(body)
    if isinstance(error, ENVIRONMENT):
        logger.error("Could not answer %s for %s in %s: %s", what, user, team, describe(error))
    else:
        logger.error("Could not answer %s for %s in %s", what, user, team, exc_info=error)
