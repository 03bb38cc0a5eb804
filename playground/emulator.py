"""Slack's Web API, emulated on a free loopback port: it answers as Slack does and records every call.

The bot's WebClient points here through SLACK_API_URL. Slack's semantics are kept where the bot
depends on them: a trigger_id lives 3 seconds and opens one view (`new_trigger_id`), views get
ids and hashes, a DM to a user lands in their D… conversation whose history can be read back, and
files go up in Slack's three steps. Tests and benchmarks read `calls`, wait for the ones they
expect, and script faults (`fail`, `chaos`) or slowness (`slow`) per method.
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from clock import system_now
from playground.local_server import LocalServer, QuietHandler

TEAM_ID = "T0REBOUND"
BOT_USER_ID = "U0REBOUNDBOT"
TRIGGER_LIFE = 3.0  # seconds a trigger_id may open a view, once
_triggers = itertools.count(1)


def new_trigger_id() -> str:
    """A trigger_id as Slack hands one out with a command or a click. Ours begin with the moment
    (ms) they were made, so whoever made one, the emulator knows when it expires."""
    return f"{int(system_now().timestamp() * 1000)}.{next(_triggers)}.{secrets.token_hex(10)}"


def trigger_problem(trigger_id: object, now: float, spent: set[str]) -> str | None:
    """Slack's error for opening a view on this trigger at `now` (seconds since the epoch), or None
    (and it is spent)."""
    made, _, rest = str(trigger_id or "").partition(".")
    if not made.isdigit() or not rest:
        return "invalid_trigger_id"
    if now - int(made) / 1000 > TRIGGER_LIFE:
        return "expired_trigger_id"
    if trigger_id in spent:
        return "exchanged_trigger_id"
    spent.add(str(trigger_id))
    return None


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    outcome: str = "ok"  # ok | error:<code> | http:<status> | dropped
    # When the whole call had arrived (time.monotonic()), before the fake did anything with it:
    # parsing and answering is Slack's time, not the caller's.
    at: float = field(default_factory=time.monotonic)
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Asked:
    """A call as an answer reads it: the number and message timestamp it was given on arrival."""

    method: str
    args: dict[str, Any]
    token: str | None
    serial: int
    ts: str


@dataclass
class Fault:
    """One scripted answer: an HTTP status, a Slack error, Retry-After, or a dropped connection."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    drop: bool = False


@dataclass(frozen=True)
class SentView:
    """A view the caller sent as JSON text, echoed as Slack echoes it (with the fields Slack
    adds) by splicing those fields into the text instead of decoding and re-encoding it.

    The echo of the 20-block autopsy form is 9 KB of JSON; decoding and encoding it was a third
    of the fake's CPU per views.open (0.70 ms against 0.48 spliced, bench/core.py), and in a
    benchmark that work, done under the fake's one GIL while the next calls arrive, delayed
    their arrival stamps: Slack's time, counted against the app that sends the bigger form.
    """

    text: str  # stripped of surrounding whitespace
    added: dict[str, Any]

    @staticmethod
    def looks_whole(text: str) -> bool:
        """A JSON object, as far as its ends tell: what the bot's JSON encoder writes."""
        return text.startswith("{") and text.endswith("}")

    def echo(self) -> str:
        inner = self.text[1:-1].strip()
        added = json.dumps(self.added)[1:-1]
        return "{" + (f"{inner}, {added}" if inner else added) + "}"


def encode(answer: dict[str, Any]) -> bytes:
    view = answer.get("view")
    if isinstance(view, SentView):
        return f'{{"ok": true, "view": {view.echo()}}}'.encode()
    return json.dumps(answer).encode()


CHAOS = (Fault(status=500), Fault(status=503), Fault(status=429, retry_after=1), Fault(drop=True))


class SlackEmulator:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_mode_url: str | None = None
        self.zones: dict[str, str] = {}  # user ID -> IANA zone that users.info reports
        self.outside: set[str] = set()  # public channels the bot has not joined (yet)
        self.private: set[str] = set()  # private channels nobody invited the bot to
        self.uploads: dict[str, bytes] = {}  # file ID -> bytes sent to its upload URL
        self.admins: set[str] = set()  # user IDs users.info reports as workspace admins
        self.names: dict[str, str] = {}  # user ID -> the real name users.info reports
        self.emails: dict[str, str] = {}  # email -> user ID, for users.lookupByEmail
        self.deleted: set[str] = set()  # user IDs of deactivated accounts
        self.bots: set[str] = set()  # user IDs that are bots
        self.file_types: dict[str, str] = {}  # file ID -> its type, from the name it was uploaded under
        self.file_names: dict[str, str] = {}  # file ID -> the name it was uploaded under
        self._faults: dict[str, deque[tuple[Callable[[dict[str, Any]], bool], Fault]]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._chaos: tuple[float, random.Random] | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._counter = 0
        self._last_ts = 0.0
        self._spent_triggers: set[str] = set()
        self._view_hashes: dict[str, str] = {}  # each view's id -> its current hash
        self._posted: set[tuple[str, str]] = set()  # (conversation, ts) of each message posted
        self.observers: list[Callable[[Call], None]] = []  # told of every call, once it is answered
        self._server = LocalServer(self._handler_class())

    # Lifecycle
    def start(self) -> SlackEmulator:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # Scripting
    def fail(
        self, method: str, *faults: Fault, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> None:
        """Answer the next calls of `method` (those `where` accepts) with `faults`, in order."""
        with self._lock:
            self._faults[method].extend((where, fault) for fault in faults)

    def chaos(self, rate: float, seed: int = 0) -> None:
        """From now on, answer a share `rate` of Web API calls with a random fault (a 500 or 503,
        a 429 with Retry-After: 1, or a dropped connection), as a bad day at Slack would."""
        with self._lock:
            self._chaos = (rate, random.Random(seed)) if rate else None

    def _next_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        with self._lock:
            queue = self._faults[method]
            for index, (where, fault) in enumerate(queue):
                if where(args):
                    del queue[index]
                    return fault
            if self._chaos is not None and method != "response_url":
                rate, rng = self._chaos
                if rng.random() < rate:
                    return rng.choice(CHAOS)
        return None

    @contextmanager
    def slow(self, method: str, seconds: float) -> Iterator[None]:
        """Within the block, answer each `method` call `seconds` late, as a slow Slack would."""
        with self._lock:
            self._delays[method] = seconds
        try:
            yield
        finally:
            with self._lock:
                self._delays.pop(method, None)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._delays.clear()

    # Reading
    def delivered(self, method: str, where: Callable[[Call], bool] = lambda _: True) -> list[Call]:
        """The calls of `method` that Slack answered ok: what a person actually received."""
        return self.find(method, lambda call: call.outcome == "ok" and where(call))

    def find(self, method: str, where: Callable[[Call], bool] = lambda _: True) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method and where(call)]

    def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] = lambda _: True,
        *,
        count: int = 1,
        timeout: float = 10,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method and where(call)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({call.method for call in self.calls})
                    raise AssertionError(
                        f"{method} x{count} never arrived (got {len(found)}); calls seen: {seen}"
                    )
                self._changed.wait(left)

    def _view_problem(self, args: dict[str, Any]) -> str | None:
        """views.update as Slack checks it: a view it made, and (when given) the hash it last had."""
        with self._lock:
            current = self._view_hashes.get(str(args.get("view_id") or ""))
        if current is None:
            return "not_found"
        if args.get("hash") and args["hash"] != current:
            return "hash_conflict"
        return None

    # What an earlier run of the playground left (playground/keeping.py)
    def keep_message(self, conversation: str, ts: str) -> None:
        """A message posted in an earlier run: the bot may still update it."""
        with self._lock:
            self._posted.add((conversation, ts))

    def keep_file(self, file_id: str, content: bytes, file_type: str) -> None:
        """A file uploaded in an earlier run; new files are numbered after it."""
        with self._lock:
            self.uploads[file_id], self.file_types[file_id] = content, file_type
            if file_id[1:].isdigit():
                self._counter = max(self._counter, int(file_id[1:]))

    # Answers
    def _answer(
        self, method: str, args: dict[str, Any], token: str | None = None, at: float | None = None
    ) -> dict[str, Any]:
        """Slack's answer to a call that arrived at `at` (seconds since the epoch)."""
        if method in ("views.open", "views.push"):
            # Checked before the call is numbered: a refused trigger makes no view.
            with self._lock:
                problem = trigger_problem(
                    args.get("trigger_id"), at or system_now().timestamp(), self._spent_triggers
                )
            if problem:
                return {"ok": False, "error": problem}
        with self._lock:
            self._counter += 1
            serial = self._counter
            # Message timestamps as Slack writes them: seconds.microseconds, unique, increasing.
            self._last_ts = max(system_now().timestamp(), self._last_ts + 0.000001)
            ts = f"{self._last_ts:.6f}"
        answer = self._answer_for.get(method)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        return answer(self, Asked(method, args, token, serial, ts))

    def _auth_test(self, asked: Asked) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://rebound-test.slack.com/",
            "team": "Rebound Test",
            "user": "rebound",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0REBOUND",
        }

    def _views(self, asked: Asked) -> dict[str, Any]:
        """views.open, views.publish and views.push: a new view, with an id of its own."""
        return self._view(asked, f"V{asked.serial:08d}")

    def _views_update(self, asked: Asked) -> dict[str, Any]:
        """A view Slack made, at the hash it last had (when given), keeps its id."""
        problem = self._view_problem(asked.args)
        if problem:
            return {"ok": False, "error": problem}
        return self._view(asked, str(asked.args.get("view_id") or ""))

    def _view(self, asked: Asked, view_id: str) -> dict[str, Any]:
        """The view sent, echoed with the fields Slack adds; its hash changes with every version."""
        view = asked.args.get("view")
        added = {"id": view_id, "team_id": TEAM_ID, "hash": f"{asked.serial}.hash", "state": {"values": {}}}
        with self._lock:
            self._view_hashes[added["id"]] = added["hash"]
        if not isinstance(view, str):
            return {"ok": True, "view": {**(view or {}), **added}}
        text = view.strip()
        if not SentView.looks_whole(text):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": SentView(text, added)}

    def _chat_post_message(self, asked: Asked) -> dict[str, Any]:
        channel = asked.args.get("channel")
        if channel in self.private or channel in self.outside:
            return {
                "ok": False,
                "error": "channel_not_found" if channel in self.private else "not_in_channel",
            }
        with self._lock:
            self._posted.add((conversation_of(str(channel or "")), asked.ts))
        return {"ok": True, "channel": conversation_of(str(channel or "")), "ts": asked.ts}

    def _chat_update(self, asked: Asked) -> dict[str, Any]:
        posted = conversation_of(str(asked.args.get("channel") or "")), str(asked.args.get("ts") or "")
        with self._lock:
            if posted not in self._posted:
                return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": posted[0], "ts": posted[1]}

    def _chat_post_ephemeral(self, asked: Asked) -> dict[str, Any]:
        return {"ok": True, "message_ts": asked.ts}

    def _conversations_join(self, asked: Asked) -> dict[str, Any]:
        channel = asked.args.get("channel")
        if channel in self.private:
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            self.outside.discard(channel)
        return {"ok": True, "channel": {"id": channel, "is_member": True}}

    def _conversations_open(self, asked: Asked) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": conversation_of(str(asked.args.get("users", "")))}}

    def _conversations_history(self, asked: Asked) -> dict[str, Any]:
        """The bot's messages delivered in a conversation of this token's workspace after
        `oldest`, newest first, a page of `limit` at a time (the cursor is an offset here)."""
        args = asked.args
        wanted = conversation_of(str(args.get("channel", "")))
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = []
        for call in reversed(self.delivered("chat.postMessage", lambda c: c.token == asked.token)):
            ts = str(call.answer.get("ts", "0"))
            if conversation_of(str(call.args.get("channel", ""))) == wanted and float(ts) > oldest:
                message = {"type": "message", "user": BOT_USER_ID, "text": call.args.get("text"), "ts": ts}
                if with_metadata and call.args.get("metadata"):
                    message["metadata"] = call.args["metadata"]
                messages.append(message)
        limit, start = int(args.get("limit") or 100), int(args.get("cursor") or 0)
        more = len(messages) > start + limit
        return {
            "ok": True,
            "messages": messages[start : start + limit],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _oauth_v2_access(self, asked: Asked) -> dict[str, Any]:
        # The test's "code" names the workspace that installs: code-T0ALPHA installs T0ALPHA.
        team = str(asked.args.get("code", "")).removeprefix("code-")
        return {
            "ok": True,
            "app_id": "A0REBOUND",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": f"xoxb-{team}",
            "bot_user_id": f"U0BOT{team}",
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _files_get_upload_url_external(self, asked: Asked) -> dict[str, Any]:
        file_id = f"F{asked.serial:08d}"
        name = str(asked.args.get("filename") or "")
        self.file_names[file_id] = name
        self.file_types[file_id] = (
            "image/png"
            if name.endswith(".png")
            else "text/csv"
            if name.endswith(".csv")
            else "application/octet-stream"
        )
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
        }

    def _files_complete_upload_external(self, asked: Asked) -> dict[str, Any]:
        files = json.loads(asked.args.get("files") or "[]")
        if any(entry.get("id") not in self.uploads for entry in files):
            return {"ok": False, "error": "file_not_found"}
        return {
            "ok": True,
            "files": [{"id": entry["id"], "title": entry.get("title")} for entry in files],
        }

    def _users_info(self, asked: Asked) -> dict[str, Any]:
        user = asked.args.get("user", "")
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": TEAM_ID,
                "name": user.lower(),
                "real_name": self.names.get(user, user),
                "tz": self.zones.get(user, "UTC"),
                "is_admin": user in self.admins,
                "is_owner": False,
            },
        }

    def _users_lookup_by_email(self, asked: Asked) -> dict[str, Any]:
        found = self.emails.get(str(asked.args.get("email", "")).lower())
        if found is None:
            return {"ok": False, "error": "users_not_found"}
        return {
            "ok": True,
            "user": {
                "id": found,
                "team_id": TEAM_ID,
                "name": found.lower(),
                "deleted": found in self.deleted,
                "is_bot": found in self.bots,
                "tz": self.zones.get(found, "UTC"),
                "real_name": self.names.get(found, found),
            },
        }

    def _apps_connections_open(self, asked: Asked) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_mode_url}

    def _functions_complete(self, asked: Asked) -> dict[str, Any]:
        """functions.completeSuccess and functions.completeError."""
        return {"ok": True}

    def _response_url(self, asked: Asked) -> dict[str, Any]:
        """A POST to a response_url Slack handed out (recorded, as every call is)."""
        return {"ok": True}

    # Each method the emulator knows, and the answer it gives; any other is an unknown_method.
    _answer_for: ClassVar[dict[str, Callable[[SlackEmulator, Asked], dict[str, Any]]]] = {
        "auth.test": _auth_test,
        "views.open": _views,
        "views.publish": _views,
        "views.push": _views,
        "views.update": _views_update,
        "chat.postMessage": _chat_post_message,
        "chat.update": _chat_update,
        "chat.postEphemeral": _chat_post_ephemeral,
        "conversations.join": _conversations_join,
        "conversations.open": _conversations_open,
        "conversations.history": _conversations_history,
        "oauth.v2.access": _oauth_v2_access,
        "files.getUploadURLExternal": _files_get_upload_url_external,
        "files.completeUploadExternal": _files_complete_upload_external,
        "users.info": _users_info,
        "users.lookupByEmail": _users_lookup_by_email,
        "apps.connections.open": _apps_connections_open,
        "functions.completeSuccess": _functions_complete,
        "functions.completeError": _functions_complete,
        "response_url": _response_url,
    }

    def _handler_class(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                # slack_sdk sends some read methods (conversations.history) as GET with a query.
                arrived = time.monotonic()
                address = urlsplit(self.path)
                self._api(address.path.removeprefix("/api/"), dict(parse_qsl(address.query)), arrived)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.monotonic()
                if self.path.startswith("/upload/"):
                    # Step 2 of files_upload_v2: the bytes go to the URL step 1 handed out.
                    file_id = self.path.rsplit("/", 1)[-1]
                    with fake._lock:
                        fake.uploads[file_id] = raw
                    self._record(Call("upload", {"file_id": file_id, "length": len(raw)}, None, at=arrived))
                    body = f"OK - {len(raw)}".encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return None
                if self.path.startswith("/response/"):
                    method, args = "response_url", json.loads(raw or b"{}")
                    args["_name"] = self.path.rsplit("/", 1)[-1]
                else:
                    method = self.path.removeprefix("/api/")
                    if self.headers.get("Content-Type", "").startswith("application/json"):
                        args = json.loads(raw or b"{}")
                    else:
                        args = dict(parse_qsl(raw.decode()))
                self._api(method, args, arrived)

            def _api(self, method: str, args: dict[str, Any], arrived: float) -> None:
                arrived_at = system_now().timestamp()  # a trigger's life is counted to its call's arrival
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth else args.get("token")
                fault = fake._next_fault(method, args)
                answer: dict[str, Any] = {}
                with fake._lock:
                    delay = fake._delays.get(method, 0)
                if delay:
                    time.sleep(delay)
                if fault and fault.drop:
                    # A connection that dies mid-request, as a flaky network does.
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return self._record(Call(method, args, token, "dropped", at=arrived))
                if fault and fault.status != 200:
                    outcome = f"http:{fault.status}"
                    body = b'{"ok": false}'
                    self.send_response(fault.status)
                    if fault.retry_after is not None:
                        self.send_header("Retry-After", str(fault.retry_after))
                else:
                    answer = (
                        {"ok": False, "error": fault.error}
                        if fault and fault.error
                        else fake._answer(method, args, token, arrived_at)
                    )
                    outcome = "ok" if answer.get("ok") else f"error:{answer.get('error')}"
                    body = encode(answer)
                    self.send_response(200)
                # Recorded before the answer leaves: whoever got the answer finds the call recorded.
                self._record(Call(method, args, token, outcome, at=arrived, answer=answer))
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _record(self, call: Call) -> None:
                with fake._changed:
                    fake.calls.append(call)
                    fake._changed.notify_all()
                for observer in fake.observers:
                    observer(call)

        return Handler


def conversation_of(channel: str) -> str:
    """Posting to a user ID lands in the DM with them, which conversations.open names D…."""
    return "D" + channel.lstrip("UW") if channel[:1] in ("U", "W") else channel
