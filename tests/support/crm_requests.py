"""The CRMs as they reach the real bot: Salesforce's outbound messages, the reps they name, a bot
that takes them, and the prompts the fake Slack then received."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playground.emulator import SlackEmulator
from tests.support.bot_process import Bot, bot_env, start_bot
from tests.support.salesforce_messages import ORG_ID, Opportunity, outbound_message
from tests.support.slack_requests import post, unique

SALESFORCE_SECRET = "salesforce-path-secret-0123456789"


def salesforce_message(bot: Bot, body: bytes, secret: str = SALESFORCE_SECRET):
    return post(f"{bot.url}/crm/salesforce/{secret}", body, "text/xml; charset=utf-8", {"SOAPAction": '""'})


def salesforce_bot(fake: SlackEmulator, database_url: str, home: Path, **extra: str) -> Bot:
    """`rebound serve --no-scheduler` taking Salesforce's outbound messages; sweeps are run by hand."""
    env = bot_env(
        fake, database_url, SALESFORCE_OUTBOUND_SECRET=SALESFORCE_SECRET, SALESFORCE_ORG_ID=ORG_ID, **extra
    )
    return start_bot(env, home, "--no-scheduler")


def crm_rep(fake: SlackEmulator) -> tuple[str, str]:
    """A new person in Slack, and the email their CRM knows them by."""
    user = unique("U")
    email = f"{user.lower()}@example.com"
    fake.emails[email] = user
    return user, email


def lose(bot: Bot, *opportunities: Opportunity) -> None:
    """Salesforce says these opportunities are Closed Lost, in one outbound message."""
    answer = salesforce_message(bot, outbound_message(*opportunities))
    assert answer.status == 200 and b"<Ack>true</Ack>" in answer.body


def dms_to(fake: SlackEmulator, user: str) -> list[Any]:
    return fake.delivered("chat.postMessage", lambda c: c.args["channel"] == user)
