"""The follow-up sweep: every minute, deliver what is due, once.

The database is the source of truth. Each sweep claims what is due, sends it, and marks it
sent only after Slack says ok; a failure puts it back with a later due time. So a restart loses
nothing and any number of sweeps running at once send each follow-up once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError

from bot.backoff import backoff
from bot.blocks import crm_prompts, follow_up_dms
from bot.config import CrmSettings
from bot.crm.hubspot import HubSpotRefused, HubSpotUnavailable
from bot.crm.prompts import CrmPrompts
from bot.slack import receipts
from bot.slack.installs import Installs
from bot.slack.web_api import PERMANENT, error_code, retry_after
from bot.working_hours import delivery_time
from bot.zones import PersonZones
from storage import Due, FollowUp, Store

logger = logging.getLogger("rebound.followups")

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a sweep that died
BATCH = 200


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


class FollowUpSweep:
    """One pass over what is due. `now` is injectable so operators (and tests) can say `--as-of`."""

    def __init__(
        self, store: Store, installs: Installs, default_zone: ZoneInfo, crm: CrmPrompts | None = None
    ) -> None:
        self.store = store
        self.installs = installs
        self.zones = PersonZones(store, default_zone)
        self.crm = crm
        self._uninstalled: set[str] = set()  # workspaces already logged as gone

    def run(self, now: datetime) -> SweepReport:
        report = SweepReport()
        while True:
            with self.store.write() as work:
                claimed = work.follow_ups.claim_due(now=now, limit=BATCH, lease=LEASE)
            for due in claimed:
                self._deliver(due, now, report)
            if len(claimed) < BATCH:
                break
        if report.sent or report.retrying or report.failed:
            logger.info("Follow-up sweep: %s", report)
        return report

    def _deliver(self, due: Due, now: datetime, report: SweepReport) -> None:
        follow_up = due.follow_up
        client = self.installs.client_for(follow_up.team_id)
        if client is None:
            # Uninstalled: nothing can reach that workspace any more; don't retry it forever.
            if follow_up.team_id not in self._uninstalled:
                self._uninstalled.add(follow_up.team_id)
                logger.warning(
                    "Rebound is not installed in %s any more; its follow-ups stop", follow_up.team_id
                )
            with self.store.write() as work:
                work.follow_ups.mark_failed(follow_up.id, error="workspace uninstalled", now=now)
            report.failed += 1
            return
        about_a_lost_deal = due.lost_deal is not None
        try:
            if about_a_lost_deal:
                ready = self._crm_prompts().prepare(client, due, now)
                if ready is None:
                    report.by_kind[f"{follow_up.kind} settled"] += 1
                    return
                due, follow_up = ready, ready.follow_up
            assert follow_up.recipient_id is not None
            zone = self.zones.of(client, team_id=follow_up.team_id, user_id=follow_up.recipient_id, now=now)
            when = delivery_time(now, zone, follow_up.due_on)
            if when <= now and about_a_lost_deal:
                when = self._crm_prompts().wait_for_allowance(due, zone, now) or when
            if when > now:
                with self.store.write() as work:
                    work.follow_ups.postpone(follow_up.id, until=when, attempted=False)
                report.postponed += 1
                return
            sent = self._earlier_delivery(client, follow_up) if follow_up.attempts else None
            if sent is None:
                if due.lost_deal is not None:
                    message = crm_prompts.build(follow_up, due.lost_deal)
                else:
                    message = follow_up_dms.build(due, zone=zone)
                answer = client.chat_postMessage(
                    channel=follow_up.recipient_id,
                    metadata=receipts.receipt(receipts.FOLLOW_UP, str(follow_up.id)),
                    **message.as_kwargs(),
                )
                sent = receipts.Posted(channel=answer["channel"], ts=answer["ts"])
        except SlackApiError as error:
            self._failed(due, error, now, report)
            return
        except SlackObjectFormationError as error:  # a message Slack would refuse: no retry mends it
            logger.error("Follow-up %s (%s) cannot be drawn: %s", follow_up.id, follow_up.kind, error)
            with self.store.write() as work:
                work.follow_ups.mark_failed(follow_up.id, error=f"invalid message: {error}"[:200], now=now)
            report.failed += 1
            return
        except (SlackClientError, OSError) as error:
            self._retry(due, f"{type(error).__name__}: {error}"[:200], now, report)
            return
        except HubSpotUnavailable as error:
            self._retry(due, str(error)[:200], now, report, at_least=timedelta(seconds=error.retry_after))
            return
        except HubSpotRefused as error:  # the token or its scopes: the operator's to mend, then it goes
            logger.error("HubSpot refused to say more of a lost deal (%s); check HUBSPOT_ACCESS_TOKEN", error)
            self._retry(due, f"HubSpot refused: {error}"[:200], now, report)
            return
        with self.store.write() as work:
            work.follow_ups.mark_sent(follow_up.id, channel_id=sent.channel, message_ts=sent.ts, now=now)
        if about_a_lost_deal:
            self._crm_prompts().delivered(due, zone, now)
        report.sent += 1
        report.by_kind[follow_up.kind] += 1

    def _crm_prompts(self) -> CrmPrompts:
        if self.crm is None:  # rows from a deployment that had a CRM, served by one that has none now
            self.crm = CrmPrompts(self.store, CrmSettings())
        return self.crm

    def _earlier_delivery(self, client: WebClient, follow_up: FollowUp) -> receipts.Posted | None:
        """After an interrupted or failed try: the DM Slack may have delivered all the same."""
        channel = client.conversations_open(users=follow_up.recipient_id)["channel"]["id"]
        # Not before it was written; and a snoozed reminder was delivered once: only after that.
        after = follow_up.message_ts or f"{follow_up.created_at.timestamp():.6f}"
        found = receipts.find(client, channel, receipts.FOLLOW_UP, str(follow_up.id), after)
        if found is not None:
            logger.info(
                "Follow-up %s (%s) reached %s in %s before an interruption; not sending it twice",
                follow_up.id, follow_up.kind, follow_up.recipient_id, follow_up.team_id,
            )  # fmt: skip
        return found

    def _failed(self, due: Due, error: SlackApiError, now: datetime, report: SweepReport) -> None:
        code = error_code(error)
        if code in PERMANENT:
            logger.warning(
                "Follow-up %s (%s) to %s in %s cannot be delivered: %s; not retrying",
                due.follow_up.id, due.follow_up.kind, due.follow_up.recipient_id, due.follow_up.team_id, code,
            )  # fmt: skip
            with self.store.write() as work:
                work.follow_ups.mark_failed(due.follow_up.id, error=code, now=now)
            report.failed += 1
            return
        self._retry(due, code, now, report, at_least=timedelta(seconds=retry_after(error)))

    def _retry(
        self, due: Due, error: str, now: datetime, report: SweepReport, at_least: timedelta = timedelta(0)
    ) -> None:
        attempts = due.follow_up.attempts + 1
        until = now + max(backoff(attempts), at_least)
        logger.info(
            "Follow-up %s (%s) to %s in %s: %s; trying again at %s (attempt %s)",
            due.follow_up.id, due.follow_up.kind, due.follow_up.recipient_id, due.follow_up.team_id,
            error, f"{until:%Y-%m-%d %H:%M} UTC", attempts,
        )  # fmt: skip
        with self.store.write() as work:
            work.follow_ups.postpone(due.follow_up.id, until=until, error=error, attempted=True)
        report.retrying += 1
