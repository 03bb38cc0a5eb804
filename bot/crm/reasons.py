"""The CRM's loss reason, read into the autopsy form's answers where it clearly says one of them.

Pure. A reason that names no choice (or names two) is kept as the rep's own words instead, so
the form never guesses for them.
"""

from __future__ import annotations

import re

# Rebound's main reasons (bot.autopsy.REASONS) and the words CRMs' stock picklists use for them.
_REASON_WORDS = {
    "price": r"price|pricing|cost|expensive|cheaper|discount",
    "product_fit": r"feature|product|functionality|fit|requirement|integration",
    "relationship": r"relationship|trust|champion|rapport",
    "timing": r"timing|budget|not now|next year|funding|freeze",
    "service": r"service|support|onboarding|implementation",
}
_WINNER_WORDS = {
    "competitor": r"competitor|competition|went with|chose another|lost to",
    "no_decision": r"no decision|went dark|unresponsive|no response|ghost|status quo|do nothing",
    "in_house": r"in[- ]house|built (?:it )?themselves|internal (?:tool|build|solution)",
}


def _one_of(text: str, words: dict[str, str]) -> str | None:
    found = [key for key, pattern in words.items() if re.search(rf"\b(?:{pattern})", text)]
    return found[0] if len(found) == 1 else None


def form_answers(reason: str | None) -> dict[str, str]:
    """What the CRM's reason fills in: `main_reason` and `winner` when it says them plainly,
    otherwise the reason itself, as text, in "Why did they win?"."""
    text = " ".join((reason or "").split())
    if not text:
        return {}
    lowered = text.lower()
    answers = {}
    if (main := _one_of(lowered, _REASON_WORDS)) is not None:
        answers["main_reason"] = main
    if (winner := _one_of(lowered, _WINNER_WORDS)) is not None:
        answers["winner"] = winner
    if not answers:
        answers["winner_reason"] = text[:500]
    return answers
