"""HubSpot's CRM API, as the sweep asks it: a deal, whether its stage is a loss (only the
pipeline's stage metadata says so) and its owner's email, with a private app's token.

As read from HubSpot's documentation of deals, pipelines and owners:
https://developers.hubspot.com/docs/guides/api/crm/objects/deals,
https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

logger = logging.getLogger("rebound.crm.hubspot")

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closed_lost_reason",
    "hubspot_owner_id",
    "closedate",
)
PIPELINES_LIFE = 600.0  # seconds the pipelines' stages are trusted before they are read again
MAX_RETRIES = 2
LONGEST_WAIT = 10  # seconds of Retry-After worth sleeping in a sweep; longer, the sweep reschedules


class HubSpotUnavailable(Exception):
    """HubSpot did not answer, or asked to wait, after the retries: try again `retry_after` seconds
    from now (0: whenever the sweep next runs)."""

    def __init__(self, message: str, *, retry_after: int = 0, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status  # the HTTP status, when HubSpot answered at all


class HubSpotRefused(Exception):
    """HubSpot answered no (401/403: the token; 404: no such record; other 4xx): no retry mends it."""

    def __init__(self, status: int, category: str | None = None) -> None:
        super().__init__(f"HubSpot refused: HTTP {status}" + (f" {category}" if category else ""))
        self.status = status
        self.category = category  # HubSpot's error category, e.g. OBJECT_NOT_FOUND


@dataclass(frozen=True, kw_only=True)
class HubSpotDeal:
    """What the sweep needs of a deal, from its properties (HubSpot sends every value as text)."""

    id: str
    name: str | None
    amount: Decimal | None
    currency: str | None
    stage: str | None
    pipeline: str | None
    reason: str | None  # closed_lost_reason, as the rep wrote it
    owner_id: str | None
    close_date: datetime | None


class _AnyServerError(ServerErrorRetryHandler):
    """slack_sdk's server-error handler, for every 5xx: HubSpot answers 502 and 504 as well."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def default_retry_handlers() -> list[RetryHandler]:
    """slack_sdk's handlers, as Rebound's Slack clients have them: brief outages and rate limits
    are ridden out, at most MAX_RETRIES times in all (the handlers share one count)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES),
        _AnyServerError(max_retry_count=MAX_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
    ]


def _seconds(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _date(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment and moment.tzinfo else moment


def _closed_lost(metadata: Any) -> bool:
    """HubSpot marks a stage closed-lost only in its metadata: closed, probability 0 (closed-won: 1)."""
    if not isinstance(metadata, dict):
        return False
    try:
        probability = float(metadata.get("probability"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return str(metadata.get("isClosed")).lower() == "true" and probability == 0


class HubSpot:
    """HubSpot's CRM API with a private app's token, through urllib and slack_sdk's retry handlers.

    Retries mirror slack_sdk's WebClient (`_perform_urllib_http_request`): 429 and 5xx answers
    and dropped connections go to the handlers, which sleep (Retry-After for a 429) and ask for
    another attempt. A sweep must not stall on one deal, so a Retry-After longer than
    LONGEST_WAIT is not slept: it is raised as HubSpotUnavailable for the sweep to reschedule.
    """

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        timeout: float = 10,
        retry_handlers: list[RetryHandler] | None = None,
        clock: Callable[[], float] = time.monotonic,  # for the pipelines' cache
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.retry_handlers = default_retry_handlers() if retry_handlers is None else retry_handlers
        self._clock = clock
        self._stages: dict[tuple[str, str], bool] = {}  # (pipeline id, stage id) -> closed-lost
        self._stages_read_at: float | None = None
        self._stages_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HubSpot(api_url={self.api_url!r})"  # never the token

    def deal(self, deal_id: str) -> HubSpotDeal:
        """The deal, with the properties the sweep reads."""
        answer = self._get(
            f"/crm/v3/objects/deals/{quote(str(deal_id), safe='')}", properties=DEAL_PROPERTIES
        )
        properties = answer.get("properties") if isinstance(answer, dict) else None
        if not isinstance(properties, dict):
            raise HubSpotUnavailable("HubSpot answered a deal without its properties")
        return HubSpotDeal(
            id=str(answer.get("id") or deal_id),
            name=_text(properties.get("dealname")),
            amount=_amount(properties.get("amount")),
            currency=_text(properties.get("deal_currency_code")),
            stage=_text(properties.get("dealstage")),
            pipeline=_text(properties.get("pipeline")),
            reason=_text(properties.get("closed_lost_reason")),
            owner_id=_text(properties.get("hubspot_owner_id")),
            close_date=_date(properties.get("closedate")),
        )

    def closed_lost(self, pipeline_id: str, stage_id: str) -> bool:
        """Whether the stage is a closed-lost one in that pipeline, from the pipelines' metadata.

        Custom pipelines name their stages with ids of their own, and an admin may add one at
        any time: an id not yet known has the pipelines read again, once. A stage HubSpot still
        does not list (deleted since) is not called a loss.
        """
        key = (str(pipeline_id), str(stage_id))
        with self._stages_lock:
            fresh = self._stages_read_at is not None and self._clock() - self._stages_read_at < PIPELINES_LIFE
            if not fresh or key not in self._stages:
                self._read_stages()
            return self._stages.get(key, False)

    def owner_email(self, owner_id: str) -> str | None:
        """The owner's email, to find them in Slack; None when HubSpot has none for them, or no
        longer has them (a deactivated owner answers 404)."""
        try:
            answer = self._get(f"/crm/v3/owners/{quote(str(owner_id), safe='')}")
        except HubSpotRefused as refused:
            if refused.status == 404:
                return None
            raise
        return _text(answer.get("email")) if isinstance(answer, dict) else None

    def _read_stages(self) -> None:
        answer = self._get("/crm/v3/pipelines/deals")
        pipelines = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(pipelines, list):
            raise HubSpotUnavailable("HubSpot answered pipelines without results")
        stages = {}
        for pipeline in pipelines:
            if not isinstance(pipeline, dict):
                continue
            for stage in pipeline.get("stages") or []:
                if isinstance(stage, dict) and stage.get("id") is not None:
                    stages[(str(pipeline.get("id")), str(stage["id"]))] = _closed_lost(stage.get("metadata"))
        self._stages, self._stages_read_at = stages, self._clock()

    def _get(self, path: str, **query: str | tuple[str, ...]) -> Any:
        """One GET, retried as slack_sdk's WebClient retries, answered as JSON or raised."""
        params = {k: ",".join(v) if isinstance(v, tuple) else v for k, v in query.items()}
        url = self.api_url + path + (f"?{urlencode(params, safe=',')}" if params else "")
        request = Request(
            url,
            method="GET",
            headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
        )
        state = RetryState()
        while True:
            state.next_attempt_requested = False
            try:
                with urlopen(request, timeout=self.timeout) as answer:
                    body = answer.read()
            except HTTPError as error:
                self._answer_failed(state, request, error)
            except (OSError, HTTPException) as error:
                # A refused or reset connection is retried (slack_sdk's list); a read that timed
                # out is not: three of them would hold the sweep for three timeouts.
                self._offer(state, request, error=error)
                if not state.next_attempt_requested:
                    raise HubSpotUnavailable(f"HubSpot unreachable: {type(error).__name__}") from None
            else:
                try:
                    return json.loads(body)
                except ValueError:
                    raise HubSpotUnavailable("HubSpot answered something that is not JSON") from None

    def _answer_failed(self, state: RetryState, request: Request, error: HTTPError) -> None:
        """A 4xx is refused at once; a 429 or 5xx goes to the handlers, or is raised when they are
        done with it or it asks (Retry-After) for a longer wait than a sweep gives."""
        status, headers = error.code, dict(error.headers.items())
        data = error.read()
        error.close()
        if status != 429 and status < 500:
            raise HubSpotRefused(status, _category(data)) from None
        wait = _seconds(headers.get("Retry-After") or headers.get("retry-after"))
        if wait is not None and wait > LONGEST_WAIT:
            raise HubSpotUnavailable(f"HubSpot asks to wait {wait} s", retry_after=wait, status=status)
        # The rate-limit handler reads Retry-After as an integer: give it one, or none.
        headers = {k: v for k, v in headers.items() if k.lower() != "retry-after"}
        if wait is not None:
            headers["Retry-After"] = str(wait)
        self._offer(state, request, response=HttpResponse(status_code=status, headers=headers, data=data))
        if not state.next_attempt_requested:
            raise HubSpotUnavailable(f"HubSpot answered HTTP {status}", retry_after=wait or 0, status=status)
        logger.info("HubSpot answered HTTP %s to %s; trying again", status, request.full_url.split("?")[0])

    def _offer(
        self,
        state: RetryState,
        request: Request,
        *,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Let the first handler that takes this failure sleep and ask for another attempt."""
        retry_request = HttpRequest(method="GET", url=request.full_url, headers={})  # no token in it
        for handler in self.retry_handlers:
            if handler.can_retry(state=state, request=retry_request, response=response, error=error):
                handler.prepare_for_next_attempt(
                    state=state, request=retry_request, response=response, error=error
                )
                return


def _category(data: bytes) -> str | None:
    try:
        answer = json.loads(data)
    except ValueError:
        return None
    return _text(answer.get("category")) if isinstance(answer, dict) else None
