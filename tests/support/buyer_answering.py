"""A lost buyer answering the link their rep sent, through the one service both of its doors use
(bot/asking.py: Slack's button makes the link, the public page opens and answers it): for tests
of what the answers become elsewhere (the digest, the export, erasure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.asking import BuyerAsking
from bot.customer_side import BuyerAnswers, LinkKeys
from storage import Store
from tests.support.slack_requests import SIGNING_SECRET

PUBLIC_URL = "https://rebound.example"
ASKED_BEFORE = timedelta(days=2)  # the rep sent the link this long before the buyer answered


def asking(store: Store) -> BuyerAsking:
    """The service as the bot under test runs it: its signing secret, 30-day links."""
    return BuyerAsking(store, LinkKeys(SIGNING_SECRET), PUBLIC_URL, days=30)


def buyer_answers(store: Store, *, team_id: str, autopsy_id: int, at: datetime, **answers: Any) -> str:
    """The autopsy's rep asks, and the buyer opens the link and answers at `at`; the link."""
    service = asking(store)
    shown = service.link(team_id=team_id, autopsy_id=autopsy_id, now=at - ASKED_BEFORE)
    found = service.open(shown.link.rsplit("/", 1)[-1], now=at - timedelta(minutes=5))
    assert found is not None
    assert service.answer(found, BuyerAnswers(**answers), now=at) == "answered"
    return shown.link


def buyer_answers_in(database_url: str, **asked: Any) -> str:
    """`buyer_answers` in a bot's database (its DATABASE_URL), as the bot's own page would."""
    store = Store.connect(database_url)
    try:
        return buyer_answers(store, **asked)
    finally:
        store.close()
