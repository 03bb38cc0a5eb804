"""The buyer's page as the tests reach and read it: the bot serving it, an autopsy asked for its
buyer's side (the link made as the rep's button makes it, through bot.asking), a page fetched
over HTTP, and its HTML read as a person and a browser would: its text, its headings, each control
with its label, and what the form would send."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import clock
from bot.asking import BuyerAsking
from bot.customer_side import FORM_TOKEN_FIELD, LinkKeys
from buyer_page.visit_limits import WINDOW
from playground.emulator import SlackEmulator
from storage import Store
from tests.support.bot_process import Bot, bot_env, start_bot
from tests.support.examples import save_lesson

PUBLIC_URL = "https://rebound.example.com"
# Everything the page's security promises, on every answer (buyer_page/site.py says why).
GUARDS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def public_bot(fake: SlackEmulator, database_url: str, cwd: Path, **extra: str) -> Bot:
    """`rebound serve` whose buyers' links lead to itself (REBOUND_PUBLIC_URL: its own address)."""
    env = bot_env(fake, database_url, **extra)
    env["REBOUND_PUBLIC_URL"] = f"http://127.0.0.1:{env['PORT']}"
    return start_bot(env, cwd, "--no-scheduler")  # the rep's DM is the sweep's: not the page's


@dataclass(frozen=True)
class Asked:
    """An autopsy whose buyer was sent a link: the path to their page and the ask's id."""

    autopsy_id: int
    ask_id: int
    token: str

    @property
    def path(self) -> str:
        return f"/ask/{self.token}"


def ask_buyer(
    store: Store, asking: BuyerAsking, *, team: str, deal: str = "Initech", company: str | None = None
) -> Asked:
    """A rep's autopsy of `deal` and the link to its buyer's page; the workspace named `company`."""
    autopsy_id = save_lesson(store, "U0REP", at=clock.now(), team=team, deal_name=deal)
    if company is not None:
        with store.write() as work:
            work.workspaces.save_settings(team, now=clock.now(), company_name=company)
    shown = asking.link(team_id=team, autopsy_id=autopsy_id, now=clock.now())
    return Asked(autopsy_id, shown.ask.id, shown.link.rsplit("/", 1)[1])


def asking_on(store: Store, secret: str, public_url: str = PUBLIC_URL) -> BuyerAsking:
    return BuyerAsking(store, LinkKeys(secret), public_url, days=30)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class PageRead:
    """What a page shows and what its form would send."""

    title: str = ""
    text: str = ""  # the words a person sees, entities decoded, spaces collapsed
    headings: list[str] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # a control's id: its label's words
    legends: list[str] = field(default_factory=list)

    def by_id(self, element_id: str) -> Element:
        return next(e for e in self.elements if e.attrs.get("id") == element_id)

    def control(self, label: str) -> Element:
        """The control a label names (as get_by_label finds it)."""
        ids = [key for key, words in self.labels.items() if words == label]
        assert len(ids) == 1, f"{label!r} labels {len(ids)} controls: {self.labels}"
        return self.by_id(ids[0])

    def form(self) -> dict[str, str]:
        """What the form would send as drawn: hidden and text fields, checked choices, text areas."""
        sent: dict[str, str] = {}
        for element in self.elements:
            name = element.attrs.get("name")
            if name is None:
                continue
            if element.tag == "textarea":
                sent[name] = element.text
            elif element.tag == "input" and element.attrs.get("type") == "radio":
                if "checked" in element.attrs:
                    sent[name] = element.attrs.get("value", "")
            elif element.tag == "input":
                sent[name] = element.attrs.get("value", "")
        return sent

    @property
    def form_token(self) -> str:
        return self.form()[FORM_TOKEN_FIELD]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageRead()
        self.open: list[tuple[Element, list[str]]] = []
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.page.elements.append(element)
        if tag not in ("input", "meta", "link", "br"):
            self.open.append((element, []))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            element, texts = self.open.pop()
            element.text = " ".join("".join(texts).split())
            if element.tag == "textarea":
                element.text = "".join(texts).removeprefix("\n")
            if element.tag == "title":
                self.page.title = element.text
            elif element.tag in ("h1", "h2"):
                self.page.headings.append(element.text)
            elif element.tag == "label":
                self.page.labels[element.attrs.get("for", "")] = element.text
            elif element.tag == "legend":
                self.page.legends.append(element.text)
            if element.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        for _, texts in self.open:
            texts.append(data)
        if not any(element.tag in ("title", "style", "script") for element, _ in self.open):
            self.words.append(data)


def read_page(html: str) -> PageRead:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join(" ".join(reader.words).split())
    return reader.page


def headers_of(response: Any) -> dict[str, str]:
    """The page's guards as a response carries them (Flask's or urllib's)."""
    return {name: response.headers.get(name) for name in GUARDS}


@dataclass(frozen=True)
class Fetched:
    """An answer over real HTTP, redirects not followed (a test sees the 303 itself)."""

    status: int
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def fetch(url: str, fields: dict[str, str] | None = None, *, body: bytes | None = None) -> Fetched:
    """GET `url`, or POST `fields` (form-encoded) or a raw `body` to it, as a browser would."""
    data = urlencode(fields).encode() if fields is not None else body
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with _opener.open(request, timeout=15) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.headers, error.read())


def status_through_a_proxy(url: str, client: str) -> int:
    """The status of a GET of `url` as a proxy in front (Caddy, nginx) passes it on: the buyer's
    address in X-Forwarded-For."""
    request = urllib.request.Request(url, headers={"X-Forwarded-For": client})
    try:
        with _opener.open(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def in_a_fresh_window(margin: float = 10) -> None:
    """Wait, if need be, until the page's limits have just started a new window on the machine's
    clock, so a test's requests are all counted in one window."""
    seconds = WINDOW.total_seconds()
    left = seconds - datetime.now(UTC).timestamp() % seconds
    if left < margin:
        time.sleep(left + 0.5)
