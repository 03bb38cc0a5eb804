"""User text in mrkdwn: never a ping, a mention or a link."""

from __future__ import annotations

from bot.blocks.mrkdwn import clip, escape, quote, safe_link


def test_escape_neutralises_pings_and_links():
    assert escape("<!channel> & <@U123> <https://evil|bank>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|bank&gt;"
    )


def test_a_limit_counts_the_text_as_slack_receives_it_and_cuts_on_a_whole_character():
    assert escape("plain words", 100) == "plain words"
    assert escape("a" * 10, 5) == "aaaa…"
    cut = escape("&" * 100, 12)
    assert cut == "&amp;&amp;…" and len(cut) <= 12


def test_a_quote_keeps_line_breaks_and_stays_within_its_limit():
    assert quote("one\ntwo <b>") == ">one\n>two &lt;b&gt;"
    long = quote("line\n" * 1000, 300)
    assert len(long) <= 300 and long.endswith("…") and long.startswith(">line\n>line")


def test_clip_shortens_plain_previews():
    assert clip("short", 10) == "short" and clip("a long preview", 7) == "a long…"


def test_a_stored_link_is_an_https_link_whose_text_is_escaped_or_nothing():
    assert safe_link("https://crm.example/deal?a=1&b=2", "Acme <x>") == (
        "<https://crm.example/deal?a=1&amp;b=2|Acme &lt;x&gt;>"
    )
    unsafe_urls = [
        "http://crm.example/deal", "javascript:alert(1)", "https://a.example|Your bank", "https://a.example/>x",
        "https://a.example/ x", "", None, "https://a.example/" + "x" * 500,
    ]  # fmt: skip
    for unsafe in unsafe_urls:
        assert safe_link(unsafe, "the deal") is None
