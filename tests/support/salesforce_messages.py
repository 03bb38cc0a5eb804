"""Outbound messages shaped exactly as Salesforce sends them for an Opportunity.

The shape is the outbound messaging WSDL's: a SOAP 1.1 envelope whose body holds
`notifications` (namespace http://soap.sforce.com/2005/09/outbound) with OrganizationId,
ActionId, SessionId (xsi:nil unless "Send Session ID" is ticked), EnterpriseUrl, PartnerUrl and
1 to 100 `Notification`s; each has its own Id and an `sObject` of xsi:type `sf:Opportunity`
whose fields are `sf:`-prefixed (urn:sobject.enterprise.soap.sforce.com), Id first and the
rest in alphabetical order, a field with no value left out. Ids are 18 characters, with the
case-checksum suffix Salesforce computes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from bot.crm.salesforce import BUYER_CONTACT_FIELD, LOSS_REASON_FIELD, OWNER_EMAIL_FIELD

_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_serial = itertools.count(1)


def salesforce_id(short: str) -> str:
    """The 18-character form of a 15-character id: a suffix that says which letters are capitals."""
    assert len(short) == 15, short
    suffix = ""
    for chunk in (short[0:5], short[5:10], short[10:15]):
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM[bits]
    return short + suffix


def new_id(prefix: str) -> str:
    """A fresh 18-character id with a Salesforce key prefix (006 an Opportunity, 04l a notification)."""
    return salesforce_id(f"{prefix}5w{next(_serial):010d}"[:15])


ORG_ID = "00D5w000004qGTOEA2"  # 18 characters, as Salesforce sends it
ORG_ID_15 = ORG_ID[:15]  # as Setup → Company Information shows it
ACTION_ID = "04k5w000000TSwMAAW"
INSTANCE = "https://acme.my.salesforce.com"


@dataclass(frozen=True, kw_only=True)
class Opportunity:
    """One Notification: an opportunity as the Outbound Message's chosen fields carry it.

    A None field is left out of the message, as Salesforce leaves out a field with no value;
    values are strings exactly as they appear in the XML (escaped when it is written).
    """

    id: str | None = field(default_factory=lambda: new_id("006"))
    notification_id: str | None = field(default_factory=lambda: new_id("04l"))
    name: str | None = "Acme Corp renewal"
    amount: str | None = "45000.0"
    currency: str | None = None  # CurrencyIsoCode exists only in a multi-currency org
    stage: str | None = "Closed Lost"
    is_closed: str | None = "true"
    is_won: str | None = "false"
    last_modified: str | None = "2026-11-23T11:58:04.000Z"
    loss_reason: str | None = "Price"
    owner_email: str | None = "dana@example.com"
    buyer_contact: str | None = None  # the optional field README offers
    extra: dict[str, str] = field(default_factory=dict)  # any other field, e.g. {"CloseDate": "2026-11-23"}

    def fields(self) -> dict[str, str | None]:
        named = {
            "Amount": self.amount,
            BUYER_CONTACT_FIELD: self.buyer_contact,
            "CurrencyIsoCode": self.currency,
            "IsClosed": self.is_closed,
            "IsWon": self.is_won,
            "LastModifiedDate": self.last_modified,
            LOSS_REASON_FIELD: self.loss_reason,
            "Name": self.name,
            OWNER_EMAIL_FIELD: self.owner_email,
            "StageName": self.stage,
            **self.extra,
        }
        return {"Id": self.id, **dict(sorted(named.items()))}


def notification(opportunity: Opportunity, *, sobject_type: str = "sf:Opportunity") -> str:
    """One `Notification` element."""
    values = "".join(
        f"<sf:{name}>{escape(value)}</sf:{name}>"
        for name, value in opportunity.fields().items()
        if value is not None
    )
    notification_id = (
        f"<Id>{escape(opportunity.notification_id)}</Id>" if opportunity.notification_id is not None else ""
    )
    return (
        f"<Notification>{notification_id}"
        f'<sObject xsi:type={quoteattr(sobject_type)} xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"{values}</sObject></Notification>"
    )


def outbound_message(
    *opportunities: Opportunity,
    org_id: str = ORG_ID,
    instance: str = INSTANCE,
    session_id: str | None = None,
    notifications: str | None = None,
) -> bytes:
    """A whole outbound message about these opportunities (one default opportunity if none).

    `notifications` replaces the Notification elements with raw XML, for messages Salesforce
    would never send.
    """
    if notifications is None:
        notifications = "".join(notification(o) for o in opportunities or (Opportunity(),))
    session = f"<SessionId>{escape(session_id)}</SessionId>" if session_id else '<SessionId xsi:nil="true"/>'
    api = f"{instance}/services/Soap/{{}}/62.0/{org_id[:15]}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        " <soapenv:Body>\n"
        '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">\n'
        f"   <OrganizationId>{escape(org_id)}</OrganizationId>\n"
        f"   <ActionId>{ACTION_ID}</ActionId>\n"
        f"   {session}\n"
        f"   <EnterpriseUrl>{escape(api.format('c'))}</EnterpriseUrl>\n"
        f"   <PartnerUrl>{escape(api.format('u'))}</PartnerUrl>\n"
        f"   {notifications}\n"
        "  </notifications>\n"
        " </soapenv:Body>\n"
        "</soapenv:Envelope>\n"
    ).encode()
