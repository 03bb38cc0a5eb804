"""Backups as the README's "Backups" section tells an operator to take them: `rebound db backup`
while a writer keeps inserting, a restore drill on a lived-in database served by the real bot,
damaged or foreign files refused, and PostgreSQL's pg_dump / pg_restore recipe."""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import threading
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

import storage.backup
from rebound import cli
from rebound.cli import main
from rebound.progress import StepProgress
from storage import Plan, Revisit, Store, downgrade, upgrade
from storage.migrate import newest_revision
from tests.support import ROOT
from tests.support.app_home_views import home_showing, open_home, text_of
from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.examples import ANSWERS, NOW
from tests.support.lived_in_database import (
    AS_OF,
    a_new_autopsy,
    a_team_with_everything,
    everything,
    highest_autopsy_id,
)
from tests.support.lost_deal_form import FORM_ANSWERS, open_form, submit
from tests.support.slack_requests import unique

FOLLOW_UPS_PER_AUTOPSY = 2

NEWEST = newest_revision()


def sqlite_url(file: Path) -> str:
    return f"sqlite:///{file}"


def an_autopsy(store: Store, team: str, number: int) -> int:
    """One autopsy with its two follow-ups, in one transaction, as the form saves it."""
    plans = (
        Plan(kind="touch_base", recipient_id="U1", due_at=NOW + timedelta(days=30)),
        Plan(kind="revisit", recipient_id="U1", due_at=NOW + timedelta(days=7)),
    )
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=team,
            user_id="U1",
            view_id=unique("V"),
            answers=ANSWERS,
            created_at=NOW + timedelta(seconds=number),
            follow_ups=plans,
        )
    return entry.id


def read_back(file: Path) -> tuple[list[str], list[int], int]:
    """A backup as SQLite reads it: its integrity check, its autopsy ids, its follow-ups."""
    with closing(sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)) as copy:
        checked = [line for (line,) in copy.execute("PRAGMA integrity_check")]
        ids = [key for (key,) in copy.execute("SELECT id FROM autopsies ORDER BY id")]
        follow_ups = copy.execute("SELECT count(*) FROM follow_ups").fetchone()[0]
    return checked, ids, follow_ups


def summary_rows(stdout: str) -> dict[str, tuple[str, str, str]]:
    """The summary table a backup or restore prints: table -> (source rows, copy rows, verdict)."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        if line.startswith("integrity check:"):
            break
        name, source_rows, copy_rows, *verdict = line.split()
        rows[name] = (source_rows, copy_rows, " ".join(verdict))
    return rows


def test_a_backup_taken_while_autopsies_keep_coming_is_a_checked_snapshot(tmp_path, monkeypatch, capsys):
    live = tmp_path / "rebound.db"
    upgrade(sqlite_url(live))
    store = Store.connect(sqlite_url(live))
    written = [an_autopsy(store, "T1", number) for number in range(300)]
    stop = threading.Event()

    def writer() -> None:
        number = len(written)
        while not stop.is_set():
            written.append(an_autopsy(store, "T1", number))  # appended once committed
            number += 1

    # Small steps, each leaving the writer time to commit, so the copy spans many of its commits.
    monkeypatch.setattr(storage.backup, "PAGES_PER_STEP", 4)
    during_copy: list[int] = []

    class Watched(StepProgress):
        def advance(self, done: int) -> None:
            during_copy.append(len(written))
            # SQLite restarts a stepped backup after each foreign write unless the snapshot is
            # held: fail here rather than loop for ever.
            assert len(during_copy) < 2_000, "the backup keeps starting over"
            stop.wait(0.005)
            super().advance(done)

    monkeypatch.setattr(cli, "StepProgress", Watched)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(live))
    writing = threading.Thread(target=writer)
    writing.start()
    try:
        status = main(["db", "backup", "--to", "backup.db"])
        after_backup = len(written)
        stop.wait(0.2)  # and the writer goes on
    finally:
        stop.set()
        writing.join()
        store.close()
    said = capsys.readouterr()
    assert status == 0, said.err

    checked, ids, follow_ups = read_back(tmp_path / "backup.db")
    assert checked == ["ok"]
    assert ids == written[: len(ids)]  # a prefix of what was committed: the database at one moment
    assert follow_ups == FOLLOW_UPS_PER_AUTOPSY * len(ids)  # every table at that same moment
    assert 300 <= len(ids) < after_backup < len(written)
    assert during_copy[-1] - during_copy[0] > 10, "the writer committed while the pages were copied"
    rows = summary_rows(said.out)
    assert rows["autopsies"] == (f"{len(ids):,}", f"{len(ids):,}", "ok")
    assert rows["follow_ups"] == (f"{follow_ups:,}", f"{follow_ups:,}", "ok")
    assert "integrity check: ok" in said.out and "the copy is intact" in said.out
    assert not (tmp_path / "backup.db.partial").exists()
    assert not (tmp_path / "backup.db-wal").exists()  # one file, readable alone


def home_now(running: Any, fake: Any, rep: str, team: str) -> dict[str, Any]:
    """App Home as the rep opens it now (after every Home published for them so far)."""
    seen = len(fake.find("views.publish", lambda call: call.args.get("user_id") == rep))
    return open_home(running, fake, rep, team, after=seen)


def an_autopsy_through_the_bot(running: Any, fake: Any, deal: str, *, rep: str, team: str) -> None:
    view = open_form(running, fake, deal, user=rep, team=team)
    assert submit(running, view, FORM_ANSWERS, user=rep, team=team).status == 200
    home_showing(fake, rep, deal)  # stored: Home was redrawn with it


def dry_run_digest(env: dict[str, str], team: str, cwd: Path) -> str:
    digest = rebound("digest", "--team", team, "--as-of", AS_OF, "--dry-run", env=env, cwd=cwd)
    assert digest.returncode == 0, digest.stderr
    return digest.stdout


def test_restore_drill_the_bot_serves_the_same_home_and_digest_as_when_the_backup_was_taken(fake, tmp_path):
    team, rep = unique("T"), unique("U")
    live = tmp_path / "rebound.db"
    a_team_with_everything(sqlite_url(live), team, rep)
    env = bot_env(fake, sqlite_url(live))
    backup = tmp_path / "rebound-backup.db"

    running = start_bot(env, tmp_path, "--no-scheduler")  # no sweep changes what Home shows meanwhile
    try:
        an_autopsy_through_the_bot(running, fake, "Drill Co", rep=rep, team=team)
        home_before = home_now(running, fake, rep, team)
        digest_before = dry_run_digest(env, team, tmp_path)
        backed_up = rebound("db", "backup", "--to", str(backup), env=env, cwd=tmp_path)  # while it runs
        assert backed_up.returncode == 0, backed_up.stderr
        # Life goes on after the backup; then the process dies, leaving its -wal file behind.
        an_autopsy_through_the_bot(running, fake, "After The Backup Co", rep=rep, team=team)
    finally:
        running.stop(signal.SIGKILL)
    assert "Drill Co" in text_of(home_before) and "Deal 0" in text_of(home_before)
    assert "Lesson 0" in digest_before
    look = tmp_path / "look.db"  # read a copy: opening the backup through Store would make it WAL
    shutil.copyfile(backup, look)
    held = everything(sqlite_url(look))
    assert all(held.values()), {name: len(rows) for name, rows in held.items()}  # every table has rows
    assert Path(f"{live}-wal").stat().st_size > 0  # a file copied over rebound.db would meet this

    restored = rebound("db", "restore", "--from", str(backup), "--yes", env=env, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "Stop every Rebound process first" in restored.stderr
    assert "Restored " in restored.stdout and "checked, at migration" in restored.stdout
    assert all(verdict == "ok" for *_, verdict in summary_rows(restored.stdout).values())
    assert everything(sqlite_url(live)) == held

    running = start_bot(env, tmp_path, "--no-scheduler")
    try:
        home_after = home_now(running, fake, rep, team)
    finally:
        assert running.stop() == 0, running.log_text()
    assert home_after == home_before and "After The Backup Co" not in text_of(home_after)
    assert dry_run_digest(env, team, tmp_path) == digest_before


def flip_the_middle(file: Path) -> None:
    """Invert the first bytes of the page in the middle of a SQLite file (its b-tree header)."""
    data = bytearray(file.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    start = len(data) // 2 // page_size * page_size
    data[start : start + 64] = bytes(byte ^ 0xFF for byte in data[start : start + 64])
    file.write_bytes(bytes(data))


def file_digest(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database every table of which holds rows, with 200 more autopsies, and its backup;
    tests take copies."""
    home = tmp_path_factory.mktemp("lived-in")
    source = home / "source.db"
    a_team_with_everything(sqlite_url(source), unique("T"), unique("U"))
    with closing(Store.connect(sqlite_url(source))) as store:
        for number in range(200):
            an_autopsy(store, "T1", number)
    quiet = StepProgress(io.StringIO(), terminal=False)
    assert storage.backup.back_up(sqlite_url(source), home / "good.db", progress=quiet).intact
    return source, home / "good.db"


def copies(lived_in: tuple[Path, Path], folder: Path) -> tuple[Path, Path]:
    """The lived-in database and its backup, copied into `folder` (both closed, no -wal)."""
    source, backup = (folder / "rebound.db", folder / "backup.db")
    shutil.copyfile(lived_in[0], source)
    shutil.copyfile(lived_in[1], backup)
    return source, backup


def main_in(cwd: Path, database_url: str, argv: list[str]) -> int:
    """`rebound ...` in this process, in `cwd`, with DATABASE_URL set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setenv("DATABASE_URL", database_url)
        return main(argv)


def refusal(err: str) -> str:
    """The one `rebound: ...` line a refusal prints (log lines aside)."""
    [line] = [line for line in err.splitlines() if line.startswith("rebound: ")]
    return line


def not_rebounds(file: Path) -> None:
    with closing(sqlite3.connect(file)) as other:
        other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        other.execute("INSERT INTO notes (body) VALUES ('shopping')")
        other.commit()


def from_a_newer_rebound(file: Path) -> None:
    with closing(sqlite3.connect(file)) as newer:
        newer.execute("UPDATE alembic_version SET version_num = '0099'")
        newer.commit()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("flipped bytes in the middle", "is damaged (integrity check: "),
        ("a text file", "is not a SQLite database"),
        ("another program's database", "is not a Rebound database"),
        ("a newer Rebound's backup", "is at migration 0099, which this Rebound does not know"),
    ],
)
def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(lived_in, tmp_path, capsys, damage, said):
    live, backup = copies(lived_in, tmp_path)
    if damage == "flipped bytes in the middle":
        flip_the_middle(backup)
    elif damage == "a text file":
        backup.write_text("id,deal\n1,Acme\n")
    elif damage == "another program's database":
        backup.unlink()
        not_rebounds(backup)
    else:
        from_a_newer_rebound(backup)
    held, untouched = everything(sqlite_url(live)), file_digest(live)

    assert main_in(tmp_path, sqlite_url(live), ["db", "restore", "--from", str(backup), "--yes"]) == 2
    out, err = capsys.readouterr()
    line = refusal(err)
    assert err.splitlines() == [line] and out == ""
    assert line.startswith(f"rebound: {backup} ") and said in line, line
    assert file_digest(live) == untouched and everything(sqlite_url(live)) == held


def test_a_backup_whose_copy_fails_its_check_exits_1_and_leaves_no_file(
    lived_in, tmp_path, monkeypatch, capsys
):
    source, _ = copies(lived_in, tmp_path)
    copy_pages = storage.backup.copy_pages
    to = tmp_path / "tuesday.db"

    def copied_then_damaged_on_disk(source, target, pages, progress, per_step):
        copy_pages(source, target, pages, progress, per_step)
        flip_the_middle(to.with_name("tuesday.db.partial"))

    monkeypatch.setattr(storage.backup, "copy_pages", copied_then_damaged_on_disk)
    assert main_in(tmp_path, sqlite_url(source), ["db", "backup", "--to", str(to)]) == 1
    said = capsys.readouterr()
    line = refusal(said.err)
    assert "the copy failed its check (integrity check: " in line and f"{to} was not written" in line
    assert "integrity check: " in said.out.splitlines()[-1] and "not counted" in said.out
    assert not to.exists() and not to.with_name("tuesday.db.partial").exists()

    monkeypatch.setattr(storage.backup, "copy_pages", copy_pages)  # the disk fixed: run it again
    assert main_in(tmp_path, sqlite_url(source), ["db", "backup", "--to", str(to)]) == 0
    assert read_back(to)[0] == ["ok"]


def test_a_backup_interrupted_midway_leaves_no_file(lived_in, tmp_path, monkeypatch, capsys):
    source, _ = copies(lived_in, tmp_path)

    def ctrl_c_while_copying(source, target, pages, progress, per_step):
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.backup, "copy_pages", ctrl_c_while_copying)
    assert main_in(tmp_path, sqlite_url(source), ["db", "backup", "--to", "tuesday.db"]) == 130
    assert refusal(capsys.readouterr().err) == "rebound: interrupted; tuesday.db was not written"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backup.db", "rebound.db"]


def test_a_restore_not_confirmed_changes_nothing(lived_in, tmp_path, monkeypatch, capsys):
    live, backup = copies(lived_in, tmp_path)
    with closing(Store.connect(sqlite_url(live))) as store:
        an_autopsy(store, "T1", 1_000)  # the live database moved on since the backup
    untouched = file_digest(live)
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "n")
    assert main_in(tmp_path, sqlite_url(live), ["db", "restore", "--from", str(backup)]) == 1
    said = capsys.readouterr()
    [question] = asked
    assert f"Restore {backup} (migration {NEWEST}, 209 autopsies) over sqlite:///{live}? [y/N]" in question
    assert "Stop every Rebound process first" in said.err
    assert refusal(said.err) == "rebound: nothing restored (--yes skips this question)"
    assert file_digest(live) == untouched


def test_a_backup_never_replaces_a_file_and_postgresql_is_pointed_to_pg_dump(tmp_path, capsys):
    live = tmp_path / "rebound.db"
    upgrade(sqlite_url(live))
    existing = tmp_path / "monday.db"
    existing.write_text("last Monday's backup")
    assert main_in(tmp_path, sqlite_url(live), ["db", "backup", "--to", str(existing)]) == 2
    assert refusal(capsys.readouterr().err) == (
        f"rebound: {existing} already exists: a backup never replaces a file; name a new one"
    )
    assert existing.read_text() == "last Monday's backup"

    killed = tmp_path / "tuesday.db.partial"
    killed.write_text("half a backup")
    assert main_in(tmp_path, sqlite_url(live), ["db", "backup", "--to", str(tmp_path / "tuesday.db")]) == 2
    line = refusal(capsys.readouterr().err)
    assert "another backup to" in line and "(then delete that file)" in line
    assert killed.read_text() == "half a backup"

    assert main_in(tmp_path, sqlite_url(tmp_path / "typo.db"), ["db", "backup", "--to", "x.db"]) == 2
    assert "there is no database at" in refusal(capsys.readouterr().err)
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "x.db").exists()

    postgresql = "postgresql+psycopg://rebound:secret@db.example.com/rebound"
    for command in (["backup", "--to", "x.db"], ["restore", "--from", str(live), "--yes"]):
        assert main_in(tmp_path, postgresql, ["db", *command]) == 2
        line = refusal(capsys.readouterr().err)
        assert "is a PostgreSQL database: back it up with pg_dump" in line and "README: Backups" in line
        assert "secret" not in line


def test_a_backup_from_an_older_version_is_restored_where_no_database_is_yet_and_migrated_up(fake, tmp_path):
    old = tmp_path / "old.db"
    upgrade(sqlite_url(old))
    with closing(Store.connect(sqlite_url(old))) as store, store.write() as work:
        work.autopsies.save(
            team_id="T1",
            user_id="U1",
            view_id="V1",
            answers=replace(ANSWERS, deal_name="Old Co"),
            created_at=NOW,
            follow_ups=(),
        )
    downgrade(sqlite_url(old), "0004")  # the backup an older Rebound took
    env = bot_env(fake, sqlite_url(tmp_path / "new" / "rebound.db"))
    (tmp_path / "new").mkdir()
    done = rebound("db", "restore", "--from", str(old), "--yes", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"migrated from 0004 to {NEWEST}" in done.stdout
    with closing(Store.connect(sqlite_url(tmp_path / "new" / "rebound.db"))) as store:
        with store.engine.connect() as connection:
            assert (
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == NEWEST
            )
        with store.read() as work:
            [entry], total = work.autopsies.journal(team_id="T1", user_id="U1", offset=0, limit=5)
    assert total == 1 and entry.autopsy.deal_name == "Old Co"


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing (apt-get install postgresql-client)")
        pytest.skip(f"{name} is not installed (apt-get install postgresql-client)")
    return found


README_DATABASE = "postgresql://rebound@db/rebound"


def readme_recipe(server: str, dump: Path) -> tuple[list[str], list[str]]:
    """The README's pg_dump and pg_restore lines, pointed at `server` and `dump`."""
    section = (ROOT / "README.md").read_text().split("### Backups", 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith(("pg_dump ", "pg_restore "))]
    commands = {}
    for line in lines:
        words = shlex.split(line.split("#", 1)[0].replace("$(date +%F)", "today"))
        commands[words[0]] = [pointed(word, server, dump) for word in words]
    return commands["pg_dump"], commands["pg_restore"]


def pointed(word: str, server: str, dump: Path) -> str:
    if README_DATABASE in word:
        return word.replace(README_DATABASE, server)
    if word.startswith("--file="):
        return f"--file={dump}"
    return str(dump) if word.endswith(".dump") else word


def test_the_readmes_pg_dump_and_pg_restore_recipe_brings_back_every_row(tmp_path, postgres_url):
    """The README's recipe, run as written on the test server, kept to this test's private
    schema (pg_dump's `--schema`)."""
    url = make_url(postgres_url)
    schema = url.query["options"].split("search_path=", 1)[1]
    # DATABASE_URL's postgresql+psycopg:// is postgresql:// for libpq's tools, as the README says.
    server = url.set(drivername="postgresql").difference_update_query(["options"])
    dump, restore = readme_recipe(server.render_as_string(hide_password=False), tmp_path / "rebound.dump")
    assert dump[1:3] == ["--format=custom", f"--file={tmp_path / 'rebound.dump'}"], dump
    assert restore[1:4] == ["--clean", "--if-exists", "--no-owner"], restore
    dump[0], restore[0] = pg_tool("pg_dump"), pg_tool("pg_restore")
    dump.insert(1, f"--schema={schema}")
    a_team_with_everything(postgres_url, unique("T"), unique("U"))
    before = everything(postgres_url)
    highest = highest_autopsy_id(postgres_url)
    dumped = subprocess.run(dump, capture_output=True, text=True, timeout=60)
    assert dumped.returncode == 0, dumped.stderr

    a_new_autopsy(postgres_url)  # what happened after the dump, and a loss
    with closing(Store.connect(postgres_url)) as store, store.write() as work:
        work.session.execute(delete(Revisit))
    assert everything(postgres_url) != before

    restored = subprocess.run(restore, capture_output=True, text=True, timeout=60)
    assert restored.returncode == 0, restored.stderr
    assert everything(postgres_url) == before
    assert a_new_autopsy(postgres_url) == highest + 1  # the sequences came back too
