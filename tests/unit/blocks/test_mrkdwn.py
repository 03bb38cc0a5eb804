"""User text in mrkdwn: never a ping, a mention or a link."""

from __future__ import annotations

from bot.blocks.mrkdwn import escape


def test_escape_neutralises_pings_and_links():
    assert escape("<!channel> & <@U123> <https://evil|bank>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|bank&gt;"
    )
