"""The CRMs' webhooks, answered while the CRM waits: verified as each CRM documents, each
notification stored once, and acknowledged, all without calling any API (HubSpot gives up
after 5 s; the sweep asks HubSpot and Slack later).

`POST /crm/hubspot`: HubSpot's v3 signature over REBOUND_PUBLIC_URL + path, within 5 minutes.
`POST /crm/salesforce/<secret>`: the path secret and the org in the message. Refused requests
store nothing: 401 unsigned or wrongly signed, 403 another org, 400 no batch at all, 413 too
large. In a signed batch, each event that cannot be read is skipped with a log line and the
rest are stored: refusing the batch would make the CRM resend it, and finally drop the real
deals beside the one bad event.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

import clock
from bot import metrics
from bot.config import CrmSettings
from bot.crm import hubspot_signatures, hubspot_webhooks, salesforce
from bot.deal_news import NewsBatch, UnreadableNews
from storage import Store

logger = logging.getLogger("rebound.crm")

HUBSPOT_PATH = "/crm/hubspot"
SALESFORCE_PATH = "/crm/salesforce/"
MAX_BODY = 1024 * 1024  # HubSpot's 100 events are some 40 KB; Salesforce's 100 notifications, 200 KB


@dataclass(frozen=True)
class Answer:
    status: str
    body: bytes = b""
    content_type: str = "text/plain"


def _read(environ: dict[str, Any]) -> bytes | Answer:
    length = str(environ.get("CONTENT_LENGTH") or "")
    if not length.isdigit():
        return Answer("411 Length Required", b"Content-Length is required")
    if int(length) > MAX_BODY:
        return Answer("413 Content Too Large", b"Request body too large")
    return environ["wsgi.input"].read(int(length))


class CrmInbox:
    """Where CRMs post. `team` names the workspace their deals belong to (None: not known yet)."""

    def __init__(self, store: Store, settings: CrmSettings, team: Callable[[], str | None]) -> None:
        self.store = store
        self.settings = settings
        self.team = team

    def handles(self, path: str) -> bool:
        return path == HUBSPOT_PATH or path.startswith(SALESFORCE_PATH)

    def answer(self, environ: dict[str, Any]) -> Answer:
        path = str(environ.get("PATH_INFO") or "")
        configured = self.settings.hubspot if path == HUBSPOT_PATH else self.settings.salesforce
        if not configured:
            return Answer("404 Not Found", b"Not found")
        if environ.get("REQUEST_METHOD") != "POST":
            return Answer("405 Method Not Allowed", b"POST only")
        body = _read(environ)
        if isinstance(body, Answer):
            return body
        if path == HUBSPOT_PATH:
            return self._hubspot(environ, body)
        return self._salesforce(path.removeprefix(SALESFORCE_PATH), body)

    def _hubspot(self, environ: dict[str, Any], body: bytes) -> Answer:
        assert self.settings.hubspot_client_secret is not None and self.settings.public_url is not None
        query = str(environ.get("QUERY_STRING") or "")
        uri = self.settings.public_url + HUBSPOT_PATH + (f"?{query}" if query else "")
        signed = hubspot_signatures.verify_v3(
            self.settings.hubspot_client_secret,
            method="POST",
            uri=uri,
            body=body,
            signature=environ.get("HTTP_X_HUBSPOT_SIGNATURE_V3"),
            timestamp=environ.get("HTTP_X_HUBSPOT_REQUEST_TIMESTAMP"),
            now=clock.now().timestamp(),
        )
        if not signed:
            logger.warning("Refused a HubSpot webhook: missing, stale or wrong signature (for %s)", uri)
            return Answer("401 Unauthorized")
        try:
            batch = hubspot_webhooks.read_webhook(body)
        except UnreadableNews as error:
            logger.warning("Refused a signed HubSpot webhook: %s", error)
            return Answer("400 Bad Request", b"Not a HubSpot webhook")
        return self._store("HubSpot", batch, Answer("204 No Content"))

    def _salesforce(self, secret: str, body: bytes) -> Answer:
        assert self.settings.salesforce_outbound_secret is not None and self.settings.salesforce_org_id
        if not hmac.compare_digest(secret.encode(), self.settings.salesforce_outbound_secret.encode()):
            logger.warning("Refused a Salesforce message: wrong secret in its path")
            return Answer("401 Unauthorized")
        try:
            batch = salesforce.read_outbound_message(body, org_id=self.settings.salesforce_org_id)
        except salesforce.WrongOrg:
            logger.warning("Refused a Salesforce message from another org than SALESFORCE_ORG_ID")
            return Answer("403 Forbidden")
        except UnreadableNews as error:
            logger.warning("Refused a Salesforce message: %s", error)
            return Answer("400 Bad Request", b"Not a Salesforce outbound message")
        acknowledged = Answer("200 OK", salesforce.ACKNOWLEDGEMENT, salesforce.ACKNOWLEDGEMENT_CONTENT_TYPE)
        return self._store("Salesforce", batch, acknowledged)

    def _store(self, crm: str, batch: NewsBatch, acknowledged: Answer) -> Answer:
        for why in batch.skipped:
            logger.warning("Skipped a %s event that cannot be read (%s); the rest are stored", crm, why)
        metrics.crm_events(crm.lower(), metrics.SKIPPED, len(batch.skipped))  # each as its log line
        news = batch.news
        if not news:
            return acknowledged
        team = self.team()
        if team is None:  # the CRM retries; by then Slack may have said which workspace this is
            logger.warning("%s webhook not stored: which workspace it belongs to is not known yet", crm)
            return Answer("503 Service Unavailable", b"Try again later")
        try:
            with self.store.write() as work:
                received = work.lost_deals.receive(team_id=team, news=news, now=clock.now())
        except SQLAlchemyError:
            logger.exception("Could not store a %s webhook; it will send it again", crm)
            return Answer("503 Service Unavailable", b"Try again later")
        metrics.crm_events(crm.lower(), metrics.RECEIVED, len(news))
        if received.stored:
            logger.info(
                "%s: %s new notifications (%s seen before), %s prompts to send",
                crm,
                received.stored,
                received.ignored,
                received.prompts,
            )
        return acknowledged
