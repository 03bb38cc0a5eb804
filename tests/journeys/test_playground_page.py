"""The playground's page in a real browser (Debian's headless Chromium, driven by Playwright),
found by accessible names as a screen reader would: the whole journey a newcomer takes, and a
hostile autopsy that must show as text and run nothing. Screenshots go to docs/ for the README.

Required when CI=true; elsewhere skipped, with the reason, when no browser is installed
(tests/support/browser_pages.py).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.browser_pages import (
    axe_or_skip,
    browser_or_skip,
    browsing,
    chromium_beside,
    serious_to_axe,
    type_command,
)
from tests.support.playground_runs import start_playground, stop_playground

# The demo playground is started once for this module and test_playground.py's demo test: one worker.
pytestmark = pytest.mark.xdist_group("playground_demo")

DOCS = ROOT / "docs"


@pytest.fixture
def page(browser, page_playground):
    with browsing(browser, page_playground) as opened:
        yield opened


def test_a_newcomer_loses_a_deal_and_sees_everything_rebound_does(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Rebound").click()
    type_command(page, "/lost-deal Acme")
    form = page.get_by_role("dialog", name="Lost deal autopsy")
    expect(form).to_be_visible()
    expect(form.get_by_label("Deal or prospect")).to_have_value("Acme")
    form.get_by_label("What happened?").select_option(label="Lost a new deal")
    form.get_by_label("Who got the sale?").select_option(label="A competitor")
    competitor = form.get_by_label("If it was a competitor, which one?")
    competitor.fill("Globex")  # the bot is asked for its options, as Slack asks it, and lists them
    expect(form.locator(f"#{competitor.get_attribute('list')} option").first).to_have_attribute(
        "value", "Globex"
    )
    for question in (
        "Did I really listen to the prospect's needs?",
        "Did I miss the timing because I didn't follow up well?",
        "Was I unaware of events in the market or among competitors?",
        "Was I too aggressive?",
    ):
        form.get_by_role("radiogroup", name=question).get_by_label("Partly").check()
    form.get_by_label("Write it down: what happened, and how do you feel right now?").fill("Gutted.")
    form.get_by_label("Touch base again on").fill((date.today() + timedelta(days=9)).isoformat())
    form.get_by_label("Want a teammate to think it through with you?").select_option(label="Sam Okafor")
    # The lesson left empty: the error shows under it, and the form stays open.
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_text(re.compile("Please write|required", re.I)).first).to_be_visible()
    form.get_by_label("The lesson, in one sentence, for the team").fill("Send the proposal within 48 hours.")
    expect(form.get_by_text(re.compile("Please write|required", re.I))).to_have_count(0)
    form.get_by_label("Deal or prospect").scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "playground-autopsy-form.png"))
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()
    expect(page.get_by_text("Thank you for writing this down while it's fresh.")).to_be_visible()
    page.get_by_role("button", name="Home").click()
    expect(page.get_by_text("Your autopsies (1)")).to_be_visible()
    # A week on: the revisit; the touch-base day: its DM, and "Snooze a week" redraws it.
    page.get_by_role("button", name="Rebound").click()
    page.get_by_role("button", name="+1 week").click()
    expect(page.get_by_text(re.compile(r"On \w+day \d{1,2} \w+ you wrote about Acme\."))).to_be_visible()
    page.get_by_role("button", name="Touch-base day").click()
    expect(page.get_by_text("Time to touch base with Acme.", exact=False)).to_be_visible()
    page.get_by_role("button", name="Snooze a week").click()
    expect(page.get_by_text("Snoozed: I'll remind you again on", exact=False)).to_be_visible()
    # The teammate asked for help sees their DM.
    page.get_by_label("You are").select_option(label="Sam Okafor")
    page.get_by_role("button", name="Rebound").click()
    expect(page.get_by_text("would value your help thinking it through", exact=False)).to_be_visible()
    # Friday: #lessons shows the digest and its chart.
    page.get_by_role("button", name="Friday's digest").click()
    page.get_by_role("button", name="#lessons").click()
    expect(page.get_by_text("Lessons learned", exact=False).first).to_be_visible()
    # A touch-base day after a Friday catches up that Friday's digest too: this week's is the last.
    expect(page.get_by_role("img", name=re.compile("Lost deals and deals won back")).last).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]


def write_autopsy(page, deal: str) -> None:
    """`/lost-deal <deal>`, lost on timing with every self-check a yes, saved."""
    from playwright.sync_api import expect

    type_command(page, f"/lost-deal {deal}")
    form = page.get_by_role("dialog", name="Lost deal autopsy")
    form.get_by_label("What happened?").select_option(label="Lost a new deal")
    form.get_by_label("Who got the sale?").select_option(label="No decision")
    form.get_by_label("The main reason, in a word").select_option(label="Timing or budget")
    for question in (
        "Did I really listen to the prospect's needs?",
        "Did I miss the timing because I didn't follow up well?",
        "Was I unaware of events in the market or among competitors?",
        "Was I too aggressive?",
    ):
        form.get_by_role("radiogroup", name=question).get_by_label("Yes").check()
    form.get_by_label("Write it down: what happened, and how do you feel right now?").fill("They went quiet.")
    form.get_by_label("The lesson, in one sentence, for the team").fill("Ask who signs, early.")
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()


def test_the_rep_asks_the_lost_buyer_whose_page_opens_in_a_new_tab_and_whose_answer_comes_back(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Rebound").click()
    page.get_by_role("button", name="+1 week").click()  # a working morning in New York
    write_autopsy(page, "Initech")
    page.get_by_role("button", name="Ask Initech for their side").last.click()
    asked = page.get_by_role("dialog", name="Their side")
    expect(asked.get_by_text("A note you can send with it", exact=False)).to_be_visible()
    with page.context.expect_page() as opening:
        asked.get_by_role("link", name="Open the page they'll see").click()
    buyer = opening.value  # the buyer's page, served by the bot itself, in a tab of its own
    buyer.set_viewport_size({"width": 360, "height": 780})  # as a buyer opens it on a phone
    buyer.wait_for_load_state()
    expect(buyer.get_by_role("heading", name="Your side of the story")).to_be_visible()
    buyer.get_by_role("group", name="What was the main reason you chose otherwise?").get_by_label(
        "The price"
    ).check()
    buyer.get_by_label("What would have changed your mind?").fill("A smaller first phase.")
    buyer.get_by_role("button", name="Send my answers").click()
    expect(buyer.get_by_role("heading", name="Thank you")).to_be_visible()
    buyer.close()
    asked.get_by_role("button", name="Done").click()
    # Their answers reach the rep once they can no longer change them: an hour on.
    page.get_by_role("button", name="+1 hour").click()
    expect(page.get_by_text("Initech answered.", exact=False)).to_be_visible()
    said = page.get_by_text("You thought it was timing; they said price.", exact=False)
    expect(said).to_be_visible()
    said.scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "playground-buyer-answered.png"))
    # App Home keeps their side with the autopsy; Friday's digest quotes them, the lesson being
    # shared with the rep's name, and one answer is too few for the rep-and-customer pattern.
    page.get_by_role("button", name="Home").click()
    expect(page.get_by_text("Their side", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Friday's digest").click()
    page.get_by_role("button", name="#lessons").click()
    expect(page.get_by_text("In the customer's words", exact=False).last).to_be_visible()
    expect(page.get_by_text("A smaller first phase.", exact=False).last).to_be_visible()
    expect(page.get_by_text("named the same main reason", exact=False)).to_have_count(0)
    assert page.problems == []  # type: ignore[attr-defined]


def test_three_buyers_answer_from_their_own_browsers_and_the_digest_compares_both_sides(browser, tmp_path):
    from playwright.sync_api import expect

    fresh = start_playground(tmp_path)  # its own: the digest counts every answer in the week
    try:
        with browsing(browser, fresh) as page:
            page.get_by_role("button", name="Rebound").click()
            page.get_by_role("button", name="+1 week").click()  # a working morning in New York
            # Each buyer opens the link the rep sent in a browser of their own: at a desk with
            # JavaScript off, at a desk with it on, on a phone with it off.
            buyers = [
                ("Globex", 1280, False, "The price", "A smaller first phase."),
                ("Hooli", 1280, True, "The timing or the budget", "Next quarter's budget."),
                ("Umbrella", 360, False, "The price", "A pilot."),
            ]
            for deal, width, scripts, reason, words in buyers:
                write_autopsy(page, deal)
                page.get_by_role("button", name=f"Ask {deal} for their side").last.click()
                asked = page.get_by_role("dialog", name="Their side")
                link = asked.get_by_role("link", name="Open the page they'll see").get_attribute("href")
                asked.get_by_role("button", name="Done").click()
                expect(asked).to_be_hidden()
                screen = {"width": width, "height": 800}
                own = browser.new_context(viewport=screen, java_script_enabled=scripts)
                try:
                    buyer = own.new_page()
                    buyer.goto(link)
                    expect(buyer.get_by_role("heading", name="Your side of the story")).to_be_visible()
                    question = "What was the main reason you chose otherwise?"
                    buyer.get_by_role("group", name=question).get_by_label(reason).check()
                    buyer.get_by_label("What would have changed your mind?").fill(words)
                    buyer.get_by_role("button", name="Send my answers").click()
                    expect(buyer.get_by_role("heading", name="Thank you")).to_be_visible()
                finally:
                    own.close()
            page.get_by_role("button", name="+1 hour").click()
            for deal in ("Globex", "Hooli", "Umbrella"):
                expect(page.get_by_text(f"{deal} answered.", exact=False)).to_be_visible()
            differed = page.get_by_text("You thought it was timing; they said price.", exact=False)
            expect(differed).to_have_count(2)
            page.get_by_role("button", name="Friday's digest").click()
            page.get_by_role("button", name="#lessons").click()
            for words in ("A smaller first phase.", "Next quarter's budget.", "A pilot."):
                expect(page.get_by_text(words, exact=False).last).to_be_visible()
            agreed = page.get_by_text("Rep and customer named the same main reason in 1 of 3", exact=False)
            expect(agreed).to_be_visible()
            agreed.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "digest-both-sides.png"))
            assert page.problems == []  # type: ignore[attr-defined]
    finally:
        assert stop_playground(fresh) == 0


def test_a_deal_lost_in_hubspot_arrives_as_a_kind_dm_whose_button_opens_the_form_filled_in(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Rebound").click()
    page.get_by_role("button", name="+1 week").click()  # a working morning in New York
    page.get_by_role("button", name="A deal was lost in HubSpot").click()
    said = page.get_by_role("status")
    expect(said).to_contain_text("Riley Chen has a DM from Rebound.")
    deal = re.search(r"HubSpot marked (.+) Closed Lost", said.inner_text())[1]
    prompt = page.get_by_text(f"Sorry about {deal}.", exact=False)
    expect(prompt).to_be_visible()
    expect(page.get_by_role("link", name="Open in HubSpot").last).to_be_visible()
    page.get_by_role("button", name="Do the autopsy").last.scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "playground-crm-prompt.png"))
    page.get_by_role("button", name="Do the autopsy").last.click()
    form = page.get_by_role("dialog", name="Lost deal autopsy")
    expect(form.get_by_label("Deal or prospect")).to_have_value(deal)
    form.get_by_role("button", name="Close").click()
    expect(form).to_be_hidden()
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_demo_team_s_digest_shows_its_patterns_and_chart(browser, demo_playground):
    """The first of this module's tests on the demo (file order, one worker): nothing pressed yet."""
    from playwright.sync_api import expect

    with browsing(browser, demo_playground) as page:
        # The demo's past Fridays' digests are there already; this Friday's comes last.
        page.get_by_role("button", name="#lessons").click()
        charts = page.get_by_role("img", name=re.compile("Lost deals and deals won back"))
        expect(charts.first).to_be_visible()
        before = charts.count()
        page.get_by_role("button", name="Friday's digest").click()
        expect(charts).to_have_count(before + 1, timeout=20_000)
        expect(page.get_by_text("This week's lessons").last).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 1060})  # the whole digest and its chart
        page.get_by_role("img").last.scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "playground-digest.png"))
        assert page.problems == []  # type: ignore[attr-defined]


def test_lessons_about_a_demo_competitor_show_as_a_card_only_the_rep_sees(browser, demo_playground):
    from playwright.sync_api import expect

    with browsing(browser, demo_playground) as page:
        cards = page.get_by_role("listitem").filter(has_text="Lessons about Initech")
        before = cards.count()  # another test may have asked already
        type_command(page, "/lost-deal lessons Initech")
        expect(cards).to_have_count(before + 1, timeout=10_000)
        card = cards.last
        expect(card).to_be_visible()
        expect(card.get_by_text("Show the ROI numbers before the renewal call")).to_be_visible()
        expect(card.get_by_text("Only visible to you")).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 1500})  # the whole card
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "playground-lessons.png"))
        assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [1280, 360])
def test_app_home_s_search_box_finds_a_demo_competitor_s_lessons_on_enter(
    browser, demo_playground, width, tmp_path
):
    """Enter in the box sends the block_actions Slack sends; the bot draws App Home again with the
    card under the box, which keeps what was typed, as Slack keeps an input's value."""
    from playwright.sync_api import expect

    with browsing(browser, demo_playground, width=width, height=900) as page:
        page.get_by_role("button", name="Home").click()
        box = page.get_by_role("textbox", name="A competitor, a main reason or any words")
        expect(box).to_have_accessible_description(re.compile("Press Enter to search"))
        box.fill("Initech")
        box.press("Enter")
        card = page.get_by_role("heading", name="Lessons about Initech")
        expect(card).to_be_visible(timeout=10_000)
        expect(box).to_have_value("Initech")
        expect(box).to_be_focused()
        expect(page.get_by_text("Deals lost (autopsies): 4 in the last 90 days", exact=False)).to_be_visible()
        # The demo's open action on an Initech lesson, owned by a teammate, under the card.
        opened = page.get_by_text(re.compile(r"Open actions \(1\)"))
        expect(opened).to_contain_text("Build a one-page ROI calculator the team can share with finance.")
        assert overflowing(page) == []
        page.get_by_role("heading", name="Lessons before your next pitch").evaluate(
            "(heading) => heading.scrollIntoView({block: 'start'})"
        )
        shot = DOCS / "playground-home-lessons.png" if width == 1280 else tmp_path / "phone.png"
        page.screenshot(path=str(shot))
        # Words that are not a competitor or a reason search the team's words, in the same place.
        box.fill("security review")
        box.press("Enter")
        expect(page.get_by_role("heading", name="Lessons that mention “security review”")).to_be_visible()
        expect(card).to_be_hidden()
        assert page.problems == []  # type: ignore[attr-defined]


def test_a_hostile_autopsy_shows_as_text_and_runs_nothing(page):
    from playwright.sync_api import expect

    page.evaluate("window.fired = false")
    page.get_by_role("button", name="Rebound").click()
    hostile = "<script>window.fired=true</script><img src=x onerror=window.fired=true> <!channel> שלום 🎉"
    type_command(page, f"/lost-deal {hostile}")
    form = page.get_by_role("dialog", name="Lost deal autopsy")
    expect(form.get_by_label("Deal or prospect")).to_have_value(hostile[:150])
    form.get_by_label("What happened?").select_option(label="Lost a new deal")
    form.get_by_label("Who got the sale?").select_option(label="No decision")
    for group in form.get_by_role("radiogroup", name=re.compile(r"\?$")).all():  # the self-check
        group.get_by_label("No").check()
    form.get_by_label("Write it down: what happened, and how do you feel right now?").fill(hostile)
    form.get_by_label("The lesson, in one sentence, for the team").fill(hostile)
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()
    # Home lists it as the characters typed: no element made of them, nothing run.
    page.get_by_role("button", name="Home").click()
    expect(page.get_by_text("<script>window.fired=true</script>", exact=False).first).to_be_visible()
    expect(page.get_by_text("<!channel> שלום 🎉", exact=False).first).to_be_visible()
    assert page.locator("img[src='x'], main script, [onerror]").count() == 0
    assert page.evaluate("window.fired") is False
    assert page.locator("script:not([src])").count() == 0
    assert page.problems == []  # type: ignore[attr-defined]


def dejavu_and_emoji_only(folder: Path) -> dict[str, str]:
    """The environment of a browser that sees only DejaVu and Noto Color Emoji, as on a Debian
    desktop with no other fonts: whatever font a page names that is missing, it gets one of these."""
    fonts = folder / "fonts"
    fonts.mkdir()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "NotoColorEmoji.ttf"):
        found = next(Path("/usr/share/fonts").rglob(name), None)
        if found is None:
            missing = f"no {name} (apt-get install fonts-dejavu-core fonts-noto-color-emoji)"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true needs the font test: {missing}")
            pytest.skip(missing)
        (fonts / name).symlink_to(found)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<fontconfig>\n'
        f"  <dir>{fonts}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n"
        '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n</fontconfig>\n'
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


def fonts_drawing_each_text(page) -> dict[str, set[str]]:
    """Each piece of text on the page (an element's own text, or what a form control shows) and the
    fonts Chromium drew it with, as its DevTools report them: for the element and what it holds."""
    texts = page.evaluate(
        """() => {
            const found = [];
            for (const node of document.body.querySelectorAll("*")) {
                const own = node.matches("input, textarea")
                    ? node.value
                    : node.matches("select")
                      ? node.selectedOptions[0]?.text ?? ""
                      : [...node.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE)
                          .map((c) => c.textContent).join("");
                if (own.trim()) {
                    node.dataset.fontProbe = String(found.length);
                    const held = node.matches("input, textarea, select") ? own : node.textContent;
                    found.push([own.trim(), held]);
                }
            }
            return found;
        }"""
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    drawn: dict[str, set[str]] = {}
    for index, (text, held) in enumerate(texts):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-font-probe="{index}"]'})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        drawn.setdefault(text if text == held.strip() else f"{text} (around {held!r})", set()).update(
            font["familyName"] for font in fonts
        )
    return drawn


def test_digits_and_spaces_are_drawn_in_a_text_font_where_only_dejavu_and_an_emoji_font_are_installed(
    browser, tmp_path
):
    from playwright.sync_api import expect

    browser_or_skip()
    # Its own playground, so nothing another test left redraws the page while it is read.
    fresh = start_playground(tmp_path)
    try:
        with chromium_beside(browser, dejavu_and_emoji_only(tmp_path)) as own, browsing(own, fresh) as page:
            page.get_by_role("button", name="Rebound").click()
            type_command(page, "/lost-deal help")
            expect(page.get_by_text("Only visible to you").first).to_be_visible()
            type_command(page, "/lost-deal Party 🎉 2026")
            expect(page.get_by_role("dialog").get_by_label("Deal or prospect")).to_have_value("Party 🎉 2026")
            page.screenshot(path=str(tmp_path / "dejavu-and-emoji.png"))
            drawn = fonts_drawing_each_text(page)
            assert drawn["+1 week"] == {"DejaVu Sans"}
            emoji = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
            in_emoji_font = {text: fonts for text, fonts in drawn.items() if any("Emoji" in f for f in fonts)}
            assert [text for text in in_emoji_font if not emoji.search(text)] == []
            assert drawn["Party 🎉 2026"] == {"DejaVu Sans", "Noto Color Emoji"}  # the emoji in colour
            # And on any machine: no font stack names an emoji font, since Chromium draws digits and
            # spaces from a named one even when it comes last; the system's fallback draws the emoji.
            stacks = page.evaluate(
                """() => [...new Set([...document.querySelectorAll("*")].map(
                    (e) => getComputedStyle(e).fontFamily))]"""
            )
            assert [stack for stack in stacks if re.search("emoji", stack, re.I)] == []
            assert page.problems == []  # type: ignore[attr-defined]
    finally:
        assert stop_playground(fresh) == 0


def overflowing(page) -> list[str]:
    """What runs past the window's right edge or past a box that should hold it: the document, the
    conversation, an open modal's body, any element drawn in them."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            const page = document.documentElement.scrollWidth;
            if (page > width) out.push(`the document: ${page}px`);
            for (const box of document.querySelectorAll("#place, .modal-body")) {
                const [wide, shown] = [box.scrollWidth, box.clientWidth];
                if (wide > shown + 1) out.push(`${box.id || box.className}: ${wide}px in ${shown}px`);
            }
            for (const node of document.querySelectorAll("main *, .modal *")) {
                const right = node.getBoundingClientRect().right;
                if (right > width + 1) out.push(`${node.tagName} ${node.className}: right edge ${right}px`);
            }
            return out;
        }"""
    )


@pytest.mark.parametrize("width", [420, 360])
def test_at_phone_width_the_conversation_takes_the_window_and_nothing_runs_past_it(
    browser, demo_playground, width, tmp_path
):
    from playwright.sync_api import expect

    with browsing(browser, demo_playground, width=width, height=780) as page:
        page.get_by_role("button", name="Rebound").click()
        type_command(page, "/lost-deal help")
        expect(page.get_by_text("Only visible to you").first).to_be_visible()
        assert page.locator(".topbar").bounding_box()["height"] <= 100
        conversations = page.get_by_role("navigation", name="Conversations").bounding_box()
        assert conversations["height"] <= 48 and conversations["width"] == width  # a strip, not a column
        box = page.get_by_role("textbox", name="Message")
        expect(box).to_be_in_viewport()  # below the conversation, which scrolls
        assert box.bounding_box()["width"] >= 0.8 * width
        assert overflowing(page) == []
        page.screenshot(path=str(tmp_path / f"phone-{width}-dm.png"))
        page.get_by_role("button", name="Friday's digest").click()
        page.get_by_role("button", name="#lessons").click()
        chart = page.get_by_role("img", name=re.compile("Lost deals and deals won back")).last
        expect(chart).to_be_visible(timeout=20_000)  # drawn by the sweep, on a machine that may be busy
        assert overflowing(page) == []
        page.screenshot(path=str(tmp_path / f"phone-{width}-digest.png"))
        page.get_by_role("button", name="Home").click()
        page.get_by_role("button", name="Log a lost deal").click()
        form = page.get_by_role("dialog", name="Lost deal autopsy")
        expect(form).to_be_visible()
        assert form.bounding_box()["width"] == width  # the whole window, as Slack's app shows a modal
        body = page.locator(".modal-body").bounding_box()
        for control in form.locator("input, select, textarea").all():
            control.scroll_into_view_if_needed()
            box = control.bounding_box()
            assert body["x"] <= box["x"] and box["x"] + box["width"] <= body["x"] + body["width"], control
        assert overflowing(page) == []
        expect(form.get_by_role("button", name="Save")).to_be_in_viewport()
        form.get_by_label("Deal value").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"phone-{width}-form.png"))
        form.get_by_role("button", name="Close").click()
        expect(form).to_be_hidden()
        assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_nothing_serious_on_the_page_or_in_any_modal(browser, demo_playground, width):
    from playwright.sync_api import expect

    script = axe_or_skip()
    found: dict[str, list[str]] = {}

    def check(where: str) -> None:
        found[where] = serious_to_axe(page, script)

    with browsing(browser, demo_playground, width=width, height=800) as page:
        page.get_by_role("button", name="Rebound").click()
        type_command(page, "/lost-deal help")
        expect(page.get_by_text("Only visible to you").first).to_be_visible()
        check("the DM")
        page.get_by_role("button", name="Home").click()
        expect(page.get_by_text("Your autopsies")).to_be_visible()
        page.get_by_role("button", name="More actions").first.click()
        check("Home, an autopsy's menu open")
        choose_from_menu(page, "Edit")  # again if a sweep's redraw of Home closed the menu
        dialog = page.get_by_role("dialog", name="Edit your autopsy")
        expect(dialog).to_be_visible()
        check("the form to edit an autopsy")
        dialog.get_by_role("button", name="Close").click()
        choose_from_menu(page, "Delete")
        dialog = page.get_by_role("dialog", name="Delete this autopsy?")
        expect(dialog).to_be_visible()
        check("the confirmation before deleting")
        dialog.get_by_role("button", name="Close").click()
        page.get_by_role("button", name="Log a lost deal").click()
        dialog = page.get_by_role("dialog", name="Lost deal autopsy")
        dialog.get_by_label("Deal or prospect").fill("Axe Analytics")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog.get_by_text("Please complete this required field.").first).to_be_visible()
        check("the autopsy form, its errors showing")
        dialog.get_by_label("What happened?").select_option(label="Lost a new deal")
        dialog.get_by_label("Who got the sale?").select_option(label="No decision")
        for group in dialog.get_by_role("radiogroup", name=re.compile(r"\?$")).all():
            group.get_by_label("Partly").check()
        dialog.get_by_label("Write it down: what happened, and how do you feel right now?").fill("Flat.")
        dialog.get_by_label("The lesson, in one sentence, for the team").fill("Ask who signs, on day one.")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        page.get_by_role("button", name="Rebound").click()
        page.get_by_role("button", name="+1 week").click()
        page.get_by_role("button", name="Add what I see now").last.click()
        dialog = page.get_by_role("dialog", name="Revisit your notes")
        expect(dialog).to_be_visible()
        check("the revisit")
        dialog.get_by_role("button", name="Close").click()
        page.get_by_label("You are").select_option(label="Dana Ruiz")
        page.get_by_role("button", name="Home").click()
        page.get_by_role("button", name="Workspace settings").click()
        dialog = page.get_by_role("dialog", name="Workspace settings")
        expect(dialog).to_be_visible()
        check("the workspace settings")
        dialog.get_by_role("button", name="Close").click()
        page.get_by_role("button", name="Friday's digest").click()
        page.get_by_role("button", name="#lessons").click()
        expect(page.get_by_role("img", name=re.compile("Lost deals and deals won back")).last).to_be_visible(
            timeout=20_000
        )
        check("#lessons and its digest")
        assert page.problems == []  # type: ignore[attr-defined]
    assert {where: said for where, said in found.items() if said} == {}


def test_the_form_marks_its_required_fields_in_the_markup(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Rebound").click()
    type_command(page, "/lost-deal Acme")
    form = page.get_by_role("dialog", name="Lost deal autopsy")
    expect(form).to_be_visible()
    marked = "(e) => e.required || e.getAttribute('aria-required') === 'true'"
    required = [
        form.get_by_label("Deal or prospect"),
        form.get_by_label("What happened?"),
        form.get_by_label("Who got the sale?"),
        form.get_by_label("Write it down: what happened, and how do you feel right now?"),
        form.get_by_label("The lesson, in one sentence, for the team"),
        form.get_by_role("radiogroup", name="Share this autopsy"),
        *form.get_by_role("radiogroup", name=re.compile(r"\?$")).all(),  # the self-check
    ]
    assert len(required) == 10
    assert [control.evaluate(marked) for control in required] == [True] * len(required)
    optional = [
        form.get_by_label("Deal value"),
        form.get_by_label("If it was a competitor, which one?"),
        form.get_by_label("The main reason, in a word"),
        form.get_by_label("Why did they win?"),
        form.get_by_label("Touch base again on"),
        form.get_by_label("Want a teammate to think it through with you?"),
    ]
    assert [control.evaluate(marked) for control in optional] == [False] * len(optional)
    form.get_by_role("button", name="Close").click()
    expect(form).to_be_hidden()
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [1280, 360])
def test_a_time_the_clock_refuses_goes_back_to_the_clock_s_time_and_the_reason_shows_beside_it(
    browser, page_playground, width, tmp_path
):
    from playwright.sync_api import expect

    with browsing(browser, page_playground, width=width) as page:
        clock = page.get_by_label("Playground time")
        expect(clock).not_to_have_value("")
        now = datetime.fromisoformat(clock.input_value())
        clock.fill(f"{now - timedelta(days=3):%Y-%m-%dT%H:%M}")
        clock.press("Enter")
        reason = page.get_by_text("Not moved: the playground's clock only goes forward.")
        expect(reason).to_be_in_viewport()
        expect(clock).to_have_value(f"{now:%Y-%m-%dT%H:%M}")
        expect(clock).to_have_accessible_description(re.compile("the playground's clock only goes forward"))
        page.screenshot(path=str(tmp_path / f"clock-refused-{width}.png"))
        # A time ahead is taken, and the reason goes.
        clock.fill(f"{now + timedelta(hours=2):%Y-%m-%dT%H:%M}")
        clock.press("Enter")
        expect(reason).to_be_hidden()
        expect(page.get_by_text(f"{now + timedelta(hours=2):%-d %b %Y, %H:%M}")).to_be_visible()
        refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
        assert page.problems == [refused]  # type: ignore[attr-defined]


def test_what_the_rep_types_while_rebound_answers_is_kept_when_the_answer_arrives(page):
    from playwright.sync_api import expect

    # The first command's reply is held until the rep has typed the next one, as on a slow network.
    held = []
    page.route("**/play/command", lambda route: held.append(route))
    page.get_by_role("button", name="Rebound").click()
    type_command(page, "/lost-deal help")
    box = page.get_by_role("textbox", name="Message")
    for _ in range(250):  # route handlers run while Playwright waits
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    box.fill("/lost-deal Globex")
    held[0].continue_()
    page.unroute("**/play/command")
    expect(page.get_by_text("Only visible to you").first).to_be_visible()
    expect(box).to_have_value("/lost-deal Globex")
    box.press("Enter")
    expect(page.get_by_role("dialog").get_by_label("Deal or prospect")).to_have_value("Globex")
    expect(box).to_have_value("")


def shoot(page, path: Path) -> None:
    """The page at desktop and at phone width, as `path` with -desktop and -phone."""
    for width, height, name in ((1280, 800, "desktop"), (420, 860, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(path.with_name(f"{path.stem}-{name}.png")))
    page.set_viewport_size({"width": 1280, "height": 800})


def choose_from_menu(page, item: str) -> None:
    """Open the first overflow menu and choose `item`; again if the page was redrawn meanwhile
    (a sweep's news closes an open menu, as a new Home view does in Slack)."""
    from playwright.sync_api import TimeoutError as NotThere

    for _ in range(5):
        if not page.get_by_role("menuitem", name=item).first.is_visible():
            page.get_by_role("button", name="More actions").first.click()
        try:
            page.get_by_role("menuitem", name=item).first.click(timeout=3000)
            return
        except NotThere:
            continue
    raise AssertionError(f"the menu never offered {item!r}")


def test_the_teammate_reads_about_the_reps_deal_and_sees_it_taken_down_when_deleted(browser, tmp_path):
    """Riley asks Sam for help with a deal named with mrkdwn in it; Sam's DM speaks of Riley's
    deal and shows the name as typed. Riley deletes it behind a red button; Sam's DM then says
    so, with no buttons left. Dana, an admin, saves the settings and sees them saved."""
    from playwright.sync_api import expect

    browser_or_skip()
    shots = tmp_path / "shots"
    shots.mkdir()
    (tmp_path / "run").mkdir()
    playground = start_playground(tmp_path / "run")
    try:
        with browsing(browser, playground) as page:
            page.get_by_role("button", name="Rebound").click()
            type_command(page, "/lost-deal *Initech* renewal")
            form = page.get_by_role("dialog", name="Lost deal autopsy")
            form.get_by_label("What happened?").select_option(label="Renewal lost")
            form.get_by_label("Who got the sale?").select_option(label="A competitor")
            form.get_by_label("If it was a competitor, which one?").fill("Globex")
            form.get_by_label("What did the customer say when you asked why?").fill("Globex called first.")
            for group in form.get_by_role("radiogroup", name=re.compile(r"\?$")).all():
                group.get_by_label("Partly").check()
            form.get_by_label("Write it down: what happened, and how do you feel right now?").fill("Flat.")
            form.get_by_label("The lesson, in one sentence, for the team").fill("Call before they do.")
            form.get_by_label("Want a teammate to think it through with you?").select_option(
                label="Sam Okafor"
            )
            form.get_by_role("button", name="Save").click()
            expect(form).to_be_hidden()
            page.get_by_role("button", name="+1 week").click()  # the help request reaches Sam

            page.get_by_label("You are").select_option(label="Sam Okafor")
            page.get_by_role("button", name="Rebound").click()
            request = page.get_by_role("listitem").filter(has_text="would value your help").last
            deal = "\u2217Initech\u2217 renewal"  # the asterisks typed, drawn as look-alikes: no bold
            expect(request).to_contain_text(f"@Riley Chen lost {deal}")
            expect(request).to_contain_text("What the customer told @Riley Chen:")
            expect(request).to_contain_text("@Riley Chen's lesson:")
            expect(request).not_to_contain_text("Your lesson")
            expect(request.locator("b", has_text=deal)).to_have_count(1)  # one bold run: the whole name
            request.scroll_into_view_if_needed()
            shoot(page, shots / "help-request")

            page.get_by_label("You are").select_option(label="Riley Chen")
            page.get_by_role("button", name="Home").click()
            expect(page.get_by_text("Your autopsies (1)")).to_be_visible()
            choose_from_menu(page, "Delete")
            confirm = page.get_by_role("dialog", name="Delete this autopsy?")
            expect(confirm.get_by_role("button", name="Delete it")).to_have_class(re.compile(r"\bdanger\b"))
            shoot(page, shots / "delete-confirmation")
            confirm.get_by_role("button", name="Delete it").click()
            done = page.get_by_role("dialog", name="Deleted")
            expect(done).to_contain_text("The help request you sent @Sam Okafor now says you took it down.")
            done.get_by_role("button", name="Close").first.click()
            expect(page.get_by_text("Your autopsies (0)")).to_be_visible()

            page.get_by_label("You are").select_option(label="Sam Okafor")
            page.get_by_role("button", name="Rebound").click()
            taken_down = page.get_by_text(
                "@Riley Chen took this autopsy down, so there's nothing to answer here any more."
            )
            expect(taken_down).to_be_visible()
            expect(page.get_by_role("button", name="I'll reach out")).to_have_count(0)
            expect(page.get_by_text("Call before they do.")).to_have_count(0)
            shoot(page, shots / "help-request-taken-down")

            page.get_by_label("You are").select_option(label="Dana Ruiz")
            page.get_by_role("button", name="Home").click()
            page.get_by_role("button", name="Workspace settings").click()
            settings = page.get_by_role("dialog", name="Workspace settings")
            settings.get_by_role("button", name="Save").click()
            expect(settings).to_contain_text("Saved.")
            expect(settings).to_contain_text("Follow-ups: suggest touching base after 90 days")
            shoot(page, shots / "settings-saved")
            assert page.problems == []  # type: ignore[attr-defined]
    finally:
        assert stop_playground(playground) == 0
