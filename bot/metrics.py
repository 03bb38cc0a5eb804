"""What Rebound counts, for Prometheus (the page that shows it: rebound/exposition.py).

Counts only, labelled with a few fixed words: never a person's text, never an ID. Each process
counts in memory; with PROMETHEUS_MULTIPROC_DIR in its environment, prometheus_client keeps the
counts in files there instead, and whichever process is scraped shows the sum of all of them.
The metrics are made on first use, not at import: in that mode making one writes a file, and
`rebound` checks the directory first (bot/config.py) to stop with one clear line if it cannot.

The sweep lag is no count: `SweepLag` reads it from the database at each scrape, so a sweep that
stopped shows as a lag that grows, whichever process answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.commitments import ACTION_DUE
from bot.deal_news import HUBSPOT, SALESFORCE
from storage import Store
from storage.lost_deals import PROMPT, REMINDER

logger = logging.getLogger("rebound.metrics")

# Slack's requests by kind; UNREADABLE ones were refused before Bolt could read them.
REQUEST_KINDS = ("command", "action", "view_submission", "event", "function", "options", "other")
UNREADABLE = "unreadable"
OK, REFUSED, FAILED = "ok", "refused", "failed"
FOLLOW_UP_KINDS = ("touch_base", "revisit", "help_request", PROMPT, REMINDER, ACTION_DUE)
SENT, RETRYING = "sent", "retrying"  # and FAILED: given up, never tried again
POSTED = "posted"
RECEIVED, SKIPPED = "received", "skipped"  # and REFUSED

# Slack shows the person an error after 3 s without an ack.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)

COUNTS = CollectorRegistry()  # this process's counts, when no directory holds every process's


@dataclass(frozen=True)
class _Metrics:
    requests: Counter
    command_ack: Histogram
    views_open_failures: Counter
    follow_ups: Counter
    digests: Counter
    crm_events: Counter


_made: _Metrics | None = None
_making = threading.Lock()


def _metrics() -> _Metrics:
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _make()
    return _made


def _make() -> _Metrics:
    disable_created_metrics()  # a `_created` series beside each count doubles the page, and tells nothing
    made = _Metrics(
        requests=Counter(
            "rebound_requests",
            "Slack's requests (HTTP or Socket Mode), by kind and outcome: ok, refused (4xx), failed (5xx)",
            ["kind", "outcome"],
            registry=COUNTS,
        ),
        command_ack=Histogram(
            "rebound_command_ack_seconds",
            "Seconds from a slash command reaching Bolt to its ack",
            buckets=ACK_BUCKETS,
            registry=COUNTS,
        ),
        views_open_failures=Counter(
            "rebound_views_open_failures", "Forms Slack did not open (views.open failed)", registry=COUNTS
        ),
        follow_ups=Counter(
            "rebound_follow_ups",
            "Follow-ups the sweep tried to send, by kind and outcome: sent, retrying (a later try "
            "may mend it), failed (given up)",
            ["kind", "outcome"],
            registry=COUNTS,
        ),
        digests=Counter(
            "rebound_digests",
            "Weekly digests tried, by outcome: posted, retrying, failed",
            ["outcome"],
            registry=COUNTS,
        ),
        crm_events=Counter(
            "rebound_crm_events",
            "CRM webhooks: deal events received, requests refused whole, unreadable events skipped",
            ["crm", "outcome"],
            registry=COUNTS,
        ),
    )
    # Every series from the start, at 0: a rate over a series that appears later misses its first count.
    for kind in REQUEST_KINDS:
        for outcome in (OK, REFUSED, FAILED):
            made.requests.labels(kind, outcome)
    made.requests.labels(UNREADABLE, REFUSED)
    for kind in FOLLOW_UP_KINDS:
        for outcome in (SENT, RETRYING, FAILED):
            made.follow_ups.labels(kind, outcome)
    for outcome in (POSTED, RETRYING, FAILED):
        made.digests.labels(outcome)
    for crm in (HUBSPOT, SALESFORCE):
        for outcome in (RECEIVED, REFUSED, SKIPPED):
            made.crm_events.labels(crm, outcome)
    return made


def outcome_of(status: int) -> str:
    """An HTTP answer's outcome: OK, REFUSED (4xx) or FAILED (5xx)."""
    return OK if status < 400 else REFUSED if status < 500 else FAILED


def request_answered(kind: str, outcome: str) -> None:
    """One request from Slack, answered: `kind` one of REQUEST_KINDS or UNREADABLE, `outcome` OK,
    REFUSED or FAILED."""
    _metrics().requests.labels(kind, outcome).inc()


def command_acknowledged(seconds: float) -> None:
    _metrics().command_ack.observe(seconds)


def views_open_failed() -> None:
    _metrics().views_open_failures.inc()


def follow_up_tried(kind: str, outcome: str) -> None:
    """A follow-up of `kind` SENT, RETRYING or FAILED."""
    _metrics().follow_ups.labels(kind, outcome).inc()


def digest_tried(outcome: str) -> None:
    """A weekly digest POSTED, RETRYING or FAILED."""
    _metrics().digests.labels(outcome).inc()


def crm_events(crm: str, outcome: str, count: int = 1) -> None:
    """`count` events from `crm` (HUBSPOT, SALESFORCE): RECEIVED (read from an accepted webhook),
    REFUSED (a request refused whole: 1, its events unread), or SKIPPED (unreadable, one by one)."""
    _metrics().crm_events.labels(crm, outcome).inc(count)


def counts(multiprocess_dir: Path | None) -> Collector:
    """What to scrape for the counts: every process's, summed from the files in `multiprocess_dir`
    (PROMETHEUS_MULTIPROC_DIR), or this process's own."""
    _metrics()  # this process's series, at 0, before the first count
    if multiprocess_dir is None:
        return COUNTS
    return MultiProcessCollector(None, path=str(multiprocess_dir))


def process_ended(pid: int, multiprocess_dir: Path | None) -> None:
    """A process that kept counts in `multiprocess_dir` has ended (gunicorn's worker): its counts
    stay in the sum; only gauges of live processes would be dropped, should there ever be any."""
    if multiprocess_dir is not None:
        mark_process_dead(pid, str(multiprocess_dir))


LAG = "rebound_sweep_lag_seconds"
LAG_HELP = "Seconds the follow-up waiting longest to be sent has been due (0: nothing is late)"


class SweepLag(Collector):
    """The sweep's lag, read from the database when scraped; left out when the database does not
    answer (/healthz says so)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(LAG, LAG_HELP)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        try:
            with self.store.read() as work:
                oldest = work.follow_ups.oldest_due(now=now)
        except SQLAlchemyError as error:
            logger.warning("No sweep lag in /metrics: the database did not answer (%s)", type(error).__name__)
            return
        yield GaugeMetricFamily(
            LAG, LAG_HELP, value=0.0 if oldest is None else (now - oldest).total_seconds()
        )
