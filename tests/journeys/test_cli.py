"""The `rebound` command line as an operator meets it: settings, export, migrations, start and stop."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import ids
from bot.export import CUSTOMER_COLUMNS
from playground.emulator import Fault, new_trigger_id
from storage import Store, upgrade
from tests.support.bot_process import bot_env, rebound, start_bot, sweep_at
from tests.support.buyer_answering import asking, buyer_answers
from tests.support.dm_buttons import click, dm_saying, updates
from tests.support.examples import save_lesson
from tests.support.lost_deal_form import FORM_ANSWERS, as_dict, open_form, submit
from tests.support.moments import weekday_noon
from tests.support.slack_requests import FORM, send, slash_command, unique, view_submission

OAUTH_IN_SOCKET_MODE = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}


@pytest.mark.parametrize(
    ("setting", "names"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
        ({"PORT": "eighty"}, "PORT"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://db/rebound"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"REBOUND_DIGEST_CHANNEL": "#sales"}, "REBOUND_DIGEST_CHANNEL"),
        ({"REBOUND_ADMINS": "U0ANNA, @bob"}, "REBOUND_ADMINS"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        (OAUTH_IN_SOCKET_MODE, "SLACK_APP_TOKEN"),
        ({"REBOUND_DIGEST_DAY": "someday"}, "REBOUND_DIGEST_DAY"),
        ({"REBOUND_DIGEST_TIME": "25:00"}, "REBOUND_DIGEST_TIME"),
        ({"REBOUND_TIMEZONE": "Mars/Olympus"}, "REBOUND_TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"HUBSPOT_ACCESS_TOKEN": "pat-na1-x"}, "HUBSPOT_CLIENT_SECRET"),
        ({"HUBSPOT_ACCESS_TOKEN": "pat-na1-x", "HUBSPOT_CLIENT_SECRET": "s"}, "REBOUND_PUBLIC_URL"),
        ({"REBOUND_PUBLIC_URL": "rebound.example.com"}, "REBOUND_PUBLIC_URL"),
        ({"SALESFORCE_OUTBOUND_SECRET": "a" * 32}, "SALESFORCE_ORG_ID"),
        (
            {"SALESFORCE_OUTBOUND_SECRET": "short", "SALESFORCE_ORG_ID": "00D5g000004Ab1CEAS"},
            "SALESFORCE_OUTBOUND_SECRET",
        ),
        ({"SALESFORCE_OUTBOUND_SECRET": "a" * 32, "SALESFORCE_ORG_ID": "my-org"}, "SALESFORCE_ORG_ID"),
        ({"REBOUND_CRM_MIN_AMOUNT": "a lot"}, "REBOUND_CRM_MIN_AMOUNT"),
        ({"REBOUND_CRM_DAILY_PROMPTS": "0"}, "REBOUND_CRM_DAILY_PROMPTS"),
        ({"REBOUND_CRM_TEAM": "acme"}, "REBOUND_CRM_TEAM"),
        (
            {
                "SLACK_APP_TOKEN": "xapp-1-A1-1-x",
                "SALESFORCE_OUTBOUND_SECRET": "a" * 32,
                "SALESFORCE_ORG_ID": "00D5g000004Ab1CEAS",
            },
            "SLACK_APP_TOKEN",
        ),
    ],
)
def test_a_bad_setting_stops_serve_with_one_line_naming_it(fake, tmp_path, setting, names):
    env = bot_env(fake, f"sqlite:///{tmp_path / 'r.db'}", **setting)
    done = rebound("serve", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"rebound: {names} ")


def test_a_token_slack_refuses_stops_serve_with_one_line(fake, tmp_path):
    fake.fail("auth.test", Fault(error="invalid_auth"))
    done = rebound("serve", env=bot_env(fake, f"sqlite:///{tmp_path / 'r.db'}"), cwd=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr.strip().splitlines()[-1] == "rebound: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)"
    )


def test_dotenv_is_read_and_the_real_environment_wins(fake, tmp_path):
    env = bot_env(fake, f"sqlite:///{tmp_path / 'from-env.db'}")
    del env["DATABASE_URL"], env["PORT"]
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\nPORT=ninety\n")
    assert rebound("db", "upgrade", env=env, cwd=tmp_path).returncode == 2  # PORT from .env is checked
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\nPORT=7777\n")
    assert rebound("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-dotenv.db").exists()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'from-env.db'}"
    assert rebound("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-env.db").exists()


def test_export_holds_what_the_lost_buyer_answered_and_where_each_link_stands(fake, tmp_path):
    # A database of its own, the answers stored by the service the buyer's page uses: the export
    # reads what is stored, and the DM an answer leaves due stays out of the shared bot's sweeps.
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    upgrade(url)
    store = Store.connect(url)
    now = datetime.now(UTC)
    try:
        answered, withdrawn, _ = (
            save_lesson(store, "U0ANN", at=now - timedelta(days=3), team="T1", deal_name=deal)
            for deal in ("Answered Co", "Withdrawn Co", "Never Asked Co")
        )
        buyer_answers(
            store,
            team_id="T1",
            autopsy_id=answered,
            at=now,
            main_reason="timing",
            changed_mind="=1+1, a pilot in March",
            working_score=5,
            may_contact="yes",
        )
        asking(store).link(team_id="T1", autopsy_id=withdrawn, now=now)
        assert asking(store).withdraw(team_id="T1", autopsy_id=withdrawn, now=now)
    finally:
        store.close()
    env = bot_env(fake, url)

    done = rebound("export", "--team", "T1", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first, second, third = csv.DictReader(io.StringIO(done.stdout, newline=""))
    assert first["The customer's link"] == "Answered"
    assert first["Customer: the main reason they chose otherwise"] == "The timing or the budget"
    assert first["Customer: what would have changed their mind"] == "'=1+1, a pilot in March"
    assert first["Customer: working with us, 1 to 5"] == "5: A pleasure"
    assert first["Customer: may we get in touch again?"] == "Yes, you may get in touch"
    assert first["Customer answered (UTC)"] == f"{now:%Y-%m-%d %H:%M}"
    assert (second["The customer's link"], second["Link withdrawn (UTC)"]) == (
        "Withdrawn",
        f"{now:%Y-%m-%d %H:%M}",
    )
    assert second["Customer: what would have changed their mind"] == ""
    assert all(third[column] == "" for column in CUSTOMER_COLUMNS)

    as_json = json.loads(rebound("export", "--team", "T1", "--format", "json", env=env, cwd=tmp_path).stdout)
    assert [row["buyer_link_state"] for row in as_json] == ["answered", "withdrawn", None]
    assert (as_json[0]["buyer_main_reason"], as_json[0]["buyer_working_score"]) == ("timing", 5)
    assert as_json[0]["buyer_changed_mind"] == "=1+1, a pilot in March"
    assert datetime.fromisoformat(as_json[0]["buyer_answered_at"]) == now


def test_unreachable_database_is_one_clear_line(fake, tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = bot_env(fake, f"postgresql://rebound:s3cret@127.0.0.1:{port}/rebound")
    done = rebound("db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr
    assert done.stderr.startswith("rebound: cannot migrate the database at postgresql+psycopg://rebound:***@")


def test_export_gives_people_the_form_s_words_and_scripts_the_codes_with_revisits_and_touch_base(bot, fake):

    user, team = unique("U"), unique("T")
    touch_base_day = date.today() + timedelta(days=20)
    lesson = '=SUM(1,2): say "no" early,\nthen ask why'
    started = datetime.now(UTC).replace(second=0, microsecond=0)
    for deal in ("Alpha, Inc.", 'Beta "Quoted" Co'):
        view = open_form(bot, fake, deal, user=user, team=team)
        answers = {**FORM_ANSWERS, ids.LESSON: lesson, ids.TOUCH_BASE_ON: touch_base_day.isoformat()}
        assert submit(bot, view, answers, user=user, team=team).status == 200
    # A week on, the rep writes what they see now about Alpha; on the touch-base day, wins it back.
    sweep_at(bot, weekday_noon(date.today() + timedelta(days=8)))
    trigger = click(
        bot, dm_saying(fake, user, "Revisit your notes on Alpha, Inc."), ids.ADD_REVISIT, user=user, team=team
    )
    [opened] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    seen = "They wanted a pilot, not a contract.\nAsk for one next time."
    values = {ids.REVISIT_TEXT: {ids.REVISIT_TEXT: {"type": "plain_text_input", "value": seen}}}
    modal = {**as_dict(opened.args["view"]), "id": unique("V")}
    assert send(bot.events_url, view_submission(modal, values, user=user, team=team), FORM).status == 200
    updates(fake, user)
    sweep_at(bot, weekday_noon(touch_base_day))
    click(
        bot, dm_saying(fake, user, "Time to touch base with Alpha, Inc."), ids.WON_BACK, user=user, team=team
    )
    updates(fake, user, count=2)
    finished = datetime.now(UTC)

    done = rebound("export", "--team", team, env=bot.env, cwd=bot.cwd)
    assert done.returncode == 0, done.stderr
    alpha, beta = csv.DictReader(io.StringIO(done.stdout, newline=""))
    assert [alpha["Deal or prospect"], beta["Deal or prospect"]] == ["Alpha, Inc.", 'Beta "Quoted" Co']
    assert alpha["What happened?"] == "Lost a new deal" and alpha["Who got the sale?"] == "A competitor"
    assert alpha["The main reason"] == "Price" and alpha["Competitor"] == "Globex"
    assert alpha["Did I miss the timing because I didn't follow up well?"] == "Partly"
    assert alpha["Shared"] == "In the team digest, with my name" and alpha["Deal value"] == "48000.00"
    assert alpha["The lesson"] == "'" + lesson  # intact, and never run as a formula
    stamp, _, text = alpha["Revisits (UTC)"].partition(": ")
    assert text == seen and started <= datetime.fromisoformat(stamp).replace(tzinfo=UTC) <= finished
    assert alpha["Touch-base outcome"] == "Won them back"
    answered = datetime.fromisoformat(alpha["Touch-base answered (UTC)"]).replace(tzinfo=UTC)
    assert started <= answered <= finished
    assert (beta["Touch-base outcome"], beta["Revisits (UTC)"]) == ("Reminded, no answer yet", "")
    assert alpha["From the CRM"] == alpha["CRM deal ID"] == alpha["CRM deal link"] == ""
    codes = {"new_deal_lost", "partly", "won_back", "named", "price", "competitor"}
    assert not codes & {cell for row in (alpha, beta) for cell in row.values()}

    as_json = json.loads(
        rebound("export", "--team", team, "--format", "json", env=bot.env, cwd=bot.cwd).stdout
    )
    assert [row["deal_name"] for row in as_json] == ["Alpha, Inc.", 'Beta "Quoted" Co']
    first = as_json[0]
    assert (first["outcome"], first["check_timing"], first["sharing"]) == ("new_deal_lost", "partly", "named")
    assert first["lesson"] == lesson and first["touch_base_outcome"] == "won_back"
    assert (
        datetime.fromisoformat(first["touch_base_answered_at"]).replace(second=0, microsecond=0) == answered
    )
    [revisit] = first["revisits"]
    assert revisit["text"] == seen and started <= datetime.fromisoformat(revisit["created_at"]) <= finished
    assert (first["crm"], first["crm_deal_id"], first["crm_deal_url"]) == (None, None, None)
    empty = rebound("export", "--team", "T0NOBODY", "--format", "json", env=bot.env, cwd=bot.cwd)
    assert json.loads(empty.stdout) == []
    said = " ".join(rebound("export", "--help", env=bot.env, cwd=bot.cwd).stdout.split())
    assert "csv, the default, is for people" in said and "'Partly'" in said
    assert "json is for scripts: the codes the database stores ('partly'" in said


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_lets_work_in_flight_finish(fake, tmp_path, signum):
    bot = start_bot(bot_env(fake, f"sqlite:///{tmp_path / 'r.db'}"), tmp_path)
    with fake.slow("views.open", 1.5):
        trigger = new_trigger_id()
        body = slash_command(
            "Late Night Co", user=unique("U"), trigger_id=trigger, response_url=fake.response_url("x")
        )
        assert send(bot.events_url, body, FORM).status == 200
        assert bot.stop(signum) == 0  # signal sent to the process group, as Ctrl-C in a terminal does
    assert fake.find("views.open", lambda c: c.args.get("trigger_id") == trigger), "the form was never opened"
    assert "Traceback" not in bot.log_text()


def test_healthz_turns_503_when_the_database_goes_away(fake, tmp_path, postgres_url):
    """Between the bot and PostgreSQL sits a TCP relay we can cut, like a database outage."""
    from sqlalchemy.engine import make_url

    target = make_url(postgres_url)
    relay = Relay(target.host or "127.0.0.1", target.port or 5432)
    url = target.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    bot = start_bot(bot_env(fake, url), tmp_path)
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as response:
            assert response.status == 200
        relay.cut()
        with pytest.raises(urllib.error.HTTPError) as unhealthy:
            urllib.request.urlopen(f"{bot.url}/healthz", timeout=30)
        assert unhealthy.value.code == 503
        assert json.loads(unhealthy.value.read()) == {"status": "unavailable", "database": "unreachable"}
    finally:
        assert bot.stop() == 0
        relay.cut()


class Relay:
    """A loopback TCP relay to PostgreSQL; `cut()` drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        time.sleep(0.1)
