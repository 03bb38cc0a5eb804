"""The buyer's page (buyer_page/site.py) through Flask's test client over a real SQLite store: the
questions with who asks and why, answers kept once and corrected within the hour, a kind page
with the right status wherever a link leads nowhere, the same guards on every answer, forms that
only this page can post, hostile words shown as text, and limits that answer 429."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

import clock
from bot.asking import BUYER_ANSWERED, BuyerAsking, buyer_asking_for
from bot.config import load_settings
from bot.customer_side import CHANGED_MIND_MAX, CORRECTION_WINDOW, FORM_LIFE
from buyer_page import VisitLimits, make_buyer_site
from buyer_page.site import MAX_BODY
from rebound.server import behind_proxies
from storage import BuyerAsk, Store, upgrade
from storage.models import PageVisits
from tests.support.buyer_pages import GUARDS, Asked, ask_buyer, asking_on, headers_of, read_page
from tests.support.databases import follow_ups_of

TEAM = "T0BUYERS"
SECRET = "a-signing-secret-for-the-page"
HOSTILE = "<script>alert(1)</script> <!channel> *bold* שלום עולם 🎉"
NO_LIMITS = VisitLimits(per_address=10_000, per_link=10_000)
WORDS = {
    "main_reason": "timing",
    "changed_mind": "A pilot in the spring.",
    "working_with": "Patient and clear.",
    "working_score": "4",
    "may_contact": "later",
}


class HeldClock:
    """Rebound's one clock held at a moment a test moves (clock.follow)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def move(self, by: timedelta) -> None:
        self.at += by


@pytest.fixture
def moment() -> Iterator[HeldClock]:
    held = HeldClock(datetime(2026, 11, 24, 10, 1, 40, tzinfo=UTC))  # 100 s into a 10-minute window
    clock.follow(lambda: held.at)
    yield held
    clock.follow(clock.system_now)


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "rebound.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def store(migrated_file: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copy(migrated_file, tmp_path / "rebound.db")
    opened = Store.connect(f"sqlite:///{tmp_path / 'rebound.db'}")
    yield opened
    opened.close()


@pytest.fixture
def asking(store: Store) -> BuyerAsking:
    return asking_on(store, SECRET)


@pytest.fixture
def client(asking: BuyerAsking, moment: HeldClock):
    return make_buyer_site(asking, limits=NO_LIMITS).test_client()


@pytest.fixture
def asked(store: Store, asking: BuyerAsking, moment: HeldClock) -> Asked:
    return ask_buyer(store, asking, team=TEAM, company="Northwind Analytics")


def ask_row(store: Store, asked: Asked) -> BuyerAsk:
    with store.read() as work:
        found = work.session.get(BuyerAsk, asked.ask_id)
        assert found is not None
        return found


def send(client, asked: Asked, words: dict[str, str], *, token: str | None = None, **options):
    """Draw the page, then post `words` with the form's token (or `token`), as a browser would."""
    drawn = read_page(client.get(asked.path).text)
    fields = {"form_token": drawn.form_token if token is None else token, **words}
    return client.post(asked.path, data=fields, **options)


def test_the_page_says_who_asks_and_why_then_asks_four_questions_each_by_its_label(client, store, asked):
    response = client.get(asked.path)
    assert response.status_code == 200
    page = read_page(response.text)
    assert page.headings[0] == "Your side of the story"
    assert page.title == "Your side of the story · Northwind Analytics"
    assert (
        "Northwind Analytics would like to learn from how things went with you: your answers are read only "
        "by the person who sent you this link and their team, and nobody will try to change your mind."
    ) in page.text
    assert page.legends == [
        "What was the main reason you chose otherwise?",
        "What was it like working with Northwind Analytics?",
        "From 1 to 5",
        "May Northwind Analytics get in touch again later?",
    ]
    for label, name in [
        ("The price", "main_reason"),
        ("Something else", "main_reason"),
        ("If it was something else, what was it?", "other_reason"),
        ("What would have changed your mind?", "changed_mind"),
        ("1: Hard work", "working_score"),
        ("5: A pleasure", "working_score"),
        ("Or in a few words", "working_with"),
        ("No, please don't", "may_contact"),
    ]:
        assert page.control(label).attrs["name"] == name
    assert page.control("What would have changed your mind?").attrs["maxlength"] == str(CHANGED_MIND_MAX)
    assert "Initech" not in response.text  # the deal is the rep's word, not the page's
    assert ask_row(store, asked).opened_at == clock.now()


def test_without_a_company_name_the_team_the_buyer_spoke_with_asks(client, store, asking):
    plain = ask_buyer(store, asking, team="T0NONAME")
    page = read_page(client.get(plain.path).text)
    assert page.text.startswith("Your side of the story The team you spoke with would like to learn")
    assert "What was it like working with the team you spoke with?" in page.legends


def test_answers_are_kept_and_the_thank_you_page_follows(client, store, asked):
    response = send(client, asked, {**WORDS, "other_reason": "ignored unless Something else"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{asked.path}/thanks"
    thanks = client.get(response.headers["Location"])
    page = read_page(thanks.text)
    assert thanks.status_code == 200 and page.headings == ["Thank you"]
    assert "Your answers are with Northwind Analytics." in page.text
    assert "you can for another 60 minutes: change my answers" in page.text
    kept = ask_row(store, asked)
    assert (kept.main_reason, kept.other_reason, kept.changed_mind, kept.working_score, kept.may_contact) == (
        "timing",
        None,
        "A pilot in the spring.",
        4,
        "later",
    )
    [told] = [
        f for f in follow_ups_of(store, team_id=TEAM, autopsy_id=asked.autopsy_id) if f.kind == BUYER_ANSWERED
    ]
    # due once the answers can no longer change, so the rep's DM shows them as they stay
    assert (told.recipient_id, told.due_at) == ("U0REP", clock.now() + CORRECTION_WINDOW)


def test_within_the_hour_the_page_shows_the_answers_to_change_and_after_it_is_closed(
    client, store, asked, moment
):
    send(client, asked, {"changed_mind": "Price.", "may_contact": "no"})
    moment.move(timedelta(minutes=20))
    again = client.get(asked.path)
    page = read_page(again.text)
    assert again.status_code == 200
    assert "You can change them for another 40 minutes" in page.text
    assert page.form() | {"form_token": ""} == {
        "form_token": "",
        "other_reason": "",
        "changed_mind": "Price.",
        "working_with": "",
        "may_contact": "no",
    }
    assert page.control("No, please don't").attrs.get("checked") == ""
    assert any(e.tag == "button" and e.text == "Send my changes" for e in page.elements)
    changed = client.post(asked.path, data={**page.form(), "changed_mind": "Price, and the timing."})
    assert changed.status_code == 303
    assert ask_row(store, asked).changed_mind == "Price, and the timing."
    assert len(follow_ups_of(store, team_id=TEAM, autopsy_id=asked.autopsy_id)) == 2  # the touch-base, one DM
    moment.move(timedelta(minutes=40))
    for closed in (
        client.get(asked.path),
        client.get(f"{asked.path}/thanks"),
        client.post(asked.path, data=page.form()),
    ):
        assert closed.status_code == 410
        assert read_page(closed.text).headings == ["These questions are closed"]
    assert ask_row(store, asked).changed_mind == "Price, and the timing."


def test_sending_nothing_or_too_much_redraws_the_form_with_its_errors_tied_to_their_fields(
    client, store, asked
):
    nothing = send(client, asked, {})
    page = read_page(nothing.text)
    assert nothing.status_code == 422
    assert page.title.startswith("Error: ")
    summary = page.by_id("answers-error")
    assert summary.text == "Error: Please answer at least one question: any one is a great help."
    assert next(e for e in page.elements if e.tag == "form").attrs["aria-describedby"] == "answers-error"
    assert any(e.tag == "a" and e.attrs["href"] == "#main_reason-price" for e in page.elements)
    long = "x" * (CHANGED_MIND_MAX + 1)
    too_much = send(client, asked, {**WORDS, "changed_mind": long})
    page = read_page(too_much.text)
    assert too_much.status_code == 422
    box = page.control("What would have changed your mind?")
    assert box.attrs["aria-invalid"] == "true"
    assert box.attrs["aria-describedby"] == "changed_mind-hint changed_mind-error"
    assert (
        page.by_id("changed_mind-error").text
        == "Error: Please keep this under 1000 characters (it has 1001)."
    )
    assert box.text == long  # kept, with the rest
    assert page.form() | {"form_token": ""} == {
        **WORDS,
        "changed_mind": long,
        "other_reason": "",
        "form_token": "",
    }
    assert ask_row(store, asked).answered_at is None


def test_a_form_left_open_too_long_is_drawn_again_with_its_answers_then_sent(client, store, asked, moment):
    drawn = read_page(client.get(asked.path).text)
    moment.move(FORM_LIFE + timedelta(minutes=1))
    stale = client.post(asked.path, data={"form_token": drawn.form_token, **WORDS})
    page = read_page(stale.text)
    assert stale.status_code == 200
    assert (
        "This page was open for a long while, so please look over your answers and send them again."
        in page.text
    )
    assert page.form() | {"form_token": ""} == {**WORDS, "other_reason": "", "form_token": ""}
    assert page.form_token != drawn.form_token
    assert ask_row(store, asked).answered_at is None
    assert client.post(asked.path, data=page.form()).status_code == 303
    assert ask_row(store, asked).working_with == "Patient and clear."


def test_a_post_without_the_forms_token_or_with_another_links_is_refused(client, store, asking, asked):
    other = ask_buyer(store, asking, team=TEAM, deal="Globex")
    others_token = read_page(client.get(other.path).text).form_token
    mine = read_page(client.get(asked.path).text).form_token
    drawn_at, _, mac = mine.partition(".")
    altered = mac[:-1] + ("1" if mac.endswith("0") else "0")  # one hex digit off, never the same one
    for token in (None, "", others_token, f"{drawn_at}.{altered}", f"{int(drawn_at) - 60}.{mac}", "forged"):
        fields = WORDS if token is None else {**WORDS, "form_token": token}
        refused = client.post(asked.path, data=fields)
        assert refused.status_code == 403, token
        assert read_page(refused.text).headings == ["This form can't be sent from here"]
    assert ask_row(store, asked).answered_at is None


def test_hostile_words_are_shown_as_the_characters_written(client, store, asking, moment):
    hostile = ask_buyer(store, asking, team="T0HOSTILE", company=HOSTILE[:80])
    sent = send(client, hostile, {"other_reason": HOSTILE, "changed_mind": HOSTILE, "working_with": HOSTILE})
    assert sent.status_code == 303
    for response in (client.get(hostile.path), client.get(f"{hostile.path}/thanks")):
        assert "<script>" not in response.text and "<!channel>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt;" in response.text
        assert HOSTILE[:80] in read_page(response.text).text  # the company, shown as written
    page = read_page(client.get(hostile.path).text)
    assert page.form() | {"form_token": ""} == {
        "form_token": "",
        "main_reason": "other",
        "other_reason": HOSTILE,
        "changed_mind": HOSTILE,
        "working_with": HOSTILE,
    }
    assert (
        page.control("What would have changed your mind?").attrs["dir"] == "auto"
    )  # Hebrew reads right to left
    assert ask_row(store, hostile).changed_mind == HOSTILE


def test_dead_links_get_a_kind_page_that_says_nothing_of_the_deal(client, store, asking, asked, moment):
    withdrawn = ask_buyer(store, asking, team=TEAM, deal="Umbrella")
    asking.withdraw(team_id=TEAM, autopsy_id=withdrawn.autopsy_id, now=clock.now())
    answered = ask_buyer(store, asking, team=TEAM, deal="Hooli")
    send(client, answered, WORDS)
    moment.move(timedelta(minutes=61))
    unknown = client.get("/ask/" + "A" * 43)
    assert unknown.status_code == 404
    assert read_page(unknown.text).headings == ["This link doesn't lead anywhere"]
    assert client.get("/ask/").status_code == 404 and client.get("/ask/a/b/c").status_code == 404
    gone = [client.get(dead.path) for dead in (withdrawn, answered)]
    moment.move(timedelta(days=30))
    expired = client.get(asked.path)
    for closed in (*gone, expired):
        assert closed.status_code == 410
        assert read_page(closed.text).headings == ["These questions are closed"]
    for response in (unknown, *gone, expired):
        for secret in ("Initech", "Umbrella", "Hooli", "Northwind", "U0REP", "Traceback"):
            assert secret not in response.text


def test_the_thank_you_page_before_any_answer_leads_to_the_questions(client, asked):
    early = client.get(f"{asked.path}/thanks")
    assert early.status_code == 303 and early.headers["Location"] == asked.path


def test_a_link_withdrawn_while_its_page_was_open_takes_no_answer(client, store, asking, asked):
    drawn = read_page(client.get(asked.path).text)
    asking.withdraw(team_id=TEAM, autopsy_id=asked.autopsy_id, now=clock.now())
    assert client.post(asked.path, data={"form_token": drawn.form_token, **WORDS}).status_code == 410
    assert ask_row(store, asked).answered_at is None


def test_a_body_over_the_limit_is_refused_unread(client, store, asked):
    token = read_page(client.get(asked.path).text).form_token
    huge = client.post(asked.path, data={"form_token": token, "changed_mind": "x" * MAX_BODY})
    assert huge.status_code == 413
    assert read_page(huge.text).headings == ["That was more than this page can take"]
    assert ask_row(store, asked).answered_at is None
    # The longest answers the form takes, in 3-byte characters, fit.
    longest = {"other_reason": "€" * 200, "changed_mind": "€" * 1000, "working_with": "€" * 300}
    assert client.post(asked.path, data={"form_token": token, **longest}).status_code == 303


def test_every_answer_carries_the_guards_and_pages_are_never_stored(client, store, asked, asking):
    answers = {
        "questions": client.get(asked.path),
        "unknown": client.get("/ask/nothing-here"),
        "refused": client.post(asked.path, data=WORDS),
        "too large": client.post(asked.path, data={"changed_mind": "x" * MAX_BODY}),
        "not a method it takes": client.put(asked.path),
        "sent": send(client, asked, WORDS),
        "thanks": client.get(f"{asked.path}/thanks"),
    }
    limited = make_buyer_site(asking, limits=VisitLimits(per_address=0)).test_client()
    answers["too many"] = limited.get(asked.path)
    for what, response in answers.items():
        assert headers_of(response) == GUARDS, what
        assert response.headers["Cache-Control"] == "no-store", what
        if response.status_code != 303:
            assert response.headers["Content-Type"] == "text/html; charset=utf-8", what
    assert answers["not a method it takes"].status_code == 405
    assert set(answers["not a method it takes"].headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
    }
    css = client.get("/ask/static/page.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert headers_of(css) == GUARDS
    weight = len(answers["questions"].data) + len(css.data)
    assert weight < 30 * 1024, weight


def test_a_failure_shows_a_kind_page_and_logs_the_error_without_the_link(client, store, asked, caplog):
    with store.write() as work:
        work.session.execute(text("DROP TABLE buyer_asks"))
    with caplog.at_level(logging.ERROR, logger="rebound.buyer_page"):
        failed = client.get(asked.path)
    assert failed.status_code == 500
    assert read_page(failed.text).headings == ["Something went wrong on our side"]
    assert "Traceback" not in failed.text and "buyer_asks" not in failed.text
    assert headers_of(failed) == GUARDS
    [logged] = caplog.records
    assert logged.getMessage() == "The buyer's page failed on a GET" and "buyer_asks" in caplog.text
    assert asked.token not in caplog.text


def test_one_address_is_limited_and_told_when_to_come_back(store, asking, asked, moment):
    site = make_buyer_site(asking, limits=VisitLimits(per_address=3, per_link=100)).test_client()
    assert [site.get(asked.path).status_code for _ in range(3)] == [200, 200, 200]
    limited = site.get(asked.path)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "500"  # 100 s into the 10-minute window
    assert read_page(limited.text).headings == ["A lot of requests just now"]
    assert site.post(asked.path, data=WORDS).status_code == 429
    other = site.get(asked.path, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 200  # another address, another count
    moment.move(timedelta(seconds=500))
    assert site.get(asked.path).status_code == 200  # the next window


def test_one_link_is_limited_whoever_asks_and_no_address_is_kept(store, asking, asked, moment):
    site = make_buyer_site(asking, limits=VisitLimits(per_address=100, per_link=2)).test_client()
    addresses = ["198.51.100.1", "198.51.100.2", "2001:db8::7"]
    statuses = [site.get(asked.path, environ_base={"REMOTE_ADDR": a}).status_code for a in addresses]
    assert statuses == [200, 200, 429]
    other = ask_buyer(store, asking, team=TEAM, deal="Globex")
    assert site.get(other.path, environ_base={"REMOTE_ADDR": addresses[2]}).status_code == 200
    with store.read() as work:
        counted = work.session.execute(select(PageVisits.who)).scalars().all()
    assert len(counted) == 5  # three addresses and two links, each a keyed hash
    assert not [who for who in counted if any(part in who for part in (*addresses, asked.token, other.token))]


def test_the_page_is_offered_only_with_a_public_url_in_http_mode(store, tmp_path):
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "DATABASE_URL": "sqlite://"}
    assert buyer_asking_for(load_settings(base, dotenv_dir=tmp_path), store) is None
    public = load_settings({**base, "REBOUND_PUBLIC_URL": "https://r.example.com/"}, dotenv_dir=tmp_path)
    asking = buyer_asking_for(public, store)
    assert asking is not None and (asking.public_url, asking.life) == (
        "https://r.example.com",
        timedelta(days=30),
    )
    socket_mode = {**base, "REBOUND_PUBLIC_URL": "https://r.example.com", "SLACK_APP_TOKEN": "xapp-1"}
    assert buyer_asking_for(load_settings(socket_mode, dotenv_dir=tmp_path), store) is None


def test_an_operator_s_rebound_ask_days_is_how_long_a_new_link_stays_open(store, moment, tmp_path):
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SECRET,
        "DATABASE_URL": "sqlite://",
        "REBOUND_PUBLIC_URL": "https://r.example.com",
        "REBOUND_ASK_DAYS": "7",
    }
    asking = buyer_asking_for(load_settings(settings, dotenv_dir=tmp_path), store)
    assert asking is not None
    client = make_buyer_site(asking, limits=NO_LIMITS).test_client()
    asked = ask_buyer(store, asking, team=TEAM)
    moment.move(timedelta(days=7, minutes=-1))
    assert client.get(asked.path).status_code == 200
    moment.move(timedelta(minutes=2))
    closed = client.get(asked.path)
    assert closed.status_code == 410
    assert read_page(closed.text).headings == ["These questions are closed"]


def test_the_buyers_address_comes_from_the_proxy_only_when_the_operator_says_one_is_in_front():
    def address(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["REMOTE_ADDR"].encode()]

    claimed = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4, 203.0.113.7"}

    def seen(proxies: int) -> str:
        return b"".join(behind_proxies(address, proxies)({**claimed}, lambda *_: None)).decode()

    assert seen(0) == "127.0.0.1"  # nothing in front: a buyer cannot claim another address
    assert seen(1) == "203.0.113.7"  # the address the one proxy saw, not what the buyer wrote before it
    assert seen(2) == "198.51.100.4"
