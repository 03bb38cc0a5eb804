"""HubSpot's batch of deal stage changes, read into DealNews; what is not HubSpot's shape refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.crm.hubspot_webhooks import deal_url, read_webhook
from bot.deal_news import HUBSPOT, NewsBatch, UnreadableNews
from playground.fake_hubspot import stage_change_event

OCCURRED = 1_796_400_000_123  # 2026-12-04 16:00:00.123 UTC


def body(*events: object) -> bytes:
    return json.dumps(list(events)).encode()


def test_a_stage_change_becomes_deal_news_with_hubspots_fields():
    [news] = read_webhook(body(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=7))).news
    assert news.crm == HUBSPOT and news.deal_id == "9001" and news.stage == "closedlost"
    assert news.changed_at == datetime(2026, 12, 4, 16, 0, 0, 123000, tzinfo=UTC)
    assert news.lost is None  # only the pipeline's metadata can say; the sweep asks
    assert news.from_import is False
    assert news.key == f"62515:9001:closedlost:{OCCURRED}"


def test_the_key_ignores_event_ids_hubspot_does_not_keep_unique():
    def key(event: dict) -> str:
        return read_webhook(body(event)).news[0].key

    again = key(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=1, attempt=1))
    first = key(stage_change_event(62515, 9001, "closedlost", OCCURRED, event_id=2))
    other = key(stage_change_event(62515, 9001, "closedlost", OCCURRED + 1, event_id=1))
    assert again == first != other
    assert key(stage_change_event(1, 9001, "closedlost", OCCURRED)) != first


def test_a_batch_is_read_in_order():
    events = [stage_change_event(62515, deal, "closedlost", OCCURRED + deal) for deal in range(1, 101)]
    batch = read_webhook(body(*events))
    assert [n.deal_id for n in batch.news] == [str(d) for d in range(1, 101)] and batch.skipped == []


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
    ).news
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
    batch = read_webhook(body(amount, created, contact, kept))
    assert [n.deal_id for n in batch.news] == ["5"] and batch.skipped == []
    assert read_webhook(b"[]") == NewsBatch([], [])


def test_hubspots_printed_examples_name_the_kind_in_event_type():
    """HubSpot's documentation prints batches whose events carry `eventType`, no `subscriptionType`."""
    event = stage_change_event(62515, 9001, "closedlost", OCCURRED)
    event["eventType"] = event.pop("subscriptionType")
    contact = {**event, "eventType": "contact.propertyChange", "objectId": 9002}
    batch = read_webhook(body(event, contact))
    assert [n.deal_id for n in batch.news] == ["9001"] and batch.skipped == []


def test_the_developer_platforms_generic_deal_changes_are_stage_changes_too():
    """Apps on HubSpot's developer platform subscribe to `object.propertyChange`; 0-3 is a deal."""
    deal = {
        **stage_change_event(62515, 9001, "closedlost", OCCURRED),
        "subscriptionType": "object.propertyChange",
    }
    deal["objectTypeId"] = "0-3"
    company = {**deal, "objectTypeId": "0-2", "objectId": 9002}
    [news] = read_webhook(body(deal, company)).news
    assert (news.deal_id, news.stage, news.key) == ("9001", "closedlost", f"62515:9001:closedlost:{OCCURRED}")


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b'{"objectId": 1}', b"\xff\xfe[", b"[" * 100_000],
)
def test_what_is_not_a_json_array_is_refused_whole(raw):
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
        ("subscriptionType", 7),
        ("propertyName", 3),
        ("propertyValue", None),
        ("propertyValue", ["closedlost"]),
        ("changeSource", 1),
    ],
)
def test_an_event_with_a_missing_or_mistyped_field_is_skipped_and_the_rest_read(field, value):
    event = stage_change_event(62515, 9001, "closedlost", OCCURRED)
    if value is None:
        del event[field]
    else:
        event[field] = value
    batch = read_webhook(body(stage_change_event(62515, 9000, "closedlost", OCCURRED), event))
    assert [n.deal_id for n in batch.news] == ["9000"]
    [why] = batch.skipped
    assert why.startswith("event 2 of 2: ") and len(why) < 120


@pytest.mark.parametrize("event", [1, "event", None, ["closedlost"]])
def test_an_event_that_is_not_an_object_is_skipped(event):
    batch = read_webhook(body(event, stage_change_event(62515, 9000, "closedlost", OCCURRED)))
    assert [n.deal_id for n in batch.news] == ["9000"] and batch.skipped == ["event 1 of 2: not an object"]


def test_the_deal_links_to_its_record_in_hubspot():
    assert deal_url(62515, "9001") == "https://app.hubspot.com/contacts/62515/record/0-3/9001"
