"""HubSpot's webhook signature: whether a request to /crm/hubspot is HubSpot's (v3).

HubSpot signs method + URI + body + timestamp with the app's client secret; the endpoint checks
`verify_v3` before it reads anything. As read from HubSpot's request-validation page (v1, v2, v3
and the URI's decoded characters):
https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
Rebound verifies only v3; the tests keep v1 and v2 (tests/hubspot_old_signatures.py), whose worked
examples HubSpot publishes, to hold `signed_string` to HubSpot's own numbers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

SIGNATURE_LIFE_MS = 5 * 60 * 1000  # HubSpot: reject a request whose timestamp is older than 5 minutes
# The only percent-encodings HubSpot decodes in the URI it signs (its request-validation page).
DECODED_IN_URI = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_ENCODED = re.compile("|".join(re.escape(code) for code in DECODED_IN_URI))


def signed_string(*parts: str | bytes) -> bytes:
    """The string HubSpot hashes, as UTF-8 bytes: its parts side by side, the body exactly as it arrived."""
    return b"".join(part if isinstance(part, bytes) else part.encode() for part in parts)


def signed_uri(uri: str) -> str:
    """The URI as HubSpot signs it: only the characters its table lists decoded, in one pass (so
    `%253A` stays `%253A`); every other percent-encoding is left as it arrived."""
    return _ENCODED.sub(lambda code: DECODED_IN_URI[code.group(0)], uri)


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's v3 signature: base64 of HMAC-SHA256, keyed with the app's client secret, over
    method + URI (full, with scheme, host and query) + body + the X-HubSpot-Request-Timestamp."""
    digest = hmac.new(
        secret.encode(), signed_string(method, signed_uri(uri), body, timestamp), hashlib.sha256
    )
    return base64.b64encode(digest.digest()).decode()


def verify_v3(
    secret: str,
    *,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now: float,
) -> bool:
    """Whether a request is HubSpot's, from its X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp.

    `now` is Rebound's clock, in seconds since the epoch. A timestamp more than 5 minutes off
    either way is refused: an old one may be a replay, and one from the future is no more
    HubSpot's. Never raises: whatever a stranger sends is simply not HubSpot's.
    """
    if not signature or not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now * 1000 - int(timestamp)) > SIGNATURE_LIFE_MS:
        return False
    try:
        expected = signature_v3(secret, method, uri, body, timestamp)
        return hmac.compare_digest(expected.encode(), signature.encode())
    except (UnicodeError, TypeError, ValueError):
        return False
