"""HubSpot's webhook read: a batch of deal stage changes, as `DealNews`, without calling any API.

A private app subscribed to `deal.propertyChange` on `dealstage` POSTs a JSON array of events to
/crm/hubspot; only the pipeline's stage metadata says whether a stage is a loss, so the sweep
asks HubSpot later (bot.crm.hubspot_client). As read from HubSpot's webhook payloads (at most
100 events a request; eventId is not guaranteed to be unique):
https://developers.hubspot.com/docs/apps/legacy-apps/public-apps/create-generic-webhook-subscriptions
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.deal_news import HUBSPOT, DealNews, UnreadableNews

MAX_EVENTS = 100  # HubSpot sends at most 100 events in one request
STAGE_CHANGE, STAGE = "deal.propertyChange", "dealstage"
IMPORT = "IMPORT"  # the changeSource of a change made by an import (others: CRM_UI, API, INTEGRATION, ...)


def _field(event: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    value = event.get(name)
    if value is None and not required:
        return None
    # bool is an int to Python, never to HubSpot
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UnreadableNews(f"HubSpot event field {name!r} is {value!r}, not a {kind.__name__}")
    return value


def _moment(milliseconds: int) -> datetime:
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
    except OverflowError:
        raise UnreadableNews(f"HubSpot event occurredAt {milliseconds} is no moment") from None


def read_webhook(body: bytes) -> list[DealNews]:
    """The deal stage changes in one HubSpot webhook request, in the order HubSpot sent them.

    Events of other kinds, or about other properties, are skipped: the subscription is the
    app's to change, and HubSpot batches whatever the app subscribed to. A batch that is not
    HubSpot's shape is refused whole (`UnreadableNews`), so the endpoint can answer 400.
    """
    try:
        events = json.loads(body)
    except (ValueError, RecursionError):
        raise UnreadableNews("HubSpot webhook body is not JSON") from None
    if not isinstance(events, list):
        raise UnreadableNews("HubSpot webhook body is not a JSON array of events")
    if len(events) > MAX_EVENTS:
        raise UnreadableNews(f"HubSpot sends at most {MAX_EVENTS} events a request, not {len(events)}")
    news = []
    for event in events:
        if not isinstance(event, dict):
            raise UnreadableNews("HubSpot webhook event is not an object")
        portal = _field(event, "portalId", int)
        occurred = _field(event, "occurredAt", int)
        kind = _field(event, "subscriptionType", str)
        if kind != STAGE_CHANGE:
            continue
        deal = _field(event, "objectId", int)
        if _field(event, "propertyName", str) != STAGE:
            continue
        stage = _field(event, "propertyValue", str)
        source = _field(event, "changeSource", str, required=False)
        news.append(
            DealNews(
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
        )
    return news


def deal_url(portal_id: int | str, deal_id: int | str, *, app_url: str = "https://app.hubspot.com") -> str:
    """The deal's record in HubSpot (object type 0-3 is deals). Accounts hosted in the EU answer
    at https://app-eu1.hubspot.com, hence `app_url`."""
    return f"{app_url}/contacts/{portal_id}/record/0-3/{deal_id}"
