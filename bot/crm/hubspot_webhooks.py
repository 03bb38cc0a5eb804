"""HubSpot's webhook read: a batch of deal stage changes, as `DealNews`, without calling any API.

A private app subscribed to `deal.propertyChange` on `dealstage` POSTs a JSON array of events to
/crm/hubspot; only the pipeline's stage metadata says whether a stage is a loss, so the sweep
asks HubSpot later (bot.crm.hubspot_client). As read from HubSpot's webhook payloads (at most
100 events a request; eventId is not guaranteed to be unique):
https://developers.hubspot.com/docs/apps/legacy-apps/public-apps/create-generic-webhook-subscriptions

Three shapes name a deal's stage change: `subscriptionType` "deal.propertyChange" (legacy apps),
the same in `eventType` (HubSpot's own printed examples), and "object.propertyChange" with
`objectTypeId` "0-3" (the generic subscriptions of HubSpot's developer platform).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.deal_news import HUBSPOT, DealNews, NewsBatch, UnreadableNews

MAX_EVENTS = 100  # HubSpot sends at most 100 events in one request
STAGE_CHANGE, STAGE = "deal.propertyChange", "dealstage"
OBJECT_CHANGE, DEAL_OBJECT = "object.propertyChange", "0-3"  # the generic shape; 0-3 is HubSpot's deal type
IMPORT = "IMPORT"  # the changeSource of a change made by an import (others: CRM_UI, API, INTEGRATION, ...)


def _field(event: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    value = event.get(name)
    if value is None and not required:
        return None
    # bool is an int to Python, never to HubSpot
    if not isinstance(value, kind) or isinstance(value, bool):
        shown = repr(value)
        shown = shown if len(shown) <= 40 else f"{shown[:40]}…"
        raise UnreadableNews(f"field {name!r} is {shown}, not a {kind.__name__}")
    return value


def _moment(milliseconds: int) -> datetime:
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
    except OverflowError:
        raise UnreadableNews(f"HubSpot event occurredAt {milliseconds} is no moment") from None


def read_webhook(body: bytes) -> NewsBatch:
    """The deal stage changes in one HubSpot webhook request, in the order HubSpot sent them.

    Events of other kinds, or about other properties, are passed over: the subscription is the
    app's to change, and HubSpot batches whatever the app subscribed to. An event that cannot be
    read is skipped with its reason, and the rest are read. Only a body that is no batch at all
    (not a JSON array of at most 100 events) is refused whole (`UnreadableNews`: a 400).
    """
    try:
        events = json.loads(body)
    except (ValueError, RecursionError):
        raise UnreadableNews("HubSpot webhook body is not JSON") from None
    if not isinstance(events, list):
        raise UnreadableNews("HubSpot webhook body is not a JSON array of events")
    if len(events) > MAX_EVENTS:
        raise UnreadableNews(f"HubSpot sends at most {MAX_EVENTS} events a request, not {len(events)}")
    news, skipped = [], []
    for number, event in enumerate(events, start=1):
        try:
            read = _stage_change(event)
        except UnreadableNews as why:
            skipped.append(f"event {number} of {len(events)}: {why}")
            continue
        if read is not None:
            news.append(read)
    return NewsBatch(news, skipped)


def _stage_change(event: object) -> DealNews | None:
    """One event as a deal's stage change; None for an event about anything else."""
    if not isinstance(event, dict):
        raise UnreadableNews("not an object")
    portal = _field(event, "portalId", int)
    occurred = _field(event, "occurredAt", int)
    kind = event.get("subscriptionType") or event.get("eventType")
    if not isinstance(kind, str):
        raise UnreadableNews("neither subscriptionType nor eventType names its kind")
    if kind == OBJECT_CHANGE:
        if _field(event, "objectTypeId", str) != DEAL_OBJECT:
            return None
    elif kind != STAGE_CHANGE:
        return None
    deal = _field(event, "objectId", int)
    if _field(event, "propertyName", str) != STAGE:
        return None
    stage = _field(event, "propertyValue", str)
    source = _field(event, "changeSource", str, required=False)
    return DealNews(
        crm=HUBSPOT,
        deal_id=str(deal),
        # eventId is not guaranteed unique; this is what one stage change is
        key=f"{portal}:{deal}:{stage}:{occurred}",
        changed_at=_moment(occurred),
        stage=stage or None,
        lost=None,  # only the pipeline's stage metadata says; the sweep asks
        from_import=source == IMPORT,
        deal_url=deal_url(portal, deal),
    )


def deal_url(portal_id: int | str, deal_id: int | str, *, app_url: str = "https://app.hubspot.com") -> str:
    """The deal's record in HubSpot (object type 0-3 is deals). Accounts hosted in the EU answer
    at https://app-eu1.hubspot.com, hence `app_url`."""
    return f"{app_url}/contacts/{portal_id}/record/0-3/{deal_id}"
