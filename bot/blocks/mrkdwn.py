"""Safe mrkdwn: user text goes in as text, never as a ping or a link, and within its room.

Escaping makes a text longer (`&` becomes `&amp;`, five characters), so a limit is counted on the
text as Slack receives it: a section never passes Slack's 3,000 characters however much markup a
rep typed, and a plain text is cut where it always was.
"""

from __future__ import annotations

_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_QUOTED = {**_MARKUP, "\n": "\n>"}
ELLIPSIS = "…"


def escape(text: str, limit: int | None = None) -> str:
    """Escape the three characters Slack reads as markup; cut to `limit` characters once escaped.

    Without this, `<!channel>`, `<@U123>` or `<https://evil|bank>` typed into a form
    would ping a channel, mention a person or show a spoofed link.
    """
    return _shown(text, _MARKUP, limit)


def quote(text: str, limit: int | None = None) -> str:
    """Escape and show as a block quote, keeping the writer's line breaks; at most `limit` characters."""
    lines = "\n".join(text.splitlines() or [""])
    return ">" + _shown(lines, _QUOTED, None if limit is None else limit - 1)


def safe_link(url: str | None, text: str) -> str | None:
    """A mrkdwn link to an https URL Rebound stored (a CRM's deal); None for anything else, so a
    URL carrying `|`, `>` or spaces can never rewrite the link's text or break out of it."""
    if not url or not url.startswith("https://") or len(url) > 500 or any(c in url for c in "<>| \n\t"):
        return None
    return f"<{url.replace('&', '&amp;')}|{escape(text)}>"


def clip(text: str, limit: int) -> str:
    """Shorten plain text to `limit` characters with an ellipsis, for previews."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _shown(text: str, table: dict[str, str], limit: int | None) -> str:
    pieces = [table.get(character, character) for character in text]
    if limit is None or sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept, room = [], limit - len(ELLIPSIS)
    for piece in pieces:  # whole pieces only: never half an &amp; or a line's ">"
        if len(piece) > room:
            break
        kept.append(piece)
        room -= len(piece)
    return "".join(kept).rstrip() + ELLIPSIS
