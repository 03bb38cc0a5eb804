"""manifest.yml is the one place that declares what the app asks Slack for; the code agrees with it."""

from __future__ import annotations

import re

from rebound.app import BOT_SCOPES
from tests.support import ROOT


def test_an_install_asks_for_the_scopes_the_manifest_lists():
    manifest = (ROOT / "manifest.yml").read_text()
    bot_scopes = manifest.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    listed = re.findall(r"^\s+- ([a-z:.]+)", bot_scopes, flags=re.MULTILINE)
    assert tuple(listed) == BOT_SCOPES


def test_slack_loads_the_competitor_names_from_where_rebound_listens():
    interactivity = (ROOT / "manifest.yml").read_text().split("  interactivity:\n", 1)[1]
    urls = dict(re.findall(r"^    ([a-z_]+): (https://\S+)$", interactivity, flags=re.MULTILINE))
    assert urls["message_menu_options_url"] == urls["request_url"]
