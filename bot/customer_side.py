"""The customer's side of a lost deal: the buyer's one-minute questions, the rules their answers
meet, the personal link and the form's token, and the words a rep reads about it.

Pure: secrets, moments and form fields in; tokens, answers, errors and words out. The link's
token is derived from a random seed with a key only the server holds, so the database keeps
the seed and the token's hash, never the token, and the rep can be shown the same link again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import autopsy

ASK_DAYS = 30  # a link's life unless the operator says otherwise (REBOUND_ASK_DAYS)
CORRECTION_WINDOW = timedelta(hours=1)  # how long a buyer may change what they sent
FORM_LIFE = timedelta(hours=12)  # a page left open longer is drawn again, answers kept
TOKEN_BYTES = 32  # 256 bits: the link's token

# The buyer's choices: the autopsy's main reasons, in the buyer's words, with "Other" written.
REASONS = {
    "price": "The price",
    "product_fit": "The product or its features",
    "relationship": "The relationship or trust",
    "timing": "The timing or the budget",
    "service": "The service or support",
    "other": "Something else",
}
SCORES = {
    1: "1: Hard work",
    2: "2: Not easy",
    3: "3: Fine",
    4: "4: Good",
    5: "5: A pleasure",
}
MAY_CONTACT = {
    "yes": "Yes, you may get in touch",
    "later": "Maybe later, not now",
    "no": "No, please don't",
}
OTHER_MAX = 200
CHANGED_MIND_MAX = 1000
WORKING_WITH_MAX = 300
COMPANY_MAX = 80

# The form's field names, as the page's HTML posts them.
REASON_FIELD = "main_reason"
OTHER_FIELD = "other_reason"
CHANGED_MIND_FIELD = "changed_mind"
WORKING_WITH_FIELD = "working_with"
SCORE_FIELD = "working_score"
MAY_CONTACT_FIELD = "may_contact"
FORM_TOKEN_FIELD = "form_token"
NOTHING_ANSWERED = "answers"  # the error that belongs to the whole form


@dataclass(frozen=True, kw_only=True)
class BuyerAnswers:
    """What the buyer told us; every answer optional, at least one given."""

    main_reason: str | None = None
    other_reason: str | None = None
    changed_mind: str | None = None
    working_with: str | None = None
    working_score: int | None = None
    may_contact: str | None = None

    def stored(self) -> dict[str, Any]:
        return {
            "main_reason": self.main_reason,
            "other_reason": self.other_reason,
            "changed_mind": self.changed_mind,
            "working_with": self.working_with,
            "working_score": self.working_score,
            "may_contact": self.may_contact,
        }


def read_answers(form: Mapping[str, str]) -> tuple[BuyerAnswers | None, dict[str, str]]:
    """Check the buyer's form; their answers, or errors keyed by field (NOTHING_ANSWERED: none).

    A browser enforces nothing of this for a forged or old page, so every rule is checked here.
    """
    errors: dict[str, str] = {}

    def text(field: str, limit: int, *, lines: bool = False) -> str | None:
        raw = str(form.get(field) or "")
        value = raw.replace("\r\n", "\n").strip() if lines else " ".join(raw.split())
        if len(value) > limit:
            errors[field] = f"Please keep this under {limit} characters (it has {len(value)})."
        return value or None

    reason = str(form.get(REASON_FIELD) or "") or None
    if reason is not None and reason not in REASONS:
        errors[REASON_FIELD] = "Please choose one of the reasons, or leave it blank."
        reason = None
    other = text(OTHER_FIELD, OTHER_MAX)
    if other and reason is None and REASON_FIELD not in errors:
        reason = "other"  # words written beside "Something else" say which they meant
    if reason != "other":
        other = None
    score_raw = str(form.get(SCORE_FIELD) or "")
    score = int(score_raw) if score_raw in ("1", "2", "3", "4", "5") else None
    if score_raw and score is None:
        errors[SCORE_FIELD] = "Please choose a number from 1 to 5, or leave it blank."
    contact = str(form.get(MAY_CONTACT_FIELD) or "") or None
    if contact is not None and contact not in MAY_CONTACT:
        errors[MAY_CONTACT_FIELD] = "Please choose one of the answers, or leave it blank."
        contact = None
    answers = BuyerAnswers(
        main_reason=reason,
        other_reason=other,
        changed_mind=text(CHANGED_MIND_FIELD, CHANGED_MIND_MAX, lines=True),
        working_with=text(WORKING_WITH_FIELD, WORKING_WITH_MAX),
        working_score=score,
        may_contact=contact,
    )
    if errors:
        return None, errors
    if not any(answers.stored().values()):
        return None, {NOTHING_ANSWERED: "Please answer at least one question: any one is a great help."}
    return answers, {}


class LinkKeys:
    """The server's keys for buyers' links and forms, derived from one secret it holds
    (SLACK_SIGNING_SECRET): a leaked database shows no working link and can forge no form."""

    def __init__(self, secret: str) -> None:
        master = secret.encode()
        self._links = hmac.new(master, b"rebound buyer links", hashlib.sha256).digest()
        self._forms = hmac.new(master, b"rebound buyer forms", hashlib.sha256).digest()
        self._callers = hmac.new(master, b"rebound page callers", hashlib.sha256).digest()

    @staticmethod
    def new_seed() -> str:
        return secrets.token_hex(16)

    def token_for(self, seed: str) -> str:
        digest = hmac.new(self._links, seed.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @staticmethod
    def hash_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def form_token(self, token_hash: str, drawn_at: datetime) -> str:
        """The form's token: when it was drawn, signed with the link it was drawn for."""
        drawn = str(int(drawn_at.timestamp()))
        return f"{drawn}.{self._form_mac(token_hash, drawn)}"

    def form_check(self, token_hash: str, form_token: str, now: datetime) -> str:
        """ "ok", "stale" (a real form, open too long) or "forged" (not drawn here for this link)."""
        drawn, _, mac = form_token.partition(".")
        if not drawn.isdigit() or not hmac.compare_digest(mac, self._form_mac(token_hash, drawn)):
            return "forged"
        age = now.timestamp() - int(drawn)
        if age < -60:  # drawn in the future: only a forger's clock says so
            return "forged"
        return "ok" if age <= FORM_LIFE.total_seconds() else "stale"

    def caller(self, scope: str, key: str) -> str:
        """A keyed hash of a caller (a client address, a link) for the rate limits: never the value."""
        return hmac.new(self._callers, f"{scope}|{key}".encode(), hashlib.sha256).hexdigest()

    def _form_mac(self, token_hash: str, drawn: str) -> str:
        return hmac.new(self._forms, f"{token_hash}|{drawn}".encode(), hashlib.sha256).hexdigest()[:32]


def link_of(public_url: str, token: str) -> str:
    return f"{public_url}/ask/{token}"


def link_state(ask: Any, now: datetime) -> str:
    """Where a link stands, for its rep: "not opened yet", "opened", "answered", "withdrawn",
    "expired"."""
    if ask.answered_at is not None:
        return "answered"
    if ask.withdrawn_at is not None:
        return "withdrawn"
    if ask.expires_at <= now:
        return "expired"
    return "opened" if ask.opened_at is not None else "not opened yet"


def page_state(ask: Any, now: datetime) -> str:
    """What the buyer's page shows: "open" (the questions), "correcting" (answered within the
    hour: the questions with their answers), or "closed" (a kind page, nothing about the deal)."""
    if ask.answered_at is not None:
        return "correcting" if now < ask.answered_at + CORRECTION_WINDOW else "closed"
    if ask.withdrawn_at is not None or ask.expires_at <= now:
        return "closed"
    return "open"


def note_for_buyer(*, company: str | None, contact: str | None) -> str:
    """The note a rep sends with the link, from their own mail or LinkedIn: kind and honest.
    Without the workspace's company name (not set yet) it says "us"."""
    hello = f"Hi {contact}," if contact else "Hello,"
    team = f"the {company} team" if company else "our team"
    return (
        f"{hello}\n\n"
        f"Thank you for considering {company or 'us'}. We'd like to learn from how it went, and your "
        "view would help us more than anything: there are a few short questions here, about a "
        "minute, all optional.\n\n"
        "This isn't a sales follow-up, and nobody will try to change your mind. Your answers are "
        f"read by the person who sent you this and by {team}, to learn from.\n\n"
        "Thank you either way."
    )


def reason_words(reason: str | None, other: str | None = None) -> str | None:
    """A main reason in a rep's words ("timing"), or what the buyer wrote for Something else."""
    if reason is None:
        return None
    if reason == "other":
        return other or "something else"
    return autopsy.REASONS[reason].split(" or ")[0].lower() if reason in autopsy.REASONS else reason


def disagreement(rep_reason: str | None, buyer_reason: str | None, buyer_other: str | None) -> str | None:
    """One gentle line when the rep and the buyer named different main reasons; never a verdict.
    Plain text, with the buyer's words in it: escape it for mrkdwn."""
    if rep_reason is None or buyer_reason is None or rep_reason == buyer_reason:
        return None
    theirs = f"“{buyer_other}”" if buyer_reason == "other" and buyer_other else reason_words(buyer_reason)
    mine = reason_words(rep_reason)
    return f"You thought it was {mine}; they said {theirs}. Worth a look when you revisit your notes."
