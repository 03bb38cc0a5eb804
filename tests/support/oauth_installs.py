"""Add to Slack as a browser does it, against a bot that takes OAuth installs."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from tests.support.bot_process import Bot

CLIENT_ID, CLIENT_SECRET = "111.222", "client-secret-for-tests"


def browser_get(url: str, cookie: str = "") -> tuple[int, str, str]:
    """GET `url` with `cookie`: (status, body, the Set-Cookie header)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


def install(bot: Bot, team: str) -> None:
    """Add to Slack, as a browser does: the install page, then Slack's redirect back with a code."""
    status, page, cookie = browser_get(f"{bot.url}/slack/install")
    assert status == 200, page
    state = re.search(r"state=([\w-]+)", page)
    assert state and f"client_id={CLIENT_ID}" in page
    status, page, _ = browser_get(
        f"{bot.url}/slack/oauth_redirect?code=code-{team}&state={state[1]}", cookie=cookie.split(";")[0]
    )
    assert status == 200, page
