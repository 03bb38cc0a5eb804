"""Running Rebound: HTTP mode under gunicorn, or Socket Mode, each stopping cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from apscheduler.schedulers.background import BackgroundScheduler
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger as GunicornLogger
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import metrics
from bot.asking import buyer_asking_for
from bot.config import ConfigError, Settings
from bot.crm.inbox import HUBSPOT_PATH, CrmInbox
from bot.deal_news import HUBSPOT, SALESFORCE
from bot.slack.installs import installs_for
from buyer_page import ASK_PREFIX, make_buyer_site
from rebound.app import create_app
from rebound.exposition import Monitoring
from rebound.health_port import serve_monitoring
from rebound.request_log import team_and_user, what_was_asked
from rebound.scheduler import start_scheduler
from storage import Store

logger = logging.getLogger("rebound.server")
requests_log = logging.getLogger("rebound.requests")
SLOW_ANSWER = 1.0  # seconds: an answer this late is logged; Slack gives up after 3

EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


MAX_BODY = 1024 * 1024  # Slack's largest payloads (a full modal's state) are a few dozen KB
# What CrmInbox answers a webhook it refuses: unsigned, another org, unreadable, no or too long a length
_REFUSED_WHOLE = ("400", "401", "403", "411", "413")


def _unread(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    """A request to Slack's Request URL refused from its headers, its body never read."""
    metrics.request_answered(metrics.UNREADABLE, metrics.REFUSED)
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# Where Bolt looks for who and where a request is from, and the fields it expects there to be
# an ID or an object with one; anything else makes Bolt fail before any listener runs.
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")
_IDENTITIES = ("user", "channel", "team", "enterprise", "organization")


def _shaped(payload: object, depth: int = 0) -> bool:
    if not isinstance(payload, dict):
        return False
    if any(not isinstance(payload.get(key), (type(None), str, dict)) for key in _IDENTITIES):
        return False
    if depth == 0 and payload.get("type") == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return False
    return all(payload.get(key) is None or _shaped(payload[key], depth + 1) for key in _NESTED if depth < 3)


def _read_as_a_form(request: BoltRequest) -> None:
    """Bolt takes any form body containing the word "payload" for an interactivity payload and,
    finding no `payload` field, reads it as {}: a slash command typed in #payload-team, in a
    workspace called payloadco, or about a deal named "payload gateway" would go unanswered.
    Such a body is read as the form it is, and its context (workspace, user, channel) as Bolt
    builds it. The signature is still checked by Bolt, over the raw body."""
    if request.content_type != FORM:
        return
    fields = dict(parse_qsl(request.raw_body, keep_blank_values=True))
    if fields and "payload" not in fields:
        request.body = fields
        request.context = build_context(request.context, fields)


def _signed(verifier: SignatureVerifier, body: bytes, environ: dict[str, Any]) -> bool:
    try:
        return verifier.is_valid(
            body=body,
            timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
    except ValueError:  # a timestamp that is not a number
        return False


class SlackEvents(SlackRequestHandler):
    """Bolt's WSGI adapter for Slack's Request URL, plus what an operator needs from it.

    A body Bolt cannot read (not UTF-8, not JSON where Slack sends JSON, not the shapes Slack
    sends) gets a 400 if it is correctly signed and a 401 if not, instead of a traceback (Bolt
    reads before it verifies; slack_sdk's verifier checks first). A request Bolt refuses or
    fails, or answers after more than a second, gets an INFO line: what was asked, for whom,
    the answer, how long; with LOG_LEVEL=DEBUG every request does (a line for every healthy
    request costs a tenth of a command's CPU). Both read Bolt's own parse of the body.
    """

    def __init__(self, app: App, signing_secret: str) -> None:
        super().__init__(app, path=EVENTS_PATH)
        self.verifier = SignatureVerifier(signing_secret)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        started = time.perf_counter()
        raw = request.environ["wsgi.input"].read(int(request.environ.get("CONTENT_LENGTH") or 0))
        try:
            bolt_request = BoltRequest(
                body=raw.decode(), query=request.query_string, headers=request.get_headers()
            )
        except Exception:  # whatever Bolt raises reading a hostile body, Bolt cannot read it
            bolt_request = None
        if bolt_request is not None and not bolt_request.body:
            _read_as_a_form(bolt_request)
        if bolt_request is None or not _shaped(bolt_request.body):
            return self.refuse(raw, request)
        response = self.app.dispatch(bolt_request)
        took = time.perf_counter() - started
        level = logging.INFO if response.status >= 300 or took > SLOW_ANSWER else logging.DEBUG
        if requests_log.isEnabledFor(level):
            team, user = team_and_user(bolt_request.body)
            requests_log.log(
                level,
                "%s: team=%s user=%s -> %s in %.1f ms",
                what_was_asked(bolt_request.body),
                team,
                user,
                response.status,
                took * 1000,
            )
        return response

    def refuse(self, raw: bytes, request: WsgiHttpRequest) -> BoltResponse:
        metrics.request_answered(metrics.UNREADABLE, metrics.REFUSED)
        if _signed(self.verifier, raw, request.environ):
            logger.warning("Refused a signed request whose body is not JSON where Slack sends JSON")
            return BoltResponse(status=400, body="Malformed payload", headers={"content-type": "text/plain"})
        return BoltResponse(status=401, body="", headers={"content-type": "text/plain"})


def wsgi_app(
    app: App,
    monitoring: Monitoring,
    signing_secret: str,
    crm: CrmInbox | None = None,
    buyer_page: WSGIApp | None = None,
) -> WSGIApp:
    """Slack's Request URL (`SlackEvents`), /healthz and /metrics (`Monitoring`), the CRMs'
    webhooks (`CrmInbox`; 404 for a CRM that is not set up), and the buyer's page under /ask/
    (a Flask app of its own, buyer_page/site.py, when REBOUND_PUBLIC_URL is set).

    Before Bolt sees a request, one without a Content-Length (411) or an oversized one (413) is
    refused from its headers alone, nothing read.
    """
    slack = SlackEvents(app, signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        if buyer_page is not None and path.startswith(ASK_PREFIX):
            return buyer_page(environ, start_response)
        if crm is not None and crm.handles(path):
            answer = crm.answer(environ)
            if answer.status[:3] in _REFUSED_WHOLE:  # its events never read: it counts once
                metrics.crm_events(HUBSPOT if path == HUBSPOT_PATH else SALESFORCE, metrics.REFUSED)
            start_response(
                answer.status,
                [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))],
            )
            return [answer.body]
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = str(environ.get("CONTENT_LENGTH") or "")
            if not length.isdigit():
                return _unread(start_response, "411 Length Required", "Content-Length is required")
            if int(length) > MAX_BODY:
                return _unread(start_response, "413 Content Too Large", "Request body too large")
        elif monitoring.handles(environ):
            return monitoring(environ, start_response)
        return slack(environ, start_response)

    return application


def behind_proxies(site: WSGIApp, proxies: int) -> WSGIApp:
    """The buyer's page sees the buyer's address, as the first of `proxies` proxies in front saw it
    (X-Forwarded-For; REBOUND_PROXIES), not the proxy's own: its rate limits count per buyer."""
    return site if proxies == 0 else ProxyFix(site, x_for=proxies)


def monitoring_for(settings: Settings, store: Store) -> Monitoring:
    return Monitoring(store, token=settings.metrics_token, multiprocess_dir=settings.metrics_dir)


def crm_inbox(settings: Settings, store: Store) -> CrmInbox:
    """The CRMs' webhooks, for the workspace REBOUND_CRM_TEAM names or the bot token's own
    (asked of Slack once, here at start, so never while a CRM waits)."""
    if settings.crm.team_id is not None or not (settings.crm.hubspot or settings.crm.salesforce):
        return CrmInbox(store, settings.crm, lambda: settings.crm.team_id)
    speakers = installs_for(settings, store)
    speakers.teams()
    return CrmInbox(store, settings.crm, lambda: next(iter(speakers.teams()), None))


class _GunicornLog(GunicornLogger):
    """gunicorn's own lines (workers booting, timeouts) in Rebound's format, redacted like every
    other line, and as JSON under LOG_FORMAT=json: through the root logger, not gunicorn's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


class _Arbiter(Arbiter):
    def handle_int(self) -> None:
        # Ctrl-C lets in-flight requests finish, like SIGTERM, instead of gunicorn's quick exit.
        self.handle_term()


def _workers_ignore_ctrl_c(worker: Any) -> None:
    # The terminal sends Ctrl-C to every process; workers wait for the master's graceful SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _freeze_start_up() -> None:
    # What start-up built (modules, the app, its listeners) lives as long as the process: frozen,
    # the collector's full passes skip it. Unfrozen, the first one took ~100 ms, and every
    # request in flight waited for it. (No collection first: it would cost each start as much.)
    gc.freeze()


def _stop_scheduler(_arbiter: Any, worker: Any) -> None:
    if worker.app.scheduler is not None:
        worker.app.scheduler.shutdown()


def _forget_worker(_arbiter: Any, worker: Any) -> None:
    metrics.process_ended(worker.pid, worker.app.settings.metrics_dir)


class HttpServer(BaseApplication):
    """gunicorn (threaded workers) serving `wsgi_app`. GUNICORN_CMD_ARGS can tune workers and threads.

    Each worker runs the follow-up sweep unless told not to; claims are atomic, so more
    workers only means more sweepers, never a reminder sent twice.
    """

    def __init__(self, settings: Settings, *, scheduler: bool) -> None:
        self.settings = settings
        self.run_scheduler = scheduler
        self.scheduler: BackgroundScheduler | None = None
        super().__init__()

    def load_config(self) -> None:
        options = {
            "bind": [f"{self.settings.host}:{self.settings.port}"],
            "workers": 1,
            "worker_class": "gthread",
            "threads": 8,
            "timeout": 30,
            "graceful_timeout": 30,
            "loglevel": self.settings.log_level.lower(),
            "post_worker_init": _workers_ignore_ctrl_c,
            "worker_exit": _stop_scheduler,
            "child_exit": _forget_worker,
            "proc_name": "rebound",
            "logger_class": _GunicornLog,
            "control_socket_disable": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)
        from_env = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(from_env).items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        # Runs in each worker after the fork, so every process has its own engine and threads.
        store = self.settings.connect()
        app = create_app(self.settings, store)
        if self.run_scheduler:
            self.scheduler = start_scheduler(self.settings, store)
        asking = buyer_asking_for(self.settings, store)
        served = wsgi_app(
            app,
            monitoring_for(self.settings, store),
            self.settings.slack_signing_secret or "",
            crm_inbox(self.settings, store),
            buyer_page=None
            if asking is None
            else behind_proxies(make_buyer_site(asking), self.settings.proxies),
        )
        _freeze_start_up()
        return served

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as error:
            print(f"rebound: {error}", file=sys.stderr)
            sys.exit(1)


def serve_http(settings: Settings, *, scheduler: bool = True) -> None:
    logger.info("Serving Slack requests on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)
    HttpServer(settings, scheduler=scheduler).run()


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(stopping: threading.Event) -> None:
    """Set `stopping` at the first SIGTERM or Ctrl-C, and ignore the ones that follow: a second
    signal handled inside the first handler's `stopping.set()` would wait forever on the lock
    that set() holds (Ctrl-C twice, or SIGINT then SIGTERM, hung the process)."""

    def stop(*_: object) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stopping.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)


def _until_stopped() -> None:
    """Block until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    stop_on_signals(stop)
    stop.wait()


Health = tuple[str, int]  # --health-host and --health-port: where /healthz and /metrics are served


def serve_socket_mode(settings: Settings, *, scheduler: bool = True, health: Health | None = None) -> None:
    """Connect to Slack over a WebSocket (apps.connections.open at SLACK_API_URL) until told to
    stop; with `health`, /healthz and /metrics on that address."""
    store = settings.connect()
    watched = serve_monitoring(monitoring_for(settings, store), *health) if health else None
    app = create_app(settings, store)
    handler = SocketModeHandler(app, settings.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as error:
        if watched is not None:
            watched.stop()
        store.close()
        raise ConfigError(
            "SLACK_APP_TOKEN", f"was refused by Slack ({error.response.get('error')})"
        ) from None
    logger.info("Connected to Slack in Socket Mode")
    sweeps = start_scheduler(settings, store) if scheduler else None
    _freeze_start_up()
    _until_stopped()
    logger.info("Stopping: closing the Socket Mode connection")
    handler.close()
    if sweeps is not None:
        sweeps.shutdown()
    if watched is not None:
        watched.stop()
    store.close()


def run_worker(settings: Settings, *, health: Health | None = None) -> None:
    """Only the scheduler, for deployments with several web processes; with `health`, /healthz
    and /metrics on that address."""
    store = settings.connect()
    watched = serve_monitoring(monitoring_for(settings, store), *health) if health else None
    sweeps = start_scheduler(settings, store)
    _until_stopped()
    logger.info("Stopping: letting a sweep in progress finish")
    sweeps.shutdown()
    if watched is not None:
        watched.stop()
    store.close()
