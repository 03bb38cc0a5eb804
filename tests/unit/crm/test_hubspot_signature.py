"""HubSpot's signatures: the hashing held to HubSpot's published examples, and v3 verified as its docs say."""

from __future__ import annotations

import pytest

from bot.crm.hubspot_signatures import signature_v3, signed_uri, verify_v3
from playground.fake_hubspot import signed_webhook, stage_change_event
from tests.support.hubspot_old_signatures import signature_v1, signature_v2

# HubSpot's worked examples (request-validation page; also its v1 and v2 FAQ pages)
EXAMPLE_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
EXAMPLE_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM",'
    b'"changeFlag":"NEW","appId":54321}]'
)

SECRET = "client-secret-of-the-app"
URL = "https://rebound.example.com/crm/hubspot"
NOW = 1_800_000_000.0  # time.time()
NOW_MS = int(NOW * 1000)


def test_v1_matches_hubspots_published_example():
    assert signature_v1(EXAMPLE_SECRET, EXAMPLE_BODY) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )


def test_v2_matches_hubspots_published_get_example():
    assert signature_v2(EXAMPLE_SECRET, "GET", "https://www.example.com/webhook_uri", b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def signed(body: bytes = b"[]", uri: str = URL, timestamp_ms: int = NOW_MS) -> dict:
    timestamp = str(timestamp_ms)
    return {
        "method": "POST",
        "uri": uri,
        "body": body,
        "signature": signature_v3(SECRET, "POST", uri, body, timestamp),
        "timestamp": timestamp,
        "now": NOW,
    }


def test_a_webhook_signed_as_hubspot_signs_it_is_verified():
    body, headers = signed_webhook(
        SECRET, URL, [stage_change_event(62515, 9001, "closedlost", NOW_MS)], NOW_MS
    )
    assert verify_v3(
        SECRET,
        method="POST",
        uri=URL,
        body=body,
        signature=headers["X-HubSpot-Signature-v3"],
        timestamp=headers["X-HubSpot-Request-Timestamp"],
        now=NOW,
    )


def test_v3_is_base64_hmac_over_method_uri_body_and_timestamp():
    one = signature_v3(SECRET, "POST", URL, b"[]", "1")
    assert len(one) == 44 and one.endswith("=")  # 32 bytes of HMAC-SHA256, base64
    assert (
        len(
            {
                one,
                *(
                    signature_v3(SECRET, *parts)
                    for parts in [
                        ("GET", URL, b"[]", "1"),
                        ("POST", URL + "/", b"[]", "1"),
                        ("POST", URL, b"[ ]", "1"),
                        ("POST", URL, b"[]", "2"),
                    ]
                ),
            }
        )
        == 5
    )


def test_only_the_characters_hubspot_lists_are_decoded_in_the_uri():
    encoded = "https://x.test/crm/hubspot%3Fa%3Ab%2Fc%40d%21e%24f%27g%28h%29i%2Aj%2Ck%3Bl"
    assert signed_uri(encoded) == "https://x.test/crm/hubspot?a:b/c@d!e$f'g(h)i*j,k;l"
    # the rest stay as they came: space, &, =, +, #, and %25 (so %253A is not decoded twice)
    for kept in ("%20", "%26", "%3D", "%2B", "%23", "%253A"):
        assert signed_uri(f"https://x.test/a{kept}b") == f"https://x.test/a{kept}b"


def test_a_signature_over_the_decoded_uri_verifies_the_encoded_one():
    decoded = "https://x.test/crm/hubspot?team=T1:acme"
    request = signed(uri=decoded)
    assert verify_v3(SECRET, **{**request, "uri": "https://x.test/crm/hubspot?team=T1%3Aacme"})
    assert not verify_v3(SECRET, **{**request, "uri": "https://x.test/crm/hubspot?team=T1%20acme"})


@pytest.mark.parametrize("skew_ms", [-5 * 60 * 1000, 0, 5 * 60 * 1000])
def test_a_timestamp_within_five_minutes_either_way_is_accepted(skew_ms):
    assert verify_v3(SECRET, **signed(timestamp_ms=NOW_MS + skew_ms))


@pytest.mark.parametrize("skew_ms", [-5 * 60 * 1000 - 1, 5 * 60 * 1000 + 1, -86_400_000])
def test_a_stale_or_future_timestamp_is_refused_though_signed(skew_ms):
    assert not verify_v3(SECRET, **signed(timestamp_ms=NOW_MS + skew_ms))


@pytest.mark.parametrize("timestamp", [None, "", "soon", "1.8e12", "-1", " 1800000000000"])
def test_a_missing_or_garbled_timestamp_is_refused(timestamp):
    request = signed()
    assert not verify_v3(SECRET, **{**request, "timestamp": timestamp})


def test_a_timestamp_in_other_digits_is_refused_though_signed_with_them():
    wide = str(NOW_MS).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})  # int() reads these
    request = {**signed(), "timestamp": wide, "signature": signature_v3(SECRET, "POST", URL, b"[]", wide)}
    assert not verify_v3(SECRET, **request)


@pytest.mark.parametrize("signature", [None, "", "not base64 at all", "é" * 44, "A" * 44])
def test_a_missing_or_garbled_signature_is_refused(signature):
    assert not verify_v3(SECRET, **{**signed(), "signature": signature})


def test_a_tampered_body_is_refused():
    request = signed(b'[{"objectId":1}]')
    assert verify_v3(SECRET, **request)
    assert not verify_v3(SECRET, **{**request, "body": b'[{"objectId":2}]'})


def test_another_secret_or_method_is_refused():
    request = signed()
    assert not verify_v3("another-secret", **request)
    assert not verify_v3(SECRET, **{**request, "method": "PUT"})
