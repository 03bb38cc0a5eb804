"""The buyer's page served by the real bot (`rebound serve` under gunicorn, REBOUND_PUBLIC_URL set)
over real HTTP: a link made as the rep's button makes it, on the same database, answered by a
buyer; its kind pages; and the limits, shared by two processes on one database, answering 429
once the shared count is passed, whichever process is asked, with each client's address as the
proxy in front tells it (REBOUND_PROXIES=1, X-Forwarded-For)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import clock
from bot.asking import BUYER_ANSWERED
from buyer_page.visit_limits import PER_ADDRESS, PER_LINK, WINDOW
from playground.emulator import SlackEmulator
from storage import BuyerAsk, Store, upgrade
from tests.support.buyer_pages import (
    GUARDS,
    ask_buyer,
    asking_on,
    fetch,
    headers_of,
    in_a_fresh_window,
    public_bot,
    read_page,
    status_through_a_proxy,
)
from tests.support.databases import follow_ups_of, mentions
from tests.support.slack_requests import SIGNING_SECRET

# The module's tests share one bot: one worker runs them.
pytestmark = pytest.mark.xdist_group("buyer_links")

TEAM = "T0LINKS"


def test_a_buyer_answers_over_http_and_the_rep_s_dm_is_due(buyer_site):
    bot, store = buyer_site
    asked = ask_buyer(
        store, asking_on(store, SIGNING_SECRET, bot.url), team=TEAM, company="Northwind Analytics"
    )
    link = f"{bot.url}{asked.path}"
    questions = fetch(link)
    assert questions.status == 200
    assert headers_of(questions) == GUARDS and questions.headers["Cache-Control"] == "no-store"
    page = read_page(questions.text)
    assert page.headings == ["Your side of the story"]
    assert "Northwind Analytics would like to learn from how things went with you" in page.text
    css = fetch(f"{bot.url}/ask/static/page.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert len(questions.body) + len(css.body) < 30 * 1024
    words = {"main_reason": "price", "changed_mind": "A smaller first order.", "may_contact": "yes"}
    sent = fetch(link, {**page.form(), **words})
    assert sent.status == 303 and sent.headers["Location"] == f"{asked.path}/thanks"
    thanks = fetch(f"{bot.url}{sent.headers['Location']}")
    assert thanks.status == 200 and read_page(thanks.text).headings == ["Thank you"]
    with store.read() as work:
        kept = work.session.get(BuyerAsk, asked.ask_id)
        assert kept is not None and (kept.main_reason, kept.changed_mind, kept.may_contact) == (
            "price",
            "A smaller first order.",
            "yes",
        )
    kinds = [f.kind for f in follow_ups_of(store, team_id=TEAM, autopsy_id=asked.autopsy_id)]
    assert kinds.count(BUYER_ANSWERED) == 1
    again = fetch(link)  # within the hour: the answers, to change
    assert again.status == 200 and read_page(again.text).form()["changed_mind"] == "A smaller first order."
    assert asked.token not in bot.log_text()  # a link is a key: never logged


def test_refusals_over_http_are_kind_pages_and_slack_is_still_served_beside_them(buyer_site):
    bot, store = buyer_site
    asking = asking_on(store, SIGNING_SECRET, bot.url)
    asked = ask_buyer(store, asking, team=TEAM)
    link = f"{bot.url}{asked.path}"
    cases = {
        "unknown": (fetch(f"{bot.url}/ask/{'B' * 43}"), 404, "This link doesn't lead anywhere"),
        "no form token": (fetch(link, {"changed_mind": "Hi"}), 403, "This form can't be sent from here"),
        "too large": (
            fetch(link, body=b"changed_mind=" + b"x" * 20_000),
            413,
            "That was more than this page can take",
        ),
    }
    asking.withdraw(team_id=TEAM, autopsy_id=asked.autopsy_id, now=clock.now())
    cases["withdrawn"] = (fetch(link), 410, "These questions are closed")
    for what, (answer, status, heading) in cases.items():
        assert (answer.status, read_page(answer.text).headings) == (status, [heading]), what
        assert headers_of(answer) == GUARDS, what
        assert "Traceback" not in answer.text
    health = fetch(f"{bot.url}/healthz")
    assert health.status == 200 and "Content-Security-Policy" not in health.headers


def test_two_processes_share_the_limits_and_answer_429_once_the_shared_count_is_passed(
    fake: SlackEmulator, tmp_path, database_url
):
    url = database_url
    upgrade(url)
    with ThreadPoolExecutor(2) as starting:  # started side by side: each takes a second or two
        # Behind one proxy that adds X-Forwarded-For, as the README sets it up.
        proxied = {"REBOUND_PROXIES": "1"}
        both = list(starting.map(lambda _: public_bot(fake, url, tmp_path, **proxied), range(2)))
    store = Store.connect(url)
    try:
        asking = asking_on(store, SIGNING_SECRET, both[0].url)
        asked, fresh = ask_buyer(store, asking, team=TEAM), ask_buyer(store, asking, team=TEAM, deal="Globex")
        in_a_fresh_window()
        # The link's limit: its requests split across both processes, counted together.
        answers = [fetch(f"{both[n % 2].url}{asked.path}") for n in range(PER_LINK + 2)]
        assert [a.status for a in answers] == [200] * PER_LINK + [429, 429]
        for limited in answers[-2:]:
            assert 0 < int(limited.headers["Retry-After"]) <= WINDOW.total_seconds()
            assert read_page(limited.text).headings == ["A lot of requests just now"]
            assert headers_of(limited) == GUARDS
        # The address's: past its count, even a link it never asked for is refused, by either process.
        rest = [fetch(f"{both[n % 2].url}{asked.path}").status for n in range(PER_ADDRESS - len(answers))]
        assert set(rest) == {429}
        assert [fetch(f"{bot.url}{fresh.path}").status for bot in both] == [429, 429]
        # Another buyer's address, as the proxy tells it: counted apart.
        assert [status_through_a_proxy(f"{bot.url}{fresh.path}", "203.0.113.7") for bot in both] == [200, 200]
        # Counted, yet no buyer's address is kept: in no column of any table, nor in either log.
        assert [mentions(store, address) for address in ("203.0.113.7", "127.0.0.1")] == [[], []]
    finally:
        store.close()
        for bot in both:
            assert bot.stop() == 0, bot.log_text()
    assert ["203.0.113.7" in bot.log_text() for bot in both] == [False, False]
