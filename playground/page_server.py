"""The playground's web server: the page (static files, no build step), the state it draws, the
live updates (server-sent events), and what a person does there, handed to `SlackClient`.

The standard library's server is enough: a handful of routes, JSON in and out, one long-lived
response per open page for the events. Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground.client import SlackClient
from playground.local_server import LocalServer, QuietHandler

STATIC = Path(__file__).parent / "static"
# Only the page's own scripts, styles and images: user text can never run, and nothing is fetched
# from elsewhere, so the page works offline.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream
MAX_BODY = 256 * 1024


class PageServer(LocalServer):
    def __init__(self, port: int, client: SlackClient) -> None:
        self.client = client
        # Moves the playground's clock and runs the sweeps as of then (set once the bot is up).
        self.clock: Callable[[dict[str, Any]], dict[str, Any]] = _starting
        # Marks one of the person's deals Closed Lost in the fake HubSpot (set once the bot is up).
        self.crm: Callable[[dict[str, Any]], dict[str, Any]] = _starting
        self.stopping = threading.Event()  # ends the open pages' event streams
        super().__init__(_Handler, port=port)

    def stop(self) -> None:
        self.stopping.set()
        super().stop()


class _Handler(QuietHandler):
    server: PageServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/":
            page = STATIC / "index.html"
            if not page.is_file():
                return self._json(404, {"ok": False, "error": "the page is not installed"})
            return self._file(page)
        if path.startswith("/static/"):
            name = path.removeprefix("/static/")
            found = STATIC / name
            if "/" in name or not found.is_file():
                return self._json(404, {"ok": False, "error": "not_found"})
            return self._file(found)
        if path == "/play/state":
            return self._json(200, self.server.client.state())
        if path == "/play/events":
            return self._events()
        if path.startswith("/play/files/"):
            file_id = path.rsplit("/", 1)[-1]
            emulator = self.server.client.emulator
            if file_id not in emulator.uploads:
                return self._json(404, {"ok": False, "error": "file_not_found"})
            return self._bytes(
                200, emulator.uploads[file_id], emulator.file_types.get(file_id, "application/octet-stream")
            )
        return self._json(404, {"ok": False, "error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._json(413, {"ok": False, "error": "too_large"})
        try:
            asked = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._json(400, {"ok": False, "error": "invalid_json"})
        client, path = self.server.client, self.path.split("?", 1)[0]
        if not isinstance(asked, dict):
            return self._json(400, {"ok": False, "error": "invalid_json"})
        person = str(asked.get("user") or "")
        if path != "/play/clock" and person not in client.people:
            return self._json(400, {"ok": False, "error": "unknown_person"})
        text, view_id = str(asked.get("text") or ""), str(asked.get("view_id") or "")
        where, action = _object(asked.get("where")), _object(asked.get("action"))
        routes: dict[str, Callable[[], dict[str, Any]]] = {
            "/play/command": lambda: client.command(person, str(asked.get("channel") or ""), text),
            "/play/action": lambda: client.act(person, where, action, _object(asked.get("values"))),
            "/play/submit": lambda: client.submit(person, view_id, _object(asked.get("values"))),
            "/play/suggest": lambda: client.suggest(
                person, view_id, str(asked.get("action_id") or ""), str(asked.get("value") or "")
            ),
            "/play/close": lambda: client.close(person, view_id),
            "/play/home": lambda: client.open_home(person),
            "/play/clock": lambda: self.server.clock(asked),
            "/play/hubspot": lambda: self.server.crm(asked),
        }
        route = routes.get(path)
        if route is None:
            return self._json(404, {"ok": False, "error": "not_found"})
        answer = route()
        return self._json(200 if answer.get("ok") else 400, answer)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        version = -1
        try:
            while not self.server.stopping.is_set():
                now = self.server.client.wait_for_change(version, KEEP_ALIVE)
                if now != version:
                    version = now
                    self.wfile.write(f"event: state\ndata: {json.dumps({'version': version})}\n\n".encode())
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except OSError:  # the page went away
            return

    def _file(self, path: Path) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            kind = "text/javascript"
        self._bytes(200, path.read_bytes(), f"{kind}; charset=utf-8" if kind.startswith("text") else kind)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._bytes(status, json.dumps(body).encode(), "application/json")

    def _bytes(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def _starting(_asked: dict[str, Any]) -> dict[str, Any]:
    return {"ok": False, "error": "starting"}


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
