"""Requests shaped exactly as Slack sends them, signed as Slack signs them."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from playground.client import sign
from playground.emulator import TEAM_ID, new_trigger_id
from playground.forms import fill_form  # noqa: F401  (the tests' name for it)

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_ID = "A0REBOUND"
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """An id no other test uses, in Slack's alphabet."""
    return f"{prefix}{next(_serial):06d}X{time.monotonic_ns() % 10**6:06d}"


def signature_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    return sign(secret, body, timestamp)


@dataclass
class Reply:
    status: int
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)


def post(url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Reply:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, **(headers or {})}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Reply(response.status, response.read(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), time.monotonic() - started)


def send(url: str, body: bytes, content_type: str, **signing: Any) -> Reply:
    """POST a correctly signed request (or one signed with another secret or time)."""
    return post(url, body, content_type, signature_headers(body, **signing))


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def slash_command(
    text: str,
    *,
    user: str,
    trigger_id: str,
    response_url: str,
    team: str = TEAM_ID,
    command: str = "/lost-deal",
    org: str | None = None,
) -> bytes:
    """A slash command; with `org`, from an org-wide install that names the org and no workspace."""
    fields = {
        "token": "verification-token-unused",
        "team_id": team,
        "team_domain": "rebound-test",
        "channel_id": "C0SALES01",
        "channel_name": "sales",
        "user_id": user,
        "user_name": "rep",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if org is not None:
        fields.update(
            team_id="", enterprise_id=org, enterprise_name="Rebound Org", is_enterprise_install="true"
        )
    return urlencode(fields).encode()


def interactive(payload: dict[str, Any]) -> bytes:
    """Interactivity arrives as a form with one field, `payload`, holding JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, user: str, team: str = TEAM_ID, org: str | None = None
) -> bytes:
    """A form submitted; with `org`, from an org-wide install (`team` null, as Slack sends it there)."""
    submitted = {
        **view,
        "team_id": team,
        "state": {"values": values},
        "private_metadata": view.get("private_metadata", ""),
        "root_view_id": view["id"],
        "previous_view_id": None,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": None if org else team,
        "bot_id": "B0REBOUND",
    }
    if org:
        submitted["team_id"] = None
    return interactive(
        {
            "type": "view_submission",
            "team": {"id": team, "domain": "rebound-test"},
            "user": {"id": user, "username": "rep", "name": "rep", "team_id": team},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": new_trigger_id(),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
            **(_org_wide(org, user) if org else {}),
        }
    )


def block_suggestion(view: dict[str, Any], action_id: str, typed: str, *, user: str, team: str) -> bytes:
    """The rep typed `typed` in a select of the modal `view` whose options the app loads
    (external_select): Slack asks for them with a block_suggestion, shaped as it sends one."""
    [block_id] = [
        b["block_id"] for b in view["blocks"] if (b.get("element") or {}).get("action_id") == action_id
    ]
    return interactive(
        {
            "type": "block_suggestion",
            "user": {"id": user, "username": "rep", "name": "rep", "team_id": team},
            "container": {"type": "view", "view_id": view["id"]},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "action_id": action_id,
            "block_id": block_id,
            "value": typed,
            "team": {"id": team, "domain": "rebound-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {"team_id": team, "state": {"values": {}}, **view},
        }
    )


def _org_wide(org: str, user: str) -> dict[str, Any]:
    return {
        "team": None,
        "user": {"id": user, "username": "rep", "name": "rep"},
        "enterprise": {"id": org, "name": "Rebound Org"},
        "is_enterprise_install": True,
    }


def block_action(
    action_id: str, *, user: str, trigger_id: str, team: str = TEAM_ID, view: Any = None
) -> bytes:
    return interactive(
        {
            "type": "block_actions",
            "user": {"id": user, "username": "rep", "name": "rep", "team_id": team},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": "V0HOME"},
            "trigger_id": trigger_id,
            "team": {"id": team, "domain": "rebound-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": view,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "home_actions",
                    "text": {"type": "plain_text", "text": "Log a lost deal", "emoji": True},
                    "style": "primary",
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    )


def view_click(
    view: dict[str, Any], action: dict[str, Any], *, user: str, team: str, trigger_id: str
) -> bytes:
    """A click in a view (App Home, or a modal: `view` as Slack holds it, with its id), `action`
    being the element's own part (action_id, type, and a value or selected_option)."""
    return interactive(
        {
            "type": "block_actions",
            "user": {"id": user, "username": "rep", "name": "rep", "team_id": team},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": trigger_id,
            "team": {"id": team, "domain": "rebound-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {"team_id": team, "state": {"values": {}}, **view},
            "actions": [{"block_id": "b", **action, "action_ts": f"{time.time():.6f}"}],
        }
    )


def message_button(
    message: dict[str, Any],
    action_id: str,
    value: str,
    *,
    user: str,
    team: str,
    trigger_id: str,
    picked: tuple[str, str] | None = None,
) -> bytes:
    """A click on a button of a message the bot posted (`message`: its chat.postMessage args); with
    `picked` (block_id, day), a day picked in that block's datepicker instead."""
    channel, ts = message["channel"], f"{time.time():.6f}"
    return interactive(
        {
            "type": "block_actions",
            "user": {"id": user, "username": "rep", "name": "rep", "team_id": team},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": trigger_id,
            "team": {"id": team, "domain": "rebound-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": ts, "text": message["text"], "blocks": message["blocks"]},
            "state": {"values": {}},
            "response_url": "https://hooks.slack.invalid/actions/1",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "answers",
                    "value": value,
                    "type": "button",
                    "action_ts": ts,
                }
                if picked is None
                else {
                    "action_id": action_id,
                    "block_id": picked[0],
                    "selected_date": picked[1],
                    "initial_date": None,
                    "type": "datepicker",
                    "action_ts": ts,
                }
            ],
        }
    )


def event_callback(event: dict[str, Any], *, team: str = TEAM_ID) -> bytes:
    return json.dumps(
        {
            "token": "verification-token-unused",
            "team_id": team,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {"enterprise_id": None, "team_id": team, "user_id": "U0REBOUNDBOT", "is_bot": True}
            ],
            "is_ext_shared_channel": False,
        }
    ).encode()


def function_executed(
    callback_id: str, inputs: dict[str, Any], *, execution_id: str, team: str = TEAM_ID
) -> bytes:
    """A workflow ran one of the app's steps: the event as Slack sends it, with the step's own
    short-lived token (`bot_access_token`) for its Web API calls."""
    event = {
        "type": "function_executed",
        "function": {
            "id": unique("Fn"),
            "callback_id": callback_id,
            "title": "Ask for a lost-deal autopsy",
            "description": "",
            "type": "app",
            "input_parameters": [],
            "output_parameters": [],
            "app_id": APP_ID,
            "date_created": 1694727597,
            "date_updated": 1698947481,
            "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": execution_id,
        "workflow_execution_id": unique("Wx"),
        "event_ts": f"{time.time():.6f}",
        "bot_access_token": f"xwfp-{execution_id}",
    }
    return event_callback(event, team=team)


def url_verification(challenge: str) -> bytes:
    return json.dumps(
        {"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"}
    ).encode()
