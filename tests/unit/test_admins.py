"""Who may change a workspace's settings: Slack's admins and owners, and REBOUND_ADMINS."""

from __future__ import annotations

from bot.admins import Admins
from bot.config import load_settings


def test_rebound_admins_are_admins_without_asking_slack(tmp_path):
    settings = load_settings({"SLACK_BOT_TOKEN": "x", "REBOUND_ADMINS": "U0ANNA, W0BOB"}, dotenv_dir=tmp_path)
    assert settings.admins == {"U0ANNA", "W0BOB"}

    class NoSlack:
        def users_info(self, **_: object) -> None:
            raise AssertionError("REBOUND_ADMINS needs no users.info")

    assert Admins(settings.admins).is_admin(NoSlack(), team_id="T1", user_id="W0BOB")  # type: ignore[arg-type]
