"""Asking the lost buyer for their side: a rep's link made, shown again or withdrawn (from Slack),
and the buyer's page opened and answered (from the public page). Both doors come here.

The buyer's first answer also puts a "<deal> answered" DM in the follow-up sweep's hands, for
the rep in their working hours, in the same commit: it goes out once, like every follow-up. It
is due when the buyer can no longer correct their answers (CORRECTION_WINDOW), so the DM shows
them as they stay, and is never a stale copy to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.customer_side import CORRECTION_WINDOW, BuyerAnswers, LinkKeys, link_of, link_state
from storage import AskedOf, BuyerAsk, Plan, Store
from storage.follow_ups import new_follow_up

BUYER_ANSWERED = "buyer_answered"  # the follow-up kind of the rep's DM


@dataclass(frozen=True)
class LinkShown:
    """An autopsy's link as its rep sees it: the ask, the link, where it stands, and whether it
    was just made ("new"), made again after it was withdrawn or expired ("renewed"), or is the
    one it had ("same"); a renewed one says why the old one went (`replaced`: "withdrawn",
    "expired", or "changed" when the server's secret did)."""

    ask: BuyerAsk
    link: str
    state: str
    made: str
    replaced: str | None = None


class BuyerAsking:
    """The asks of one deployment: its store, its keys and where its pages are served."""

    def __init__(self, store: Store, keys: LinkKeys, public_url: str, *, days: int) -> None:
        self.store = store
        self.keys = keys
        self.public_url = public_url
        self.life = timedelta(days=days)

    def link(self, *, team_id: str, autopsy_id: int, now: datetime) -> LinkShown:
        """The autopsy's link, made on the first ask and shown again after; a withdrawn or
        expired one (never answered) is replaced by a new one. The caller checked the autopsy
        is the asker's own."""
        seed = self.keys.new_seed()
        fresh = {"seed": seed, "token_hash": self.keys.hash_of(self.keys.token_for(seed))}
        with self.store.write() as work:
            ask = work.buyer_asks.start(
                team_id=team_id, autopsy_id=autopsy_id, now=now, expires_at=now + self.life, **fresh
            )
            made, replaced = ("new" if ask.token_seed == seed else "same"), None
            if made == "same" and link_state(ask, now) in ("withdrawn", "expired"):
                replaced = link_state(ask, now)
                work.buyer_asks.renew(ask.id, now=now, expires_at=now + self.life, **fresh)
                made = "renewed"
            elif self.keys.hash_of(self.keys.token_for(ask.token_seed)) != ask.token_hash:
                # The server's secret changed since: the old link no longer opens, so a new one.
                work.buyer_asks.renew(ask.id, now=now, expires_at=ask.expires_at, **fresh)
                made, replaced = "renewed", "changed"
            if made == "renewed":
                work.session.refresh(ask)
        token = self.keys.token_for(ask.token_seed)
        return LinkShown(ask, link_of(self.public_url, token), link_state(ask, now), made, replaced)

    def withdraw(self, *, team_id: str, autopsy_id: int, now: datetime) -> bool:
        with self.store.write() as work:
            ask = work.buyer_asks.of_autopsy(team_id=team_id, autopsy_id=autopsy_id)
            return ask is not None and work.buyer_asks.withdraw(ask.id, now=now)

    def open(self, token: str, *, now: datetime) -> AskedOf | None:
        """The ask a link leads to, marked opened; None for a link that never was."""
        with self.store.write() as work:
            found = work.buyer_asks.by_token_hash(self.keys.hash_of(token))
            if found is not None and found.ask.opened_at is None and link_state(found.ask, now) != "expired":
                work.buyer_asks.opened(found.ask.id, now=now)
            return found

    def answer(self, found: AskedOf, answers: BuyerAnswers, *, now: datetime) -> str:
        """Keep the buyer's answers: "answered", "corrected" (within the hour), or "closed"."""
        with self.store.write() as work:
            done = work.buyer_asks.answer(
                found.ask.id, answers=answers.stored(), now=now, correct_until=CORRECTION_WINDOW
            )
            if done == "answered":
                author = found.autopsy.user_id
                plan = Plan(kind=BUYER_ANSWERED, recipient_id=author, due_at=now + CORRECTION_WINDOW)
                work.session.add(new_follow_up(found.ask.team_id, found.autopsy.id, plan))
        return done


def buyer_asking_for(settings: Settings, store: Store) -> BuyerAsking | None:
    """The deployment's asks, for the buyer's page and Slack's buttons alike; None where no page
    can be served (no REBOUND_PUBLIC_URL, or Socket Mode)."""
    if settings.buyer_page_url is None or settings.slack_signing_secret is None:
        return None
    keys = LinkKeys(settings.slack_signing_secret)
    return BuyerAsking(store, keys, settings.buyer_page_url, days=settings.ask_days)
