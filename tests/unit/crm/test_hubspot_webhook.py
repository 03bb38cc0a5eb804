"""HubSpot's batch of deal stage changes, read into DealNews; what is not HubSpot's shape refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.crm.hubspot_webhooks import deal_url, read_webhook
from bot.deal_news import HUBSPOT, UnreadableNews
from playground.fake_hubspot import stage_change_event

OCCURRED = 1_796_400_000_123  # 2026-12-04 16:00:00.123 UTC


def body(*events: object) -> bytes:
    return json.dumps(list(events)).encode()


def test_a_stage_change_becomes_deal_news_with_hubspots_fields():
    [news] = read_webhook(body(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=7)))
    assert news.crm == HUBSPOT and news.deal_id == "9001" and news.stage == "closedlost"
    assert news.changed_at == datetime(2026, 12, 4, 16, 0, 0, 123000, tzinfo=UTC)
    assert news.lost is None  # only the pipeline's metadata can say; the sweep asks
    assert news.from_import is False
    assert news.key == f"62515:9001:closedlost:{OCCURRED}"


def test_the_key_ignores_event_ids_hubspot_does_not_keep_unique():
    again = read_webhook(body(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=1, attempt=1)))
    first = read_webhook(body(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=2)))
    other = read_webhook(body(stage_change_event(62515, 9001, "closedlost", OCCURRED + 1, event_id=1)))
    assert again[0].key == first[0].key != other[0].key
    assert read_webhook(body(stage_change_event(1, 9001, "closedlost", OCCURRED)))[0].key != first[0].key


def test_a_batch_is_read_in_order():
    events = [stage_change_event(62515, deal, "closedlost", OCCURRED + deal) for deal in range(1, 101)]
    news = read_webhook(body(*events))
    assert [n.deal_id for n in news] == [str(d) for d in range(1, 101)]


def test_more_than_a_hundred_events_are_refused():
    events = [stage_change_event(62515, deal, "closedlost", OCCURRED) for deal in range(101)]
    with pytest.raises(UnreadableNews):
        read_webhook(body(*events))


def test_an_import_is_flagged():
    [imported, by_hand, by_api] = read_webhook(
        body(
            *(
                stage_change_event(1, 2, "closedlost", OCCURRED, source)
                for source in ("IMPORT", "CRM_UI", "API")
            )
        )
    )
    assert imported.from_import and not by_hand.from_import and not by_api.from_import


def test_other_properties_and_kinds_are_skipped_not_refused():
    amount = {
        **stage_change_event(1, 2, "closedlost", OCCURRED),
        "propertyName": "amount",
        "propertyValue": "10",
    }
    created = {
        k: v for k, v in stage_change_event(1, 3, "x", OCCURRED).items() if not k.startswith("property")
    }
    created.update(subscriptionType="deal.creation", changeFlag="NEW")
    contact = {**stage_change_event(1, 4, "lead", OCCURRED), "subscriptionType": "contact.propertyChange"}
    kept = stage_change_event(1, 5, "closedlost", OCCURRED)
    assert [n.deal_id for n in read_webhook(body(amount, created, contact, kept))] == ["5"]
    assert read_webhook(b"[]") == []


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b'{"objectId": 1}', b"[1]", b'["event"]', b"[null]", b"\xff\xfe[", b"[" * 100_000],
)
def test_what_is_not_a_json_array_of_objects_is_refused(raw):
    with pytest.raises(UnreadableNews):
        read_webhook(raw)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("objectId", None),
        ("objectId", "9001"),
        ("portalId", None),
        ("portalId", 1.5),
        ("occurredAt", "yesterday"),
        ("occurredAt", True),
        ("occurredAt", 10**20),
        ("subscriptionType", None),
        ("propertyName", 3),
        ("propertyValue", None),
        ("propertyValue", ["closedlost"]),
        ("changeSource", 1),
    ],
)
def test_a_missing_or_mistyped_field_refuses_the_batch(field, value):
    event = stage_change_event(62515, 9001, "closedlost", OCCURRED)
    if value is None:
        del event[field]
    else:
        event[field] = value
    with pytest.raises(UnreadableNews):
        read_webhook(body(stage_change_event(62515, 9000, "closedlost", OCCURRED), event))


def test_the_deal_links_to_its_record_in_hubspot():
    assert deal_url(62515, "9001") == "https://app.hubspot.com/contacts/62515/record/0-3/9001"
