"""Who asked Rebound what, read from a Slack request's body in a few words, for log lines."""

from __future__ import annotations

from typing import Any


def what_was_asked(request: dict[str, Any]) -> str:
    """The command, the buttons, the form, the event."""
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


def who(request: dict[str, Any]) -> tuple[str, str]:
    """The workspace and the person, as IDs ("-" where the body names none)."""

    def ident(value: object) -> str:
        return str(value.get("id") if isinstance(value, dict) else value or "-")

    event = request.get("event") if isinstance(request.get("event"), dict) else {}
    user = request.get("user") or request.get("user_id") or event.get("user")
    return ident(request.get("team") or request.get("team_id")), ident(user)
