"""The follow-up sweep: every minute, deliver what is due, once, in its recipient's working hours.

The database is the source of truth. Each sweep claims what is due, sends it, and marks it
sent only after Slack says ok; a failure puts it back with a later due time (bot.sweep). So a
restart loses nothing and any number of sweeps running at once send each follow-up once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackObjectFormationError

from bot import metrics
from bot.blocks import crm_prompts, follow_up_dms
from bot.deal_prompt import DealPrompter
from bot.slack import receipts
from bot.slack.installs import Installs
from bot.sweep import LEASE, GiveUp, Held, Sweep, TryAgain
from bot.working_hours import delivery_time
from bot.zones import PersonZones
from storage import Due, Store

logger = logging.getLogger("rebound.followups")

BATCH = 200
# What bot.metrics counts of a follow-up's results: its tries (not its waits for working hours)
_COUNTED = {"sent": metrics.SENT, "retrying": metrics.RETRYING, "failed": metrics.FAILED}


@dataclass
class SweepReport:
    """What one sweep did, for the log and for `rebound reminders`."""

    sent: int = 0
    postponed: int = 0
    retrying: int = 0
    failed: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.postponed} waiting for working hours, "
            f"{self.retrying} to retry, {self.failed} failed"
        )

    def add(self, done: FollowUpResult) -> None:
        if done.result == "settled":
            self.by_kind[f"{done.kind} settled"] += 1
            return
        setattr(self, done.result, getattr(self, done.result) + 1)
        if done.result == "sent":
            self.by_kind[done.kind] += 1


@dataclass(frozen=True)
class FollowUpResult:
    """What became of one follow-up: sent, postponed (to working hours), retrying, failed, or
    settled (a CRM prompt whose deal needs none any more)."""

    result: str
    kind: str


@dataclass(frozen=True)
class Addressed:
    """A follow-up ready to go: the row as now stored, its recipient's zone, and for a lost deal's
    prompt, when its one reminder is due once it is sent."""

    due: Due
    zone: ZoneInfo
    remind_at: datetime | None = None


class FollowUpSweep(Sweep[Due, Addressed, FollowUpResult]):
    """One pass over the follow-ups that are due."""

    batch = BATCH
    delivers = "follow-ups"

    def __init__(
        self,
        store: Store,
        installs: Installs,
        default_zone: ZoneInfo,
        crm: DealPrompter | None = None,
        *,
        offer_asking: bool = False,
    ) -> None:
        super().__init__(store, installs, logger)
        self.zones = PersonZones(store, default_zone)
        self.crm = crm
        self.offer_asking = offer_asking  # touch-base DMs offer to ask the lost buyer for their side

    def run(self, now: datetime) -> SweepReport:
        report = SweepReport()
        for done in self.deliver_due(now):
            report.add(done)
            if done.result in _COUNTED:
                metrics.follow_up_tried(done.kind, _COUNTED[done.result])
        if report.sent or report.retrying or report.failed:
            logger.info("Follow-up sweep: %s", report)
        return report

    def claim(self, now: datetime) -> list[Due]:
        with self.store.write() as work:
            return work.follow_ups.claim_due(now=now, limit=BATCH, lease=LEASE)

    def team_of(self, due: Due) -> str:
        return due.follow_up.team_id

    def attempts(self, due: Due) -> int:
        return due.follow_up.attempts

    def describe(self, due: Due) -> str:
        follow_up = due.follow_up
        return (
            f"Follow-up {follow_up.id} ({follow_up.kind}) to {follow_up.recipient_id} in {follow_up.team_id}"
        )

    def prepare(self, client: WebClient, due: Due, now: datetime) -> Addressed | Held[FollowUpResult]:
        """Its recipient and their zone, held back outside their working hours. A lost deal's
        prompt or reminder: the CRM's side is asked once, for all of that."""
        if due.lost_deal is None:
            follow_up = due.follow_up
            assert follow_up.recipient_id is not None
            zone = self.zones.of(client, team_id=follow_up.team_id, user_id=follow_up.recipient_id, now=now)
            ready, when = Addressed(due, zone), delivery_time(now, zone, follow_up.due_on)
        elif self.crm is None:  # a sweep built without a CRM (a test's): another process's sweep has one
            raise TryAgain("no CRM in this sweep")
        else:
            prompt = self.crm.ready(client, due, self.zones, now)
            if prompt is None:
                return Held(FollowUpResult("settled", due.follow_up.kind))
            ready, when = Addressed(prompt.due, prompt.zone, prompt.remind_at), prompt.not_before
        if when > now:
            with self.store.write() as work:
                work.follow_ups.postpone(ready.due.follow_up.id, until=when, attempted=False)
            return Held(FollowUpResult("postponed", ready.due.follow_up.kind))
        return ready

    def earlier(self, client: WebClient, ready: Addressed) -> receipts.Posted | None:
        follow_up = ready.due.follow_up
        channel = client.conversations_open(users=follow_up.recipient_id)["channel"]["id"]
        # Not before it was written; and a snoozed reminder was delivered once: only after that.
        after = follow_up.message_ts or f"{follow_up.created_at.timestamp():.6f}"
        found = receipts.find(client, channel, receipts.FOLLOW_UP, str(follow_up.id), after)
        if found is not None:
            logger.info(
                "Follow-up %s (%s) reached %s in %s before an interruption; not sending it twice",
                follow_up.id,
                follow_up.kind,
                follow_up.recipient_id,
                follow_up.team_id,
            )
        return found

    def send(self, client: WebClient, ready: Addressed) -> receipts.Posted:
        due, follow_up = ready.due, ready.due.follow_up
        try:
            if due.lost_deal is not None:
                message = crm_prompts.build(follow_up, due.lost_deal)
            else:
                message = follow_up_dms.build(due, zone=ready.zone, offer_asking=self.offer_asking)
            answer = client.chat_postMessage(
                channel=follow_up.recipient_id,
                metadata=receipts.receipt(receipts.FOLLOW_UP, str(follow_up.id)),
                **message.as_kwargs(),
            )
        except SlackObjectFormationError as error:  # a message Slack would refuse: no retry mends it
            logger.error("Follow-up %s (%s) cannot be drawn: %s", follow_up.id, follow_up.kind, error)
            raise GiveUp(f"invalid message: {error}"[:200]) from error
        return receipts.Posted(channel=answer["channel"], ts=answer["ts"])

    def delivered(
        self, client: WebClient, ready: Addressed, sent: receipts.Posted, now: datetime
    ) -> FollowUpResult:
        follow_up, deal = ready.due.follow_up, ready.due.lost_deal
        with self.store.write() as work:
            work.follow_ups.mark_sent(follow_up.id, channel_id=sent.channel, message_ts=sent.ts, now=now)
            if deal is not None and ready.remind_at is not None:
                assert follow_up.recipient_id is not None
                work.lost_deals.prompt_sent(
                    deal.id,
                    team_id=follow_up.team_id,
                    recipient_id=follow_up.recipient_id,
                    remind_at=ready.remind_at,
                    now=now,
                )
        return FollowUpResult("sent", follow_up.kind)

    def failed(self, due: Due, failure: GiveUp, now: datetime) -> FollowUpResult:
        with self.store.write() as work:
            work.follow_ups.mark_failed(due.follow_up.id, error=failure.error, now=now)
        return FollowUpResult("failed", due.follow_up.kind)

    def retrying(self, due: Due, error: str, until: datetime, now: datetime) -> FollowUpResult:
        with self.store.write() as work:
            work.follow_ups.postpone(due.follow_up.id, until=until, error=error, attempted=True)
        return FollowUpResult("retrying", due.follow_up.kind)
