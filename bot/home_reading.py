"""What a rep's App Home shows, read in one unit of work: their open follow-ups, a page of their
journal, the lessons the team shared in the last 30 days, the team's losses per month, and for
admins the week's CRM-lost deals whose owner is no one in Slack. `bot.blocks.home` draws it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import loss_trends
from bot.blocks import home_actions
from bot.blocks.home import PAGE, TEAM_LESSONS, UPCOMING, HomePage
from bot.config import Settings
from bot.digest.week import schedule_for
from bot.lessons import read_lessons
from storage import Work

TEAM_LESSONS_DAYS = 30
UNMATCHED_DAYS = 7  # admins see the week's lost deals whose owner is no one in Slack


def read_home_page(
    work: Work,
    *,
    team_id: str,
    user_id: str,
    offset: int,
    is_admin: bool,
    now: datetime,
    zone: ZoneInfo,
    asking_offered: bool = False,
    defaults: Settings | None = None,
    lessons_typed: str | None = None,
) -> HomePage:
    """The page of the rep's journal from `offset`, with its buyers' asks; the newest page when
    that one emptied (deletions). Its days are named in `zone`, the rep's; the team's months in
    the workspace's (its setting, else the operator's `defaults`, else the rep's)."""
    journal, total = work.autopsies.journal(team_id=team_id, user_id=user_id, offset=offset, limit=PAGE)
    if offset and not journal:
        offset = 0
        journal, total = work.autopsies.journal(team_id=team_id, user_id=user_id, offset=0, limit=PAGE)
    settings = work.workspaces.settings(team_id)
    team_zone = schedule_for(settings, defaults).zone if defaults is not None else zone
    months = loss_trends.month_starts(now.astimezone(team_zone).date(), team_zone)
    return HomePage(
        upcoming=work.follow_ups.upcoming(team_id=team_id, user_id=user_id, limit=UPCOMING),
        journal=journal,
        total=total,
        offset=offset,
        team_lessons=work.autopsies.shared_lessons(
            team_id=team_id, since=now - timedelta(days=TEAM_LESSONS_DAYS), limit=TEAM_LESSONS
        ),
        zone=zone,
        now=now,
        is_admin=is_admin,
        unmatched=(
            work.lost_deals.unmatched(team_id=team_id, since=now - timedelta(days=UNMATCHED_DAYS))
            if is_admin
            else ()
        ),
        hide_anonymous_deal_names=bool(settings and settings.hide_anonymous_deal_names),
        buyer_asks=work.buyer_asks.of_autopsies(
            team_id=team_id, autopsy_ids=[item.autopsy.id for item in journal]
        ),
        asking_offered=asking_offered,
        actions=_actions(work, team_id=team_id, user_id=user_id, now=now),
        loss_trend=work.loss_trends.monthly(
            team_id=team_id, month_starts=months, top=loss_trends.TOP_COMPETITORS
        ),
        team_zone=team_zone,
        lessons_found=(
            read_lessons(work, team_id=team_id, user_id=user_id, typed=lessons_typed, now=now)
            if lessons_typed
            else None
        ),
    )


def _actions(work: Work, *, team_id: str, user_id: str, now: datetime) -> home_actions.HomeActions:
    mine, shown = {"team_id": team_id}, home_actions.SHOWN
    return home_actions.HomeActions(
        user_id=user_id,
        owned=work.actions.owned_open(**mine, owner_id=user_id, limit=shown),
        asked=work.actions.asked_of_others(**mine, made_by=user_id, limit=shown),
        team=work.actions.team_open(**mine, made_before=now, limit=shown),
        closed=work.actions.recently_closed(**mine, user_id=user_id, limit=shown),
    )
