"""What the follow-up sweep and the digest sweep share: claim what is due, send each claimed row
once, mark it sent only after Slack says ok, and on a failure either give the row up (no retry
mends it) or give it back, due again after the backoff.

Sent once, even across a crash: a row tried before (its attempts; a claim taken over from a sender
that died counts as one) is first looked for in its conversation by its receipt
(bot.slack.receipts), and sent only if it is not there. Each sweep supplies what is its own: what
it claims, what it settles before sending, how it sends, and its words for the log.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.backoff import backoff
from bot.slack.installs import Installs
from bot.slack.receipts import Posted
from bot.slack.web_api import PERMANENT, error_code, retry_after
from storage import Store

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a sweep that died
UNINSTALLED, NOT_INSTALLED = "workspace uninstalled", "Rebound is not installed in this workspace any more"

RowT = TypeVar("RowT")  # what a sweep claims: a follow-up (Due) or a week's digest (Digest)
ReadyT = TypeVar("ReadyT")  # a claimed row ready to send, with what its sending needs
DoneT = TypeVar("DoneT")  # what became of a row, in its sweep's own words


class GiveUp(Exception):
    """A failure no retry mends: the row is marked failed with `error`; `detail` says more to
    whoever asked (`rebound digest`), when there is more to say."""

    def __init__(self, error: str, detail: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail or error


class TryAgain(Exception):
    """A failure a later try may mend (a service that did not answer, or asked to wait): the row
    goes back, due again after the backoff and no sooner than `at_least` from now."""

    def __init__(self, error: str, at_least: timedelta = timedelta(0)) -> None:
        super().__init__(error)
        self.error = error
        self.at_least = at_least


@dataclass(frozen=True)
class Held(Generic[DoneT]):
    """A claimed row its sweep holds back instead of sending (postponed, settled, skipped)."""

    done: DoneT


class Sweep(ABC, Generic[RowT, ReadyT, DoneT]):
    """One pass over what is due; `now` is injectable so operators (and tests) can say `--as-of`."""

    batch: int | None = None  # claim this many at a time, until fewer come; None: all in one claim
    delivers = "messages"  # in the log's words: "its follow-ups stop"

    def __init__(self, store: Store, installs: Installs, logger: logging.Logger) -> None:
        self.store = store
        self.installs = installs
        self.logger = logger
        self._uninstalled: set[str] = set()  # workspaces already logged as gone

    def deliver_due(self, now: datetime) -> Iterator[DoneT]:
        """Claim what is due and deliver it, batch after batch, until nothing more is due."""
        while True:
            claimed = self.claim(now)
            for row in claimed:
                yield self.deliver(row, now)
            if self.batch is None or len(claimed) < self.batch:
                return

    def deliver(self, row: RowT, now: datetime) -> DoneT:
        """One claimed row: sent once, held back, given up, or given back to try again."""
        team_id = self.team_of(row)
        client = self.installs.client_for(team_id)
        if client is None:
            # Uninstalled: nothing can reach that workspace any more; don't retry it forever.
            if team_id not in self._uninstalled:
                self._uninstalled.add(team_id)
                self.logger.warning(
                    "Rebound is not installed in %s any more; its %s stop", team_id, self.delivers
                )
            return self.failed(row, GiveUp(UNINSTALLED, NOT_INSTALLED), now)
        try:
            ready = self.prepare(client, row, now)
            if isinstance(ready, Held):
                return ready.done
            sent = self.earlier(client, ready) if self.attempts(row) else None
            if sent is None:
                sent = self.send(client, ready)
        except GiveUp as failure:
            return self.failed(row, failure, now)
        except TryAgain as failure:
            return self._again(row, failure, now)
        except SlackApiError as error:
            code = error_code(error)
            if code in PERMANENT:
                self.logger.warning("%s cannot be delivered: %s; not retrying", self.describe(row), code)
                return self.failed(row, GiveUp(code), now)
            return self._again(row, TryAgain(code, timedelta(seconds=retry_after(error))), now)
        except (SlackClientError, OSError) as error:
            return self._again(row, TryAgain(f"{type(error).__name__}: {error}"[:200]), now)
        return self.delivered(client, ready, sent, now)

    def _again(self, row: RowT, failure: TryAgain, now: datetime) -> DoneT:
        attempts = self.attempts(row) + 1
        until = now + max(backoff(attempts), failure.at_least)
        at = f"{until:%Y-%m-%d %H:%M} UTC"
        self.logger.info(
            "%s: %s; trying again at %s (attempt %s)", self.describe(row), failure.error, at, attempts
        )
        return self.retrying(row, failure.error, until, now)

    # What each sweep supplies
    @abstractmethod
    def claim(self, now: datetime) -> list[RowT]:
        """Take what is due for this sweep alone, for LEASE."""

    @abstractmethod
    def team_of(self, row: RowT) -> str: ...

    @abstractmethod
    def attempts(self, row: RowT) -> int:
        """Tries so far: after one, the row may have reached Slack already."""

    @abstractmethod
    def describe(self, row: RowT) -> str:
        """The row in the log's words: "Follow-up 12 (revisit) to U1 in T1"."""

    @abstractmethod
    def prepare(self, client: WebClient, row: RowT, now: datetime) -> ReadyT | Held[DoneT]:
        """Whatever is settled before sending (the recipient, working hours, the message), or the
        row held back. Slack's failures, GiveUp and TryAgain raised here are handled as in sending."""

    @abstractmethod
    def earlier(self, client: WebClient, ready: ReadyT) -> Posted | None:
        """After an interrupted or failed try: the message Slack delivered all the same, by its receipt."""

    @abstractmethod
    def send(self, client: WebClient, ready: ReadyT) -> Posted:
        """Send it, with its receipt in the message's metadata."""

    @abstractmethod
    def delivered(self, client: WebClient, ready: ReadyT, sent: Posted, now: datetime) -> DoneT:
        """Slack said ok (now, or before an interruption): mark it sent, and whatever follows."""

    @abstractmethod
    def failed(self, row: RowT, failure: GiveUp, now: datetime) -> DoneT:
        """Mark it failed: it will not be tried again."""

    @abstractmethod
    def retrying(self, row: RowT, error: str, until: datetime, now: datetime) -> DoneT:
        """Give it back, due again at `until`, its attempts counted."""
