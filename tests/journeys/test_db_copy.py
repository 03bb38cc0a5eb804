"""`rebound db copy` as an operator runs it: SQLite to PostgreSQL and back with every table
populated through the real stores, the bot serving the same App Home and digest from the copy,
and the refusals and failures that leave the target as it was."""

from __future__ import annotations

import hashlib
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import storage.copy
from bot.crm.news import HUBSPOT, SALESFORCE, DealNews
from rebound.cli import main
from storage import Base, Plan, Store, upgrade
from storage.copy import copied_tables
from tests.support.app_home_views import open_home, text_of
from tests.support.bot_process import bot_env, rebound, start_bot
from tests.support.examples import ANSWERS
from tests.support.slack_requests import unique

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # in the week of the digest due on Friday 27th
AS_OF = "2026-11-27T16:00:00+00:00"
LEASE = timedelta(minutes=5)
SHARING = ("named", "anonymous", "private")


def a_team_with_everything(url: str, team: str, rep: str) -> None:
    """A workspace that has used every part of Rebound, written through its own stores."""
    upgrade(url)
    with closing(Store.connect(url)) as store:
        people = [rep, unique("U"), unique("U")]
        helper = unique("U")
        autopsies = []
        with store.write() as work:
            for n in range(9):
                author = people[n % 3]
                plans = (
                    Plan(kind="touch_base", recipient_id=author, due_at=NOW - timedelta(minutes=n + 1)),
                    Plan(kind="revisit", recipient_id=author, due_at=NOW + timedelta(days=7), due_on=None),
                    Plan(kind="help_request", recipient_id=helper, due_at=NOW - timedelta(minutes=1)),
                )
                answers = replace(
                    ANSWERS, deal_name=f"Deal {n}", sharing=SHARING[n % 3], lesson=f"Lesson {n}",
                    deal_value_cents=None if n == 4 else 100_000 * (n + 1), help_from=helper,
                )  # fmt: skip
                entry, _ = work.autopsies.save(
                    team_id=team, user_id=author, view_id=unique("V"), answers=answers,
                    created_at=NOW - timedelta(hours=n), follow_ups=plans,
                )  # fmt: skip
                autopsies.append(entry)
            # A deal lost in HubSpot (its prompt a follow-up with no autopsy yet) and one in Salesforce.
            work.lost_deals.receive(
                team_id=team,
                news=[
                    DealNews(crm=HUBSPOT, deal_id="901", key="62515:901:closedlost:1", changed_at=NOW),
                    DealNews(
                        crm=SALESFORCE, deal_id="006A", key="04lA", changed_at=NOW, lost=True,
                        deal_name="Wayne", amount=Decimal("900.50"), owner_email="rep@example.com",
                    ),
                ],
                now=NOW,
            )  # fmt: skip
        with store.write() as work:
            claimed = work.follow_ups.claim_due(now=NOW - timedelta(seconds=1), limit=100, lease=LEASE)
        touch_bases = [due for due in claimed if due.follow_up.kind == "touch_base"]
        helps = [due for due in claimed if due.follow_up.kind == "help_request"]
        with store.write() as work:
            for due in [*touch_bases[:6], *helps[:2]]:
                work.follow_ups.mark_sent(due.follow_up.id, channel_id="D1", message_ts="1.2", now=NOW)
            for due, state in zip(touch_bases, ("done", "won_back", "let_go", "snoozed"), strict=False):
                work.follow_ups.answer(
                    team_id=team, user_id=due.follow_up.recipient_id, follow_up_id=due.follow_up.id,
                    state=state, now=NOW, due_at=NOW + timedelta(days=7) if state == "snoozed" else None,
                )  # fmt: skip
            work.follow_ups.answer(
                team_id=team, user_id=helper, follow_up_id=helps[0].follow_up.id, state="done", now=NOW
            )
            work.follow_ups.mark_failed(touch_bases[6].follow_up.id, error="user_not_found", now=NOW)
            work.follow_ups.postpone(
                touch_bases[7].follow_up.id,
                until=NOW + timedelta(hours=1),
                error="ratelimited",
                attempted=True,
            )  # touch_bases[8] stays claimed (sending), the revisits pending
            for entry in autopsies[:4]:
                work.autopsies.add_revisit(
                    team_id=team, user_id=entry.user_id, autopsy_id=entry.id, view_id=unique("V"),
                    text=f"Now I see {entry.deal_name} differently", now=NOW + timedelta(days=7),
                )  # fmt: skip
            work.follow_ups.pause(team_id=team, user_id=people[2], now=NOW)
            for person, zone in zip(people, ("Europe/Paris", "America/New_York", "Asia/Tokyo"), strict=True):
                work.follow_ups.remember_zone(team_id=team, user_id=person, tz=zone, now=NOW)
            work.workspaces.save_settings(
                team, now=NOW, digest_channel="C0LESSONS", digest_day="fri", digest_time="16:00",
                timezone="UTC", empty_week_note=True, hide_anonymous_deal_names=False, digest_chart=False,
                touch_base_days=45, revisit_days=10,
            )  # fmt: skip
            for week, starts in (("2026-W46", datetime(2026, 11, 6, 16, tzinfo=UTC)),
                                 ("2026-W47", datetime(2026, 11, 13, 16, tzinfo=UTC))):  # fmt: skip
                work.digests.open(
                    team_id=team, week=week, starts_at=starts, ends_at=starts + timedelta(days=7),
                    channel_id="C0LESSONS", now=starts + timedelta(days=7),
                )  # fmt: skip
        with store.write() as work:
            [posted] = work.digests.claim(now=NOW, lease=LEASE, team_id=team, week="2026-W46")
            work.digests.mark_posted(posted.id, channel_id="C0LESSONS", message_ts="9.9", now=NOW)
        installs = SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine)
        for enterprise, org_wide in ((None, False), (unique("E"), True)):
            installation = Installation(
                app_id="A0REBOUND", enterprise_id=enterprise, team_id=None if org_wide else team,
                bot_token=f"xoxb-{unique('B')}", bot_id="B0BOT", bot_user_id="U0BOT",
                bot_scopes="commands,chat:write", bot_refresh_token="xoxe-1", bot_token_expires_in=43200,
                user_id=rep, user_token="xoxp-1", user_scopes="", is_enterprise_install=org_wide,
                installed_at=NOW.timestamp(),
            )  # fmt: skip
            installs.save(installation)
        SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=store.engine).issue()


def tables_as_read(engine: Any) -> list[Table]:
    """Every table, as the code that owns it reads it: Rebound's models, slack_sdk's builders."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    created = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert set(metadata.tables) == created, "a table the migrations create is missing from this test"
    return list(metadata.sorted_tables)


def everything(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, field by field, in id order."""
    with closing(Store.connect(url)) as store, store.engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)))
            for table in tables_as_read(store.engine)
        }


def highest_autopsy_id(url: str) -> int:
    with closing(Store.connect(url)) as store, store.read() as work:
        return work.session.scalar(select(func.max(Base.metadata.tables["autopsies"].c.id)))


def a_new_autopsy(url: str) -> int:
    with closing(Store.connect(url)) as store:
        with store.write() as work:
            entry, _ = work.autopsies.save(
                team_id=unique("T"), user_id=unique("U"), view_id=unique("V"), answers=ANSWERS,
                created_at=NOW, follow_ups=(Plan(kind="revisit", recipient_id="U", due_at=NOW),),
            )  # fmt: skip
        return entry.id


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
    table_lines = done.stdout.splitlines()[1 : 1 + len(before)]
    assert sorted(line.split()[0] for line in table_lines) == sorted(before)
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
    assert "is at migration 0004, not this Rebound's 0007: run `rebound db upgrade` first" in line
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
