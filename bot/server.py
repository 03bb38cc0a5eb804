"""Running Rebound: HTTP mode under gunicorn, or Socket Mode, each stopping cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import io
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from apscheduler.schedulers.background import BackgroundScheduler
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.scheduler import start_scheduler
from storage import Store

logger = logging.getLogger("rebound.server")
requests_log = logging.getLogger("rebound.requests")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


MAX_BODY = 1024 * 1024  # Slack's largest payloads (a full modal's state) are a few dozen KB


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
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


def _read(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The request as Bolt will see it, or None if Bolt could not parse it: interactivity's
    `payload=` and events' JSON must be JSON objects of the shapes Slack sends."""
    try:
        if content_type.startswith("application/json"):
            parsed = json.loads(body or b"{}")
        elif body.startswith(b"payload="):
            parsed = json.loads(parse_qs(body.decode())["payload"][0])
        else:  # a slash command: plain form fields
            return {key: values[0] for key, values in parse_qs(body.decode()).items()}
    except (ValueError, KeyError):  # JSONDecodeError and UnicodeDecodeError both are ValueErrors
        return None
    return parsed if _shaped(parsed) else None


def what_was_asked(request: dict[str, Any]) -> str:
    """A request in a few words, for the log: the command, the buttons, the form, the event."""
    kind = str(request.get("type") or "")
    if "command" in request:
        return f"command {request['command']}"
    if kind == "block_actions":
        actions = request.get("actions")
        names = (
            [str(a.get("action_id")) for a in actions if isinstance(a, dict)]
            if isinstance(actions, list)
            else []
        )
        return "click " + ",".join(names)
    if kind in ("view_submission", "view_closed"):
        view = request.get("view")
        return f"{kind.replace('_', ' ')} {view.get('callback_id') if isinstance(view, dict) else '?'}"
    if kind == "event_callback":
        return f"event {request['event']['type']}"
    return kind or "request"


def _who(request: dict[str, Any]) -> tuple[str, str]:
    def ident(value: object) -> str:
        return str(value.get("id") if isinstance(value, dict) else value or "-")

    return ident(request.get("team") or request.get("team_id")), ident(
        request.get("user") or request.get("user_id") or (request.get("event") or {}).get("user")
    )


def _signed(verifier: SignatureVerifier, body: bytes, environ: dict[str, Any]) -> bool:
    try:
        return verifier.is_valid(
            body=body,
            timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
    except ValueError:  # a timestamp that is not a number
        return False


def wsgi_app(app: App, store: Store, signing_secret: str) -> WSGIApp:
    """Slack's Request URL through Bolt's WSGI adapter, plus a health check for load balancers.

    Before Bolt sees a request, an oversized one is refused from its Content-Length alone (413,
    nothing read), and a correctly signed one whose body is not what Slack sends gets a 400
    instead of a traceback (Bolt parses before it verifies; slack_sdk's verifier checks first).
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    verifier = SignatureVerifier(signing_secret)

    def screen(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> tuple[list[bytes] | None, dict[str, Any]]:
        length = str(environ.get("CONTENT_LENGTH") or "")
        if not length.isdigit():
            return _plain(start_response, "411 Length Required", "Content-Length is required"), {}
        if int(length) > MAX_BODY:
            return _plain(start_response, "413 Content Too Large", "Request body too large"), {}
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        request = _read(body, str(environ.get("CONTENT_TYPE") or ""))
        if request is not None:
            return None, request
        if _signed(verifier, body, environ):
            logger.warning("Refused a signed request whose body is not JSON where Slack sends JSON")
            return _plain(start_response, "400 Bad Request", "Malformed payload"), {}
        return _plain(start_response, "401 Unauthorized", ""), {}

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            refused, request = screen(environ, start_response)
            if refused is not None:
                return refused
            return answer_and_log(environ, start_response, request)
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = store.ping()
            body = json.dumps(
                {"status": "ok" if healthy else "unavailable", "database": "ok" if healthy else "unreachable"}
            ).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [body]
        return slack(environ, start_response)

    def answer_and_log(
        environ: dict[str, Any], start_response: Callable[..., Any], request: dict[str, Any]
    ) -> Iterable[bytes]:
        """Bolt answers; then one line for the operator: what, for whom, the answer, how long."""
        started = time.perf_counter()
        answered: list[str] = []

        def recording_start_response(status: str, headers: Any, *rest: Any) -> Any:
            answered.append(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        body = slack(environ, recording_start_response)
        team, user = _who(request)
        requests_log.info(
            "%s: team=%s user=%s -> %s in %.1f ms",
            what_was_asked(request), team, user, answered[0] if answered else "-",
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return body

    return application


class _Arbiter(Arbiter):
    def handle_int(self) -> None:
        # Ctrl-C lets in-flight requests finish, like SIGTERM, instead of gunicorn's quick exit.
        self.handle_term()


def _workers_ignore_ctrl_c(worker: Any) -> None:
    # The terminal sends Ctrl-C to every process; workers wait for the master's graceful SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_scheduler(_arbiter: Any, worker: Any) -> None:
    if worker.app.scheduler is not None:
        worker.app.scheduler.shutdown()


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
            "proc_name": "rebound",
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
        return wsgi_app(app, store, self.settings.slack_signing_secret or "")

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as error:
            print(f"rebound: {error}", file=sys.stderr)
            sys.exit(1)


def serve_http(settings: Settings, *, scheduler: bool = True) -> None:
    logger.info("Serving Slack requests on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)
    HttpServer(settings, scheduler=scheduler).run()


def _until_stopped() -> None:
    """Block until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def serve_socket_mode(settings: Settings, *, scheduler: bool = True) -> None:
    """Connect to Slack over a WebSocket (apps.connections.open at SLACK_API_URL) until told to stop."""
    store = settings.connect()
    app = create_app(settings, store)
    handler = SocketModeHandler(app, settings.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as error:
        store.close()
        raise ConfigError(
            "SLACK_APP_TOKEN", f"was refused by Slack ({error.response.get('error')})"
        ) from None
    logger.info("Connected to Slack in Socket Mode")
    sweeps = start_scheduler(settings, store) if scheduler else None
    _until_stopped()
    logger.info("Stopping: closing the Socket Mode connection")
    handler.close()
    if sweeps is not None:
        sweeps.shutdown()
    store.close()


def run_worker(settings: Settings) -> None:
    """Only the scheduler, for deployments with several web processes."""
    store = settings.connect()
    sweeps = start_scheduler(settings, store)
    _until_stopped()
    logger.info("Stopping: letting a sweep in progress finish")
    sweeps.shutdown()
    store.close()
