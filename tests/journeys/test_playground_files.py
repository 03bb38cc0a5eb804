"""A file Rebound sends shows on the playground's page as Slack's client shows it: the export as a
file card (title, type, size, a download link) whose link downloads the very CSV, at desktop and
phone width. Found by accessible names, in Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.support.browser_pages import browsing, type_command
from tests.support.playground_runs import start_playground, stop_playground

pytestmark = pytest.mark.xdist_group("playground_files")  # one browser for the module

DEAL = 'Acme, "Big" Inc.'
LESSON = "=Ask why, then listen."


def test_export_my_data_arrives_as_a_file_card_whose_link_downloads_the_csv(
    browser, page_playground, tmp_path: Path
):
    from playwright.sync_api import expect

    with browsing(browser, page_playground) as page:
        page.get_by_role("button", name="Rebound").click()
        type_command(page, f"/lost-deal {DEAL}")
        form = page.get_by_role("dialog", name="Lost deal autopsy")
        form.get_by_label("What happened?").select_option(label="Renewal lost")
        form.get_by_label("Who got the sale?").select_option(label="No decision")
        for group in form.get_by_role("radiogroup", name=re.compile(r"\?$")).all():  # the self-check
            group.get_by_label("Partly").check()
        form.get_by_label("Write it down: what happened, and how do you feel right now?").fill("Flat.")
        form.get_by_label("The lesson, in one sentence, for the team").fill(LESSON)
        form.get_by_role("button", name="Save").click()
        expect(form).to_be_hidden()

        page.get_by_role("button", name="Home").click()
        page.get_by_role("button", name="Export my data").click()
        page.get_by_role("button", name="Rebound").click()
        card = page.get_by_role("figure", name="Your autopsies in Rebound")
        expect(card).to_be_visible()
        expect(card).to_contain_text(re.compile(r"CSV · \d+(\.\d)? (B|KB)"))
        assert page.get_by_role("img", name="Your autopsies in Rebound").count() == 0  # no broken image

        page.screenshot(path=str(tmp_path / "export-card-desktop.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "export-card-phone.png"))

        with page.expect_download() as downloading:
            card.get_by_role("link", name="Download rebound-my-autopsies.csv").click()
        download = downloading.value
        assert download.suggested_filename == "rebound-my-autopsies.csv"
        content = Path(download.path()).read_bytes()
        [row] = csv.DictReader(io.StringIO(content.decode(), newline=""))
        assert (row["Deal or prospect"], row["What happened?"]) == (DEAL, "Renewal lost")
        assert row["Did I really listen to the prospect's needs?"] == "Partly"
        assert row["The lesson"] == "'" + LESSON
        shown = re.search(r"(\d+(?:\.\d)?) (B|KB)", card.inner_text())
        assert shown is not None
        size = float(shown[1]) * (1024 if shown[2] == "KB" else 1)
        assert abs(size - len(content)) <= max(0.05 * len(content), 1)  # the card tells the file's size
        assert page.problems == []  # type: ignore[attr-defined]
    print(f"screenshots in {tmp_path}")


def test_a_file_kept_from_a_playground_before_file_cards_still_shows_as_a_card(browser, tmp_path: Path):
    from playwright.sync_api import expect

    content = b"deal_name,lesson\r\nAcme,Ask why\r\n"
    old = {"id": "F1", "title": "Your autopsies in Rebound", "url": "/play/files/F1", "mimetype": "text/csv"}
    message = {
        "ts": "1764770000.000100",
        "channel": "D0RILEY",
        "user": "U0REBOUNDBOT",
        "text": "Your export",
        "blocks": [],
        "files": [old],
        "at": "2026-12-03T13:00:00+00:00",
        "edited": False,
    }
    kept = {"conversations": {"D0RILEY": [message]}, "homes": {}, "files": {"F1": "text/csv"}}
    (tmp_path / "rebound-playground" / "files").mkdir(parents=True)
    (tmp_path / "rebound-playground" / "files" / "F1").write_bytes(content)
    (tmp_path / "rebound-playground" / "slack.json").write_text(json.dumps(kept))
    playground = start_playground(tmp_path)
    try:
        with browsing(browser, playground) as page:
            page.get_by_role("button", name="Rebound").click()
            card = page.get_by_role("figure", name="Your autopsies in Rebound")
            expect(card).to_contain_text("File")
            with page.expect_download() as downloading:
                card.get_by_role("link", name="Download Your autopsies in Rebound").click()
            assert Path(downloading.value.path()).read_bytes() == content
            assert page.problems == []  # type: ignore[attr-defined]
    finally:
        assert stop_playground(playground) == 0
