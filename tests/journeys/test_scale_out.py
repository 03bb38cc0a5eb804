"""Scale-out on PostgreSQL, with real processes: two `rebound serve --no-scheduler` taking
submissions at once (one of them stopped with SIGTERM half-way), then two `rebound worker`
sweeping at once. Every acknowledged autopsy is stored once, every due follow-up sent once,
and the week's digest posted once."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot import ids
from playground.emulator import TEAM_ID, SlackEmulator
from storage import upgrade
from tests.support.bot_process import bot_env, free_port, start_bot
from tests.support.lost_deal_form import FORM_ANSWERS, open_form
from tests.support.moments import working_zone
from tests.support.slack_requests import FORM, fill_form, send, unique, view_submission

SUBMISSIONS = 240


def test_two_web_processes_and_two_workers_lose_nothing_and_repeat_nothing(
    fake: SlackEmulator, postgres_url, tmp_path
):
    upgrade(postgres_url)
    channel, helper = unique("C"), unique("U")
    now = datetime.now(UTC)
    zone, working = working_zone(now)  # help requests go out at once only in working hours
    fake.zones[helper] = zone
    due = now - timedelta(hours=1)  # the digest fell due an hour ago
    env = bot_env(
        fake,
        postgres_url,
        REBOUND_DIGEST_CHANNEL=channel,
        REBOUND_DIGEST_DAY=due.strftime("%a").lower(),
        REBOUND_DIGEST_TIME=due.strftime("%H:%M"),
        GUNICORN_CMD_ARGS="--workers 1 --threads 8",
    )
    web = [start_bot({**env, "PORT": str(free_port())}, tmp_path, "--no-scheduler") for _ in range(2)]
    user = unique("U")
    template = open_form(web[0], fake, "Scale Co", user=user, team=TEAM_ID)
    acknowledged: Counter[str] = Counter()
    lock = threading.Lock()

    def submit(number: int) -> None:
        view = {**template, "id": f"VSCALE{number:05d}{unique('')}"}
        answers = {**FORM_ANSWERS, ids.DEAL: f"Scale {number}", ids.HELP_FROM: helper}
        body = view_submission(view, fill_form(view, answers), user=user, team=TEAM_ID)
        for attempt in range(6):  # as Slack does, retry until someone answers; alternate processes
            target = web[(number + attempt) % 2]
            try:
                reply = send(target.events_url, body, FORM)
            except OSError:
                continue
            if reply.status == 200:
                with lock:
                    acknowledged[view["id"]] += 1
                if number % 10 == 0:  # a retry Slack sends after a slow ack: same view, other process
                    with contextlib.suppress(OSError):  # unless that one has just stopped
                        assert send(web[(number + 1) % 2].events_url, body, FORM).status == 200
                return
        raise AssertionError(f"submission {number} was never acknowledged")

    try:
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(submit, number) for number in range(SUBMISSIONS)]
            futures[SUBMISSIONS // 2].result()
            assert web[1].stop() == 0  # SIGTERM half-way: in-flight requests are answered first
            for future in futures:
                future.result()
        assert len(acknowledged) == SUBMISSIONS
        rows = web[0].export(TEAM_ID)
        stored = Counter(row["deal_name"] for row in rows if row["deal_name"].startswith("Scale "))
        assert stored == Counter({f"Scale {n}": 1 for n in range(SUBMISSIONS)})  # each once
    finally:
        for process in web:
            process.stop()

    # Two workers at once: every due help request once, the digest once.
    workers = [
        start_bot({**env, "PORT": str(free_port())}, tmp_path, command="worker", wait_healthy=False)
        for _ in range(2)
    ]
    try:
        # The week that ended an hour ago (the autopsies above belong to the next one).
        fake.wait_for("chat.postMessage", lambda c: c.args.get("channel") == channel, timeout=60)
        if working:
            fake.wait_for(
                "chat.postMessage", lambda c: c.args.get("channel") == helper, count=SUBMISSIONS, timeout=90
            )
    finally:
        for process in workers:
            assert process.stop() == 0, process.log_text()
    assert len(fake.find("chat.postMessage", lambda c: c.args.get("channel") == channel)) == 1
    helps = fake.delivered("chat.postMessage", lambda c: c.args.get("channel") == helper)
    assert len(helps) == (SUBMISSIONS if working else 0)
    pinned = Counter(str(call.args["blocks"]) for call in helps)
    assert all(count == 1 for count in pinned.values())  # no follow-up twice
