"""Safe mrkdwn: user text goes in as text, never as a ping or a link."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape the three characters Slack reads as markup.

    Without this, `<!channel>`, `<@U123>` or `<https://evil|bank>` typed into a form
    would ping a channel, mention a person or show a spoofed link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """Escape and show as a block quote, keeping the writer's line breaks."""
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, for previews."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
