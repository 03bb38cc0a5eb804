"""Posting the weekly digest, once per workspace and week, however many processes run.

Each sweep opens the row of every workspace's due week (a unique (team, week) key), claims
what is claimable, composes, posts, and marks it posted with the message's ts. A restart
within three days of the due moment posts the missed digest; after that it stays missed and the
next week's digest carries its lessons. A crash mid-post leaves a lease that runs out, and Slack's
failures are retried after the backoff: the claim, receipt and retry are bot.sweep's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

import clock
from bot import loss_trends, metrics
from bot.blocks import digest_actions, digest_post
from bot.blocks.message import Message
from bot.config import Settings
from bot.digest import chart
from bot.digest.week import SMALL, TREND_WEEKS, Schedule, Week, schedule_for, week_due
from bot.slack import receipts
from bot.slack.installs import Installs
from bot.sweep import LEASE, GiveUp, Held, Sweep
from storage import Digest, Store

logger = logging.getLogger("rebound.digest")

CATCH_UP = timedelta(days=3)  # a digest later than this is stale: the next week's is nearer


class NotInvited(Exception):
    """The channel is private (or gone) and nobody invited Rebound: only a person can fix it."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one workspace's digest, in words for the log and `rebound digest`."""

    team_id: str
    week: str | None
    result: str  # posted | already posted | skipped | retrying | failed | busy | no channel | dry run
    detail: str = ""
    message: Message | None = None
    channel: str | None = None

    @property
    def ok(self) -> bool:
        return self.result in ("posted", "already posted", "skipped", "dry run", "busy")

    def __str__(self) -> str:
        week = f" {self.week}" if self.week else ""
        return f"{self.team_id}{week}: {self.result}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Composed:
    """A claimed digest ready to post: its week, its workspace's schedule, and the message."""

    row: Digest
    week: Week
    schedule: Schedule
    message: Message


class DigestSweep(Sweep[Digest, Composed, Outcome]):
    delivers = "weekly digests"

    def __init__(self, store: Store, installs: Installs, defaults: Settings) -> None:
        super().__init__(store, installs, logger)
        self.defaults = defaults
        self._told: set[tuple[str, str]] = set()  # what was already logged once

    # Which workspaces, and their schedules
    def teams(self) -> list[str]:
        """Every workspace with settings or autopsies, and every one Rebound is installed in."""
        with self.store.read() as work:
            known = work.workspaces.known()
        return sorted(set(known) | set(self.installs.teams()))

    def schedule(self, team_id: str) -> Schedule:
        with self.store.read() as work:
            return schedule_for(work.workspaces.settings(team_id), self.defaults)

    def _once(self, team_id: str, what: str, message: str, *args: object) -> None:
        if (team_id, what) not in self._told:
            self._told.add((team_id, what))
            logger.info(message, *args)

    # The scheduler's minute
    def run(self, now: datetime) -> list[Outcome]:
        for team_id in self.teams():
            schedule = self.schedule(team_id)
            if self.installs.client_for(team_id) is None:
                self._once(
                    team_id,
                    "not installed",
                    "No weekly digest for %s: Rebound is not installed there",
                    team_id,
                )
                continue
            if not schedule.channel:
                self._once(
                    team_id,
                    "no channel",
                    "No weekly digest for %s: no channel is set (REBOUND_DIGEST_CHANNEL or App Home)",
                    team_id,
                )
                continue
            week = week_due(now, schedule)
            with self.store.read() as work:
                if work.digests.get(team_id=team_id, week=week.key) is not None:
                    continue
            week = self._carrying(team_id, week, schedule)
            if now - week.ends_at > CATCH_UP:
                self._once(
                    team_id,
                    week.key,
                    "The digest of %s for %s was due at %s, over 3 days ago; the next one brings its lessons",
                    week.key,
                    team_id,
                    week.ends_at.isoformat(),
                )
                self._open(team_id, week, schedule.channel, now, missed=True)
                continue
            self._open(team_id, week, schedule.channel, now)
        return list(self.deliver_due(now))

    # `rebound digest`
    def post_now(self, team_id: str, as_of: datetime, *, dry_run: bool = False) -> Outcome:
        """Post the digest due at `as_of` now, unless it was posted already (or print it)."""
        schedule = self.schedule(team_id)
        week = week_due(as_of, schedule)
        if dry_run:
            message = self.compose(team_id, week, schedule)
            return Outcome(team_id, week.key, "dry run", message=message, channel=schedule.channel)
        if not schedule.channel:
            return Outcome(
                team_id, week.key, "no channel", "set REBOUND_DIGEST_CHANNEL or choose one in App Home"
            )
        now = max(as_of, clock.now())
        self._open(team_id, week, schedule.channel, now)
        with self.store.write() as work:
            work.digests.reopen(team_id=team_id, week=week.key, channel_id=schedule.channel, now=now)
        with self.store.write() as work:
            claimed = work.digests.claim(now=now, lease=LEASE, team_id=team_id, week=week.key)
        if claimed:
            return self.deliver(claimed[0], now)
        with self.store.read() as work:
            row = work.digests.get(team_id=team_id, week=week.key)
        if row is not None and row.state == "posted":
            return Outcome(team_id, week.key, "already posted", f"in {row.channel_id}, ts {row.message_ts}")
        if row is not None and row.state == "skipped":
            return Outcome(team_id, week.key, "skipped", "an empty week, and empty-week notes are off")
        return Outcome(team_id, week.key, "busy", "another process is posting it right now")

    def deliver(self, row: Digest, now: datetime) -> Outcome:
        """bot.sweep's, each try counted (bot.metrics): from the minute's sweep or `rebound digest`."""
        outcome = super().deliver(row, now)
        if outcome.result in (metrics.POSTED, metrics.RETRYING, metrics.FAILED):
            metrics.digest_tried(outcome.result)
        return outcome

    def _open(self, team_id: str, week: Week, channel: str, now: datetime, *, missed: bool = False) -> None:
        with self.store.write() as work:
            work.digests.open(
                team_id=team_id,
                week=week.key,
                starts_at=week.starts_at,
                ends_at=week.ends_at,
                channel_id=channel,
                now=now,
                missed=missed,
            )

    def _carrying(self, team_id: str, week: Week, schedule: Schedule) -> Week:
        """The week, reaching back over the week before it if that one's digest was missed (Rebound
        was down, or the playground's clock jumped past it): no shared lesson goes unread."""
        before = week_due(week.starts_at, schedule)
        with self.store.read() as work:
            row = work.digests.get(team_id=team_id, week=before.key)
        return week.reaching_back_to(row.starts_at) if row is not None and row.state == "missed" else week

    # Composing and posting
    def compose(self, team_id: str, week: Week, schedule: Schedule) -> Message | None:
        with self.store.read() as work:
            facts = work.digests.week_facts(
                team_id=team_id,
                starts_at=week.starts_at,
                ends_at=week.ends_at,
                lesson_limit=digest_post.LESSONS_SHOWN,
                words_limit=digest_post.WORDS_SHOWN,
            )
            crm_lost, crm_autopsies = work.lost_deals.share(
                team_id=team_id, starts_at=week.starts_at, ends_at=week.ends_at
            )
            facts = replace(facts, crm_lost=crm_lost, crm_autopsies=crm_autopsies)
            shown, span = digest_actions.SHOWN, {"starts_at": week.starts_at, "ends_at": week.ends_at}
            actions = digest_actions.TeamActions(
                open=work.actions.team_open(team_id=team_id, made_before=week.ends_at, limit=shown),
                done=work.actions.done_between(team_id=team_id, **span, limit=shown),
            )
            earlier = {}
            if facts.lost >= SMALL:
                bounds = week.weeks_before(TREND_WEEKS)
                earlier = work.digests.self_check_totals(
                    team_id=team_id, starts_at=bounds[0], ends_at=bounds[-1]
                )
            trend = None
            if week.first_of_month:  # once a month: the six whole months before this one
                months = loss_trends.month_starts(week.last_day.replace(day=1) - timedelta(days=1), week.zone)
                trend = work.loss_trends.monthly(
                    team_id=team_id, month_starts=months, top=loss_trends.TOP_COMPETITORS
                )
        return digest_post.build(week, facts, earlier, schedule, actions, trend=trend)

    # The sweep's part (bot.sweep): claim, compose, post once, retry
    def claim(self, now: datetime) -> list[Digest]:
        with self.store.write() as work:
            return work.digests.claim(now=now, lease=LEASE)

    def team_of(self, row: Digest) -> str:
        return row.team_id

    def attempts(self, row: Digest) -> int:
        return row.attempts

    def describe(self, row: Digest) -> str:
        return f"Weekly digest of {row.week} for {row.team_id}"

    def prepare(self, client: WebClient, row: Digest, now: datetime) -> Composed | Held[Outcome]:
        schedule = self.schedule(row.team_id)
        week = Week(key=row.week, starts_at=row.starts_at, ends_at=row.ends_at, zone=schedule.zone)
        message = self.compose(row.team_id, week, schedule)
        if message is None:
            with self.store.write() as work:
                work.digests.mark_skipped(row.id, now=now)
            return Held(
                Outcome(row.team_id, row.week, "skipped", "an empty week, and empty-week notes are off")
            )
        return Composed(row, week, schedule, message)

    def earlier(self, client: WebClient, ready: Composed) -> receipts.Posted | None:
        row = ready.row
        found = receipts.find(client, row.channel_id, receipts.DIGEST, row.week)
        if found is not None:
            logger.info(
                "The weekly digest of %s for %s was posted before an interruption; not posting it twice",
                row.week,
                row.team_id,
            )
        return found

    def send(self, client: WebClient, ready: Composed) -> receipts.Posted:
        row = ready.row
        try:
            answer = self._send(
                client, row.channel_id, ready.message, receipts.receipt(receipts.DIGEST, row.week)
            )
        except NotInvited:
            error = (
                f"Rebound cannot post in {row.channel_id}: if it is a private channel, invite Rebound "
                "there (/invite @Rebound), then run `rebound digest`"
            )
            logger.warning("Weekly digest of %s for %s: %s", row.week, row.team_id, error)
            raise GiveUp("not invited to the channel", error) from None
        return receipts.Posted(channel=answer["channel"], ts=answer["ts"])

    def delivered(self, client: WebClient, ready: Composed, sent: receipts.Posted, now: datetime) -> Outcome:
        row = ready.row
        with self.store.write() as work:
            work.digests.mark_posted(row.id, channel_id=sent.channel, message_ts=sent.ts, now=now)
        logger.info("Posted the weekly digest of %s for %s in %s", row.week, row.team_id, sent.channel)
        if ready.schedule.chart:
            self._upload_chart(client, row, ready.week, ready.schedule)
        return Outcome(row.team_id, row.week, "posted", f"in {sent.channel}, ts {sent.ts}")

    def failed(self, row: Digest, failure: GiveUp, now: datetime) -> Outcome:
        with self.store.write() as work:
            work.digests.mark_failed(row.id, error=failure.error)
        return Outcome(row.team_id, row.week, "failed", failure.detail)

    def retrying(self, row: Digest, error: str, until: datetime, now: datetime) -> Outcome:
        with self.store.write() as work:
            work.digests.postpone(row.id, until=until, error=error)
        return Outcome(row.team_id, row.week, "retrying", f"{error}; next try at {until.isoformat()}")

    def _send(self, client: WebClient, channel: str, message: Message, receipt: Metadata):  # -> SlackResponse
        kwargs = {"channel": channel, "metadata": receipt, **message.as_kwargs()}
        try:
            return client.chat_postMessage(**kwargs)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "channel_not_found":
                raise NotInvited from None
            if code != "not_in_channel":
                raise
        try:
            client.conversations_join(channel=channel)  # a public channel: join it
        except SlackApiError as error:
            if error.response.get("error") in ("channel_not_found", "method_not_supported_for_channel_type"):
                raise NotInvited from None
            raise
        logger.info("Joined %s to post the weekly digest", channel)
        return client.chat_postMessage(**kwargs)

    def _upload_chart(self, client: WebClient, row: Digest, week: Week, schedule: Schedule) -> None:
        """The 12-week picture, after the digest: a chart that fails never costs the digest."""
        bounds = week.chart_boundaries()
        try:
            with self.store.read() as work:
                weeks = work.digests.weekly_counts(team_id=row.team_id, boundaries=bounds)
            if not chart.has_data(weeks):
                return
            picture = chart.render(weeks, schedule.zone)
            client.files_upload_v2(
                channel=row.channel_id,
                content=picture,
                filename=f"rebound-{row.week}.png",
                title=digest_post.chart_title(week),
            )
        except Exception as error:  # the digest is posted; the picture is only a bonus
            logger.warning(
                "Weekly digest of %s for %s: posted without its chart (%s: %s)",
                row.week,
                row.team_id,
                type(error).__name__,
                error,
            )
