"""The autopsy of a lost deal: its questions, its answers, and the rules a submission must meet.

Everything here is pure: the form's wording and limits, and `read_submission`, which turns
a view's `state.values` into `Answers` or into inline errors keyed by block_id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot import ids
from bot.working_hours import working_day

# Field limits (characters). All within Slack's plain_text_input max_length of 3000.
DEAL_MAX = 150  # also fits a header block (150)
COMPETITOR_MAX = 80
WINNER_REASON_MAX = 500
CUSTOMER_SAID_MAX = 1000
FEELINGS_MAX = 3000
LESSON_MAX = 300
DEAL_VALUE_MAX = Decimal("1000000000000")  # a trillion: anything above is a typo
REVISIT_MAX = 3000  # what the rep sees now, looking back
TOUCH_BASE_DEFAULT_DAYS = 90
TOUCH_BASE_MAX_DAYS = 365

OUTCOMES = {
    "new_deal_lost": "Lost a new deal",
    "customer_cancelled": "Customer cancelled",
    "renewal_lost": "Renewal lost",
    "proposal_declined": "Proposal or suggestion declined",
}
WINNERS = {
    "competitor": "A competitor",
    "no_decision": "No decision",
    "in_house": "They built it in-house",
    "unknown": "I don't know yet",
}
REASONS = {
    "price": "Price",
    "product_fit": "Product or features",
    "relationship": "Relationship or trust",
    "timing": "Timing or budget",
    "service": "Service or support",
    "other": "Something else",
}
ANSWERS = {"yes": "Yes", "partly": "Partly", "no": "No"}
SELF_CHECKS = {
    ids.CHECK_LISTENED: "Did I really listen to the prospect's needs?",
    ids.CHECK_TIMING: "Did I miss the timing because I didn't follow up well?",
    ids.CHECK_MARKET: "Was I unaware of events in the market or among competitors?",
    ids.CHECK_AGGRESSIVE: "Was I too aggressive?",
}
SHARING = {
    "named": "In the team digest, with my name",
    "anonymous": "In the team digest, anonymously",
    "private": "Keep it private",
}
# The answers to its touch-base reminder, by the state each leaves it in: the reminder's buttons.
TOUCH_BASE_CHOICES = {"done": "I reached out", "won_back": "Won them back", "let_go": "Let it go"}


@dataclass(frozen=True, kw_only=True)
class Answers:
    """A valid autopsy, as the rep wrote it."""

    deal_name: str
    outcome: str
    deal_value_cents: int | None
    winner: str
    competitor: str | None = None
    winner_reason: str | None
    main_reason: str | None = None
    customer_said: str | None
    check_listened: str
    check_timing: str
    check_market: str
    check_aggressive: str
    feelings: str
    lesson: str
    touch_base_on: date | None
    help_from: str | None
    sharing: str


def who_won(winner: str, competitor: str | None) -> str:
    """Who got the sale, in words (plain text: escape it for mrkdwn)."""
    label = WINNERS.get(winner, winner)
    return f"{competitor} ({label.lower()})" if competitor and winner == "competitor" else label


def deal_for_form(name: str) -> str:
    """A deal's name as the form's field holds it: a name longer than DEAL_MAX (typed after
    `/lost-deal`, or from a CRM) ends at its last whole word within it, with an ellipsis."""
    if len(name) <= DEAL_MAX:
        return name
    room = name[: DEAL_MAX - 1]  # one character for the ellipsis
    if not (room[-1].isspace() or name[DEAL_MAX - 1].isspace()):  # its last word is cut: drop it
        words = room.rsplit(None, 1)
        if len(words) == 2 and len(words[0]) >= DEAL_MAX // 2:  # else a very long word: cut in it
            room = words[0]
    return room.rstrip().rstrip(",;:-").rstrip() + "…"


def touch_base_default(today: date, days: int = TOUCH_BASE_DEFAULT_DAYS) -> date:
    """The form's touch-base date: `days` from today, or the Monday after when that is a weekend
    (reminders come on weekdays, so the form suggests a day one can come)."""
    return working_day(today + timedelta(days=days))


def date_window(now: datetime) -> tuple[date, date]:
    """The touch-base dates a submission may choose, whatever the rep's time zone.

    Slack does not tell us the rep's zone in a submission, so "today" is taken as
    anywhere on Earth: from UTC-12 to UTC+14.
    """
    earliest = (now - timedelta(hours=12)).date()
    latest = (now + timedelta(hours=14)).date() + timedelta(days=TOUCH_BASE_MAX_DAYS)
    return earliest, latest


def read_submission(
    values: dict[str, Any], now: datetime, *, kept_date: date | None = None
) -> tuple[Answers | None, dict[str, str]]:
    """Check a submitted autopsy form; return its answers, or errors keyed by block_id.

    Slack's client already enforces `optional` and `max_length`, but a submission can
    arrive without them (old clients, forged payloads), so every rule is checked here.
    An edit may keep the touch-base date it had (`kept_date`), even once that date has passed.
    """
    form = _Form(values)
    deal = form.text(ids.DEAL, DEAL_MAX, required=True, what="the deal or prospect")
    outcome = form.choice(ids.OUTCOME, OUTCOMES, "what happened")
    value = form.deal_value()
    winner = form.choice(ids.WINNER, WINNERS, "who got the sale")
    competitor = form.picked_text(ids.COMPETITOR, COMPETITOR_MAX)
    reason = form.text(ids.WINNER_REASON, WINNER_REASON_MAX)
    main_reason = form.choice(ids.MAIN_REASON, REASONS, "one of the reasons", optional=True)
    said = form.text(ids.CUSTOMER_SAID, CUSTOMER_SAID_MAX)
    checks = {block: form.choice(block, ANSWERS, "Yes, Partly or No") for block in SELF_CHECKS}
    feelings = form.text(ids.FEELINGS, FEELINGS_MAX, required=True, what="what happened and how you feel")
    lesson = form.text(ids.LESSON, LESSON_MAX, required=True, what="the lesson")
    touch_base = form.touch_base_on(now, kept_date)
    help_from = form.user(ids.HELP_FROM)
    sharing = form.choice(ids.SHARING, SHARING, "how widely to share it")
    if form.errors:
        return None, form.errors
    return (
        Answers(
            deal_name=deal,
            outcome=outcome,
            deal_value_cents=value,
            winner=winner,
            competitor=competitor,
            winner_reason=reason,
            main_reason=main_reason,
            customer_said=said,
            check_listened=checks[ids.CHECK_LISTENED],
            check_timing=checks[ids.CHECK_TIMING],
            check_market=checks[ids.CHECK_MARKET],
            check_aggressive=checks[ids.CHECK_AGGRESSIVE],
            feelings=feelings,
            lesson=lesson,
            touch_base_on=touch_base,
            help_from=help_from,
            sharing=sharing,
        ),
        {},
    )


def read_revisit(values: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """Check a submitted revisit (what the rep sees now); return its text, or an error by block_id."""
    form = _Form(values)
    text = form.text(ids.REVISIT_TEXT, REVISIT_MAX, required=True, what="what you see now")
    return (None, form.errors) if form.errors else (text, {})


class _Form:
    """Reads one field at a time from `view.state.values`, collecting errors as it goes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values if isinstance(values, dict) else {}
        self.errors: dict[str, str] = {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        element = block.get(block_id) if isinstance(block, dict) else None
        return element if isinstance(element, dict) else {}

    def text(
        self, block_id: str, limit: int, *, required: bool = False, what: str = "", given: Any = None
    ) -> Any:
        raw = self._element(block_id).get("value") if given is None else given
        value = raw.strip() if isinstance(raw, str) else ""
        if not value:
            if required:
                self.errors[block_id] = f"Please write {what}: a few words are enough."
            return None
        if len(value) > limit:
            self.errors[block_id] = f"Please keep this under {limit} characters (it has {len(value)})."
        return value

    def picked_text(self, block_id: str, limit: int) -> Any:
        """The name chosen in a select whose options Rebound made up as the rep typed; a form
        opened before the field was a select still sends the text typed in it."""
        option = self._element(block_id).get("selected_option")
        if isinstance(option, dict):
            return self.text(block_id, limit, given=option.get("value"))
        return self.text(block_id, limit)

    def choice(self, block_id: str, choices: dict[str, str], what: str, *, optional: bool = False) -> Any:
        option = self._element(block_id).get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        if value is None and optional:
            return None
        if value not in choices:
            self.errors[block_id] = f"Please choose {what}."
        return value

    def deal_value(self) -> int | None:
        raw = self._element(ids.DEAL_VALUE).get("value")
        text = raw.strip().replace(",", "").replace("_", "") if isinstance(raw, str) else ""
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or amount > DEAL_VALUE_MAX:
            self.errors[ids.DEAL_VALUE] = (
                "The deal value should be a number of 0 or more, like 12000 or 4999.50."
            )
            return None
        return int((amount * 100).to_integral_value())

    def touch_base_on(self, now: datetime, kept: date | None = None) -> date | None:
        skip = self._element(ids.NO_TOUCH_BASE).get("selected_options")
        if isinstance(skip, list) and skip:
            return None
        raw = self._element(ids.TOUCH_BASE_ON).get("selected_date")
        if not raw:
            return None
        try:
            chosen = date.fromisoformat(raw)
        except (TypeError, ValueError):
            self.errors[ids.TOUCH_BASE_ON] = "Please pick a date from the calendar."
            return None
        earliest, latest = date_window(now)
        if chosen == kept:
            return chosen
        if chosen < earliest:
            self.errors[ids.TOUCH_BASE_ON] = "That date has passed: pick a day from today on."
        elif chosen > latest:
            self.errors[ids.TOUCH_BASE_ON] = "Please pick a date within the next year."
        return chosen

    def user(self, block_id: str) -> str | None:
        user = self._element(block_id).get("selected_user")
        if user is None:
            return None
        if not isinstance(user, str) or not re.fullmatch(r"[UW][A-Z0-9]{2,20}", user):
            self.errors[block_id] = "Please choose a teammate from the list."
            return None
        return user
