"""User text in mrkdwn: never a ping, a mention, a link or formatting."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.blocks.mrkdwn import LOOKALIKES, clip, escape, quote, safe_link

# Slack's inline formatting as its client reads it (and the playground's page draws it): a mark
# opens after a non-word character and closes before one.
SPAN = re.compile(
    r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"
    r"|(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"
    r"|(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])"
    r"|`([^`\n]+)`"
)


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
        "http://crm.example/deal",
        "javascript:alert(1)",
        "https://a.example|Your bank",
        "https://a.example/>x",
        "https://a.example/ x",
        "",
        None,
        "https://a.example/" + "x" * 500,
    ]
    for unsafe in unsafe_urls:
        assert safe_link(unsafe, "the deal") is None


TYPED = ["*bold*", "_really_ lost", "~gone~", "`code`", "Acme* Corp", "**", "_", "a *b* c _d_ ~e~"]


@pytest.mark.parametrize("deal", TYPED)
def test_formatting_typed_in_a_deal_never_breaks_the_bold_heading_around_it(deal):
    """The heading stays one bold span, and what it shows reads as the rep typed it."""
    heading = f"*Time to touch base with {escape(deal)}.*"
    [span] = SPAN.findall(heading)
    shown = span[0]
    assert shown == f"Time to touch base with {escape(deal)}."
    assert SPAN.search(shown) is None  # nothing inside it formats either
    assert shown.translate({ord(v): k for k, v in LOOKALIKES.items()}) == f"Time to touch base with {deal}."


def test_formatting_characters_inside_a_word_stay_exactly_as_typed():
    """Slack formats nothing inside a word, so names like these are shown (and copied) unchanged."""
    for text in ("check_listened", "2*3*4", "first.last_name@example.com", "v1~2"):
        assert escape(text) == text


def test_the_look_alikes_read_as_the_same_marks_and_hide_nothing():
    """A person reads an asterisk, a low line, a tilde and a grave; a copy carries no invisible
    character (a zero-width joiner would be pasted along, unseen), and nothing changes length."""
    names = {mark: unicodedata.name(shown) for mark, shown in LOOKALIKES.items()}
    assert "ASTERISK" in names["*"] and "TILDE" in names["~"] and "GRAVE" in names["`"]
    assert "LOW" in names["_"] and "MACRON" in names["_"]
    shown = escape("a *b* c _d_ ~e~ `f`")
    assert shown == "a \u2217b\u2217 c \u02cdd\u02cd \u223ce\u223c \u02cbf\u02cb"
    assert len(shown) == len("a *b* c _d_ ~e~ `f`")
    assert not any(unicodedata.category(character) == "Cf" for character in shown)
