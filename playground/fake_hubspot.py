"""HubSpot's CRM API, faked on a free loopback port, and the signed webhooks HubSpot would send.

It serves the three reads Rebound's sweep makes (a deal, the deal pipelines, an owner) in
HubSpot's shapes, from data a test or the playground sets; checks the private app's Bearer
token (401 otherwise); records every request; and fails on demand (`fail_next`). Its default
pipeline has HubSpot's default stage ids and metadata: closed-lost is the one closed stage
with probability 0.0.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.crm.hubspot_signatures import signature_v3
from playground.local_server import LocalServer, QuietHandler

TOKEN = "pat-na1-playground"
PORTAL_ID = 62515
APP_ID = 54321
_events = itertools.count(1)

# HubSpot's default sales pipeline: (stage id, label, probability); only the last two are closed.
DEFAULT_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"),
    ("closedwon", "Closed Won", "1.0"),
    ("closedlost", "Closed Lost", "0.0"),
)
_STAMP = "2026-11-02T09:00:00.000Z"


def stage(stage_id: str, label: str, probability: str, *, closed: bool, order: int) -> dict[str, Any]:
    """A deal stage as GET /crm/v3/pipelines/deals lists it."""
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
        "createdAt": _STAMP,
        "updatedAt": _STAMP,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipeline(pipeline_id: str, label: str, stages: list[dict[str, Any]], *, order: int = 0) -> dict[str, Any]:
    return {
        "id": pipeline_id,
        "label": label,
        "displayOrder": order,
        "stages": stages,
        "createdAt": _STAMP,
        "updatedAt": _STAMP,
        "archived": False,
    }


def default_pipeline() -> dict[str, Any]:
    return pipeline(
        "default",
        "Sales Pipeline",
        [
            stage(sid, label, p, closed=sid.startswith("closed"), order=i)
            for i, (sid, label, p) in enumerate(DEFAULT_STAGES)
        ],
    )


def stage_change_event(
    portal_id: int,
    deal_id: int,
    stage: str,
    occurred_at_ms: int,
    change_source: str = "CRM_UI",
    event_id: int | None = None,
    *,
    attempt: int = 0,
    source_id: str = "userId:1234567",
) -> dict[str, Any]:
    """One `deal.propertyChange` event on `dealstage`, field for field as HubSpot sends it."""
    return {
        "eventId": next(_events) if event_id is None else event_id,
        "subscriptionId": 2881778,
        "portalId": portal_id,
        "appId": APP_ID,
        "occurredAt": occurred_at_ms,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": attempt,
        "objectId": deal_id,
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": change_source,
        "sourceId": source_id,
    }


def signed_webhook(
    secret: str, url: str, events: list[dict[str, Any]], timestamp_ms: int
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of HubSpot's POST of `events` to `url`, signed (v3) with the app's secret."""
    body = json.dumps(events, separators=(",", ":")).encode()
    timestamp = str(timestamp_ms)
    return body, {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature_v3(secret, "POST", url, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


@dataclass
class Request:
    """One request the fake received."""

    path: str
    query: dict[str, str]
    token: str | None
    status: int = 200
    at: float = field(default_factory=time.monotonic)


class FakeHubSpot:
    """The fake HubSpot API; `url` is what `HubSpot(api_url=...)` points at."""

    def __init__(self, *, token: str = TOKEN) -> None:
        self.token = token
        self.deals: dict[str, dict[str, Any]] = {}  # deal id -> its properties (HubSpot's text values)
        self.owners: dict[str, dict[str, Any]] = {}
        self.pipelines: list[dict[str, Any]] = [default_pipeline()]
        self.requests: list[Request] = []
        self._faults: deque[tuple[int, int | None]] = deque()
        self._lock = threading.Lock()
        self._server = LocalServer(self._handler_class())

    # Lifecycle
    def start(self) -> FakeHubSpot:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeHubSpot:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    # Data
    def add_deal(
        self,
        deal_id: int | str,
        *,
        name: str = "Acme renewal",
        stage: str = "closedlost",
        pipeline: str = "default",
        amount: str | None = "12000.00",
        currency: str | None = "USD",
        owner_id: str | None = "910901",
        reason: str | None = None,
        close_date: str | None = "2026-12-01T15:00:00Z",
    ) -> None:
        """A deal, its values written as HubSpot's API returns them (all text)."""
        with self._lock:
            self.deals[str(deal_id)] = {
                "dealname": name,
                "amount": amount,
                "deal_currency_code": currency,
                "dealstage": stage,
                "pipeline": pipeline,
                "closed_lost_reason": reason,
                "hubspot_owner_id": owner_id,
                "closedate": close_date,
                "hs_object_id": str(deal_id),
            }

    def add_owner(
        self, owner_id: int | str, email: str | None, *, first: str = "Riley", last: str = "Chen"
    ) -> None:
        with self._lock:
            self.owners[str(owner_id)] = {
                "id": str(owner_id),
                "email": email,
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": 1234567,
                "createdAt": _STAMP,
                "updatedAt": _STAMP,
                "archived": False,
            }

    def add_pipeline(
        self, pipeline_id: str, stages: list[tuple[str, str, str, bool]], label: str = "Renewals"
    ) -> None:
        """A custom pipeline; each stage is (id, label, probability, closed). HubSpot gives custom
        stages numeric ids of their own."""
        made = [
            stage(sid, name, p, closed=closed, order=i) for i, (sid, name, p, closed) in enumerate(stages)
        ]
        with self._lock:
            self.pipelines.append(pipeline(pipeline_id, label, made, order=len(self.pipelines)))

    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `count` requests with `status` (429, 5xx), and Retry-After if given."""
        with self._lock:
            self._faults.extend([(status, retry_after)] * count)

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    # Answers
    def _answer(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        with self._lock:
            if parts[:4] == ["crm", "v3", "objects", "deals"] and len(parts) == 5:
                properties = self.deals.get(parts[4])
                if properties is None:
                    return 404, _not_found(f"Object not found.  objectId are usually numeric.  {parts[4]}")
                return 200, {
                    "id": parts[4],
                    "properties": dict(properties),
                    "createdAt": _STAMP,
                    "updatedAt": _STAMP,
                    "archived": False,
                }
            if parts == ["crm", "v3", "pipelines", "deals"]:
                return 200, {"results": json.loads(json.dumps(self.pipelines))}
            if parts[:3] == ["crm", "v3", "owners"] and len(parts) == 4:
                owner = self.owners.get(parts[3])
                return (200, dict(owner)) if owner else (404, _not_found(f"No owner with id {parts[3]}"))
        return 404, _not_found(f"No route for {path}")

    def _handler_class(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                address = urlsplit(self.path)
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
                request = Request(address.path, dict(parse_qsl(address.query)), token)
                headers: dict[str, str] = {}
                with fake._lock:
                    fault = fake._faults.popleft() if fake._faults else None
                if fault:
                    status, retry_after = fault
                    category = "RATE_LIMITS" if status == 429 else "INTERNAL_ERROR"
                    answer: dict[str, Any] = {"status": "error", "message": "Try again", "category": category}
                    if retry_after is not None:
                        headers["Retry-After"] = str(retry_after)
                elif token != fake.token:
                    status = 401
                    answer = {
                        "status": "error",
                        "message": "Authentication credentials not found.",
                        "category": "INVALID_AUTHENTICATION",
                    }
                else:
                    status, answer = fake._answer(address.path)
                request.status = status
                with fake._lock:
                    fake.requests.append(request)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _not_found(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "category": "OBJECT_NOT_FOUND"}
