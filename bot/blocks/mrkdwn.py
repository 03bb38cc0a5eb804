"""Safe mrkdwn: user text goes in as text, never as a ping, a link or formatting, and within its room.

Escaping makes a text longer (`&` becomes `&amp;`, five characters), so a limit is counted on the
text as Slack receives it: a section never passes Slack's 3,000 characters however much markup a
rep typed, and a plain text is cut where it always was.
"""

from __future__ import annotations

_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_QUOTED = {**_MARKUP, "\n": "\n>"}
ELLIPSIS = "…"
# Slack's mrkdwn has no escape for its formatting characters, so user text shows them as
# characters that look the same but format nothing: a copy reads as typed, with nothing hidden.
# Asterisk operator, modifier letter low macron, tilde operator, modifier letter grave accent.
LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}


def escape(text: str, limit: int | None = None) -> str:
    """Escape the three characters Slack reads as markup, and neutralise its formatting
    characters; cut to `limit` characters once escaped.

    Without this, `<!channel>`, `<@U123>` or `<https://evil|bank>` typed into a form would ping
    a channel, mention a person or show a spoofed link, and `*bold*` in a deal's name would close
    the bold heading around it.
    """
    return _shown(unformatted(text), _MARKUP, limit)


def unformatted(text: str) -> str:
    """`text` with every `*`, `_` and `~` that could open or close formatting (one at the edge of
    a word) and every backtick shown as its look-alike; inside a word (`snake_case`, `2*3`) Slack
    formats nothing, so those stay exactly as typed."""
    shown = []
    for index, character in enumerate(text):
        if character in LOOKALIKES and (character == "`" or not _inside_word(text, index)):
            character = LOOKALIKES[character]
        shown.append(character)
    return "".join(shown)


def _inside_word(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()


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
