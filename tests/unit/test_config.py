"""The settings an operator can give: every one `bot/config.py` reads is in `.env.example` and in
README's table, and `.env.example` names nothing the code does not read."""

from __future__ import annotations

import re

import pytest

from bot.config import MULTIPROCESS_DIR, ConfigError, load_settings
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


def test_the_metrics_directory_comes_from_the_environment_and_must_be_writable(tmp_path):
    counts = tmp_path / "counts"
    counts.mkdir()
    assert load_settings({}, dotenv_dir=tmp_path).metrics_dir is None
    assert load_settings({MULTIPROCESS_DIR: str(counts)}, dotenv_dir=tmp_path).metrics_dir == counts
    (tmp_path / "a-file").write_text("")
    for value, problem in (
        (str(tmp_path / "missing"), "which is not a directory"),
        (str(tmp_path / "a-file"), "which is not a directory"),
        ("", "is empty"),
    ):
        with pytest.raises(ConfigError) as refused:
            load_settings({MULTIPROCESS_DIR: value}, dotenv_dir=tmp_path)
        assert refused.value.variable == MULTIPROCESS_DIR and problem in refused.value.problem


def test_the_metrics_directory_in_dotenv_alone_is_refused(tmp_path):
    """prometheus_client would never see it: each process would count alone, silently."""
    counts = tmp_path / "counts"
    counts.mkdir()
    (tmp_path / ".env").write_text(f"{MULTIPROCESS_DIR}={counts}\n")
    with pytest.raises(ConfigError) as refused:
        load_settings({}, dotenv_dir=tmp_path)
    assert refused.value.variable == MULTIPROCESS_DIR and "environment" in refused.value.problem
    assert load_settings({MULTIPROCESS_DIR: str(counts)}, dotenv_dir=tmp_path).metrics_dir == counts


def test_the_metrics_token_is_long_enough_and_never_logged(tmp_path):
    token = "s3cret-metrics-token-0123"
    settings = load_settings({"REBOUND_METRICS_TOKEN": token}, dotenv_dir=tmp_path)
    assert settings.metrics_token == token and token in settings.secrets()
    for weak in ("short", "has a space in the middle"):
        with pytest.raises(ConfigError) as refused:
            load_settings({"REBOUND_METRICS_TOKEN": weak}, dotenv_dir=tmp_path)
        assert refused.value.variable == "REBOUND_METRICS_TOKEN"
