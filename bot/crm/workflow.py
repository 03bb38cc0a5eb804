"""The Workflow Builder step "Ask for a lost-deal autopsy", read into `DealNews`.

Pure. A workflow names the person in Slack already, so no email lookup is needed; it has no deal
id, so the deal is known by its person and name: the same deal asked about twice is prompted
once. Slack retries an event it got no answer to, with the same execution id: stored once.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.crm.reasons import main_reason_named
from bot.deal_news import WORKFLOW, DealNews, UnreadableNews

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
CONTACT_MAX = 150  # the buyer contact's name, as the note to them uses it


def _text(inputs: dict[str, Any], name: str, limit: int) -> str | None:
    value = inputs.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise UnreadableNews(f"{name} should be text")
    return " ".join(str(value).split())[:limit] or None


def _amount(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        amount = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise UnreadableNews(f"amount should be a number, not {str(raw)[:40]!r}") from None
    if not amount.is_finite() or amount < 0:
        raise UnreadableNews("amount should be a positive number")
    return amount


def read_step(inputs: dict[str, Any], *, execution_id: str, now: datetime) -> DealNews:
    """The step's inputs as a lost deal; UnreadableNews, in words for the workflow's builder,
    when they cannot make one."""
    person = str(inputs.get("person") or "")
    if not SLACK_USER.match(person):
        raise UnreadableNews("person should be someone in Slack")
    name = _text(inputs, "deal_name", 150)
    if name is None:
        raise UnreadableNews("deal_name is empty")
    if not execution_id:
        raise UnreadableNews("the event has no function_execution_id")
    reason = _text(inputs, "reason", 500)
    return DealNews(
        crm=WORKFLOW,
        deal_id=f"{person}:{name.casefold()}"[:64],
        key=execution_id,
        changed_at=now,
        lost=True,
        deal_name=name,
        amount=_amount(inputs.get("amount")),
        reason=reason,
        main_reason=main_reason_named(reason),
        owner_user_id=person,
        contact_name=_text(inputs, "buyer_contact", CONTACT_MAX),
    )
