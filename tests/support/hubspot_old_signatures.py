"""HubSpot's older signatures, v1 and v2, which Rebound does not verify: HubSpot publishes worked
examples for them and not for v3, and they hash the string v3 hashes
(bot.crm.hubspot_signatures.signed_string), so the tests hold that to HubSpot's own numbers."""

from __future__ import annotations

import hashlib

from bot.crm.hubspot_signatures import signed_string


def signature_v1(secret: str, body: bytes) -> str:
    """HubSpot's v1 signature (hex SHA-256 of secret + body)."""
    return hashlib.sha256(signed_string(secret, body)).hexdigest()


def signature_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    """HubSpot's v2 signature (hex SHA-256 of secret + method + URI + body)."""
    return hashlib.sha256(signed_string(secret, method, uri, body)).hexdigest()
