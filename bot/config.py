"""Rebound's settings: read once from the environment and a `.env` file, checked up front.

Every setting in README's Configuration table and `.env.example` is read here (a test keeps
them equal). A missing or malformed one raises `ConfigError` naming the variable, which the CLI
turns into one line and exit status 2.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage import Store

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A setting is missing or malformed; `variable` names it for the operator."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable
        self.problem = problem


HUBSPOT_API = "https://api.hubapi.com"


@dataclass(frozen=True, kw_only=True)
class CrmSettings:
    """Where lost deals come from and which of them deserve a prompt. None: that CRM is not set up."""

    public_url: str | None = None  # what HubSpot calls, and signs: REBOUND_PUBLIC_URL
    hubspot_access_token: str | None = None
    hubspot_client_secret: str | None = None
    hubspot_api_url: str = HUBSPOT_API
    salesforce_outbound_secret: str | None = None
    salesforce_org_id: str | None = None
    team_id: str | None = None  # the workspace the CRM account belongs to (required with OAuth)
    min_amount: Decimal = Decimal(0)
    pipelines: frozenset[str] = frozenset()  # empty: every pipeline
    daily_prompts: int = 3  # per rep and day; the rest wait for the next day

    @property
    def hubspot(self) -> bool:
        return self.hubspot_client_secret is not None

    @property
    def salesforce(self) -> bool:
        return self.salesforce_outbound_secret is not None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything Rebound reads from its environment, already parsed."""

    # Slack
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    slack_client_id: str | None
    slack_client_secret: str | None
    # Storage and serving
    database_url: URL
    host: str
    port: int
    # Weekly digest
    digest_channel: str | None
    digest_day: str
    digest_time: time
    timezone: ZoneInfo
    log_level: str
    log_format: str = "text"  # "json": one JSON object per line, for log shippers
    # People who may change workspace settings, besides Slack's admins and owners
    admins: frozenset[str] = frozenset()
    # Database connections per process, and how long a request waits for one
    db_pool_size: int = 5
    db_pool_timeout: float = 30
    # Lost deals from the CRM (one CRM account per deployment)
    crm: CrmSettings = field(default_factory=lambda: CrmSettings())
    # /metrics: the bearer token it asks for (None: open), and where every process's counts are
    # kept (PROMETHEUS_MULTIPROC_DIR; None: each process shows its own)
    metrics_token: str | None = None
    metrics_dir: Path | None = None
    # How many days a buyer's link to their one-minute page stays open (REBOUND_ASK_DAYS)
    ask_days: int = 30
    # How many proxies in front (Caddy, nginx) add X-Forwarded-For: the buyer's page limits its
    # rate by the address the first of them saw, not by the proxy's own (REBOUND_PROXIES)
    proxies: int = 0

    def secrets(self) -> list[str | None]:
        """What must never reach a log line, an error message or /healthz."""
        return [
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.slack_client_secret,
            self.crm.hubspot_access_token,
            self.crm.hubspot_client_secret,
            self.crm.salesforce_outbound_secret,
            self.metrics_token,
            self.database_url.password if isinstance(self.database_url.password, str) else None,
        ]

    def connect(self) -> Store:
        """The Store for DATABASE_URL, with this process's connection pool."""
        return Store.connect(
            self.database_url, pool_size=self.db_pool_size, pool_timeout=self.db_pool_timeout
        )

    @property
    def socket_mode(self) -> bool:
        """Socket Mode is chosen by the presence of an app-level token."""
        return self.slack_app_token is not None

    @property
    def buyer_page_url(self) -> str | None:
        """Where buyers' pages are served (REBOUND_PUBLIC_URL), or None when Rebound cannot offer
        them: without that URL, or in Socket Mode, where no web server runs."""
        if self.socket_mode or not self.slack_signing_secret:
            return None
        return self.crm.public_url

    @property
    def oauth(self) -> bool:
        """Multi-workspace installs (Bolt's OAuth flow) are chosen by a client ID and secret."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def require_bot_token(self) -> None:
        """Check what every command that talks to Slack needs: a bot token, or OAuth installs."""
        if self.oauth:
            return
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN", "is not set (the bot token from your Slack app, xoxb-...)")

    def require_slack(self) -> None:
        """Check what `rebound serve` needs before it talks to Slack."""
        self.require_bot_token()
        if (self.crm.hubspot or self.crm.salesforce) and self.socket_mode:
            raise ConfigError(
                "SLACK_APP_TOKEN",
                "is set, but CRM webhooks (HUBSPOT_CLIENT_SECRET, SALESFORCE_OUTBOUND_SECRET) need HTTP mode",
            )
        if self.oauth and self.socket_mode:
            raise ConfigError(
                "SLACK_APP_TOKEN",
                "is set, but installing in several workspaces (SLACK_CLIENT_ID) needs HTTP mode: unset one",
            )
        if not self.socket_mode and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET",
                "is not set; HTTP mode needs it to verify requests (or set SLACK_APP_TOKEN for Socket Mode)",
            )


def load_settings(environ: Mapping[str, str] | None = None, dotenv_dir: Path | None = None) -> Settings:
    """Read settings from `environ` (default: the process environment) over `.env` in `dotenv_dir`.

    The real environment wins over `.env`, as operators expect.
    """
    env_file = (dotenv_dir or Path.cwd()) / ".env"
    dotenv: dict[str, str] = {}
    if env_file.is_file():
        dotenv = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    environment = os.environ if environ is None else environ
    values = {**dotenv, **environment}

    def get(name: str, default: str | None = None) -> str | None:
        value = values.get(name, "").strip()
        return value or default

    app_token = get("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(missing, "is not set; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together")

    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        slack_api_url=_api_url(get("SLACK_API_URL", "https://slack.com/api/")),
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        database_url=parse_database_url(get("DATABASE_URL", "sqlite:///rebound.db")),
        host=get("HOST", "0.0.0.0"),
        port=_port(get("PORT", "3000")),
        digest_channel=_channel(get("REBOUND_DIGEST_CHANNEL")),
        digest_day=_weekday(get("REBOUND_DIGEST_DAY", "fri")),
        digest_time=_clock(get("REBOUND_DIGEST_TIME", "16:00")),
        timezone=_zone(get("REBOUND_TIMEZONE", "UTC")),
        log_level=_log_level(get("LOG_LEVEL", "INFO")),
        log_format=_log_format(get("LOG_FORMAT", "text")),
        admins=_admins(get("REBOUND_ADMINS", "")),
        db_pool_size=_count("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE", "5"), 1, 100),
        db_pool_timeout=_count("DATABASE_POOL_TIMEOUT", get("DATABASE_POOL_TIMEOUT", "30"), 1, 600),
        crm=_crm(get, oauth=bool(client_id)),
        metrics_token=_metrics_token(get("REBOUND_METRICS_TOKEN")),
        metrics_dir=_multiprocess_dir(environment, in_dotenv=MULTIPROCESS_DIR in dotenv),
        ask_days=_count("REBOUND_ASK_DAYS", get("REBOUND_ASK_DAYS", "30"), 1, 365),
        proxies=_count("REBOUND_PROXIES", get("REBOUND_PROXIES", "0"), 0, 5),
    )


def _crm(get: Callable[..., str | None], *, oauth: bool) -> CrmSettings:
    """The CRM settings, each checked; those of one CRM go together."""
    public_url = get("REBOUND_PUBLIC_URL")
    if public_url is not None:
        parsed = urlparse(public_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ConfigError(
                "REBOUND_PUBLIC_URL",
                f"must be the URL Slack and CRMs call (https://rebound.example.com), not {public_url!r}",
            )
        public_url = public_url.rstrip("/")
    token, secret = get("HUBSPOT_ACCESS_TOKEN"), get("HUBSPOT_CLIENT_SECRET")
    if bool(token) != bool(secret):
        missing = "HUBSPOT_CLIENT_SECRET" if token else "HUBSPOT_ACCESS_TOKEN"
        raise ConfigError(missing, "is not set; HUBSPOT_ACCESS_TOKEN and HUBSPOT_CLIENT_SECRET go together")
    if secret and public_url is None:
        raise ConfigError(
            "REBOUND_PUBLIC_URL", "is not set; HubSpot signs the URL it calls, so Rebound must know it"
        )
    outbound, org = get("SALESFORCE_OUTBOUND_SECRET"), get("SALESFORCE_ORG_ID")
    if bool(outbound) != bool(org):
        missing = "SALESFORCE_ORG_ID" if outbound else "SALESFORCE_OUTBOUND_SECRET"
        raise ConfigError(missing, "is not set; SALESFORCE_OUTBOUND_SECRET and SALESFORCE_ORG_ID go together")
    if outbound is not None and not re.fullmatch(r"[A-Za-z0-9_-]{20,200}", outbound):
        raise ConfigError(
            "SALESFORCE_OUTBOUND_SECRET",
            "must be at least 20 letters, digits, - or _ (it is part of a URL); "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one",
        )
    if org is not None and not re.fullmatch(r"00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?", org):
        raise ConfigError(
            "SALESFORCE_ORG_ID",
            f"must be a Salesforce organization ID such as 00D5g000004Ab1CEAS, not {org!r}",
        )
    team = get("REBOUND_CRM_TEAM")
    if team is not None and not re.fullmatch(r"[TE][A-Z0-9]{2,}", team):
        raise ConfigError("REBOUND_CRM_TEAM", f"must be a workspace ID such as T0123ABC, not {team!r}")
    if oauth and (secret or outbound) and team is None:
        raise ConfigError(
            "REBOUND_CRM_TEAM",
            "is not set; with installs in several workspaces, name the one the CRM belongs to",
        )
    return CrmSettings(
        public_url=public_url,
        hubspot_access_token=token,
        hubspot_client_secret=secret,
        hubspot_api_url=_api_url(get("HUBSPOT_API_URL", HUBSPOT_API), "HUBSPOT_API_URL").rstrip("/"),
        salesforce_outbound_secret=outbound,
        salesforce_org_id=org,
        team_id=team,
        min_amount=_amount(get("REBOUND_CRM_MIN_AMOUNT", "0")),
        pipelines=frozenset(p.strip() for p in (get("REBOUND_CRM_PIPELINES") or "").split(",") if p.strip()),
        daily_prompts=_count("REBOUND_CRM_DAILY_PROMPTS", get("REBOUND_CRM_DAILY_PROMPTS", "3"), 1, 50),
    )


def _metrics_token(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[\x21-\x7e]{16,}", value):
        raise ConfigError(
            "REBOUND_METRICS_TOKEN",
            "must be at least 16 characters without spaces; "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one",
        )
    return value


# prometheus_client reads it from the process's environment when it is imported, before any .env
# is read: it cannot come from .env, so it is read here only to check it.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _multiprocess_dir(environment: Mapping[str, str], *, in_dotenv: bool) -> Path | None:
    if MULTIPROCESS_DIR not in environment:
        if in_dotenv:
            raise ConfigError(
                MULTIPROCESS_DIR,
                "is in .env, but prometheus_client reads it from the environment before .env is read: "
                "set it in the environment (systemd: Environment=) and take it out of .env",
            )
        return None
    value = environment[MULTIPROCESS_DIR]
    if not value.strip():  # prometheus_client would write its files into the working directory
        raise ConfigError(MULTIPROCESS_DIR, "is empty: unset it, or name a directory")
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(MULTIPROCESS_DIR, f"names {value}, which is not a directory: create it first")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(MULTIPROCESS_DIR, f"names {value}, where this user cannot write")
    return path


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        raise ConfigError("REBOUND_CRM_MIN_AMOUNT", f"must be an amount such as 5000, not {value!r}")
    return amount


def _api_url(value: str, setting: str = "SLACK_API_URL") -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        example = "https://slack.com/api/" if setting == "SLACK_API_URL" else HUBSPOT_API
        raise ConfigError(setting, f"must be an http(s) URL such as {example}, not {value!r}")
    # WebClient joins method names onto the base URL, so it must end with a slash.
    return value if value.endswith("/") else value + "/"


def parse_database_url(value: str, setting: str = "DATABASE_URL") -> URL:
    """A database URL Rebound can use, or a ConfigError naming `setting` (a variable or an option)."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(setting, "is not a database URL (e.g. sqlite:///rebound.db)") from None
    # Plain postgres URLs would pick psycopg2; Rebound ships psycopg 3.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(setting, f"uses {url.get_backend_name()!r}; Rebound supports sqlite and postgresql")
    return url


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("PORT", f"must be a port number between 1 and 65535, not {value!r}")
    return int(value)


def _channel(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
        raise ConfigError(
            "REBOUND_DIGEST_CHANNEL", f"must be a channel ID such as C0123456789, not {value!r}"
        )
    return value


def _count(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(name, f"must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _admins(value: str) -> frozenset[str]:
    people = [person.strip() for person in value.split(",") if person.strip()]
    for person in people:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", person):
            raise ConfigError(
                "REBOUND_ADMINS", f"must be user IDs separated by commas (U0123ABC,U0456DEF), not {person!r}"
            )
    return frozenset(people)


def _weekday(value: str) -> str:
    day = value.lower()[:3]
    if day not in WEEKDAYS or not value.lower().startswith(day):
        raise ConfigError("REBOUND_DIGEST_DAY", f"must be a weekday (mon..sun), not {value!r}")
    return day


def _clock(value: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise ConfigError("REBOUND_DIGEST_TIME", f"must be a time of day as HH:MM, not {value!r}")
    return time(int(match[1]), int(match[2]))


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "REBOUND_TIMEZONE", f"must be an IANA time zone such as Europe/Paris, not {value!r}"
        ) from None


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(_LOG_LEVELS)}, not {value!r}")
    return level


def _log_format(value: str) -> str:
    if value.lower() not in _LOG_FORMATS:
        raise ConfigError("LOG_FORMAT", f"must be text or json, not {value!r}")
    return value.lower()


# Any Slack token, whoever's it is (OAuth installs bring tokens no setting names).
SLACK_TOKEN = re.compile(r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]+")


class RedactingFormatter(logging.Formatter):
    """Formats a log line, traceback included, with every secret replaced by [redacted]."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        text = SLACK_TOKEN.sub("[redacted]", text)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonLinesFormatter(RedactingFormatter):
    """One JSON object per line (LOG_FORMAT=json), for log shippers: time (UTC, ISO 8601), level,
    logger, message and, after a failure, the traceback; redacted before it is encoded."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            line["traceback"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["traceback"] = self.redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, secrets: Iterable[str | None] = (), *, log_format: str = "text") -> None:
    """One format for Rebound, Bolt, slack_sdk, gunicorn and Python's warnings; no secret ever
    printed. `log_format` "json": one JSON object per line."""
    logging.basicConfig(level=level, force=True)
    logging.captureWarnings(True)
    # Alembic, imported only when a migration runs, names each plugin it loads: not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    shown = filter(None, secrets)
    formatter = (
        JsonLinesFormatter(shown)
        if log_format == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", shown)
    )
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
