"""The buyer's page in a real browser (Debian's headless Chromium, driven by Playwright), served by
the real bot, found by accessible names as a screen reader would: at phone and desktop width,
answered with JavaScript off and on, by keyboard alone, with hostile words shown as text, axe-core
finding nothing against WCAG 2.1 AA, and the page's weight. Screenshots go to docs/ for the README.

Required when CI=true; elsewhere skipped, with the reason, when no browser is installed
(tests/support/browser_pages.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import clock
from storage import BuyerAsk
from tests.support import ROOT
from tests.support.browser_pages import axe_or_skip, wcag_violations
from tests.support.buyer_pages import Asked, ask_buyer, asking_on
from tests.support.slack_requests import SIGNING_SECRET

# The module's tests share one bot and one browser: one worker runs them.
pytestmark = pytest.mark.xdist_group("buyer_page_browser")

DOCS = ROOT / "docs"
TEAM = "T0BROWSER"
COMPANY = "Northwind Analytics"
HOSTILE = "<script>window.fired=true</script><img src=x onerror=window.fired=true> <!channel> שלום 🎉"


@pytest.fixture
def ask(buyer_site):
    """A new link for each call, to an autopsy of `deal` (the company named unless told otherwise)."""
    bot, store = buyer_site
    asking = asking_on(store, SIGNING_SECRET, bot.url)

    def asked(deal: str = "Initech", company: str | None = COMPANY) -> Asked:
        return ask_buyer(store, asking, team=TEAM, deal=deal, company=company)

    return asked


@contextmanager
def buyer_page(browser, bot, asked: Asked, *, width: int, **options: Any) -> Iterator[Any]:
    """The link opened in a fresh context, as a buyer's browser would, collecting what went wrong
    (a refused style or script shows as a console error) and every response it was sent."""
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    try:
        page = context.new_page()
        page.problems = []  # type: ignore[attr-defined]
        page.responses = []  # type: ignore[attr-defined]
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("response", lambda response: page.responses.append(response))
        page.goto(f"{bot.url}{asked.path}")
        yield page
    finally:
        context.close()


def stored(buyer_site, asked: Asked) -> BuyerAsk:
    _, store = buyer_site
    with store.read() as work:
        found = work.session.get(BuyerAsk, asked.ask_id)
        assert found is not None
        return found


def overflowing(page) -> list[str]:
    """What runs past the window's right edge: the document, or anything drawn in it."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) out.push("the document");
            for (const node of document.querySelectorAll("main *")) {
                const right = node.getBoundingClientRect().right;
                if (right > width + 1) out.push(`${node.tagName}#${node.id}: right edge ${right}px`);
            }
            return out;
        }"""
    )


@pytest.mark.parametrize(
    ("width", "shot", "whole"), [(360, "buyer-page-phone.png", False), (1280, "buyer-page-desktop.png", True)]
)
def test_at_phone_and_desktop_width_the_page_is_one_calm_column_within_the_window(
    browser, buyer_site, ask, width, shot, whole
):
    from playwright.sync_api import expect

    bot, _ = buyer_site
    with buyer_page(browser, bot, ask(), width=width) as page:
        expect(page.get_by_role("heading", name="Your side of the story")).to_be_visible()
        page.screenshot(
            path=str(DOCS / shot), full_page=whole
        )  # the phone's first screen; all of it on a desk
        assert overflowing(page) == []
        main = page.locator("main").bounding_box()
        assert main["width"] <= min(width, 38 * 16)  # a column a line can be read across
        for choice in page.get_by_role("radio").all():
            label = page.locator(f"label[for='{choice.get_attribute('id')}']").bounding_box()
            assert label["height"] >= 44, choice  # a thumb's target
        box = page.get_by_label("What would have changed your mind?").bounding_box()
        assert box["x"] >= main["x"] and box["x"] + box["width"] <= main["x"] + main["width"]
        send = page.get_by_role("button", name="Send my answers")
        send.scroll_into_view_if_needed()
        expect(send).to_be_in_viewport()
        assert page.problems == []  # type: ignore[attr-defined]


def test_a_buyer_answers_with_javascript_off_and_can_change_their_answers(browser, buyer_site, ask, tmp_path):
    from playwright.sync_api import expect

    bot, _ = buyer_site
    asked = ask()
    with buyer_page(browser, bot, asked, width=360, java_script_enabled=False) as page:
        reason = page.get_by_role("group", name="What was the main reason you chose otherwise?")
        reason.get_by_role("radio", name="The timing or the budget").check()
        page.get_by_label("What would have changed your mind?").fill("A pilot that started in spring.")
        page.get_by_role("group", name="From 1 to 5").get_by_role("radio", name="4: Good").check()
        page.get_by_role("radio", name="Maybe later, not now").check()
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        expect(page.get_by_text(f"Your answers are with {COMPANY}.")).to_be_visible()
        page.screenshot(path=str(tmp_path / "thanks-360.png"))
        page.get_by_role("link", name="change my answers").click()
        expect(page.get_by_text("You can change them for another", exact=False)).to_be_visible()
        expect(page.get_by_role("radio", name="The timing or the budget")).to_be_checked()
        page.get_by_label("Or in a few words").fill("Patient, and clear about cost.")
        page.get_by_role("button", name="Send my changes").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        assert page.problems == []  # type: ignore[attr-defined]
    kept = stored(buyer_site, asked)
    assert (kept.main_reason, kept.changed_mind, kept.working_score, kept.working_with, kept.may_contact) == (
        "timing",
        "A pilot that started in spring.",
        4,
        "Patient, and clear about cost.",
        "later",
    )


def test_a_buyer_answers_with_javascript_on_and_hostile_words_show_as_text_running_nothing(
    browser, buyer_site, ask
):
    from playwright.sync_api import expect

    bot, _ = buyer_site
    asked = ask(company=HOSTILE[:80])
    with buyer_page(browser, bot, asked, width=1280) as page:
        expect(page.get_by_text(HOSTILE[:80]).first).to_be_visible()  # who asks, as they spelled it
        page.get_by_label("If it was something else, what was it?").fill(HOSTILE)
        page.get_by_label("What would have changed your mind?").fill(HOSTILE)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        page.get_by_role("link", name="change my answers").click()
        expect(page.get_by_role("radio", name="Something else")).to_be_checked()  # the words say which
        expect(page.get_by_label("What would have changed your mind?")).to_have_value(HOSTILE)
        expect(page.get_by_label("If it was something else, what was it?")).to_have_value(HOSTILE[:200])
        assert page.evaluate("window.fired") is None  # nothing they wrote ran
        assert page.locator("img, script").count() == 0
        assert page.problems == []  # type: ignore[attr-defined]
    assert stored(buyer_site, asked).changed_mind == HOSTILE


def test_a_buyer_answers_by_keyboard_alone(browser, buyer_site, ask):
    from playwright.sync_api import expect

    bot, _ = buyer_site
    asked = ask()
    with buyer_page(browser, bot, asked, width=1280) as page:
        keys = page.keyboard
        keys.press("Tab")  # into the first question: its first choice
        first = page.get_by_role("radio", name="The price")
        expect(first).to_be_focused()
        ring = page.locator("label[for='main_reason-price']")
        assert ring.evaluate("(label) => getComputedStyle(label).outlineStyle") == "solid"  # focus is seen
        keys.press("Space")
        expect(first).to_be_checked()
        keys.press("ArrowDown")  # the next choice, chosen as it is reached
        expect(page.get_by_role("radio", name="The product or its features")).to_be_checked()
        keys.press("Tab")
        expect(page.get_by_label("If it was something else, what was it?")).to_be_focused()
        keys.press("Tab")
        expect(page.get_by_label("What would have changed your mind?")).to_be_focused()
        keys.type("A demo with our own data.")
        keys.press("Tab")
        expect(page.get_by_role("radio", name="1: Hard work")).to_be_focused()
        for _ in range(4):
            keys.press("ArrowRight")
        expect(page.get_by_role("radio", name="5: A pleasure")).to_be_checked()
        keys.press("Tab")
        keys.type("Kind, and quick to answer.")
        keys.press("Tab")
        expect(page.get_by_role("radio", name="Yes, you may get in touch")).to_be_focused()
        keys.press("Space")
        keys.press("Tab")
        expect(page.get_by_role("button", name="Send my answers")).to_be_focused()
        keys.press("Enter")
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        assert page.problems == []  # type: ignore[attr-defined]
    kept = stored(buyer_site, asked)
    assert (kept.main_reason, kept.changed_mind, kept.working_score, kept.working_with, kept.may_contact) == (
        "product_fit",
        "A demo with our own data.",
        5,
        "Kind, and quick to answer.",
        "yes",
    )


def test_axe_finds_nothing_against_wcag_2_1_aa_on_any_of_the_buyer_s_pages(browser, buyer_site, ask):
    from playwright.sync_api import expect

    script = axe_or_skip()
    bot, store = buyer_site
    asking = asking_on(store, SIGNING_SECRET, bot.url)
    found: dict[str, list[str]] = {}
    for width, scheme in ((360, "light"), (1280, "dark")):
        asked = ask()
        with buyer_page(browser, bot, asked, width=width, color_scheme=scheme) as page:
            found[f"the questions, {width} px, {scheme}"] = wcag_violations(page, script)
            page.get_by_role("button", name="Send my answers").click()
            expect(page.get_by_role("alert")).to_contain_text("Please answer at least one question")
            found[f"the errors, {width} px, {scheme}"] = wcag_violations(page, script)
            page.get_by_role("radio", name="The price").check()
            page.get_by_role("button", name="Send my answers").click()
            expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
            found[f"the thank-you page, {scheme}"] = wcag_violations(page, script)
            page.get_by_role("link", name="change my answers").click()
            expect(page.get_by_role("button", name="Send my changes")).to_be_visible()
            found[f"the answers to change, {scheme}"] = wcag_violations(page, script)
            page.goto(f"{bot.url}/ask/{'C' * 43}")
            expect(page.get_by_role("heading", name="This link doesn't lead anywhere")).to_be_visible()
            found[f"an unknown link, {scheme}"] = wcag_violations(page, script)
            page.goto(f"{bot.url}{ask().path}")
            page.locator("input[name=form_token]").evaluate("(token) => { token.value = 'forged' }")
            page.get_by_role("radio", name="The price").check()
            page.get_by_role("button", name="Send my answers").click()
            expect(page.get_by_role("heading", name="This form can't be sent from here")).to_be_visible()
            found[f"a forged form, {scheme}"] = wcag_violations(page, script)
            withdrawn = ask()
            asking.withdraw(team_id=TEAM, autopsy_id=withdrawn.autopsy_id, now=clock.now())
            page.goto(f"{bot.url}{withdrawn.path}")
            expect(page.get_by_role("heading", name="These questions are closed")).to_be_visible()
            found[f"a withdrawn link, {scheme}"] = wcag_violations(page, script)
    assert found == {where: [] for where in found}


def test_the_page_and_its_style_weigh_under_30_kb_and_nothing_else_is_fetched(browser, buyer_site, ask):
    from playwright.sync_api import expect

    bot, _ = buyer_site
    with buyer_page(browser, bot, ask(), width=360) as page:
        expect(page.get_by_role("button", name="Send my answers")).to_be_visible()
        page.wait_for_load_state("load")
        fetched = [(response.request.resource_type, response.url) for response in page.responses]
        assert fetched == [("document", page.url), ("stylesheet", f"{bot.url}/ask/static/page.css")]
        weight = sum(len(response.body()) for response in page.responses)
        assert weight < 30 * 1024, weight
        assert page.problems == []  # type: ignore[attr-defined]
