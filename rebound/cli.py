"""The `rebound` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.blocks.erasure_modals import what_goes, what_stays
from bot.config import ConfigError, Settings, configure_logging, load_settings, parse_database_url
from bot.crm.prompter import CrmPrompter
from bot.digest.posting import DigestSweep, Outcome
from bot.erasure import erase_person
from bot.export import write_csv, write_json
from bot.followups.delivery import FollowUpSweep
from bot.slack.installs import installs_for
from bot.slack.web_api import web_client
from rebound.progress import CopyProgress, StepProgress, backup_summary_lines, summary_lines
from storage import downgrade, upgrade
from storage.backup import BackupMismatch, BackupStopped, back_up, inspect_backup, restore
from storage.copy import CopyMismatch, CopyStopped, copy_database, where
from storage.migrate import MigrationRefused

logger = logging.getLogger("rebound")

# Slack's answers to auth.test that mean the token itself is wrong, not that Slack is down.
_BAD_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


class Stop(Exception):
    """A clear, expected reason to stop, printed as one line."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="rebound", description="Rebound: turn a lost deal into a lesson, in Slack."
    )
    root.add_argument("--version", action="version", version=f"rebound {version('rebound')}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the bot and its scheduler (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on HOST:PORT)",
    )
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not send follow-ups from this process (run `rebound worker`)",
    )
    health_options(serve, "Socket Mode only: HTTP mode serves them on HOST:PORT")
    worker = commands.add_parser(
        "worker", help="run only the scheduler (deployments with several web processes)"
    )
    health_options(worker, "so the worker can be watched and scraped")
    digest = commands.add_parser(
        "digest",
        help="post the weekly digest due at --as-of (default now), at most once per workspace and week",
    )
    digest.add_argument("--team", metavar="T", help="only this workspace (team ID)")
    digest.add_argument(
        "--as-of", metavar="ISO8601", type=moment, help="the moment treated as now (naive = UTC)"
    )
    digest.add_argument("--dry-run", action="store_true", help="print the digest as JSON; send nothing")
    reminders = commands.add_parser(
        "reminders", help="deliver every follow-up due at --as-of (default now), once each"
    )
    reminders.add_argument(
        "--as-of", metavar="ISO8601", type=moment, help="the moment treated as now (naive = UTC)"
    )
    export = commands.add_parser(
        "export",
        help="write every autopsy to stdout: all it holds, with its revisits, touch-base, CRM origin and "
        "the lost buyer's answers",
        description="Write every autopsy to stdout, oldest first: every answer, the revisits with "
        "their times, the touch-base outcome and when it was answered, the CRM deal it came from "
        "(CRM, deal id, link), and, if its rep asked the lost buyer, where the link stands, when it "
        "was sent, opened and answered, and the buyer's answers. --format csv, the default, is for "
        "people: one row per autopsy, columns named as the form asks, answers in the words chosen "
        "in it ('Partly', 'Lost a new deal', 'Keep it private') and the buyer's in the words the "
        "buyer chose, times in UTC, the revisits in one cell each after its date; a cell that would "
        "run as a spreadsheet formula starts with an apostrophe. --format json is for scripts: the "
        "codes the database stores ('partly', 'new_deal_lost', 'private'), ISO 8601 times, the "
        "revisits as a list.",
    )
    export.add_argument("--team", metavar="T", help="only this workspace (team ID)")
    export.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="csv: the form's words, for people (default); json: the stored codes, for scripts",
    )
    purge = commands.add_parser(
        "purge",
        help="delete everything Rebound holds about one workspace (after an uninstall, say), or with "
        "--user about one person in it (a leaver, or someone who asked)",
        description="Without --user: delete every row of the workspace, its install included. With "
        "--user: delete the person's autopsies with their revisits, reminders, the links they sent "
        "lost buyers and the buyers' answers, their other reminders, their pause and cached time "
        "zone; keep, without their name, teammates' "
        "autopsies that asked them for help, CRM deals they owned and an install they made; and "
        "take their autopsies out of the DMs that showed them. It shows what it will delete first.",
    )
    purge.add_argument("--team", metavar="T", required=True, help="the workspace (team ID)")
    purge.add_argument("--user", metavar="U", help="only this person (Slack user ID) in the workspace")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    playground = commands.add_parser(
        "playground",
        help="a local Slack in the browser (127.0.0.1) driving the real bot; no Slack app, not your database",
    )
    playground.add_argument(
        "--port", type=int, help="the page's port (default: 3000, or the next free one after it)"
    )
    playground.add_argument(
        "--demo", action="store_true", help="start with a few weeks of a team's autopsies"
    )
    playground.add_argument(
        "--fresh", action="store_true", help="start over: delete the ./rebound-playground folder first"
    )
    playground.add_argument("--no-browser", action="store_true", help="print the address, open no browser")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply database migrations")
    db_downgrade = db_commands.add_parser(
        "downgrade",
        help="undo migrations down to REVISION, to roll back to an older Rebound (README: Upgrading)",
        description="Undo this version's database migrations down to REVISION (e.g. 0006), which "
        "the older Rebound you roll back to knows as its newest. Run it with the NEWER version "
        "still installed: only it knows how to undo its own migrations. What the undone "
        "migrations added is dropped; back up first (README: Backups).",
    )
    db_downgrade.add_argument("revision", metavar="REVISION", help="the revision to stay at, e.g. 0006")
    db_copy = db_commands.add_parser(
        "copy",
        help="copy everything Rebound holds from DATABASE_URL into an empty database at --to",
        description="Copy every row Rebound holds (autopsies, follow-ups, revisits, pauses, zones, "
        "settings, digest weeks, OAuth installs) from DATABASE_URL into the database at --to, "
        "SQLite or PostgreSQL either way. The target is migrated first and must hold no Rebound "
        "rows; the source is only read and must be up to date (`rebound db upgrade`). Stop "
        "Rebound first. On a terminal it asks before copying; elsewhere (a script) it copies "
        "without asking, since it never overwrites anything. Exit status: 0 when every table's "
        "count and checksum agree, 1 when not (the target is emptied again), 2 when refused.",
    )
    db_copy.add_argument("--to", metavar="URL", required=True, help="the target database's SQLAlchemy URL")
    db_copy.add_argument("--yes", action="store_true", help="do not ask for confirmation on a terminal")
    db_backup = db_commands.add_parser(
        "backup",
        help="copy the SQLite database at DATABASE_URL into a new FILE while Rebound runs, then check it",
        description="Copy the SQLite database at DATABASE_URL into FILE through SQLite's online "
        "backup API, as it was at one moment, while Rebound goes on running. The copy is written "
        "to FILE.partial and renamed to FILE once SQLite's integrity check passes on it and every "
        "table holds as many rows as the database did at that moment. An existing FILE is never "
        "replaced. PostgreSQL: use pg_dump (README: Backups). Exit status: 0 when the copy is "
        "checked, 1 when it failed its check or stopped (FILE is not written), 2 when refused.",
    )
    db_backup.add_argument("--to", metavar="FILE", required=True, help="the new backup file")
    db_restore = db_commands.add_parser(
        "restore",
        help="replace the SQLite database at DATABASE_URL with a backup (stop every Rebound process first)",
        description="Check FILE (an intact SQLite database of Rebound's, at a migration this "
        "version knows), then write it over the SQLite database at DATABASE_URL through SQLite's "
        "backup API, check the result and migrate it up (a backup from an older version). Stop "
        "every Rebound process first. It asks before replacing anything (--yes skips the "
        "question). A file that fails the check is refused and nothing is changed. PostgreSQL: "
        "use pg_restore (README: Backups). Exit status: 0 when restored and checked, 1 when the "
        "restore failed, 2 when refused.",
    )
    db_restore.add_argument(
        "--from", dest="backup_file", metavar="FILE", required=True, help="the backup to restore"
    )
    db_restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "playground":  # needs no Slack and none of the operator's settings
        from playground.runner import run

        return run(port=args.port, demo=args.demo, fresh=args.fresh, browser=not args.no_browser)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.secrets(), log_format=settings.log_format)
        if args.command == "serve":
            serve(settings, scheduler=not args.no_scheduler, health=health_address(args))
        elif args.command == "worker":
            worker(settings, health=health_address(args))
        elif args.command == "digest":
            post_digest(settings, team=args.team, as_of=args.as_of or clock.now(), dry_run=args.dry_run)
        elif args.command == "reminders":
            deliver_reminders(settings, as_of=args.as_of or clock.now())
        elif args.command == "export":
            export(settings, team=args.team, output_format=args.format)
        elif args.command == "purge" and args.user:
            purge_person(settings, team=args.team, user=args.user, confirmed=args.yes)
        elif args.command == "purge":
            purge_workspace(settings, team=args.team, confirmed=args.yes)
        elif args.command == "db" and args.db_command == "copy":
            copy_everything(settings, to=args.to, confirmed=args.yes)
        elif args.command == "db" and args.db_command == "backup":
            back_up_database(settings, to=Path(args.to))
        elif args.command == "db" and args.db_command == "restore":
            restore_database(settings, backup=Path(args.backup_file), confirmed=args.yes)
        elif args.command == "db" and args.db_command == "downgrade":
            migrate(settings, revision=args.revision, down=True)
        elif args.command == "db":
            migrate(settings)
    except ConfigError as error:
        print(f"rebound: {error}", file=sys.stderr)
        return 2
    except Stop as stop:
        print(f"rebound: {stop}", file=sys.stderr)
        return stop.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `rebound export | head`: the reader left; that's fine.
        sys.stderr.close()
        return 0
    return 0


def migrate(settings: Settings, *, revision: str = "head", down: bool = False) -> None:
    where = settings.database_url.render_as_string(hide_password=True)
    try:
        if down:
            downgrade(settings.database_url, revision)
        else:
            upgrade(settings.database_url, revision)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise Stop(f"cannot migrate the database at {where} (DATABASE_URL): {reason}") from None
    except MigrationRefused as error:
        raise Stop(f"cannot migrate the database at {where} to {revision}: {error}", status=2) from None
    if down:
        logger.info("Database is at revision %s", revision)
    else:
        logger.info("Database is up to date")


def copy_everything(settings: Settings, *, to: str, confirmed: bool) -> None:
    """`rebound db copy`: every row from DATABASE_URL into the empty database at `to`, checked."""
    target = parse_database_url(to, "--to")
    source = settings.database_url
    if not confirmed and sys.stdin.isatty():
        answer = input(f"Copy everything Rebound holds from {where(source)} into {where(target)}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Stop("nothing copied (--yes skips this question)")
    # The copy says itself what it does; Alembic's step-by-step lines would bury a refusal.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    progress = CopyProgress(sys.stderr, terminal=sys.stderr.isatty())
    try:
        report = copy_database(source, target, progress=progress)
    except CopyMismatch as mismatch:
        progress.close()
        print("\n".join(summary_lines(mismatch.report)))
        raise Stop(str(mismatch), mismatch.status) from None
    except CopyStopped as stopped:
        progress.close()
        raise Stop(str(stopped), stopped.status) from None
    print("\n".join(summary_lines(report)))
    print(
        f"Copied {report.rows:,} rows in {len(report.tables)} tables in {report.seconds:.1f} s: "
        "every count and checksum agrees. Point DATABASE_URL at the target and start Rebound."
    )


def back_up_database(settings: Settings, *, to: Path) -> None:
    """`rebound db backup`: the SQLite database, as it is now, into a new file, checked."""
    progress = StepProgress(sys.stderr, terminal=sys.stderr.isatty())
    try:
        report = back_up(settings.database_url, to, progress=progress)
    except BackupMismatch as mismatch:
        progress.close()
        print("\n".join(backup_summary_lines(mismatch.report, source="database", copy="backup")))
        raise Stop(str(mismatch), mismatch.status) from None
    except BackupStopped as stopped:
        progress.close()
        raise Stop(str(stopped), stopped.status) from None
    print("\n".join(backup_summary_lines(report, source="database", copy="backup")))
    size = f"{report.size_bytes / 2**20:.1f} MiB"
    print(
        f"Backed up {report.rows:,} rows in {len(report.tables)} tables ({size}, migration "
        f"{report.revision}) to {to} in {report.seconds:.1f} s: the copy is intact and holds "
        "every row the database held when it began."
    )


def restore_database(settings: Settings, *, backup: Path, confirmed: bool) -> None:
    """`rebound db restore`: a checked backup over the SQLite database, then migrated up."""
    try:
        contents = inspect_backup(backup, settings.database_url)
    except BackupStopped as stopped:
        raise Stop(str(stopped), stopped.status) from None
    target = where(settings.database_url)
    autopsies = contents.tables.get("autopsies", 0)
    print(f"Stop every Rebound process first: the restore replaces everything in {target}.", file=sys.stderr)
    if not confirmed:
        question = (
            f"Restore {backup} (migration {contents.revision}, {autopsies:,} autopsies) over {target}? [y/N] "
        )
        try:
            answer = input(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise Stop("nothing restored (--yes skips this question)")
    progress = StepProgress(sys.stderr, terminal=sys.stderr.isatty())
    try:
        report = restore(contents, settings.database_url, progress=progress)
    except BackupMismatch as mismatch:
        progress.close()
        print("\n".join(backup_summary_lines(mismatch.report, source="backup", copy="restored")))
        raise Stop(f"{mismatch}: run the command again (the backup is unchanged)", mismatch.status) from None
    except BackupStopped as stopped:
        progress.close()
        raise Stop(str(stopped), stopped.status) from None
    # The restore says itself what it does; Alembic's step-by-step lines would bury it.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrate(settings)
    print("\n".join(backup_summary_lines(report, source="backup", copy="restored")))
    migrated = (
        f"migrated from {contents.revision} to {contents.newest}"
        if contents.revision != contents.newest
        else f"at migration {contents.newest}"
    )
    print(
        f"Restored {report.rows:,} rows in {len(report.tables)} tables from {backup} into {target} "
        f"in {report.seconds:.1f} s, checked, {migrated}. Start Rebound."
    )


def check_token(settings: Settings) -> None:
    """Ask Slack whether the bot token works, so a wrong one stops the start with one clear line."""
    if settings.oauth:
        logger.info("Installing in several workspaces: each one's token comes from its install")
        return
    try:
        identity = web_client(settings).auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        if code in _BAD_TOKEN:
            raise ConfigError("SLACK_BOT_TOKEN", f"was refused by Slack ({code})") from None
        logger.warning("Slack answered auth.test with %s; starting anyway", code)
    except (SlackClientError, OSError) as error:
        logger.warning("Could not reach Slack at %s (%s); starting anyway", settings.slack_api_url, error)
    else:
        logger.info("Signed in to Slack as %s in %s", identity.get("user"), identity.get("team"))


def health_options(command: argparse.ArgumentParser, when: str) -> None:
    command.add_argument(
        "--health-port", metavar="N", type=port_number, help=f"serve /healthz and /metrics on port N ({when})"
    )
    command.add_argument(
        "--health-host",
        metavar="H",
        help="the address --health-port listens on (default 127.0.0.1; 0.0.0.0 for every interface)",
    )


def health_address(args: argparse.Namespace) -> tuple[str, int] | None:
    if args.health_port is None:
        if args.health_host is not None:
            raise Stop("--health-host needs --health-port", status=2)
        return None
    return (args.health_host or "127.0.0.1", args.health_port)


def port_number(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def moment(text: str) -> datetime:
    """An ISO 8601 moment for --as-of; without an offset it is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 moment such as 2027-02-22T09:30+01:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def serve(settings: Settings, *, scheduler: bool, health: tuple[str, int] | None = None) -> None:
    from rebound import server  # gunicorn and the Socket Mode client are only needed here

    settings.require_slack()
    if health is not None and not settings.socket_mode:
        raise ConfigError(
            "--health-port", "is for Socket Mode: in HTTP mode /healthz and /metrics are on HOST:PORT"
        )
    migrate(settings)
    check_token(settings)
    if settings.socket_mode:
        server.serve_socket_mode(settings, scheduler=scheduler, health=health)
    else:
        server.serve_http(settings, scheduler=scheduler)


def worker(settings: Settings, *, health: tuple[str, int] | None = None) -> None:
    from rebound import server

    settings.require_bot_token()
    migrate(settings)
    check_token(settings)
    server.run_worker(settings, health=health)


def deliver_reminders(settings: Settings, *, as_of: datetime) -> None:
    settings.require_bot_token()
    migrate(settings)
    store = settings.connect()
    try:
        report = FollowUpSweep(
            store,
            installs_for(settings, store),
            settings.timezone,
            CrmPrompter(store, settings.crm),
            offer_asking=settings.buyer_page_url is not None,
        ).run(as_of)
    except SQLAlchemyError as error:
        raise Stop(
            f"cannot read follow-ups: {str(getattr(error, 'orig', None) or error).splitlines()[0]}"
        ) from None
    finally:
        store.close()
    print(f"Follow-ups due at {as_of.isoformat()}: {report}")


def post_digest(settings: Settings, *, team: str | None, as_of: datetime, dry_run: bool) -> None:
    settings.require_bot_token()
    migrate(settings)
    store = settings.connect()
    try:
        sweep = DigestSweep(store, installs_for(settings, store), settings)
        teams = [team] if team else sweep.teams()
        if not teams:
            raise Stop("no workspace is known yet: Slack did not answer auth.test and nothing is stored")
        outcomes = [sweep.post_now(team_id, as_of, dry_run=dry_run) for team_id in teams]
    except SQLAlchemyError as error:
        raise Stop(
            f"cannot read the week: {str(getattr(error, 'orig', None) or error).splitlines()[0]}"
        ) from None
    finally:
        store.close()
    if dry_run:
        print(json.dumps([_dry_run(outcome) for outcome in outcomes], indent=2, ensure_ascii=False))
        return
    for outcome in outcomes:
        print(f"Weekly digest {outcome}")
    if not all(outcome.ok for outcome in outcomes):
        raise Stop("not every digest was posted (see above)")


def _dry_run(outcome: Outcome) -> dict[str, object]:
    message = outcome.message.as_kwargs() if outcome.message else {"text": None, "blocks": []}
    return {"team_id": outcome.team_id, "week": outcome.week, "channel": outcome.channel, **message}


def purge_workspace(settings: Settings, *, team: str, confirmed: bool) -> None:
    migrate(settings)
    if not confirmed:
        question = f"Delete every autopsy, follow-up, digest and setting of {team}? Type {team} to confirm: "
        try:
            answer = input(question)
        except EOFError:
            answer = ""
        if answer.strip() != team:
            raise Stop(f"nothing deleted ({team} was not typed; --yes skips this question)")
    store = settings.connect()
    try:
        with store.write() as work:
            deleted = work.workspaces.purge(team)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise Stop(f"cannot purge {team}: {reason}") from None
    finally:
        store.close()
    counts = ", ".join(f"{count} {table}" for table, count in deleted.items() if count)
    print(f"Purged {team}: {counts or 'nothing was stored'}")


def purge_person(settings: Settings, *, team: str, user: str, confirmed: bool) -> None:
    """`rebound purge --user`: what goes and what stays, then (confirmed) the person is forgotten
    and their autopsies taken out of the DMs that showed them."""
    migrate(settings)
    store = settings.connect()
    try:
        with store.read() as work:
            erasure = work.people.erasure(team_id=team, user_id=user)
        if not erasure.anything and not erasure.zones:
            print(f"Rebound holds nothing about {user} in {team}.")
            return
        print(f"Erasing {user} in {team} deletes:")
        print("\n".join(f"  {line}" for line in what_goes(erasure, owner="their")) or "  nothing they wrote")
        stays = what_stays(erasure, owner="their")
        if stays:
            print("Kept for the team, without their name:")
            print("\n".join(f"  {line}" for line in stays))
        if erasure.messages:
            print(f"{len(erasure.messages)} DMs that showed their autopsies will say they took them down.")
        if not confirmed:
            try:
                answer = input(f"Type {user} to erase them: ")
            except EOFError:
                answer = ""
            if answer.strip() != user:
                raise Stop(f"nothing deleted ({user} was not typed; --yes skips this question)")
        client = installs_for(settings, store).client_for(team)
        erase_person(store, client, team_id=team, user_id=user, logger=logger)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise Stop(f"cannot erase {user} in {team}: {reason}") from None
    finally:
        store.close()
    print(f"Erased {user} in {team}.")


def export(settings: Settings, *, team: str | None, output_format: str) -> None:
    store = settings.connect()
    try:
        with store.read() as work:
            entries = work.autopsies.export(team_id=team)
            (write_csv if output_format == "csv" else write_json)(entries, sys.stdout)
        sys.stdout.flush()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise Stop(
            f"cannot read autopsies (is the database migrated? try `rebound db upgrade`): {reason}"
        ) from None
    finally:
        store.close()
