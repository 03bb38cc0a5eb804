"""Upgrading and rolling back, as the README's "Upgrading" section tells an operator to: the
version the command line reports, the latest migration undone and done again on a lived-in
database, and the systemd units the README ships, checked by systemd itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage import Store, upgrade
from storage.migrate import MIGRATIONS
from tests.support import ROOT
from tests.support.bot_process import bot_env, rebound
from tests.support.examples import ANSWERS, NOW

UNITS = ROOT / "deploy" / "systemd"


def newest_two_revisions() -> tuple[str, str]:
    names = sorted(path.name for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1][:4], names[-2][:4]


def test_rebound_version_names_the_installed_release(fake, tmp_path):
    done = rebound("--version", env=bot_env(fake, f"sqlite:///{tmp_path}/r.db"), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"rebound {version('rebound')}"


def test_the_latest_migration_is_undone_and_done_again_keeping_every_autopsy(fake, tmp_path, database_url):
    newest, previous = newest_two_revisions()
    upgrade(database_url)
    store = Store.connect(database_url)
    with store.write() as work:
        work.autopsies.save(
            team_id="T1", user_id="U1", view_id="V1", answers=ANSWERS, created_at=NOW, follow_ups=()
        )
    env = bot_env(fake, database_url)

    def state() -> tuple[str, set[str]]:
        with store.engine.connect() as connection:
            current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
            seen = inspect(connection)
            schema = {
                f"{table}.{part}"
                for table in seen.get_table_names()
                for part in [c["name"] for c in seen.get_columns(table)]
                + [str(i["name"]) for i in seen.get_indexes(table)]
            }
        return current, schema

    assert state()[0] == newest
    down = rebound("db", "downgrade", previous, env=env, cwd=tmp_path)
    assert down.returncode == 0, down.stderr
    assert f"Database is at revision {previous}" in down.stderr
    rolled_back, schema_before = state()
    assert rolled_back == previous

    up = rebound("db", "upgrade", env=env, cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    current, schema_after = state()
    assert current == newest and schema_after > schema_before  # the newest migration's tables are back
    with store.read() as work:
        [entry], total = work.autopsies.journal(team_id="T1", user_id="U1", offset=0, limit=5)
    assert total == 1 and entry.autopsy.deal_name == ANSWERS.deal_name
    store.close()


def test_downgrading_to_a_revision_that_does_not_exist_is_one_clear_line(fake, tmp_path):
    env = bot_env(fake, f"sqlite:///{tmp_path}/r.db")
    assert rebound("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    done = rebound("db", "downgrade", "0099", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("rebound: cannot migrate the database at sqlite:")
    assert "0099" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("unit", ["rebound-web.service", "rebound-worker.service"])
def test_the_systemd_units_pass_systemds_own_check(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    # The unit as the README installs it, its paths pointing where this checkout's venv is.
    venv = Path(sys.executable).parent.parent
    text = (UNITS / unit).read_text().replace("/srv/rebound/.venv", str(venv))
    (tmp_path / unit).write_text(text)
    checked = subprocess.run(
        [analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in checked.stderr.splitlines() if unit in line or "/" in line]
    assert checked.returncode == 0 and not complaints, checked.stderr


@pytest.mark.parametrize("unit", ["rebound-web.service", "rebound-worker.service"])
def test_the_systemd_units_run_commands_rebound_has(unit, fake, tmp_path):
    commands = [
        line.split("=", 1)[1].split()
        for line in (UNITS / unit).read_text().splitlines()
        if line.startswith(("ExecStart=", "ExecStartPre="))
    ]
    assert commands and all(command[0] == "/srv/rebound/.venv/bin/rebound" for command in commands)
    env = bot_env(fake, f"sqlite:///{tmp_path}/r.db")
    for command in commands:
        done = rebound(*command[1:], "--help", env=env, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
