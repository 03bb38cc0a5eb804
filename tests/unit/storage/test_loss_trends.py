"""Loss trends on SQLite and PostgreSQL: losses per month in the workspace's zone by reason (shared
autopsies and the CRM's lost deals with none) and by top competitor, beside the actions made;
a private autopsy never counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import count
from zoneinfo import ZoneInfo

from storage import LostDeal, Store
from storage.models import Action
from tests.support.examples import ANSWERS

TEAM = "T1"
PARIS = ZoneInfo("Europe/Paris")
MONTHS = tuple(datetime(2026, m, 1, tzinfo=PARIS).astimezone(UTC) for m in range(6, 13))  # Jun to Nov
_views = count()


def lost(
    store: Store, at: datetime, *, reason: str | None = "price", competitor: str | None = None, **more
) -> int:
    answers = replace(
        ANSWERS,
        main_reason=reason,
        winner="competitor" if competitor else "no_decision",
        competitor=competitor,
        sharing=more.pop("sharing", "named"),
    )
    with store.write() as work:
        entry, _ = work.autopsies.save(
            team_id=more.pop("team", TEAM),
            user_id="U1",
            view_id=f"V{next(_views)}",
            answers=answers,
            created_at=at,
        )
        return entry.id


def crm_lost(
    store: Store, at: datetime, reason: str | None, *, autopsy_id: int | None = None, lost=True
) -> None:
    with store.write() as work:
        work.session.add(
            LostDeal(
                team_id=TEAM,
                crm="hubspot",
                deal_id=f"D{next(_views)}",
                changed_at=at,
                lost=lost,
                main_reason=reason,
                autopsy_id=autopsy_id,
            )
        )


def action(store: Store, autopsy_id: int, at: datetime) -> None:
    with store.write() as work:
        work.session.add(
            Action(
                team_id=TEAM,
                autopsy_id=autopsy_id,
                view_id=f"VA{next(_views)}",
                made_by="U1",
                owner_id="U1",
                what="Send the proposal within 48 hours",
                due_on=date(2026, 12, 1),
                created_at=at,
            )
        )


def at(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def trend(store: Store, top: int = 5):
    with store.read() as work:
        return work.loss_trends.monthly(team_id=TEAM, month_starts=MONTHS, top=top)


def test_reasons_count_shared_autopsies_and_the_crm_s_lost_deals_without_one_by_month_in_the_zone(store):
    lost(store, at(6))
    lost(store, at(8), sharing="anonymous")
    lost(store, at(8), sharing="private")  # never counted
    lost(store, datetime(2026, 10, 31, 23, 30, tzinfo=UTC))  # already 1 November in Paris
    lost(store, at(5, 31))  # before the six months
    lost(store, at(9), reason="timing", team="T2")  # another workspace's
    crm_lost(store, at(11), "price")
    crm_lost(store, at(11), "timing")
    crm_lost(store, at(11), "price", autopsy_id=lost(store, at(11), reason=None))  # counted as its autopsy
    crm_lost(store, at(11), "price", lost=False)  # reopened
    crm_lost(store, at(11), None)  # no reason the CRM said plainly
    shown = trend(store)
    assert [(s.key, s.losses) for s in shown.reasons] == [
        ("price", (1, 0, 1, 0, 0, 2)),
        ("timing", (0, 0, 0, 0, 0, 1)),
    ]
    assert shown.competitors == ()


def test_the_top_competitors_by_losses_come_by_the_name_the_team_knows_with_the_actions_made(store):
    for name, times in (
        ("Initech", 4),
        ("Globex", 3),
        ("Hooli", 3),
        ("Umbrella", 2),
        ("Acme", 2),
        ("Zorg", 1),
    ):
        for n in range(times):
            lost(store, at(6 + n), competitor=name, reason="product_fit")
    lost(store, at(7), competitor="initech inc.")
    secret = lost(store, at(7), competitor="Zorg", sharing="private")
    lost(store, at(7), competitor="Zorg", sharing="private")
    action(store, secret, at(8))  # made on a private autopsy: not counted
    action(store, lost(store, at(9), competitor="Globex"), at(10))
    action(store, lost(store, at(9), competitor="Globex"), datetime(2026, 5, 20, tzinfo=UTC))  # too early
    shown = trend(store)
    assert [(s.name, s.losses, s.actions) for s in shown.competitors] == [
        ("Globex", (1, 1, 1, 2, 0, 0), (0, 0, 0, 0, 1, 0)),
        ("Initech", (1, 2, 1, 1, 0, 0), (0, 0, 0, 0, 0, 0)),
        ("Hooli", (1, 1, 1, 0, 0, 0), (0, 0, 0, 0, 0, 0)),
        ("Acme", (1, 1, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0)),
        ("Umbrella", (1, 1, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0)),
    ]
    [price, product] = sorted(shown.reasons, key=lambda s: s.key)
    assert (product.total, product.actions) == (15, (0,) * 6)
    assert (price.total, price.actions) == (3, (0, 0, 0, 0, 1, 0))
    assert [s.name for s in trend(store, top=1).competitors] == ["Globex"]
