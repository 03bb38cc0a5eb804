"""The HubSpot client against the fake HubSpot on loopback: reads, the stages' cache, retries, refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

import bot.crm.hubspot_client as hubspot_module
from bot.crm.hubspot_client import (
    DEAL_PROPERTIES,
    HubSpot,
    HubSpotDeal,
    HubSpotRefused,
    HubSpotUnavailable,
    default_retry_handlers,
)
from playground.fake_hubspot import TOKEN, FakeHubSpot
from tests.support.bot_process import free_port


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    with FakeHubSpot() as fake:
        yield fake


@pytest.fixture
def hubspot(fake) -> HubSpot:
    return HubSpot(api_url=fake.url, token=TOKEN, timeout=5)


def test_a_deal_is_read_with_the_properties_the_sweep_needs(fake, hubspot):
    fake.add_deal(9001, name="Acme renewal", amount="12000.50", currency="EUR", owner_id="77", reason="Price")
    deal = hubspot.deal("9001")
    assert deal == HubSpotDeal(
        id="9001",
        name="Acme renewal",
        amount=Decimal("12000.50"),
        currency="EUR",
        stage="closedlost",
        pipeline="default",
        reason="Price",
        owner_id="77",
        close_date=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
    )
    [request] = fake.requests
    assert request.path == "/crm/v3/objects/deals/9001" and request.token == TOKEN
    assert request.query["properties"].split(",") == list(DEAL_PROPERTIES)


def test_a_deal_without_amount_or_owner_reads_as_none(fake, hubspot):
    fake.add_deal(9002, amount="", currency=None, owner_id=None, close_date=None)
    deal = hubspot.deal("9002")
    assert deal.amount is None and deal.currency is None and deal.owner_id is None and deal.close_date is None


def test_an_owners_email_is_read_and_a_gone_owner_has_none(fake, hubspot):
    fake.add_owner("77", "riley@acme.test")
    fake.add_owner("78", None)
    assert hubspot.owner_email("77") == "riley@acme.test"
    assert hubspot.owner_email("78") is None
    assert hubspot.owner_email("79") is None  # deactivated owners answer 404
    assert fake.paths() == ["/crm/v3/owners/77", "/crm/v3/owners/78", "/crm/v3/owners/79"]


def test_closed_lost_is_decided_from_the_default_pipelines_metadata(hubspot):
    assert hubspot.closed_lost("default", "closedlost") is True
    assert hubspot.closed_lost("default", "closedwon") is False  # closed, but probability 1.0
    assert hubspot.closed_lost("default", "contractsent") is False


def test_closed_lost_in_a_custom_pipeline_goes_by_metadata_not_by_name(fake, hubspot):
    fake.add_pipeline(
        "81234567",
        [
            ("1000", "Parked", "0.0", False),
            ("1001", "Trial", "0.3", False),
            ("1002", "Churned", "0.0", True),
            ("1003", "Renewed", "1.0", True),
        ],
    )
    assert hubspot.closed_lost("81234567", "1000") is False  # probability 0, but open
    assert hubspot.closed_lost("81234567", "1002") is True
    assert hubspot.closed_lost("81234567", "1003") is False
    assert hubspot.closed_lost("81234567", "closedlost") is False  # the default pipeline's id, not this one's


def test_the_stages_are_read_once_and_again_for_an_unknown_stage(fake, hubspot):
    assert hubspot.closed_lost("default", "closedlost")
    assert not hubspot.closed_lost("default", "closedwon")
    assert fake.paths() == ["/crm/v3/pipelines/deals"]  # the cache answered the second
    fake.add_pipeline("81234567", [("1002", "Churned", "0.0", True)])  # an admin adds a pipeline
    assert hubspot.closed_lost("81234567", "1002")
    assert fake.paths() == ["/crm/v3/pipelines/deals"] * 2
    assert not hubspot.closed_lost("81234567", "9999")  # still unknown after one more read: not a loss
    assert len(fake.paths()) == 3


def test_the_stages_are_read_again_after_ten_minutes(fake):
    now = [1000.0]
    hubspot = HubSpot(api_url=fake.url, token=TOKEN, clock=lambda: now[0])
    hubspot.closed_lost("default", "closedlost")
    now[0] += 599
    hubspot.closed_lost("default", "closedlost")
    assert len(fake.paths()) == 1
    now[0] += 2
    hubspot.closed_lost("default", "closedlost")
    assert len(fake.paths()) == 2


def test_a_429_is_retried_after_its_retry_after_then_answered(fake, hubspot):
    fake.add_deal(9001)
    fake.fail_next(429, retry_after=1)
    started = time.monotonic()
    assert hubspot.deal("9001").name == "Acme renewal"
    assert time.monotonic() - started >= 1  # Retry-After honoured
    assert [r.status for r in fake.requests] == [429, 200]


def test_a_503_is_retried_then_answered(fake, hubspot):
    fake.add_owner("77", "riley@acme.test")
    fake.fail_next(503)
    assert hubspot.owner_email("77") == "riley@acme.test"
    assert [r.status for r in fake.requests] == [503, 200]


def quick(fake: FakeHubSpot) -> HubSpot:
    """The client's own retry counts, without the back-off's sleeps."""
    handlers = default_retry_handlers()
    for handler in handlers:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
    return HubSpot(api_url=fake.url, token=TOKEN, retry_handlers=handlers)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_persistent_server_error_is_raised_after_two_retries(fake, status):
    fake.add_deal(9001)
    fake.fail_next(status, count=3)
    with pytest.raises(HubSpotUnavailable) as unavailable:
        quick(fake).deal("9001")
    assert unavailable.value.status == status and unavailable.value.retry_after == 0
    assert len(fake.requests) == 3  # one try and two retries


def test_a_rate_limit_that_lasts_is_raised_with_its_retry_after(fake):
    fake.fail_next(429, count=3, retry_after=0)
    with pytest.raises(HubSpotUnavailable) as unavailable:
        HubSpot(
            api_url=fake.url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
        ).deal("1")
    assert unavailable.value.status == 429 and len(fake.requests) == 3


def test_a_long_retry_after_is_not_slept_but_handed_to_the_sweep(fake, hubspot):
    fake.add_deal(9001)
    fake.fail_next(429, retry_after=30)
    started = time.monotonic()
    with pytest.raises(HubSpotUnavailable) as unavailable:
        hubspot.deal("9001")
    assert time.monotonic() - started < 1
    assert unavailable.value.retry_after == 30 and len(fake.requests) == 1


def test_nobody_listening_is_unavailable_after_retries(monkeypatch):
    handler = ConnectionErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    attempts = []
    real = hubspot_module.urlopen
    monkeypatch.setattr(hubspot_module, "urlopen", lambda *a, **k: attempts.append(1) or real(*a, **k))
    hubspot = HubSpot(api_url=f"http://127.0.0.1:{free_port()}", token=TOKEN, retry_handlers=[handler])
    with pytest.raises(HubSpotUnavailable) as unavailable:
        hubspot.deal("9001")
    assert unavailable.value.status is None and len(attempts) == 3


def test_a_missing_deal_is_refused_not_retried(fake, hubspot):
    with pytest.raises(HubSpotRefused) as refused:
        hubspot.deal("404404")
    assert refused.value.status == 404 and refused.value.category == "OBJECT_NOT_FOUND"
    assert len(fake.requests) == 1


def test_a_wrong_token_is_refused_and_never_shown(fake):
    hubspot = HubSpot(api_url=fake.url, token="pat-na1-wrong-secret")
    with pytest.raises(HubSpotRefused) as refused:
        hubspot.closed_lost("default", "closedlost")
    assert refused.value.status == 401 and len(fake.requests) == 1
    assert "wrong-secret" not in f"{refused.value!r} {refused.value} {hubspot!r}"


def test_a_server_error_asking_for_a_long_wait_is_handed_over_at_once(fake, hubspot):
    fake.fail_next(503, retry_after=120)
    with pytest.raises(HubSpotUnavailable) as unavailable:
        hubspot.owner_email("77")
    assert (
        unavailable.value.retry_after == 120 and unavailable.value.status == 503 and len(fake.requests) == 1
    )
