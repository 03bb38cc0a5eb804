"""Slack's client side, for the playground: what each person sees, and what Slack sends the bot
when they act.

The emulator plays the Web API the bot calls; this plays the people: their DMs and the team
channel, their Home tab, their modal stack, the only-visible-to-you answers. Every Web API call
the bot makes changes what someone sees (`seen`); every person's act becomes the request Slack
would send the bot, signed as Slack signs it, and the bot's answer is applied as Slack applies
it (`response_action` errors under their fields, update, push, clear; an empty ack closes).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from clock import system_now
from playground.emulator import BOT_USER_ID, TEAM_ID, Call, SlackEmulator, conversation_of, new_trigger_id
from playground.files import file_card
from playground.playground_clock import PlaygroundClock

APP_ID = "A0REBOUND"
ANSWER_WITHIN = 3.0  # seconds Slack waits for the bot's answer before showing the person an error
_events = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str
    tz: str
    is_admin: bool = False


@dataclass
class Seen:
    """Everything a person can see, as the page draws it."""

    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ephemeral: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    modals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with: v0=HMAC-SHA256(secret, "v0:" + ts + ":" + body)."""
    ts = str(int(system_now().timestamp()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackClient:
    """The people of one workspace in front of their Slack, talking to the bot at `events_url`."""

    def __init__(
        self,
        emulator: SlackEmulator,
        *,
        events_url: str,
        signing_secret: str,
        people: list[Person],
        channels: dict[str, str],
        team_name: str = "Acme Sales",
        clock: PlaygroundClock | None = None,
    ) -> None:
        self.emulator = emulator
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.people = {person.id: person for person in people}
        self.channels = channels  # id -> name
        self.team_name = team_name
        self.seen = Seen()
        self.clock = clock or PlaygroundClock()
        self.version = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._trigger_owner: dict[str, str] = {}  # trigger_id -> the person it was handed to
        self._response_urls: dict[str, tuple[str, str]] = {}  # name -> (person, channel)
        emulator.zones.update({person.id: person.tz for person in people})
        emulator.admins.update(person.id for person in people if person.is_admin)
        emulator.names.update({person.id: person.name for person in people})
        emulator.observers.append(self.saw)

    # The clock
    def now(self) -> datetime:
        return self.clock.now()

    def set_clock(self, moment: datetime) -> None:
        self.clock.move_to(moment)
        self._bump()

    def restore_seen(self, conversations: dict[str, list[dict[str, Any]]], homes: dict[str, Any]) -> None:
        """What people saw in an earlier run of the playground (playground/keeping.py)."""
        with self._changed:
            self.seen.conversations = conversations
            self.seen.homes = homes
        for channel, messages in conversations.items():
            for message in messages:
                self.emulator.keep_message(channel, str(message["ts"]))
        self._bump()

    # What the bot's Web API calls show people
    def saw(self, call: Call) -> None:
        if call.outcome != "ok":
            return
        args, answer, method = call.args, call.answer, call.method
        with self._changed:
            if method in ("chat.postMessage", "chat.update"):
                self._message(method, args, answer)
            elif method == "chat.postEphemeral":
                self._ephemeral(str(args.get("user")), args)
            elif method in ("views.open", "views.push"):
                person = self._trigger_owner.get(str(args.get("trigger_id")))
                if person is not None:
                    self.seen.modals.setdefault(person, []).append(_view(args, answer))
            elif method == "views.update":
                self._replace_view(_view(args, answer))
            elif method == "views.publish":
                self.seen.homes[str(args.get("user_id"))] = _view(args, answer)
            elif method == "files.completeUploadExternal":
                self._files(args)
            elif method == "response_url":
                self._responded(args)
            else:
                return
            self.version += 1
            self._changed.notify_all()

    def _message(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None:
        channel = conversation_of(str(args.get("channel") or ""))
        shown = {
            "ts": str(answer.get("ts")),
            "channel": channel,
            "user": BOT_USER_ID,
            "text": args.get("text") or "",
            "blocks": _decoded(args.get("blocks")) or [],
            "files": [],
            "at": self.now().isoformat(),
            "edited": method == "chat.update",
        }
        history = self.seen.conversations.setdefault(channel, [])
        if method == "chat.update":
            for index, message in enumerate(history):
                if message["ts"] == str(args.get("ts")):
                    history[index] = {**shown, "ts": message["ts"], "at": message["at"]}
            return
        history.append(shown)

    def _ephemeral(self, person: str, args: dict[str, Any]) -> None:
        self.seen.ephemeral.setdefault(person, []).append(
            {
                "ts": f"{system_now().timestamp():.6f}",
                "channel": conversation_of(str(args.get("channel") or "")),
                "user": BOT_USER_ID,
                "text": args.get("text") or "",
                "blocks": _decoded(args.get("blocks")) or [],
                "files": [],
                "at": self.now().isoformat(),
                "edited": False,
            }
        )

    def _replace_view(self, view: dict[str, Any]) -> None:
        for stack in self.seen.modals.values():
            for index, shown in enumerate(stack):
                if shown["id"] == view["id"]:
                    stack[index] = view

    def _files(self, args: dict[str, Any]) -> None:
        channel = conversation_of(str(args.get("channel_id") or ""))
        if not channel:
            return
        files = [
            file_card(
                entry["id"],
                name=self.emulator.file_names.get(entry["id"], ""),
                title=entry.get("title"),
                mimetype=self.emulator.file_types.get(entry["id"], "application/octet-stream"),
                size=len(self.emulator.uploads.get(entry["id"], b"")),
            )
            for entry in _decoded(args.get("files")) or []
        ]
        self.seen.conversations.setdefault(channel, []).append(
            {
                "ts": f"{system_now().timestamp():.6f}",
                "channel": channel,
                "user": BOT_USER_ID,
                "text": args.get("initial_comment") or "",
                "blocks": [],
                "files": files,
                "at": self.now().isoformat(),
                "edited": False,
            }
        )

    def _responded(self, args: dict[str, Any]) -> None:
        person, channel = self._response_urls.get(str(args.get("_name")), ("", ""))
        if not person:
            return
        if args.get("response_type") == "in_channel":
            self._message(
                "chat.postMessage", {**args, "channel": channel}, {"ts": f"{system_now().timestamp():.6f}"}
            )
        else:
            self._ephemeral(person, {**args, "channel": channel})

    def _bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until the version passes `version` (or `timeout` seconds); the version now."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > version, timeout)
            return self.version

    # What people do, as Slack sends it to the bot
    def command(self, person: str, channel: str, text: str) -> dict[str, Any]:
        command, _, rest = text.strip().partition(" ")
        trigger = self._trigger_for(person)
        name = f"cmd{next(_events)}"
        self._response_urls[name] = (person, channel)
        body = urlencode(
            {
                "token": "playground",
                "team_id": TEAM_ID,
                "team_domain": "playground",
                "channel_id": channel,
                "channel_name": self.channels.get(channel, "directmessage"),
                "user_id": person,
                "user_name": self.people[person].name,
                "command": command,
                "text": rest.strip(),
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self.emulator.response_url(name),
                "trigger_id": trigger,
            }
        ).encode()
        status, answer = self._send(body, "application/x-www-form-urlencoded")
        if status != 200:
            return {"ok": False, "error": f'{command} failed with the error "dispatch_failed"'}
        if answer:
            with self._changed:
                self._ephemeral(person, {**answer, "channel": channel})
            self._bump()
        return {"ok": True}

    def act(
        self, person: str, where: dict[str, Any], action: dict[str, Any], values: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A click (a button, an overflow or select choice) in a message, the Home tab or a modal, or
        Enter in an input that dispatches its action; `values` is the view's state as the person left
        it (view.state.values, which Slack sends with every block_actions from a view)."""
        action = {**action, "action_ts": f"{system_now().timestamp():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(person),
            "api_app_id": APP_ID,
            "token": "playground",
            "trigger_id": self._trigger_for(person),
            "team": {"id": TEAM_ID, "domain": "playground"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if where.get("kind") == "message":
            message = self._find_message(str(where.get("channel")), str(where.get("ts")))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            payload.update(
                container={
                    "type": "message",
                    "message_ts": message["ts"],
                    "channel_id": message["channel"],
                    "is_ephemeral": False,
                },
                channel={"id": message["channel"], "name": "directmessage"},
                message={
                    "type": "message",
                    "user": BOT_USER_ID,
                    "ts": message["ts"],
                    "text": message["text"],
                    "blocks": message["blocks"],
                },
                state={"values": {}},
                response_url=self.emulator.response_url(f"act{next(_events)}"),
            )
        else:
            view = self.seen.homes.get(person) if where.get("kind") == "home" else self._modal(person, where)
            if view is None:
                return {"ok": False, "error": "view_not_found"}
            shown = {k: v for k, v in view.items() if k != "errors"}
            payload.update(
                container={"type": "view", "view_id": view["id"]},
                view={**shown, "state": {"values": values or {}}},
            )
        status, _ = self._send(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        )
        return {"ok": status == 200} if status == 200 else {"ok": False, "error": f"HTTP {status}"}

    def submit(self, person: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        view = self._modal(person, {"view_id": view_id})
        if view is None:
            return {"ok": False, "error": "view_not_found"}
        sent = {k: v for k, v in view.items() if k != "errors"}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "playground"},
            "user": self._user(person),
            "api_app_id": APP_ID,
            "token": "playground",
            "trigger_id": self._trigger_for(person),
            "view": {
                **sent,
                "state": {"values": values},
                "team_id": TEAM_ID,
                "app_id": APP_ID,
                "app_installed_team_id": TEAM_ID,
                "bot_id": "B0REBOUND",
                "root_view_id": view["id"],
                "previous_view_id": None,
                "external_id": "",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        status, answer = self._send(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        )
        if status != 200:
            return {"ok": False, "error": "We had some trouble connecting. Try again?"}
        self._apply(person, view_id, answer or {})
        return {"ok": True}

    def suggest(self, person: str, view_id: str, action_id: str, typed: str) -> dict[str, Any]:
        """What a select the bot fills offers for what the person typed in the modal: the bot's
        answer to a block_suggestion, sent as Slack sends it."""
        view = self._modal(person, {"view_id": view_id})
        block = next(
            (
                b
                for b in (view or {}).get("blocks", [])
                if (b.get("element") or {}).get("action_id") == action_id
            ),
            None,
        )
        if view is None or block is None:
            return {"ok": False, "error": "view_not_found"}
        payload = {
            "type": "block_suggestion",
            "user": self._user(person),
            "container": {"type": "view", "view_id": view["id"]},
            "api_app_id": APP_ID,
            "token": "playground",
            "action_id": action_id,
            "block_id": block["block_id"],
            "value": typed,
            "team": {"id": TEAM_ID, "domain": "playground"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {**{k: v for k, v in view.items() if k != "errors"}, "state": {"values": {}}},
        }
        status, answer = self._send(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        )
        if status != 200 or not isinstance(answer, dict):
            return {"ok": False, "error": "No options came back. Try again?"}
        return {"ok": True, "options": answer.get("options") or []}

    def close(self, person: str, view_id: str) -> dict[str, Any]:
        view = self._modal(person, {"view_id": view_id})
        if view is None:
            return {"ok": False, "error": "view_not_found"}
        if view.get("notify_on_close"):  # Slack tells the bot only when the view asked
            payload = {
                "type": "view_closed",
                "team": {"id": TEAM_ID},
                "user": self._user(person),
                "api_app_id": APP_ID,
                "view": view,
                "is_cleared": False,
            }
            self._send(
                urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
            )
        with self._changed:
            stack = self.seen.modals.get(person, [])
            self.seen.modals[person] = [shown for shown in stack if shown["id"] != view_id]
        self._bump()
        return {"ok": True}

    def open_home(self, person: str) -> dict[str, Any]:
        event = {
            "type": "app_home_opened",
            "user": person,
            "channel": conversation_of(person),
            "tab": "home",
            "event_ts": f"{system_now().timestamp():.6f}",
        }
        if self.seen.homes.get(person):
            event["view"] = self.seen.homes[person]
        body = json.dumps(
            {
                "token": "playground",
                "team_id": TEAM_ID,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{next(_events):08d}",
                "event_time": int(system_now().timestamp()),
                "authorizations": [
                    {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}
                ],
                "is_ext_shared_channel": False,
            }
        ).encode()
        status, _ = self._send(body, "application/json")
        return {"ok": status == 200}

    # Slack's handling of an answer to a submission
    def _apply(self, person: str, view_id: str, answer: dict[str, Any]) -> None:
        with self._changed:
            stack = self.seen.modals.setdefault(person, [])
            action = answer.get("response_action")
            if action == "errors":
                for view in stack:
                    if view["id"] == view_id:
                        view["errors"] = dict(answer.get("errors") or {})
            elif action == "update":
                for index, view in enumerate(stack):
                    if view["id"] == view_id:
                        stack[index] = {
                            **_decoded(answer.get("view")),
                            "id": view_id,
                            "hash": f"{system_now().timestamp():.6f}",
                        }
            elif action == "push":
                stack.append({**_decoded(answer.get("view")), "id": f"V{next(_events):08d}", "hash": "1"})
            elif action == "clear":
                stack.clear()
            else:  # an empty ack closes the modal
                self.seen.modals[person] = [view for view in stack if view["id"] != view_id]
            self.version += 1
            self._changed.notify_all()

    def _send(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any] | None]:
        headers = {"Content-Type": content_type, **sign(self.signing_secret, body)}
        request = urllib.request.Request(self.events_url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=ANSWER_WITHIN) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:  # no answer within Slack's 3 seconds, or no bot at all
            return 504, None
        try:
            return status, json.loads(raw) if raw.strip() else None
        except ValueError:
            return status, {"text": raw.decode(errors="replace")}

    def _trigger_for(self, person: str) -> str:
        trigger = new_trigger_id()
        self._trigger_owner[trigger] = person
        return trigger

    def _user(self, person: str) -> dict[str, Any]:
        who = self.people[person]
        return {
            "id": who.id,
            "username": who.name.lower().replace(" ", "."),
            "name": who.name,
            "team_id": TEAM_ID,
        }

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            for message in self.seen.conversations.get(channel, []):
                if message["ts"] == ts:
                    return copy.deepcopy(message)
        return None

    def _modal(self, person: str, where: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            for view in self.seen.modals.get(person, []):
                if view["id"] == where.get("view_id"):
                    return copy.deepcopy(view)
        return None

    # What the page reads
    def state(self) -> dict[str, Any]:
        with self._lock:
            seen = copy.deepcopy(self.seen)
            version = self.version
        return {
            "version": version,
            "now": self.now().isoformat(),
            "team": {"id": TEAM_ID, "name": self.team_name},
            "bot": {"id": BOT_USER_ID, "name": "Rebound"},
            "people": [person.__dict__ for person in self.people.values()],
            "channels": [{"id": channel, "name": name} for channel, name in self.channels.items()],
            "dms": {person: conversation_of(person) for person in self.people},
            "conversations": seen.conversations,
            "ephemeral": seen.ephemeral,
            "homes": seen.homes,
            "modals": seen.modals,
        }


def _decoded(value: Any) -> Any:
    """Slack's API takes blocks and views as JSON text or as objects; the page gets objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _view(args: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    view = _decoded(args.get("view")) or {}
    echoed = answer.get("view")
    added = echoed.added if hasattr(echoed, "added") else echoed or {}
    return {**view, "id": added.get("id"), "hash": added.get("hash")}
