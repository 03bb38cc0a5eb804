"""What a CRM said about one deal, in one shape whichever CRM said it.

Webhooks are read into `DealNews` while the CRM waits (no API call); the sweep later fills in
what the notification did not carry (HubSpot sends only the new stage id) and decides.
It sits beside bot/crm/ rather than in it: the DMs, the digest and the export name the CRMs too,
and none of them may reach into the CRM's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

HUBSPOT, SALESFORCE, WORKFLOW = "hubspot", "salesforce", "workflow"
CRMS = {HUBSPOT: "HubSpot", SALESFORCE: "Salesforce", WORKFLOW: "a workflow"}


class UnreadableNews(ValueError):
    """A notification that is not what the CRM sends (bad JSON or XML, wrong shape, too many events)."""


@dataclass(frozen=True)
class NewsBatch:
    """What one webhook request said: the deal news read, in order, and why each event that could
    not be read was skipped (a line each for the log). One bad event never costs the others."""

    news: list[DealNews]
    skipped: list[str]


@dataclass(frozen=True, kw_only=True)
class DealNews:
    """One notification about one deal's stage."""

    crm: str  # HUBSPOT | SALESFORCE | WORKFLOW
    deal_id: str  # the CRM's id of the deal (HubSpot objectId, Salesforce Opportunity Id)
    key: str  # what makes this notification unique, to store it once however often it arrives
    changed_at: datetime  # when the CRM says the stage changed (aware, UTC): the latest one wins
    stage: str | None = None  # the stage as the CRM names it (HubSpot: a stage id)
    lost: bool | None = None  # None: the message cannot say; the sweep asks the CRM (HubSpot)
    deal_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    reason: str | None = None  # the CRM's loss reason, as written there
    main_reason: str | None = None  # the autopsy's main reason the loss reason plainly names
    owner_email: str | None = None
    owner_user_id: str | None = None  # a Slack user, when the source names one (a workflow step)
    contact_name: str | None = (
        None  # the buyer's contact, when the source names one (never HubSpot's webhook)
    )
    pipeline: str | None = None
    deal_url: str | None = None
    from_import: bool = False  # changed by an import, not by a person closing the deal
