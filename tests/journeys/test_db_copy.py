"""`rebound db copy` as an operator runs it: SQLite to PostgreSQL and back with every table
populated through the real stores, the bot serving the same App Home and digest from the copy,
and the refusals and failures that leave the target as it was."""

from __future__ import annotations

import hashlib
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import storage.copy
from rebound.cli import main
from storage import Store, upgrade
from storage.copy import copied_tables
from storage.migrate import newest_revision
from tests.support.app_home_views import open_home, text_of
from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.lived_in_database import (
    AS_OF,
    a_new_autopsy,
    a_team_with_everything,
    everything,
    highest_autopsy_id,
)
from tests.support.slack_requests import unique


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def on_a_server_in_new_york(url: str) -> str:
    """The same database, its sessions in a zone other than UTC (naive moments would shift)."""
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -cTimeZone=America/New_York".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_sqlite_to_postgresql_and_back_keeps_every_row_and_the_bot_serves_the_same(
    fake, tmp_path, postgres_url
):
    postgres_url = on_a_server_in_new_york(postgres_url)
    team, rep = unique("T"), unique("U")
    source_file = tmp_path / "rebound.db"
    source = f"sqlite:///{source_file}"
    a_team_with_everything(source, team, rep)
    before, untouched = everything(source), file_digest(source_file)
    assert all(before.values()), {name: len(rows) for name, rows in before.items()}  # every table has rows

    done = rebound("db", "copy", "--to", postgres_url, env=bot_env(fake, source), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "every count and checksum agrees" in done.stdout
    copied = set(before) - {"autopsy_tallies"}  # the target's triggers make them, and compare below
    table_lines = done.stdout.splitlines()[1 : 1 + len(copied)]
    assert sorted(line.split()[0] for line in table_lines) == sorted(copied)
    for line in table_lines:
        name, source_rows, target_rows, verdict = line.split()
        assert source_rows == target_rows == str(len(before[name])) and verdict == "ok"
    assert everything(postgres_url) == before
    assert everything(source) == before and file_digest(source_file) == untouched  # only read

    # The bot, started on each database in turn, shows the same App Home and the same digest.
    homes, digests = [], []
    for url in (source, postgres_url):
        env = bot_env(fake, url)
        running = start_bot(env, tmp_path, "--no-scheduler")
        try:
            homes.append(open_home(running, fake, rep, team, after=len(homes)))
        finally:
            assert running.stop() == 0, running.log_text()
        digest = rebound("digest", "--team", team, "--as-of", AS_OF, "--dry-run", env=env, cwd=tmp_path)
        assert digest.returncode == 0, digest.stderr
        digests.append(digest.stdout)
    assert homes[0] == homes[1]
    assert "Deal 0" in text_of(homes[0]) and "Touch base with" in text_of(homes[0])
    assert digests[0] == digests[1] and "Lesson 0" in digests[0] and "Lesson 2" not in digests[0]

    # A new autopsy in the copy gets an id of its own: the sequences moved past the copied ids.
    highest = highest_autopsy_id(postgres_url)
    assert a_new_autopsy(postgres_url) == highest + 1

    back_file = tmp_path / "back.db"
    done = rebound(
        "db", "copy", "--to", f"sqlite:///{back_file}", env=bot_env(fake, postgres_url), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert everything(f"sqlite:///{back_file}") == everything(postgres_url)
    assert a_new_autopsy(f"sqlite:///{back_file}") == highest + 2


def rows_in(url: str) -> dict[str, int]:
    with closing(Store.connect(url)) as store, store.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in copied_tables(store.engine)
        }


def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(fake, tmp_path, database_url):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    a_team_with_everything(source, unique("T"), unique("U"))
    a_team_with_everything(database_url, unique("T"), unique("U"))
    held = everything(database_url)
    done = rebound("db", "copy", "--to", database_url, env=bot_env(fake, source), cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("rebound: the target at ") and "already holds Rebound rows (in autopsies" in line
    assert everything(database_url) == held and done.stdout == ""


@pytest.mark.parametrize("failure", ["lost connection", "Ctrl-C"])
def test_a_copy_that_fails_midway_leaves_the_target_empty_and_can_run_again(
    tmp_path, database_url, monkeypatch, capsys, failure
):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    a_team_with_everything(source, unique("T"), unique("U"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", source)
    monkeypatch.setattr(storage.copy, "BATCH_ROWS", 4)
    streamed = storage.copy.stream

    def third_batch_of_follow_ups_fails(connection, table, columns, batch_rows):
        for number, batch in enumerate(streamed(connection, table, columns, batch_rows), start=1):
            if table.name == "follow_ups" and number == 3:
                if failure == "Ctrl-C":
                    raise KeyboardInterrupt
                raise OperationalError("INSERT INTO follow_ups", {}, OSError("server closed the connection"))
            yield batch

    monkeypatch.setattr(storage.copy, "stream", third_batch_of_follow_ups_fails)
    status = main(["db", "copy", "--to", database_url, "--yes"])
    err = capsys.readouterr().err
    assert status == (130 if failure == "Ctrl-C" else 1)
    stopped = [line for line in err.splitlines() if line.startswith("rebound: ")]
    assert len(stopped) == 1, err
    assert "follow_ups" in stopped[0] and "the target was emptied again" in stopped[0]
    if failure != "Ctrl-C":
        assert "server closed the connection" in stopped[0]
    assert set(rows_in(database_url).values()) == {0}

    monkeypatch.setattr(storage.copy, "stream", streamed)  # the cause fixed: run it again
    assert main(["db", "copy", "--to", database_url, "--yes"]) == 0
    assert everything(database_url) == everything(source)


def test_a_table_that_reads_back_differently_fails_the_copy_and_names_the_table(
    tmp_path, database_url, monkeypatch, capsys
):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    a_team_with_everything(source, unique("T"), unique("U"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", source)
    checksum = storage.copy.table_checksum

    def revisits_read_back_changed(engine, table, batch_rows):
        rows, digest = checksum(engine, table, batch_rows)
        return (rows, "0" * 64) if table.name == "revisits" else (rows, digest)

    monkeypatch.setattr(storage.copy, "table_checksum", revisits_read_back_changed)
    assert main(["db", "copy", "--to", database_url, "--yes"]) == 1
    said = capsys.readouterr()
    stopped = [line for line in said.err.splitlines() if line.startswith("rebound: ")]
    assert len(stopped) == 1 and "revisits" in stopped[0], said.err
    assert "autopsies" not in stopped[0]
    assert set(rows_in(database_url).values()) == {0}


def test_a_source_older_than_the_code_is_refused_before_anything_is_written(fake, tmp_path):
    source, target = tmp_path / "old.db", tmp_path / "target.db"
    upgrade(f"sqlite:///{source}", "0004")
    done = rebound(
        "db", "copy", "--to", f"sqlite:///{target}", env=bot_env(fake, f"sqlite:///{source}"), cwd=tmp_path
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    newest = newest_revision()
    assert f"is at migration 0004, not this Rebound's {newest}: run `rebound db upgrade` first" in line
    assert not target.exists()
    missing = rebound(
        "db",
        "copy",
        "--to",
        f"sqlite:///{target}",
        env=bot_env(fake, f"sqlite:///{tmp_path / 'typo.db'}"),
        cwd=tmp_path,
    )
    assert missing.returncode == 2 and "there is no database at" in missing.stderr
    assert not (tmp_path / "typo.db").exists() and not target.exists()
