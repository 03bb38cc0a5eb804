"""Salesforce's outbound messages about an opportunity closed lost, read into `DealNews`.

A record-triggered Flow on Opportunity sends an Outbound Message: a SOAP `notifications` call
carrying up to 100 `Notification`s, each an Opportunity with the fields the operator chose.
Outbound messages are not signed, so two things vouch for one: the secret in the endpoint's
path (checked by the endpoint) and the OrganizationId inside it (checked here). Salesforce
keeps resending a message until it gets `ACKNOWLEDGEMENT` back, for up to 24 hours, and may
send one twice even then: the Notification Id is the news's key, so a resent one is stored once.

The body is parsed with defusedxml and DTDs refused outright: a message from Salesforce never
has one, and it is where entity bombs and external entities (file:///etc/passwd) live.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

import clock
from bot.crm.reasons import main_reason_named
from bot.deal_news import SALESFORCE, DealNews, NewsBatch, UnreadableNews

SOAP_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"  # the notifications call and its response
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"  # the sObject's fields (the `sf:` prefix)
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# The two custom fields README asks the operator to create on Opportunity.
LOSS_REASON_FIELD = "Loss_Reason__c"
OWNER_EMAIL_FIELD = "Owner_Email__c"  # a formula, Owner.Email: the Owner lookup itself is only an id
BUYER_CONTACT_FIELD = "Buyer_Contact__c"  # optional: the buyer contact's name, for the rep's note to them

MAX_NOTIFICATIONS = 100  # the WSDL's maxOccurs for Notification
# Text limits (characters), as `bot.autopsy` keeps them: a deal name that fits a header block.
DEAL_NAME_MAX = 150
REASON_MAX = 500
CONTACT_MAX = 150
EMAIL_MAX = 254  # the longest address SMTP carries
STAGE_MAX = 255  # the longest picklist value Salesforce allows
AMOUNT_DIGITS_MAX = 18  # Salesforce's number fields hold at most 18 digits

# The exact response the WSDL defines (notificationsResponse, Ack: xsd:boolean), without which
# Salesforce treats the delivery as failed and retries.
ACKNOWLEDGEMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body>"
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    b"<Ack>true</Ack>"
    b"</notificationsResponse>"
    b"</soapenv:Body>"
    b"</soapenv:Envelope>"
)
ACKNOWLEDGEMENT_CONTENT_TYPE = "text/xml; charset=utf-8"

_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")  # a record id, 15 or 18 characters
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
_SALESFORCE_HOSTS = (".salesforce.com", ".force.com")  # My Domain, Lightning and instance hosts
_CURRENCY = re.compile(r"[A-Z]{3}")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}  # xsd:boolean's four spellings
_SHORT_VALUE_MAX = 64  # an amount, a date or a flag longer than this is not Salesforce's
T = TypeVar("T")


class WrongOrg(Exception):
    """A well-formed outbound message from another Salesforce org than the configured one.

    Not an `UnreadableNews`: the endpoint answers 403, not 400, and nothing in it is read.
    """


def read_outbound_message(body: bytes, *, org_id: str) -> NewsBatch:
    """Read an outbound message's notifications, one `DealNews` per Notification, in order.

    `org_id` is the configured org, in its 15- or 18-character form: the same org sends its
    18-character id, whose first 15 characters are the 15-character one (case matters).
    Raises `WrongOrg` when the message is another org's, before any notification is read,
    and `UnreadableNews` when it is no message Salesforce sends (not XML, a DTD, not a
    notifications envelope, no Notification or more than 100). A notification about another
    object than an Opportunity (an outbound message set up on Accounts, say), or with a value
    of the wrong type, is skipped with its reason, and the rest are read: Salesforce resends
    a message it does not see acknowledged for 24 hours, and a resend would be read the same.
    The SessionId, if the operator ticked "Send Session ID", is a live Salesforce session: it
    is never read, kept or logged.
    """
    notifications = _notifications(body)
    sent_org = _text(notifications.find(f"{{{OUTBOUND_NS}}}OrganizationId"))
    if sent_org is None:
        raise UnreadableNews("a Salesforce outbound message without its OrganizationId")
    if not _same_org(sent_org, org_id):
        shown = sent_org if _ID.fullmatch(sent_org) else "an id that is not one"
        raise WrongOrg(f"a Salesforce outbound message from another org ({shown})")
    entries = notifications.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not entries:
        raise UnreadableNews("a Salesforce outbound message without a Notification")
    if len(entries) > MAX_NOTIFICATIONS:
        raise UnreadableNews(
            f"{len(entries)} notifications in one message (Salesforce sends {MAX_NOTIFICATIONS} at most)"
        )
    instance = _instance(notifications)
    news, skipped = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            news.append(_news(entry, instance))
        except UnreadableNews as why:
            skipped.append(f"notification {number} of {len(entries)}: {why}")
    return NewsBatch(news, skipped)


def _notifications(body: bytes) -> Element:
    """The `notifications` element of a SOAP envelope, or UnreadableNews."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:  # a DTD, an entity, an external reference: never Salesforce's
        raise UnreadableNews(f"a Salesforce outbound message with {type(exc).__name__}") from None
    except (ParseError, ValueError) as exc:
        raise UnreadableNews(f"a Salesforce outbound message that is not XML ({exc})") from None
    if root.tag != f"{{{SOAP_ENVELOPE_NS}}}Envelope":
        raise UnreadableNews("a Salesforce outbound message that is not a SOAP envelope")
    found = root.find(f"{{{SOAP_ENVELOPE_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if found is None:
        raise UnreadableNews("a SOAP envelope without Salesforce's notifications in its body")
    return found


def _same_org(sent: str, configured: str) -> bool:
    """Whether two org ids name one org, in constant time (the org id is half the credential)."""
    configured = configured.strip()
    if not _ID.fullmatch(sent) or not _ID.fullmatch(configured):
        return False  # fail closed: an unset or mistyped SALESFORCE_ORG_ID matches nothing
    return hmac.compare_digest(sent[:15].encode(), configured[:15].encode())


def _instance(notifications: Element) -> str | None:
    """The org's host (https://acme.my.salesforce.com), from the API URLs the message carries.

    Only a Salesforce host is taken: the link is put in front of the deal's owner in Slack.
    """
    for name in ("EnterpriseUrl", "PartnerUrl"):
        url = _text(notifications.find(f"{{{OUTBOUND_NS}}}{name}"))
        if url is None:
            continue
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            continue
        host = parts.hostname or ""
        if (
            parts.scheme == "https"
            and port is None
            and parts.username is None
            and _HOST.fullmatch(host)
            and host.endswith(_SALESFORCE_HOSTS)
        ):
            return f"https://{host}"
    return None


def _news(entry: Element, instance: str | None) -> DealNews:
    key = _record_id(_text(entry.find(f"{{{OUTBOUND_NS}}}Id")), "a Notification")
    record = entry.find(f"{{{OUTBOUND_NS}}}sObject")
    if record is None:
        raise UnreadableNews(f"{key} without its sObject")
    kind = record.get(f"{{{XSI_NS}}}type", "")
    if kind.rpartition(":")[2] != "Opportunity":
        raise UnreadableNews(
            f"{key} is about {kind.rpartition(':')[2][:60] or 'an untyped sObject'}, not an Opportunity"
        )

    def field(name: str) -> str | None:
        return _text(record.find(f"{{{SOBJECT_NS}}}{name}"))

    deal_id = _record_id(field("Id"), f"notification {key}'s Opportunity")
    closed = _value(field("IsClosed"), _boolean, f"{deal_id}'s IsClosed")
    won = _value(field("IsWon"), _boolean, f"{deal_id}'s IsWon")
    changed_at = _value(field("LastModifiedDate"), _moment, f"{deal_id}'s LastModifiedDate")
    reason = _capped(field(LOSS_REASON_FIELD), REASON_MAX)
    return DealNews(
        crm=SALESFORCE,
        deal_id=deal_id,
        key=key,
        changed_at=changed_at or clock.now(),
        stage=_capped(field("StageName"), STAGE_MAX),
        # The Flow's entry conditions already chose closed, not won; the flags, when the operator
        # sends them, can only overrule that (a Flow set up on the wrong condition).
        lost=closed is not False and won is not True,
        deal_name=_capped(field("Name"), DEAL_NAME_MAX),
        amount=_value(field("Amount"), _amount, f"{deal_id}'s Amount"),
        currency=_value(field("CurrencyIsoCode"), _currency, f"{deal_id}'s CurrencyIsoCode"),
        reason=reason,
        main_reason=main_reason_named(reason),
        owner_email=_capped(field(OWNER_EMAIL_FIELD), EMAIL_MAX),
        contact_name=_capped(field(BUYER_CONTACT_FIELD), CONTACT_MAX),
        deal_url=f"{instance}/lightning/r/Opportunity/{deal_id}/view" if instance else None,
    )


def _text(element: Element | None) -> str | None:
    """An element's text, stripped; None when it is absent, empty or xsi:nil."""
    if element is None or element.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return None
    return (element.text or "").strip() or None


def _record_id(text: str | None, what: str) -> str:
    if text is None or not _ID.fullmatch(text):
        raise UnreadableNews(f"{what} without a Salesforce Id")
    return text


def _capped(text: str | None, limit: int) -> str | None:
    """Text as Salesforce sent it (never interpreted: it is escaped where it is shown), cut to `limit`."""
    return text[:limit].rstrip() if text is not None else None


def _value(text: str | None, read: Callable[[str], T], what: str) -> T | None:
    """A typed field: None when it was not sent, UnreadableNews when it is not of its type."""
    if text is None:
        return None
    if len(text) > _SHORT_VALUE_MAX:
        raise UnreadableNews(f"{what} is not what Salesforce sends")
    try:
        return read(text)
    except (ValueError, InvalidOperation):
        raise UnreadableNews(f"{what} is not what Salesforce sends ({text!r})") from None


def _boolean(text: str) -> bool:
    if text not in _BOOLEANS:
        raise ValueError(text)
    return _BOOLEANS[text]


def _moment(text: str) -> datetime:
    """An xsd:dateTime (Salesforce's: 2026-11-23T11:58:04.000Z), aware and in UTC."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _amount(text: str) -> Decimal:
    """An xsd:double as Salesforce writes it (45000.0, or 1.0E7 from ten million up), exactly."""
    amount = Decimal(text)
    if (
        not amount.is_finite()
        or amount.adjusted() >= AMOUNT_DIGITS_MAX
        or amount.as_tuple().exponent < -AMOUNT_DIGITS_MAX
    ):
        raise ValueError(text)
    return Decimal(format(amount, "f"))  # 1.0E7 becomes 10000000, as the rep would write it


def _currency(text: str) -> str:
    if not _CURRENCY.fullmatch(text):
        raise ValueError(text)
    return text
