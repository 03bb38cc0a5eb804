"""Everything a rep wrote, for `rebound export` and "Export my data": a CSV for people, JSON for
machines.

The CSV is what a rep opens in a spreadsheet: columns named as the form asks, answers in the
words they chose in it (taken from `bot.autopsy`, so the two cannot drift), times in UTC. The
JSON keeps the codes the database stores (`partly`, `new_deal_lost`), for scripts.

Each autopsy carries the actions made of its lesson (what, owner, day, state, why not); a
person's own export adds the actions they made or own on teammates' lessons (`actions_csv`).

An autopsy whose rep asked the lost buyer for their side carries the link's state and times and
the buyer's answers, named as the buyer's page asks them (in the CSV, in the words the buyer
chose).

A cell that starts with =, +, -, @ (or a tab or carriage return) would run as a formula in
Excel or Sheets; such cells get a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TextIO

import clock
from bot import autopsy, customer_side
from bot.deal_news import CRMS
from storage import ANSWER_FIELDS, BuyerAsk, ExportEntry
from storage.models import Action

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The JSON's keys, one object per autopsy: the stored codes and ISO 8601 times.
EXPORT_FIELDS = (
    "id",
    "team_id",
    "user_id",
    "created_at",
    "deal_name",
    "outcome",
    "deal_value",
    "winner",
    "competitor",
    "winner_reason",
    "main_reason",
    "customer_said",
    "check_listened",
    "check_timing",
    "check_market",
    "check_aggressive",
    "feelings",
    "lesson",
    "touch_base_on",
    "help_from",
    "sharing",
    "touch_base_outcome",
    "touch_base_answered_at",
    "revisits",
    "buyer_asked_at",
    "buyer_link_state",
    "buyer_link_expires_at",
    "buyer_opened_at",
    "buyer_withdrawn_at",
    "buyer_answered_at",
    "buyer_main_reason",
    "buyer_other_reason",
    "buyer_changed_mind",
    "buyer_working_with",
    "buyer_working_score",
    "buyer_may_contact",
    "crm",
    "crm_deal_id",
    "crm_deal_url",
    "actions",
)
# The buyer ask's columns the JSON holds as stored, each after "buyer_". Never its token's seed
# or hash: with the server's secret they give the link, and the link still opens the page.
_BUYER_STORED = ("opened_at", "withdrawn_at", "answered_at", *ANSWER_FIELDS)

# The fields `record` works out; the others are the autopsy's columns as stored.
_WORKED_OUT = (
    "created_at",
    "deal_value",
    "touch_base_on",
    "touch_base_outcome",
    "touch_base_answered_at",
    "revisits",
    *(field for field in EXPORT_FIELDS if field.startswith("buyer_")),
    "actions",
)

# A touch-base's state in the rep's words: their own answer, or where the reminder stands.
TOUCH_BASE_OUTCOMES = {
    **autopsy.TOUCH_BASE_CHOICES,
    "pending": "Not yet: waiting for the day",
    "sending": "Not yet: waiting for the day",
    "sent": "Reminded, no answer yet",
    "snoozed": "Snoozed",
    "cancelled": "No reminder: the date was removed",
    "failed": "The reminder could not be delivered",
}

# The buyer's link and answers, the answers named as the buyer's page asks them.
CUSTOMER_COLUMNS = (
    "Asked the customer (UTC)",
    "The customer's link",
    "Link expires (UTC)",
    "Customer opened it (UTC)",
    "Link withdrawn (UTC)",
    "Customer answered (UTC)",
    "Customer: the main reason they chose otherwise",
    "Customer: their other reason",
    "Customer: what would have changed their mind",
    "Customer: what working with us was like",
    "Customer: working with us, 1 to 5",
    "Customer: may we get in touch again?",
)
CSV_COLUMNS = (
    "Written (UTC)",
    "Deal or prospect",
    "What happened?",
    "Deal value",
    "Who got the sale?",
    "Competitor",
    "The main reason",
    "Why did they win?",
    "What the customer said",
    *autopsy.SELF_CHECKS.values(),
    "What happened, and how you felt",
    "The lesson",
    "Shared",
    "Touch base on",
    "Touch-base outcome",
    "Touch-base answered (UTC)",
    "Help asked from (Slack user ID)",
    "Revisits (UTC)",
    *CUSTOMER_COLUMNS,
    "From the CRM",
    "CRM deal ID",
    "CRM deal link",
    "Actions",
    "Autopsy ID",
    "Workspace (Slack team ID)",
    "Written by (Slack user ID)",
)


def _money(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


def _word(choices: Mapping[Any, str], code: Any) -> str | None:
    """The words the form showed for a stored code (the code itself, should one be unknown)."""
    return None if code is None else choices.get(code, code)


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def _answered_at(entry: ExportEntry) -> datetime | None:
    touch = entry.touch_base
    return touch.closed_at if touch is not None and touch.state in autopsy.TOUCH_BASE_CHOICES else None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _customer_fields(ask: BuyerAsk | None, as_of: datetime | None) -> dict[str, Any]:
    """The buyer's link and answers for machines: stored codes, ISO 8601 times; None when the
    rep never asked."""
    if ask is None:
        return {field: None for field in EXPORT_FIELDS if field.startswith("buyer_")}
    values = {f"buyer_{name}": getattr(ask, name) for name in _BUYER_STORED}
    values.update(
        buyer_asked_at=ask.created_at,
        buyer_link_state=customer_side.link_state(ask, as_of or clock.now()),
        buyer_link_expires_at=ask.expires_at,
    )
    return {name: _iso(value) if isinstance(value, datetime) else value for name, value in values.items()}


def record(entry: ExportEntry, *, as_of: datetime | None = None) -> dict[str, Any]:
    """An autopsy for machines, in EXPORT_FIELDS order: stored codes, ISO 8601 times in UTC; its
    buyer's link as it stood `as_of` (now unless said)."""
    row, touch = entry.autopsy, entry.touch_base
    answered = _answered_at(entry)
    values = {field: getattr(row, field) for field in EXPORT_FIELDS if field not in _WORKED_OUT}
    values.update(
        created_at=row.created_at.isoformat(),
        deal_value=_money(row.deal_value_cents),
        touch_base_on=None if row.touch_base_on is None else row.touch_base_on.isoformat(),
        touch_base_outcome=None if touch is None else touch.state,
        touch_base_answered_at=None if answered is None else answered.isoformat(),
        revisits=[{"created_at": seen.created_at.isoformat(), "text": seen.text} for seen in entry.revisits],
        **_customer_fields(entry.buyer_ask, as_of),
        actions=[action_record(action) for action in entry.actions],
    )
    return {field: values[field] for field in EXPORT_FIELDS}


def readable(entry: ExportEntry, *, as_of: datetime | None = None) -> dict[str, Any]:
    """An autopsy for a person, in CSV_COLUMNS order: the words they chose in the form, and the
    words the buyer chose on their page."""
    row, touch = entry.autopsy, entry.touch_base
    crm = _word(CRMS, row.crm)
    checks = {ask: _word(autopsy.ANSWERS, getattr(row, check)) for check, ask in autopsy.SELF_CHECKS.items()}
    values = {
        "Written (UTC)": _utc(row.created_at),
        "Deal or prospect": row.deal_name,
        "What happened?": _word(autopsy.OUTCOMES, row.outcome),
        "Deal value": _money(row.deal_value_cents),
        "Who got the sale?": _word(autopsy.WINNERS, row.winner),
        "Competitor": row.competitor,
        "The main reason": _word(autopsy.REASONS, row.main_reason),
        "Why did they win?": row.winner_reason,
        "What the customer said": row.customer_said,
        **checks,
        "What happened, and how you felt": row.feelings,
        "The lesson": row.lesson,
        "Shared": _word(autopsy.SHARING, row.sharing),
        "Touch base on": None if row.touch_base_on is None else row.touch_base_on.isoformat(),
        "Touch-base outcome": _word(TOUCH_BASE_OUTCOMES, None if touch is None else touch.state),
        "Touch-base answered (UTC)": _utc(_answered_at(entry)),
        "Help asked from (Slack user ID)": row.help_from,
        # One row per autopsy, so a spreadsheet's rows count autopsies and sorting or filtering
        # keeps each revisit with its deal: the revisits share a cell, oldest first, each after
        # its date, a blank line between them.
        "Revisits (UTC)": "\n\n".join(f"{_utc(seen.created_at)}: {seen.text}" for seen in entry.revisits),
        **_customer_columns(entry.buyer_ask, as_of),
        "From the CRM": crm[:1].upper() + crm[1:] if crm else None,
        "CRM deal ID": row.crm_deal_id,
        "CRM deal link": row.crm_deal_url,
        # As the revisits: one cell, a blank line between them, so a row still counts one autopsy.
        "Actions": "\n\n".join(action_line(action) for action in entry.actions),
        "Autopsy ID": row.id,
        "Workspace (Slack team ID)": row.team_id,
        "Written by (Slack user ID)": row.user_id,
    }
    return {column: values[column] for column in CSV_COLUMNS}


ACTION_STATES = {"open": "Open", "done": "Done", "dropped": "Not doing"}


def action_record(action: Action) -> dict[str, Any]:
    """An action for machines: who made and owns it, what it says, its day, state and outcome."""
    return {
        "id": action.id,
        "made_by": action.made_by,
        "owner_id": action.owner_id,
        "what": action.what,
        "due_on": action.due_on.isoformat(),
        "state": action.state,
        "outcome": action.outcome,
        "created_at": action.created_at.isoformat(),
        "closed_at": _iso(action.closed_at),
    }


def action_line(action: Action) -> str:
    """An action for a person, in one line of a cell: what, who, by when, and how it ended."""
    state = ACTION_STATES.get(action.state, action.state)
    if action.outcome:
        state += f" ({action.outcome})"
    return (
        f"{action.what} · owner {action.owner_id}, made by {action.made_by} on {_utc(action.created_at)}"
        f" · due {action.due_on.isoformat()} · {state}"
    )


ACTIONS_COLUMNS = (
    "Action",
    "Owner (Slack user ID)",
    "Made by (Slack user ID)",
    "Made (UTC)",
    "Due on",
    "State",
    "Why not (the outcome)",
    "Closed (UTC)",
    "From autopsy ID",
)


def actions_csv(actions: Iterable[Action]) -> str:
    """The actions a person made or owns on teammates' lessons, for their own export (those of
    their own lessons are in their autopsies' rows): one row each."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACTIONS_COLUMNS)
    for action in actions:
        row = (
            action.what,
            action.owner_id,
            action.made_by,
            _utc(action.created_at),
            action.due_on.isoformat(),
            ACTION_STATES.get(action.state, action.state),
            action.outcome,
            _utc(action.closed_at),
            action.autopsy_id,
        )
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def _customer_columns(ask: BuyerAsk | None, as_of: datetime | None) -> dict[str, Any]:
    """The buyer's link and answers for a person: the words the buyer chose; empty when the rep
    never asked."""
    if ask is None:
        return dict.fromkeys(CUSTOMER_COLUMNS)
    state = customer_side.link_state(ask, as_of or clock.now())
    return {
        "Asked the customer (UTC)": _utc(ask.created_at),
        "The customer's link": state[:1].upper() + state[1:],
        "Link expires (UTC)": _utc(ask.expires_at),
        "Customer opened it (UTC)": _utc(ask.opened_at),
        "Link withdrawn (UTC)": _utc(ask.withdrawn_at),
        "Customer answered (UTC)": _utc(ask.answered_at),
        "Customer: the main reason they chose otherwise": _word(customer_side.REASONS, ask.main_reason),
        "Customer: their other reason": ask.other_reason,
        "Customer: what would have changed their mind": ask.changed_mind,
        "Customer: what working with us was like": ask.working_with,
        "Customer: working with us, 1 to 5": _word(customer_side.SCORES, ask.working_score),
        "Customer: may we get in touch again?": _word(customer_side.MAY_CONTACT, ask.may_contact),
    }


def safe_cell(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(entries: Iterable[ExportEntry], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    as_of = clock.now()  # every link's state at one moment: the export's
    for entry in entries:
        row = readable(entry, as_of=as_of)
        writer.writerow({column: safe_cell(value) for column, value in row.items()})


def csv_text(entries: Iterable[ExportEntry]) -> str:
    out = io.StringIO()
    write_csv(entries, out)
    return out.getvalue()


def write_json(entries: Iterable[ExportEntry], out: TextIO) -> None:
    """A JSON array, one autopsy per line, written as it is read."""
    out.write("[")
    as_of = clock.now()  # every link's state at one moment: the export's
    for index, entry in enumerate(entries):
        line = json.dumps(record(entry, as_of=as_of), ensure_ascii=False)
        out.write(("," if index else "") + "\n" + line)
    out.write("\n]\n")
