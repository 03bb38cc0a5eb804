"""The settings an operator can give: every one `bot/config.py` reads is in `.env.example` and in
README's table, and `.env.example` names nothing the code does not read."""

from __future__ import annotations

import re

from bot.config import load_settings
from tests.support import ROOT


def read_by_the_code() -> set[str]:
    return set(re.findall(r'get\("([A-Z_]+)"', (ROOT / "bot" / "config.py").read_text()))


def test_env_example_lists_every_setting_and_only_those():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert listed == read_by_the_code()


def test_readme_tables_every_setting():
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = {name for name in read_by_the_code() if f"`{name}`" not in table}
    assert missing == set()


def test_env_example_as_is_loads_with_its_defaults(tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings({}, dotenv_dir=tmp_path)
    assert settings.slack_bot_token == "xoxb-..."
    assert (settings.host, settings.port, settings.digest_day, settings.db_pool_size) == (
        "0.0.0.0",
        3000,
        "fri",
        5,
    )
    assert settings.database_url.render_as_string() == "sqlite:///rebound.db"
