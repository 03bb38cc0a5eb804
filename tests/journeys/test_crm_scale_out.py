"""Lost deals on PostgreSQL with two sweeps for the same moment, as two `rebound worker`s or two
cron jobs would run them, the second claiming while the first is still sending: every deal's
owner gets its prompt exactly once, none is lost. Real processes; the claim, its lease and the
delivery receipt are what keep the second sweep from sending again."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from playground.emulator import SlackEmulator
from storage import upgrade
from tests.support.crm_requests import crm_rep, dms_to, lose, salesforce_bot
from tests.support.moments import next_weekday_at
from tests.support.salesforce_messages import Opportunity

REPS, DEALS_EACH = 6, 2  # within the daily allowance, so every prompt is due at once


def sweep(env: dict[str, str], cwd: Path, moment: str) -> subprocess.Popen[str]:
    """`rebound reminders --as-of moment`, started and left running."""
    return subprocess.Popen(
        [sys.executable, "-m", "rebound", "reminders", "--as-of", moment],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def sent(output: str) -> int:
    found = re.search(r": (\d+) sent, (\d+) waiting", output)
    assert found, output
    return int(found.group(1))


def test_two_sweeps_at_once_on_postgresql_send_each_lost_deals_prompt_exactly_once(
    fake: SlackEmulator, postgres_url, tmp_path
):
    """Two processes sweeping together must neither both send a prompt nor both skip it."""
    upgrade(postgres_url)
    bot = salesforce_bot(fake, postgres_url, tmp_path)
    try:
        owners = [crm_rep(fake) for _ in range(REPS)]
        deals = {f"Scale deal {number} of {user}": user for user, _ in owners for number in range(DEALS_EACH)}
        emails = dict(owners)
        opportunities = [Opportunity(name=name, owner_email=emails[user]) for name, user in deals.items()]
        lose(bot, *opportunities)
        lose(bot, *opportunities)  # Salesforce sends it again: still one prompt a deal
    finally:
        assert bot.stop() == 0, bot.log_text()

    moment = next_weekday_at(10).isoformat()

    def to_an_owner(call) -> bool:
        return call.args.get("channel") in deals.values()

    with fake.slow("chat.postMessage", 0.25):  # the first sweep is still sending when the second claims
        first = sweep(bot.env, tmp_path, moment)
        fake.wait_for("chat.postMessage", to_an_owner, timeout=30)
        second = sweep(bot.env, tmp_path, moment)  # another worker, the same minute
        outputs = [finished(first), finished(second)]
    assert sum(sent(output) for output in outputs) == len(deals)
    again = [finished(p) for p in [sweep(bot.env, tmp_path, moment), sweep(bot.env, tmp_path, moment)]]
    assert [sent(output) for output in again] == [0, 0]  # nothing is due any more

    received = Counter(call.args["text"] for user, _ in owners for call in dms_to(fake, user))
    assert received == Counter({f"Sorry about {name}: an autopsy?": 1 for name in deals})
    for user, _ in owners:
        assert len(dms_to(fake, user)) == DEALS_EACH
