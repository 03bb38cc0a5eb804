"""Who asked Rebound what, read from a Slack request's body in a few words, for log lines.

The body may be a forgery (refused requests are logged too), so what is read is cut short and
anything unprintable, a line break above all, shows as "?": no body writes a log line of its own.
"""

from __future__ import annotations

from typing import Any


def _plain(value: object, limit: int) -> str:
    text = str(value)[:limit]
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


def what_was_asked(request: dict[str, Any]) -> str:
    """The command, the buttons, the form, the event."""
    return _plain(_what(request), 120)


def _what(request: dict[str, Any]) -> str:
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


def team_and_user(request: dict[str, Any]) -> tuple[str, str]:
    """The workspace and the person, as IDs ("-" where the body names none)."""

    def ident(value: object) -> str:
        return _plain(value.get("id") if isinstance(value, dict) else value or "-", 40)

    event = request.get("event") if isinstance(request.get("event"), dict) else {}
    user = request.get("user") or request.get("user_id") or event.get("user")
    return ident(request.get("team") or request.get("team_id")), ident(user)
