"""The CRM's side of the follow-up sweep, asked once about each prompt or reminder of a lost deal:
learn what the notification did not say (HubSpot's deal, its pipeline's stages, its owner),
decide whether it still deserves one, find its owner in Slack and their zone, hold it to their
working hours and daily allowance, and plan the prompt's one reminder.

The same claim, lease, receipt and retry rules as every follow-up apply (bot.sweep): this only
decides, and answers in one `DealPrompt` (bot.deal_prompt).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import CrmSettings
from bot.crm.hubspot_client import HubSpot, HubSpotRefused, HubSpotUnavailable
from bot.crm.reasons import main_reason_named
from bot.deal_news import CRMS, HUBSPOT
from bot.deal_prompt import DealPrompt, DealPrompter
from bot.slack.web_api import error_code
from bot.sweep import TryAgain
from bot.working_hours import delivery_time, next_day_start, working_days_later
from bot.zones import PersonZones
from storage import Due, FollowUp, LostDeal, Store
from storage.lost_deals import PROMPT, REMINDER, cents

logger = logging.getLogger("rebound.crm")

REMIND_AFTER_WORKING_DAYS = 2
NO_ONE = ("users_not_found", "user_not_found", "account_inactive")


class CrmPrompter(DealPrompter):
    def __init__(self, store: Store, settings: CrmSettings, hubspot: HubSpot | None = None) -> None:
        self.store = store
        self.settings = settings
        self.hubspot = hubspot
        if hubspot is None and settings.hubspot_access_token:
            self.hubspot = HubSpot(api_url=settings.hubspot_api_url, token=settings.hubspot_access_token)

    def ready(self, client: WebClient, due: Due, zones: PersonZones, now: datetime) -> DealPrompt | None:
        """The prompt or reminder ready to send; None when it was settled instead (the deal was
        answered, reopened, excluded, or its owner is no one in Slack). HubSpot's failures come
        back as TryAgain; Slack's reach the sweep as they are, and it tries again later."""
        try:
            addressed = self._addressed(client, due, now)
        except HubSpotUnavailable as error:
            raise TryAgain(str(error)[:200], timedelta(seconds=error.retry_after)) from error
        except HubSpotRefused as error:  # the token or its scopes: the operator's to mend, then it goes
            logger.error("HubSpot refused to say more of a lost deal (%s); check HUBSPOT_ACCESS_TOKEN", error)
            raise TryAgain(f"HubSpot refused: {error}"[:200]) from error
        if addressed is None:
            return None
        follow_up = addressed.follow_up
        assert follow_up.recipient_id is not None
        zone = zones.of(client, team_id=follow_up.team_id, user_id=follow_up.recipient_id, now=now)
        when = delivery_time(now, zone, follow_up.due_on)
        if when <= now:
            when = self._allowance(follow_up, zone, now) or when
        remind_at = (
            working_days_later(now, zone, REMIND_AFTER_WORKING_DAYS) if follow_up.kind == PROMPT else None
        )
        return DealPrompt(due=addressed, zone=zone, not_before=when, remind_at=remind_at)

    def _addressed(self, client: WebClient, due: Due, now: datetime) -> Due | None:
        """The follow-up and its deal as now known, its recipient found; None once settled."""
        follow_up, deal = due.follow_up, due.lost_deal
        assert deal is not None
        if deal.state not in ("waiting", "prompted") or (
            follow_up.kind == REMINDER and deal.state != "prompted"
        ):
            self._settle(deal, follow_up, state=None, now=now)
            return None
        if follow_up.kind == PROMPT:
            if deal.crm == HUBSPOT:
                deal = self._read_hubspot(deal)
                if deal is None:
                    self._settle(due.lost_deal, follow_up, state="skipped", note="gone from HubSpot", now=now)
                    return None
            skip = self.reason_to_skip(deal)
            if skip is not None:
                logger.info("No prompt for %s deal %s: %s", CRMS[deal.crm], deal.deal_id, skip)
                self._settle(deal, follow_up, state="skipped", note=skip, now=now)
                return None
        recipient = follow_up.recipient_id or deal.owner_id or self._find_owner(client, deal, now)
        if recipient is None:
            self._settle(deal, follow_up, state="unmatched", note=deal.owner_email, now=now)
            return None
        with self.store.write() as work:
            work.follow_ups.address(follow_up.id, recipient_id=recipient)
            work.lost_deals.learn(deal.id, owner_id=recipient)
        follow_up.recipient_id = deal.owner_id = recipient  # the sweep's copies, as now stored
        return replace(due, lost_deal=deal)

    def reason_to_skip(self, deal: LostDeal) -> str | None:
        """Why a lost deal gets no prompt, in the words of the log; None when it gets one."""
        if deal.lost is False:
            if deal.crm == HUBSPOT:  # every stage change is news there; HubSpot said this stage is no loss
                return f"its stage ({(deal.stage or 'unknown')[:60]}) is not a closed-lost one"
            return "reopened before its prompt went out"
        if deal.from_import:
            return "changed by an import"
        if deal.autopsy_id is not None:
            return "it has an autopsy already"
        minimum = cents(self.settings.min_amount) or 0
        if minimum and deal.amount_cents is not None and deal.amount_cents < minimum:
            return f"below REBOUND_CRM_MIN_AMOUNT ({self.settings.min_amount})"
        if self.settings.pipelines and deal.pipeline and deal.pipeline not in self.settings.pipelines:
            return f"pipeline {deal.pipeline} is not in REBOUND_CRM_PIPELINES"
        with self.store.read() as work:
            if work.autopsies.for_crm_deal(team_id=deal.team_id, crm=deal.crm, deal_id=deal.deal_id):
                return "it has an autopsy already"
        return None

    def _allowance(self, follow_up: FollowUp, zone: ZoneInfo, now: datetime) -> datetime | None:
        """When a rep has had today's prompts already: the next working moment of tomorrow."""
        assert follow_up.recipient_id is not None
        midnight = next_day_start(now, zone)
        with self.store.read() as work:
            sent_today = work.lost_deals.prompts_sent(
                team_id=follow_up.team_id,
                recipient_id=follow_up.recipient_id,
                since=midnight - timedelta(days=1),
            )
        if sent_today < self.settings.daily_prompts:
            return None
        return delivery_time(midnight, zone)

    def _read_hubspot(self, deal: LostDeal) -> LostDeal | None:
        """The deal as HubSpot says it is now (so one reopened since is seen); None if it is gone."""
        if self.hubspot is None:
            raise HubSpotRefused(401, "HUBSPOT_ACCESS_TOKEN is not set")
        try:
            facts = self.hubspot.deal(deal.deal_id)
        except HubSpotRefused as refused:
            if refused.status == 404:
                return None
            raise
        lost = bool(facts.pipeline and facts.stage and self.hubspot.closed_lost(facts.pipeline, facts.stage))
        email = self.hubspot.owner_email(facts.owner_id) if facts.owner_id else None
        learned = {
            "deal_name": (facts.name or deal.deal_name or "")[:150] or None,
            "amount_cents": cents(facts.amount),
            "currency": facts.currency,
            "reason": (facts.reason or "")[:500] or None,
            "main_reason": main_reason_named(facts.reason),
            "pipeline": facts.pipeline,
            "stage": facts.stage,
            "lost": lost,
            "owner_email": email,
        }
        with self.store.write() as work:
            work.lost_deals.learn(deal.id, **learned)
            fresh = work.lost_deals.get(team_id=deal.team_id, lost_deal_id=deal.id)
        return fresh

    def _find_owner(self, client: WebClient, deal: LostDeal, now: datetime) -> str | None:
        """The deal's owner in Slack, by email: a person, not deleted, not a bot; else None."""
        if not deal.owner_email:
            logger.warning("%s deal %s has no owner email: no one to prompt", CRMS[deal.crm], deal.deal_id)
            return None
        try:
            found = client.users_lookupByEmail(email=deal.owner_email)
        except SlackApiError as error:
            if error_code(error) not in NO_ONE:
                raise
            found = None
        user = (found or {}).get("user") or {}
        if not user.get("id") or user.get("deleted") or user.get("is_bot"):
            logger.warning(
                "%s deal %s: its owner %s is no one in Slack (%s); listed for admins in App Home",
                CRMS[deal.crm],
                deal.deal_id,
                deal.owner_email,
                "deleted" if user.get("deleted") else "a bot" if user.get("is_bot") else "no account",
            )
            return None
        if user.get("tz"):
            with self.store.write() as work:
                work.follow_ups.remember_zone(
                    team_id=deal.team_id, user_id=user["id"], tz=user["tz"], now=now
                )
        return str(user["id"])

    def _settle(
        self,
        deal: LostDeal | None,
        follow_up: FollowUp,
        *,
        state: str | None,
        now: datetime,
        note: str | None = None,
    ) -> None:
        with self.store.write() as work:
            if deal is not None and state is not None:
                work.lost_deals.close(deal.id, state=state, note=(note or "")[:200] or None, now=now)
            work.follow_ups.cancel(follow_up.id, now=now)
