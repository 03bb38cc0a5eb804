"""A deal marked lost in the CRM becomes one kind DM to its owner, in working hours, whose button
opens the form filled in from the CRM; the autopsy remembers the deal. The real bot over HTTP,
a fake HubSpot on loopback, Salesforce's SOAP as its WSDL sends it, and the fake Slack."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.crm.hubspot_signatures import signature_v3
from playground.emulator import SlackEmulator
from playground.fake_hubspot import PORTAL_ID, TOKEN, FakeHubSpot, signed_webhook, stage_change_event
from storage import Autopsy, LostDeal, Store
from tests.support.app_home_views import open_home
from tests.support.bot_process import Bot, bot_env, rebound, start_bot, sweep_at
from tests.support.crm_requests import SALESFORCE_SECRET, dms_to, salesforce_message
from tests.support.dm_buttons import click
from tests.support.lost_deal_form import FORM_ANSWERS, as_dict
from tests.support.moments import next_weekday_at
from tests.support.oauth_installs import CLIENT_ID, CLIENT_SECRET, install
from tests.support.salesforce_messages import ORG_ID, Opportunity, notification, outbound_message
from tests.support.slack_requests import (
    FORM,
    fill_form,
    function_executed,
    post,
    send,
    unique,
    view_submission,
)

PUBLIC_URL = "https://rebound.example.com"
HUBSPOT_SECRET = "hubspot-client-secret-for-tests"
TEAM = "T0REBOUND"


# Most tests here share the module's bot and fake HubSpot: one worker runs the module, starting them once.
pytestmark = pytest.mark.xdist_group("crm_prompts")


@pytest.fixture(scope="module")
def hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot() as fake_hubspot:
        yield fake_hubspot


@pytest.fixture(scope="module")
def crm_bot(
    fake: SlackEmulator, hubspot: FakeHubSpot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    home = tmp_path_factory.mktemp("crm")
    env = bot_env(
        fake,
        f"sqlite:///{home / 'rebound.db'}",
        REBOUND_PUBLIC_URL=PUBLIC_URL,
        HUBSPOT_ACCESS_TOKEN=TOKEN,
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
        HUBSPOT_API_URL=hubspot.url,
        SALESFORCE_OUTBOUND_SECRET=SALESFORCE_SECRET,
        SALESFORCE_ORG_ID=ORG_ID,
        REBOUND_CRM_MIN_AMOUNT="1000",
    )
    running = start_bot(env, home, "--no-scheduler")
    yield running
    assert running.stop() == 0, running.log_text()


def store_of(bot: Bot) -> Store:
    return Store.connect(bot.env["DATABASE_URL"])


def hubspot_webhook(bot: Bot, events: list[dict[str, Any]], *, at_ms: int | None = None, **headers: str):
    stamp = at_ms if at_ms is not None else int(time.time() * 1000)
    body, signed = signed_webhook(HUBSPOT_SECRET, PUBLIC_URL + "/crm/hubspot", events, stamp)
    return post(f"{bot.url}/crm/hubspot", body, "application/json", {**signed, **headers})


def deal_row(bot: Bot, crm: str, deal_id: str) -> LostDeal:
    store = store_of(bot)
    try:
        with store.read() as work:
            return work.session.scalars(
                select(LostDeal).where(LostDeal.crm == crm, LostDeal.deal_id == deal_id)
            ).one()
    finally:
        store.close()


def stored(bot: Bot, deal_id: str) -> bool:
    store = store_of(bot)
    try:
        with store.read() as work:
            return (
                work.session.scalars(select(LostDeal).where(LostDeal.deal_id == deal_id)).first() is not None
            )
    finally:
        store.close()


def too_large(bot: Bot, path: str) -> int:
    """Megabytes announced: refused from the Content-Length alone; the body is never sent."""
    connection = http.client.HTTPConnection("127.0.0.1", int(bot.env["PORT"]), timeout=10)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(3 * 1024 * 1024))
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def submit_prompted_form(bot: Bot, fake: SlackEmulator, trigger: str, user: str) -> dict[str, Any]:
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = {**as_dict(opened.args["view"]), "id": unique("V")}
    answers = {**FORM_ANSWERS}
    for kept in ("deal", "deal_value", "main_reason", "winner_reason"):
        answers.pop(kept, None)
    body = view_submission(view, fill_form(view, answers), user=user, team=TEAM)
    assert send(bot.events_url, body, FORM).status == 200
    return view


def test_a_hubspot_closed_lost_deal_becomes_one_prompt_and_a_linked_autopsy(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_000_001
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510001", f"{user.lower()}@example.com")
    hubspot.add_deal(
        deal, name="Acme <renewal>", amount="48000", owner_id="510001", reason="Price was too high"
    )
    event = stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000) - 5000)

    started = time.perf_counter()
    answer = hubspot_webhook(crm_bot, [event])
    assert answer.status == 204 and time.perf_counter() - started < 1
    assert hubspot_webhook(crm_bot, [event, {**event, "eventId": 99}]).status == 204  # sent again
    assert not [r for r in hubspot.requests if f"/{deal}" in r.path]  # no API call while HubSpot waits

    saturday = next_weekday_at(10)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    assert "1 waiting for working hours" in sweep_at(crm_bot, saturday)
    assert dms_to(fake, user) == []
    monday = saturday + timedelta(days=2)
    sweep_at(crm_bot, monday)
    sweep_at(crm_bot, monday + timedelta(minutes=5))
    [prompt] = dms_to(fake, user)
    text = json.dumps(prompt.args["blocks"])
    assert (
        "Sorry about Acme &lt;renewal&gt;" in text and "48,000 USD" in text and "Price was too high" in text
    )
    assert f"https://app.hubspot.com/contacts/{PORTAL_ID}/record/0-3/{deal}" in text

    trigger = click(crm_bot, prompt, ids.CRM_DO_AUTOPSY, user=user, team=TEAM)
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    form = as_dict(opened.args["view"])
    inputs = {block["block_id"]: block["element"] for block in form["blocks"] if block["type"] == "input"}
    assert inputs[ids.DEAL]["initial_value"] == "Acme <renewal>"
    assert inputs[ids.DEAL_VALUE]["initial_value"] == "48000"
    assert inputs[ids.MAIN_REASON]["initial_option"]["value"] == "price"

    submit_prompted_form(crm_bot, fake, trigger, user)
    fake.wait_for("chat.update", lambda c: "your autopsy is saved" in json.dumps(c.args.get("blocks")))
    [entry] = [row for row in crm_bot.export(TEAM) if row["deal_name"] == "Acme <renewal>"]
    assert entry["main_reason"] == "price"
    row = deal_row(crm_bot, "hubspot", str(deal))
    assert row.state == "done" and row.autopsy_id is not None
    store = store_of(crm_bot)
    with store.read() as work:
        autopsy = work.session.get_one(Autopsy, row.autopsy_id)
        assert (autopsy.crm, autopsy.crm_deal_id) == ("hubspot", str(deal))
        assert autopsy.crm_deal_url and autopsy.crm_deal_url.endswith(f"/{deal}")
    store.close()

    # Two working days later: no reminder, the autopsy is written; and the deal is not prompted again.
    assert (
        hubspot_webhook(
            crm_bot, [stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000))]
        ).status
        == 204
    )
    sweep_at(crm_bot, monday + timedelta(days=3))
    texts = [call.args["text"] for call in dms_to(fake, user)]
    assert [text for text in texts if "Acme" in text and ("Sorry" in text or "nudge" in text)] == [
        prompt.args["text"]
    ]


def test_no_answer_brings_one_gentle_reminder_two_working_days_later_then_nothing(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_000_002
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510002", f"{user.lower()}@example.com")
    hubspot.add_deal(deal, name="Globex", owner_id="510002")
    assert (
        hubspot_webhook(
            crm_bot, [stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000))]
        ).status
        == 204
    )
    friday = next_weekday_at(10)
    while friday.weekday() != 4:
        friday += timedelta(days=1)
    sweep_at(crm_bot, friday)
    assert len(dms_to(fake, user)) == 1
    sweep_at(crm_bot, friday + timedelta(days=3, hours=23))  # Monday: one working day
    assert len(dms_to(fake, user)) == 1
    sweep_at(crm_bot, friday + timedelta(days=4))  # Tuesday 10:00, two working days
    reminders = dms_to(fake, user)
    assert len(reminders) == 2 and "gentle nudge about Globex" in reminders[1].args["text"]
    sweep_at(crm_bot, friday + timedelta(days=14))
    assert len(dms_to(fake, user)) == 2

    click(crm_bot, reminders[1], ids.CRM_NOT_THIS_ONE, user=user, team=TEAM)
    fake.wait_for("chat.update", lambda c: "I won't ask about it again" in json.dumps(c.args.get("blocks")))
    assert deal_row(crm_bot, "hubspot", str(deal)).state == "declined"


def test_a_deal_reopened_before_its_prompt_goes_out_gets_none(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_000_003
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510003", f"{user.lower()}@example.com")
    hubspot.add_deal(deal, name="Initech", owner_id="510003")
    now_ms = int(time.time() * 1000)
    lost = stage_change_event(PORTAL_ID, deal, "closedlost", now_ms - 60_000)
    reopened = stage_change_event(PORTAL_ID, deal, "qualifiedtobuy", now_ms - 30_000)
    assert hubspot_webhook(crm_bot, [reopened]).status == 204  # out of order: the later change first
    assert hubspot_webhook(crm_bot, [lost]).status == 204
    assert deal_row(crm_bot, "hubspot", str(deal)).stage == "qualifiedtobuy"  # the latest state won
    hubspot.add_deal(deal, name="Initech", owner_id="510003", stage="qualifiedtobuy")
    sweep_at(crm_bot, next_weekday_at(10))
    assert dms_to(fake, user) == []
    assert deal_row(crm_bot, "hubspot", str(deal)).state == "skipped"


def test_hubspot_down_is_retried_and_the_prompt_delivered_once(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_000_004
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510004", f"{user.lower()}@example.com")
    hubspot.add_deal(deal, name="Umbrella", owner_id="510004")
    assert (
        hubspot_webhook(
            crm_bot, [stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000))]
        ).status
        == 204
    )
    moment = next_weekday_at(10)
    hubspot.fail_next(503, count=3)
    assert "1 to retry" in sweep_at(crm_bot, moment)
    assert dms_to(fake, user) == []
    sweep_at(crm_bot, moment + timedelta(minutes=2))
    sweep_at(crm_bot, moment + timedelta(minutes=10))
    assert len(dms_to(fake, user)) == 1


def test_owners_no_one_in_slack_are_listed_once_not_retried(crm_bot, fake, hubspot):
    deal = 7_000_005
    hubspot.add_owner("510005", "left-the-company@example.com")
    hubspot.add_deal(deal, name="Hooli", owner_id="510005")
    assert (
        hubspot_webhook(
            crm_bot, [stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000))]
        ).status
        == 204
    )
    moment = next_weekday_at(11)
    sweep_at(crm_bot, moment)
    row = deal_row(crm_bot, "hubspot", str(deal))
    assert (row.state, row.note) == ("unmatched", "left-the-company@example.com")
    lookups = len(
        fake.find("users.lookupByEmail", lambda c: c.args.get("email") == "left-the-company@example.com")
    )
    sweep_at(crm_bot, moment + timedelta(hours=1))
    assert (
        len(fake.find("users.lookupByEmail", lambda c: c.args.get("email") == "left-the-company@example.com"))
        == lookups
    )

    admin, rep = unique("U"), unique("U")
    fake.admins.add(admin)
    assert "left-the-company@example.com" in json.dumps(open_home(crm_bot, fake, admin, TEAM))
    assert "no one in Slack" not in json.dumps(open_home(crm_bot, fake, rep, TEAM))


def test_small_deals_and_imports_get_no_prompt(crm_bot, fake, hubspot):
    user = unique("U")
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510006", f"{user.lower()}@example.com")
    hubspot.add_deal(7_000_006, name="Tiny", amount="500", owner_id="510006")
    hubspot.add_deal(7_000_007, name="Imported", owner_id="510006")
    now_ms = int(time.time() * 1000)
    events = [
        stage_change_event(PORTAL_ID, 7_000_006, "closedlost", now_ms),
        stage_change_event(PORTAL_ID, 7_000_007, "closedlost", now_ms, change_source="IMPORT"),
    ]
    assert hubspot_webhook(crm_bot, events).status == 204
    sweep_at(crm_bot, next_weekday_at(12))
    assert dms_to(fake, user) == []
    assert deal_row(crm_bot, "hubspot", "7000006").note.startswith("below REBOUND_CRM_MIN_AMOUNT")


def test_a_salesforce_closed_lost_opportunity_prompts_its_owner(crm_bot, fake):
    user = unique("U")
    fake.emails[f"{user.lower()}@example.com"] = user
    opportunity = Opportunity(
        name="Wayne Enterprises",
        amount="90000.0",
        loss_reason="Went with a competitor",
        owner_email=f"{user.lower()}@example.com",
    )
    body = outbound_message(opportunity)
    answer = salesforce_message(crm_bot, body)
    assert answer.status == 200 and b"<Ack>true</Ack>" in answer.body
    assert salesforce_message(crm_bot, body).status == 200  # Salesforce retries: stored once
    sweep_at(crm_bot, next_weekday_at(13))
    [prompt] = dms_to(fake, user)
    assert "Sorry about Wayne Enterprises" in prompt.args["text"]
    trigger = click(crm_bot, prompt, ids.CRM_DO_AUTOPSY, user=user, team=TEAM)
    view = submit_prompted_form(crm_bot, fake, trigger, user)
    inputs = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert inputs[ids.WINNER]["initial_option"]["value"] == "competitor"
    row = deal_row(crm_bot, "salesforce", opportunity.id or "")
    assert row.state == "done"


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("unsigned", 401),
        ("wrong signature", 401),
        ("stale", 401),
        ("future", 401),
        ("not JSON", 400),
        ("too large", 413),
    ],
)
def test_refused_hubspot_webhooks_store_nothing(crm_bot, hubspot, case, status):
    deal = 7_100_000 + len(case)
    event = stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000))
    now_ms = int(time.time() * 1000)
    url = f"{crm_bot.url}/crm/hubspot"
    body, headers = signed_webhook(HUBSPOT_SECRET, PUBLIC_URL + "/crm/hubspot", [event], now_ms)
    if case == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif case == "wrong signature":
        headers = signed_webhook("another-secret", PUBLIC_URL + "/crm/hubspot", [event], now_ms)[1]
    elif case in ("stale", "future"):
        shift = -6 * 60_000 if case == "stale" else 6 * 60_000
        body, headers = signed_webhook(HUBSPOT_SECRET, PUBLIC_URL + "/crm/hubspot", [event], now_ms + shift)
    elif case == "not JSON":
        body = b"[{not json"
        headers = signed_webhook(HUBSPOT_SECRET, PUBLIC_URL + "/crm/hubspot", [], now_ms)[1]
        headers["X-HubSpot-Signature-v3"] = signature_v3(
            HUBSPOT_SECRET, "POST", PUBLIC_URL + "/crm/hubspot", body, str(now_ms)
        )
    if case == "too large":
        assert too_large(crm_bot, "/crm/hubspot") == status
    else:
        assert post(url, body, "application/json", headers).status == status
    assert not stored(crm_bot, str(deal))
    assert "Traceback" not in crm_bot.log_text()


@pytest.mark.parametrize(
    ("case", "status"),
    [("wrong secret", 401), ("wrong org", 403), ("not XML", 400), ("bomb", 400)],
)
def test_refused_salesforce_messages_store_nothing(crm_bot, case, status):
    opportunity = Opportunity(name=f"Refused {case}")
    body = outbound_message(opportunity, org_id="00D000000000001AAA" if case == "wrong org" else ORG_ID)
    if case == "not XML":
        body = b"<soapenv:Envelope"
    elif case == "bomb":
        body = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<lolz>&lol2;</lolz>"
        )
    answer = salesforce_message(crm_bot, body, "x" * 33 if case == "wrong secret" else SALESFORCE_SECRET)
    assert answer.status == status
    assert not stored(crm_bot, opportunity.id or "")
    assert "Traceback" not in crm_bot.log_text()


def test_without_a_crm_the_endpoints_are_not_there(bot):
    for path in ("/crm/hubspot", "/crm/salesforce/anything-at-all-here-12345"):
        request = urllib.request.Request(f"{bot.url}{path}", data=b"[]", method="POST")
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        else:
            raise AssertionError(f"{path} answered without a CRM configured")


def run_step(bot: Bot, fake: SlackEmulator, inputs: dict[str, Any], execution_id: str, times: int = 1) -> Any:
    """A workflow runs "Ask for a lost-deal autopsy": the step's answer to Slack, with its own token."""

    def ran(call: Any) -> bool:
        return call.args.get("function_execution_id") == execution_id

    body = function_executed(ids.ASK_FOR_AUTOPSY_FUNCTION, inputs, execution_id=execution_id, team=TEAM)
    assert send(bot.events_url, body, "application/json").status == 200
    deadline = time.monotonic() + 10
    while not (
        answers := fake.find("functions.completeSuccess", ran) + fake.find("functions.completeError", ran)
    ):
        assert time.monotonic() < deadline, "the step never completed"
        time.sleep(0.02)
    answer = answers[-1]
    assert answer.token == f"xwfp-{execution_id}"
    return answer


def test_a_workflow_step_schedules_the_same_prompt_and_completes(crm_bot, fake):
    user, execution = unique("U"), unique("Fx")
    inputs = {
        "person": user,
        "deal_name": "Stark <Industries>",
        "amount": 12500,
        "reason": "Pricing",
        "buyer_contact": "Pepper Potts",
    }
    answer = run_step(crm_bot, fake, inputs, execution)
    assert answer.method == "functions.completeSuccess"
    run_step(crm_bot, fake, inputs, execution, times=2)  # Slack sent the event again
    run_step(crm_bot, fake, inputs, unique("Fx"))  # the workflow ran twice for the same deal

    sweep_at(crm_bot, next_weekday_at(11))
    [prompt] = dms_to(fake, user)
    text = json.dumps(prompt.args["blocks"])
    assert "Sorry about Stark &lt;Industries&gt;" in text and "12,500" in text and "Pricing" in text
    assert fake.find("users.lookupByEmail", lambda c: user.lower() in str(c.args)) == []

    trigger = click(crm_bot, prompt, ids.CRM_DO_AUTOPSY, user=user, team=TEAM)
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    inputs_shown = {
        block["block_id"]: block["element"]
        for block in as_dict(opened.args["view"])["blocks"]
        if block["type"] == "input"
    }
    assert inputs_shown[ids.DEAL]["initial_value"] == "Stark <Industries>"
    assert inputs_shown[ids.MAIN_REASON]["initial_option"]["value"] == "price"
    submit_prompted_form(crm_bot, fake, trigger, user)
    fake.wait_for("chat.update", lambda c: "your autopsy is saved" in json.dumps(c.args.get("blocks")))
    row = deal_row(crm_bot, "workflow", f"{user}:stark <industries>")
    assert row.state == "done" and row.autopsy_id is not None
    store = store_of(crm_bot)
    with store.read() as work:
        written = work.session.get_one(Autopsy, row.autopsy_id)
        assert (written.crm, written.buyer_contact) == ("workflow", "Pepper Potts")
    store.close()


def test_an_autopsy_hubspot_prompted_is_exported_with_the_deal_it_came_from(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_000_077
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("510077", f"{user.lower()}@example.com")
    hubspot.add_deal(deal, name='Initech, "the big one"', amount="25000", owner_id="510077")
    event = stage_change_event(PORTAL_ID, deal, "closedlost", int(time.time() * 1000) - 5000)
    assert hubspot_webhook(crm_bot, [event]).status == 204
    sweep_at(crm_bot, next_weekday_at(10))
    [prompt] = dms_to(fake, user)
    trigger = click(crm_bot, prompt, ids.CRM_DO_AUTOPSY, user=user, team=TEAM)
    submit_prompted_form(crm_bot, fake, trigger, user)  # stored before Slack hears back
    link = f"https://app.hubspot.com/contacts/{PORTAL_ID}/record/0-3/{deal}"

    done = rebound("export", "--team", TEAM, env=crm_bot.env, cwd=crm_bot.cwd)
    assert done.returncode == 0, done.stderr
    [row] = [
        row for row in csv.DictReader(io.StringIO(done.stdout, newline="")) if row["CRM deal ID"] == str(deal)
    ]
    assert (row["From the CRM"], row["CRM deal link"]) == ("HubSpot", link)
    assert row["Deal or prospect"] == 'Initech, "the big one"' and row["Deal value"] == "25000.00"
    [as_json] = [entry for entry in crm_bot.export(TEAM) if entry["crm_deal_id"] == str(deal)]
    assert (as_json["crm"], as_json["crm_deal_url"]) == ("hubspot", link)


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"deal_name": "Hooli"}, "person"),
        ({"person": "U0SOMEONE"}, "deal_name"),
        ({"person": "U0SOMEONE", "deal_name": "Hooli", "amount": "lots"}, "amount"),
    ],
)
def test_a_workflow_step_that_cannot_be_scheduled_fails_saying_why(crm_bot, fake, inputs, says):
    execution = unique("Fx")
    answer = run_step(crm_bot, fake, inputs, execution)
    assert answer.method == "functions.completeError"
    assert says in answer.args["error"] and "Traceback" not in crm_bot.log_text()
    assert not stored(crm_bot, "U0SOMEONE:hooli")


def test_the_digest_counts_crm_lost_deals_with_an_autopsy_and_links_the_shared_one(crm_bot, fake):
    user = unique("U")
    email = f"{user.lower()}@example.com"
    fake.emails[email] = user
    changed = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    lost = [
        Opportunity(name=f"Tyrell {n}", amount="5000", owner_email=email, last_modified=changed)
        for n in range(3)
    ]
    assert salesforce_message(crm_bot, outbound_message(*lost)).status == 200
    sweep_at(crm_bot, next_weekday_at(14))
    prompts = dms_to(fake, user)
    assert len(prompts) == 3
    trigger = click(crm_bot, prompts[0], ids.CRM_DO_AUTOPSY, user=user, team=TEAM)
    submit_prompted_form(crm_bot, fake, trigger, user)
    fake.wait_for("chat.update", lambda c: "your autopsy is saved" in json.dumps(c.args.get("blocks")))

    friday = datetime.now(UTC).replace(hour=16, minute=0, second=0, microsecond=0)
    while friday.weekday() != 4 or friday <= datetime.now(UTC):
        friday += timedelta(days=1)
    env = {**crm_bot.env, "REBOUND_DIGEST_CHANNEL": unique("C")}
    done = rebound(
        "digest", "--team", TEAM, "--as-of", friday.isoformat(), "--dry-run", env=env, cwd=crm_bot.cwd
    )
    assert done.returncode == 0, done.stderr
    text = json.dumps(json.loads(done.stdout)[0]["blocks"])
    share = re.search(r"From the CRM:\* (\d+) of (\d+) deals marked lost got an autopsy", text)
    assert share is not None, text
    assert int(share[1]) >= 1 and int(share[2]) >= 3
    opened = f"/lightning/r/Opportunity/{lost[0].id}/view|the deal in Salesforce>"
    assert opened in text


def test_with_many_workspaces_the_crm_s_deals_go_to_the_workspace_it_names(fake, tmp_path):
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'rebound.db'}",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SALESFORCE_OUTBOUND_SECRET=SALESFORCE_SECRET,
        SALESFORCE_ORG_ID=ORG_ID,
        REBOUND_CRM_TEAM="T0CRMTEAM",
    )
    del env["SLACK_BOT_TOKEN"]
    bot = start_bot(env, tmp_path, "--no-scheduler")
    try:
        install(bot, "T0OTHER")
        install(bot, "T0CRMTEAM")
        user = unique("U")
        fake.emails[f"{user.lower()}@example.com"] = user
        opportunity = Opportunity(name="Cyberdyne", owner_email=f"{user.lower()}@example.com")
        assert salesforce_message(bot, outbound_message(opportunity)).status == 200
        assert deal_row(bot, "salesforce", opportunity.id or "").team_id == "T0CRMTEAM"
        sweep_at(bot, next_weekday_at(12))
        [prompt] = dms_to(fake, user)
        assert prompt.token == "xoxb-T0CRMTEAM" and "Cyberdyne" in prompt.args["text"]
    finally:
        assert bot.stop() == 0, bot.log_text()


def test_one_unreadable_event_in_a_hubspot_batch_costs_nothing_of_the_deal_beside_it(crm_bot, fake, hubspot):
    user, deal = unique("U"), 7_200_001
    fake.emails[f"{user.lower()}@example.com"] = user
    hubspot.add_owner("520001", f"{user.lower()}@example.com")
    hubspot.add_deal(deal, name="Cyberdyne", owner_id="520001")
    now_ms = int(time.time() * 1000)
    broken = {**stage_change_event(PORTAL_ID, 7_200_002, "closedlost", now_ms), "objectId": "not-a-number"}
    answer = hubspot_webhook(crm_bot, [broken, stage_change_event(PORTAL_ID, deal, "closedlost", now_ms)])
    assert answer.status == 204
    assert "Skipped a HubSpot event that cannot be read (event 1 of 2: field 'objectId'" in crm_bot.log_text()
    assert stored(crm_bot, str(deal)) and not stored(crm_bot, "7200002")
    sweep_at(crm_bot, next_weekday_at(10))
    [prompt] = dms_to(fake, user)
    assert "Sorry about Cyberdyne" in prompt.args["text"]


def test_hubspots_printed_shape_and_the_developer_platforms_shape_both_prompt(crm_bot, fake, hubspot):
    """Events naming their kind in `eventType` (HubSpot's own examples), and `object.propertyChange`
    on object type 0-3 (apps on HubSpot's developer platform): each is a deal's stage change."""
    now_ms = int(time.time() * 1000)
    for deal, shape in ((7_200_011, "eventType"), (7_200_012, "generic")):
        user = unique("U")
        fake.emails[f"{user.lower()}@example.com"] = user
        hubspot.add_owner(f"52{deal % 100:04d}", f"{user.lower()}@example.com")
        hubspot.add_deal(deal, name=f"Soylent {shape}", owner_id=f"52{deal % 100:04d}")
        event = stage_change_event(PORTAL_ID, deal, "closedlost", now_ms)
        if shape == "eventType":
            event["eventType"] = event.pop("subscriptionType")
        else:
            event.update(subscriptionType="object.propertyChange", objectTypeId="0-3")
        assert hubspot_webhook(crm_bot, [event]).status == 204
        sweep_at(crm_bot, next_weekday_at(10))
        [prompt] = dms_to(fake, user)
        assert f"Sorry about Soylent {shape}" in prompt.args["text"]


def test_a_hubspot_deal_moved_to_an_open_stage_is_logged_as_that_not_as_reopened(crm_bot, fake, hubspot):
    deal = 7_200_021
    hubspot.add_deal(deal, name="Tyrell", owner_id="520021", stage="qualifiedtobuy")
    event = stage_change_event(PORTAL_ID, deal, "qualifiedtobuy", int(time.time() * 1000))
    assert hubspot_webhook(crm_bot, [event]).status == 204
    swept = rebound("reminders", "--as-of", next_weekday_at(10).isoformat(), env=crm_bot.env, cwd=crm_bot.cwd)
    line = f"No prompt for HubSpot deal {deal}: its stage (qualifiedtobuy) is not a closed-lost one"
    assert line in swept.stderr and "reopened" not in swept.stderr
    assert deal_row(crm_bot, "hubspot", str(deal)).state == "skipped"


def test_a_salesforce_message_about_accounts_is_acknowledged_and_left(crm_bot):
    account = Opportunity(name="Acme Account", notification_id="04l5w00005286hZZZQ")
    body = outbound_message(notifications=notification(account, sobject_type="sf:Account"))
    answer = salesforce_message(crm_bot, body)
    assert answer.status == 200 and b"<Ack>true</Ack>" in answer.body  # no resending for 24 hours
    assert not stored(crm_bot, account.id or "")
    assert "is about Account, not an Opportunity" in crm_bot.log_text()
