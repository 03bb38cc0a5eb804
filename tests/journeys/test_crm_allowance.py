"""A rep who lost many deals at once is not flooded: at most REBOUND_CRM_DAILY_PROMPTS prompts a
day, the rest on the next working day, each deal prompted once. The real bot on SQLite and on
PostgreSQL, Salesforce's outbound messages, and explicit sweeps at chosen moments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from playground.emulator import SlackEmulator
from tests.support.bot_process import Bot, sweep_at
from tests.support.crm_requests import (
    crm_rep,
    dms_to,
    lose,
    salesforce_bot,
)
from tests.support.moments import next_weekday_at
from tests.support.salesforce_messages import Opportunity

DAILY_PROMPTS = 2


def prompted_deals(fake: SlackEmulator, user: str) -> list[str]:
    """The notification text of each DM the person received, in order."""
    return [call.args["text"] for call in dms_to(fake, user)]


def next_friday_at(hour: int) -> datetime:
    moment = next_weekday_at(hour)
    while moment.weekday() != 4:
        moment += timedelta(days=1)
    return moment


@pytest.fixture
def allowance_bot(fake: SlackEmulator, database_url: str, tmp_path: Path) -> Iterator[Bot]:
    running = salesforce_bot(fake, database_url, tmp_path, REBOUND_CRM_DAILY_PROMPTS=str(DAILY_PROMPTS))
    yield running
    assert running.stop() == 0, running.log_text()


def test_a_rep_with_more_lost_deals_than_the_daily_allowance_gets_the_rest_the_next_working_day(
    allowance_bot, fake
):
    """Five sorry DMs in a morning feel like blame; two today and the third on Monday do not."""
    dana, dana_email = crm_rep(fake)
    sam, sam_email = crm_rep(fake)
    names = [f"Deal {n} & <co>" for n in range(DAILY_PROMPTS + 1)]
    lose(
        allowance_bot,
        *(Opportunity(name=name, owner_email=dana_email) for name in names),
        Opportunity(name="Sam's deal", owner_email=sam_email),
    )

    friday = next_friday_at(10)
    assert ": 3 sent, 1 waiting for working hours," in sweep_at(allowance_bot, friday)
    assert len(prompted_deals(fake, dana)) == DAILY_PROMPTS
    assert prompted_deals(fake, sam) == ["Sorry about Sam's deal: an autopsy?"]  # the allowance is each rep's

    sunday_evening = friday + timedelta(days=2, hours=8)
    assert ": 0 sent," in sweep_at(allowance_bot, sunday_evening)  # not later on Friday, not at the weekend
    assert len(prompted_deals(fake, dana)) == DAILY_PROMPTS

    monday = friday + timedelta(days=3, hours=-1)  # 9:00, when the working day starts
    assert ": 1 sent, 0 waiting for working hours," in sweep_at(allowance_bot, monday)
    received = prompted_deals(fake, dana)
    shown = [f"Sorry about Deal {n} &amp; &lt;co&gt;: an autopsy?" for n in range(DAILY_PROMPTS + 1)]
    assert sorted(received) == shown  # each deal once, none twice, none lost
    assert len(prompted_deals(fake, sam)) == 1
