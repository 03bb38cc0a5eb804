"""The CRM's loss reason, read into the autopsy form's answers where it clearly says one of them.

Pure. A reason that names no choice (or names two) is kept as the rep's own words instead, so
the form never guesses for them; a reason longer than a stock picklist value is kept as words
too, beside the choice it names ("Price was too high for this year's budget": Price, and why).
"""

from __future__ import annotations

import re

from bot import autopsy

# Rebound's main reasons (bot.autopsy.REASONS) and the words CRMs' stock picklists use for them.
_REASON_WORDS = {
    "price": r"price|pricing|cost|expensive|cheaper|discount",
    "product_fit": r"feature|product|functionality|fit|requirement|integration",
    "relationship": r"relationship|trust|champion|rapport",
    "timing": r"timing|not now|next year|funding|freeze",
    "service": r"service|support|onboarding|implementation",
}
# Words that name a reason only when no plainer word names another: "no budget" is timing, but
# "too expensive for this year's budget" is price.
_REASON_HINTS = {"timing": r"budget"}
_WINNER_WORDS = {
    "competitor": r"competitor|competition|went with|chose another|lost to",
    "no_decision": r"no decision|went dark|unresponsive|no response|ghost|status quo|do nothing",
    "in_house": r"in[- ]house|built (?:it )?themselves|internal (?:tool|build|solution)",
}
STOCK_VALUE_WORDS = 2  # "Price", "No decision": a picklist value says no more than its choice


def _found(text: str, words: dict[str, str]) -> list[str]:
    return [key for key, pattern in words.items() if re.search(rf"\b(?:{pattern})", text)]


def _one_of(found: list[str]) -> str | None:
    return found[0] if len(found) == 1 else None


def form_answers(reason: str | None) -> dict[str, str]:
    """What the CRM's reason fills in: `main_reason` and `winner` when it says them plainly, and
    the reason itself, as text, in "Why did they win?" unless it is only a picklist value."""
    text = " ".join((reason or "").split())
    if not text:
        return {}
    lowered = text.lower()
    answers = {}
    main = _one_of(_found(lowered, _REASON_WORDS) or _found(lowered, _REASON_HINTS))
    if main is not None:
        answers["main_reason"] = main
    if (winner := _one_of(_found(lowered, _WINNER_WORDS))) is not None:
        answers["winner"] = winner
    if not answers or len(text.split()) > STOCK_VALUE_WORDS:
        answers["winner_reason"] = text[: autopsy.WINNER_REASON_MAX]
    return answers


def main_reason_named(reason: str | None) -> str | None:
    """The main reason a CRM's loss reason plainly names, if one: what a lost deal with no autopsy
    counts as when the team asks about a reason."""
    return form_answers(reason).get("main_reason")
