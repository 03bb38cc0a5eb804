"""The sweep skeleton both sweeps share (bot.sweep), on a toy sweep: the receipt before a second
send, Slack's refusals given up, its failures given back after the backoff, held rows untouched."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.backoff import backoff
from bot.slack.receipts import Posted
from bot.sweep import NOT_INSTALLED, UNINSTALLED, GiveUp, Held, Sweep, TryAgain

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
logger = logging.getLogger("rebound.test_sweep")


@dataclass
class Row:
    id: int
    team_id: str = "T1"
    attempts: int = 0
    hold: bool = False
    fails_with: Exception | None = None  # raised by send
    delivered_before: bool = False  # its receipt is in the conversation


@dataclass
class Installs:
    gone: set[str] = field(default_factory=set)

    def client_for(self, team_id: str) -> Any:
        return None if team_id in self.gone else "client"


class ToySweep(Sweep[Row, Row, tuple[str, int, Any]]):
    """Claims `queue` in batches; records every send and every mark."""

    batch = 2
    delivers = "toys"

    def __init__(self, rows: list[Row], installs: Installs | None = None) -> None:
        super().__init__(store=None, installs=installs or Installs(), logger=logger)  # type: ignore[arg-type]
        self.queue = list(rows)
        self.claims: list[list[int]] = []
        self.sent: list[int] = []
        self.looked: list[int] = []

    def claim(self, now: datetime) -> list[Row]:
        taken, self.queue = self.queue[: self.batch], self.queue[self.batch :]
        self.claims.append([row.id for row in taken])
        return taken

    def team_of(self, row: Row) -> str:
        return row.team_id

    def attempts(self, row: Row) -> int:
        return row.attempts

    def describe(self, row: Row) -> str:
        return f"Toy {row.id}"

    def prepare(self, client: Any, row: Row, now: datetime) -> Row | Held[tuple[str, int, Any]]:
        return Held(("held", row.id, None)) if row.hold else row

    def earlier(self, client: Any, ready: Row) -> Posted | None:
        self.looked.append(ready.id)
        return Posted(channel="C1", ts="1.0") if ready.delivered_before else None

    def send(self, client: Any, ready: Row) -> Posted:
        if ready.fails_with is not None:
            raise ready.fails_with
        self.sent.append(ready.id)
        return Posted(channel="C1", ts="2.0")

    def delivered(self, client: Any, ready: Row, sent: Posted, now: datetime) -> tuple[str, int, Any]:
        return ("sent", ready.id, sent.ts)

    def failed(self, row: Row, failure: GiveUp, now: datetime) -> tuple[str, int, Any]:
        return ("failed", row.id, (failure.error, failure.detail))

    def retrying(self, row: Row, error: str, until: datetime, now: datetime) -> tuple[str, int, Any]:
        return ("retrying", row.id, (error, until - now))


def slack_error(code: str, status: int = 200, retry_after: str | None = None) -> SlackApiError:
    headers = {"Retry-After": retry_after} if retry_after else {}
    data = {"ok": False, "error": code}
    url = "https://slack.test/api/chat.postMessage"
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=url,
        req_args={},
        data=data,
        headers=headers,
        status_code=status,
    )
    return SlackApiError(code, response)


def test_claims_batch_after_batch_until_fewer_come():
    sweep = ToySweep([Row(n) for n in range(1, 6)])
    assert [done[:2] for done in sweep.deliver_due(NOW)] == [("sent", n) for n in range(1, 6)]
    assert sweep.claims == [[1, 2], [3, 4], [5]]


def test_a_first_try_sends_without_looking_for_a_receipt():
    sweep = ToySweep([Row(1)])
    assert list(sweep.deliver_due(NOW)) == [("sent", 1, "2.0")]
    assert (sweep.looked, sweep.sent) == ([], [1])


def test_a_row_tried_before_is_looked_for_and_not_sent_twice():
    sweep = ToySweep([Row(1, attempts=1, delivered_before=True), Row(2, attempts=1)])
    assert list(sweep.deliver_due(NOW)) == [("sent", 1, "1.0"), ("sent", 2, "2.0")]
    assert (sweep.looked, sweep.sent) == ([1, 2], [2])


def test_a_held_row_is_neither_looked_for_nor_sent():
    sweep = ToySweep([Row(1, attempts=3, hold=True)])
    assert list(sweep.deliver_due(NOW)) == [("held", 1, None)]
    assert (sweep.looked, sweep.sent) == ([], [])


def test_slacks_refusal_is_given_up_and_said_once(caplog):
    sweep = ToySweep([Row(1, fails_with=slack_error("channel_not_found"))])
    with caplog.at_level(logging.WARNING, logger=logger.name):
        assert list(sweep.deliver_due(NOW)) == [("failed", 1, ("channel_not_found", "channel_not_found"))]
    assert "Toy 1 cannot be delivered: channel_not_found; not retrying" in caplog.text


@pytest.mark.parametrize(
    ("error", "said", "waits"),
    [
        (slack_error("internal_error", 500), "internal_error", backoff(3)),
        (slack_error("ratelimited", 429, retry_after="600"), "ratelimited", timedelta(seconds=600)),
        (slack_error("ratelimited", 429, retry_after="1"), "ratelimited", backoff(3)),
        (SlackRequestError("connection reset"), "SlackRequestError: connection reset", backoff(3)),
        (ConnectionResetError("reset by peer"), "ConnectionResetError: reset by peer", backoff(3)),
        (
            TryAgain("HubSpot: wait 900 s", timedelta(seconds=900)),
            "HubSpot: wait 900 s",
            timedelta(seconds=900),
        ),
    ],
)
def test_a_failure_is_given_back_after_the_backoff_or_the_wait_asked(error, said, waits):
    sweep = ToySweep([Row(1, attempts=2, fails_with=error)])
    assert list(sweep.deliver_due(NOW)) == [("retrying", 1, (said, waits))]


def test_the_sweeps_own_give_up_keeps_its_words_for_whoever_asked():
    failure = GiveUp("not invited to the channel", "invite Rebound there (/invite @Rebound)")
    sweep = ToySweep([Row(1, fails_with=failure)])
    assert list(sweep.deliver_due(NOW)) == [
        ("failed", 1, ("not invited to the channel", "invite Rebound there (/invite @Rebound)"))
    ]


def test_an_uninstalled_workspace_fails_its_rows_and_is_said_once(caplog):
    sweep = ToySweep([Row(1, team_id="T0GONE"), Row(2, team_id="T0GONE"), Row(3)], Installs(gone={"T0GONE"}))
    with caplog.at_level(logging.WARNING, logger=logger.name):
        done = list(sweep.deliver_due(NOW))
    assert done == [
        ("failed", 1, (UNINSTALLED, NOT_INSTALLED)),
        ("failed", 2, (UNINSTALLED, NOT_INSTALLED)),
        ("sent", 3, "2.0"),
    ]
    assert caplog.text.count("Rebound is not installed in T0GONE any more; its toys stop") == 1


def test_anything_else_reaches_the_caller():
    """A bug is not a delivery failure: the row keeps its claim, and its lease runs out."""
    sweep = ToySweep([Row(1, fails_with=KeyError("ts"))])
    with pytest.raises(KeyError):
        list(sweep.deliver_due(NOW))
