"""The weekly "lessons learned" digest: when a workspace's is due, and what it says.

Pure functions. The week ends at the workspace's digest moment (weekday and time in its own
zone) and starts at the same wall-clock time a week before, so a daylight-saving change makes
that week an hour shorter or longer, never moves the moment. Every piece of user text is
escaped, and a breakdown of fewer than three autopsies is not shown: small numbers name people.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import autopsy
from bot.config import WEEKDAYS, Settings
from bot.messages import Message
from bot.mrkdwn import clip, escape, quote
from storage import Lesson, WeekFacts, WorkspaceSettings

SMALL = 3  # a breakdown needs at least this many autopsies behind it
LESSONS_SHOWN = 20  # with the rest of the digest, well under Slack's 50 blocks
TREND_WEEKS = 4
CHART_WEEKS = 12
TOO_FEW = "too few {period} to show a pattern."
CLOSING = (
    "It isn't personal: a lost deal is a lesson, not a verdict. Learn it together, "
    "and touch base again. Today's *no* can be next quarter's *yes*."
)


@dataclass(frozen=True)
class Schedule:
    """Where and when a workspace's digest goes, and what it includes."""

    channel: str | None
    day: str
    at: time
    zone: ZoneInfo
    empty_week_note: bool = True
    hide_anonymous_deal_names: bool = False
    chart: bool = True


def schedule_for(row: WorkspaceSettings | None, defaults: Settings) -> Schedule:
    """The workspace's own settings over the operator's (REBOUND_DIGEST_*, REBOUND_TIMEZONE)."""
    schedule = Schedule(
        channel=defaults.digest_channel,
        day=defaults.digest_day,
        at=defaults.digest_time,
        zone=defaults.timezone,
    )
    if row is None:
        return schedule
    zone = schedule.zone
    if row.timezone:
        with suppress(ZoneInfoNotFoundError, ValueError):  # a zone tzdata no longer knows
            zone = ZoneInfo(row.timezone)
    at = schedule.at
    if row.digest_time:
        hours, _, minutes = row.digest_time.partition(":")
        at = time(int(hours), int(minutes))
    return Schedule(
        channel=row.digest_channel or schedule.channel,
        day=row.digest_day if row.digest_day in WEEKDAYS else schedule.day,
        at=at,
        zone=zone,
        empty_week_note=_default(row.empty_week_note, True),
        hide_anonymous_deal_names=_default(row.hide_anonymous_deal_names, False),
        chart=_default(row.digest_chart, True),
    )


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


@dataclass(frozen=True)
class Week:
    """One digest week: [starts_at, ends_at) in UTC, its ISO-week key and its local last day."""

    key: str
    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo

    @property
    def last_day(self) -> date:
        return self.ends_at.astimezone(self.zone).date()

    def weeks_before(self, count: int) -> list[datetime]:
        """Boundaries of the `count` weeks before this one, then this week's start (count + 1)."""
        return [_wall_clock_shift(self.starts_at, self.zone, -7 * n) for n in range(count, -1, -1)]


def _wall_clock_shift(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    local = moment.astimezone(zone)
    shifted = datetime.combine(local.date() + timedelta(days=days), local.time(), zone)
    return shifted.astimezone(UTC)


def week_due(as_of: datetime, schedule: Schedule) -> Week:
    """The week whose digest is due most recently at or before `as_of`."""
    local = as_of.astimezone(schedule.zone)
    back = (local.weekday() - WEEKDAYS.index(schedule.day)) % 7
    day = local.date() - timedelta(days=back)
    ends = datetime.combine(day, schedule.at, schedule.zone).astimezone(UTC)
    if ends > as_of:
        day -= timedelta(days=7)
        ends = datetime.combine(day, schedule.at, schedule.zone).astimezone(UTC)
    year, number, _ = day.isocalendar()
    return Week(
        key=f"{year}-W{number:02d}",
        starts_at=_wall_clock_shift(ends, schedule.zone, -7),
        ends_at=ends,
        zone=schedule.zone,
    )


def build(
    week: Week, facts: WeekFacts, earlier_checks: dict[str, Counter[str]], schedule: Schedule
) -> Message | None:
    """The digest for one week, or None for an empty week when the workspace wants no note."""
    title = f"Lessons learned · week to {week.last_day:%a %-d %b %Y}"
    if facts.empty:
        if not schedule.empty_week_note:
            return None
        return Message(
            text=f"{title}: a quiet week",
            blocks=[
                HeaderBlock(text=title),
                _section(
                    "A quiet week: no lost deals were shared. If one slipped away, `/lost-deal` "
                    "takes five minutes, and the whole team learns from it."
                ),
                ContextBlock(elements=[MarkdownTextObject(text=CLOSING)]),
            ],
        )
    blocks: list[Block] = [HeaderBlock(text=title), _section(_summary(facts)), DividerBlock()]
    if facts.lessons:
        blocks.append(_section("*This week's lessons*"))
        hide = schedule.hide_anonymous_deal_names
        blocks.extend(
            _section(lesson_text(lesson, hide_anonymous_deal_names=hide))
            for lesson in facts.lessons[:LESSONS_SHOWN]
        )
        hidden = facts.lost - min(len(facts.lessons), LESSONS_SHOWN)
        if hidden > 0:
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"…and {hidden} more {_plural(hidden, 'lesson')}: read them all in "
                            "Rebound's App Home, or ask your admin for `rebound export`."
                        )
                    ]
                )
            )
        blocks.append(DividerBlock())
    blocks.extend(
        [
            *(_section(text) for text in patterns(facts, earlier_checks, period="this week")),
            DividerBlock(),
            ContextBlock(elements=[MarkdownTextObject(text=CLOSING)]),
        ]
    )
    won = f", {facts.won_back} won back" if facts.won_back else ""
    return Message(text=f"{title}: {facts.lost} {_plural(facts.lost, 'deal')} lost{won}", blocks=blocks)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _money(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole:,}" if not part else f"{whole:,}.{part:02d}"


def _summary(facts: WeekFacts) -> str:
    lines = []
    if facts.won_back:
        lines.append(
            f":tada: *{facts.won_back} {_plural(facts.won_back, 'deal')} won back this week!* "
            "A no is where selling starts."
        )
    lost = f"*{facts.lost} {_plural(facts.lost, 'deal')} lost*" if facts.lost else "*No deals lost*"
    if facts.named_value_cents:
        lost += f" (named deals worth {_money(facts.named_value_cents)} in all)"
    done = facts.follow_ups_done
    lines.append(f"{lost} · {done} {_plural(done, 'follow-up')} done")
    return "\n".join(lines)


def lesson_text(lesson: Lesson, *, hide_anonymous_deal_names: bool) -> str:
    """One shared lesson in mrkdwn, as the digest and App Home show it."""
    if lesson.user_id is None and hide_anonymous_deal_names:
        deal = "A deal"
    else:
        deal = escape(clip(lesson.deal_name, autopsy.DEAL_MAX))
    what = autopsy.OUTCOMES.get(lesson.outcome, lesson.outcome)
    won_by = escape(autopsy.who_won(lesson.winner, lesson.competitor))
    by = f"<@{lesson.user_id}>" if lesson.user_id else "shared anonymously"
    return f"*{deal}* · {what} · who won: {won_by}\n{quote(lesson.lesson)}\n— {by}"


def _share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def patterns(facts: WeekFacts, earlier: dict[str, Counter[str]] | None, *, period: str) -> list[str]:
    """The self-check, who won and the reasons, each shown only with 3 or more autopsies behind it."""
    too_few = TOO_FEW.format(period=period)
    return [_self_checks(facts, earlier, too_few), _winners(facts, too_few), _reasons(facts, too_few)]


def _self_checks(facts: WeekFacts, earlier: dict[str, Counter[str]] | None, too_few: str) -> str:
    """Yes / Partly / No per question; with `earlier`, the share of Yes against those weeks."""
    title = "*Self-check, all together*"
    if facts.lost < SMALL:
        return f"{title}: {too_few}"
    trend_note = ", and the share of Yes against the 4 weeks before" if earlier is not None else ""
    lines = [f"{title} (Yes / Partly / No{trend_note})"]
    for name, question in autopsy.SELF_CHECKS.items():
        now = facts.self_checks.get(name, Counter())
        counts = " / ".join(str(now[answer]) for answer in autopsy.ANSWERS)
        if earlier is None:
            lines.append(f"• {question} {counts}")
            continue
        share = _share(now["yes"], sum(now.values()))
        before = earlier.get(name, Counter())
        if sum(before.values()) < SMALL:
            trend = "no trend yet"
        else:
            then = _share(before["yes"], sum(before.values()))
            arrow = "↑" if share - then >= 10 else "↓" if then - share >= 10 else "→"
            trend = f"Yes {share}% {arrow} from {then}%"
        lines.append(f"• {question} {counts} · {trend}")
    return "\n".join(lines)


def _winners(facts: WeekFacts, too_few: str) -> str:
    title = "*Who won the deals we lost*"
    if facts.lost < SMALL:
        return f"{title}: {too_few}"
    ranked: Counter[str] = Counter()
    for winner, competitor, count in facts.winners:
        if winner == "competitor":
            name = escape(clip(competitor.strip(), autopsy.COMPETITOR_MAX)) if competitor else ""
            ranked[name or "A competitor (not named)"] += count
        else:
            ranked[autopsy.WINNERS.get(winner, winner)] += count
    top = ranked.most_common(5)
    lines = [title] + [f"{place}. {name}: {count}" for place, (name, count) in enumerate(top, start=1)]
    rest = sum(ranked.values()) - sum(count for _, count in top)
    if rest:
        lines.append(f"…and {rest} more with others")
    return "\n".join(lines)


def _reasons(facts: WeekFacts, too_few: str) -> str:
    title = "*The most common reasons*"
    if sum(facts.reasons.values()) < SMALL:
        return f"{title}: {too_few}"
    ranked = " · ".join(
        f"{autopsy.REASONS.get(reason, reason)} {count}" for reason, count in facts.reasons.most_common()
    )
    return f"{title}: {ranked}"
