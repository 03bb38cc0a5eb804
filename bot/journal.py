"""Block Kit builders for `/lost-deal list` and `/lost-deal stats`: private answers, pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import autopsy, digest
from bot.messages import Message
from bot.mrkdwn import clip, escape
from storage import AuthorStats, JournalEntry, WeekFacts

STATS_DAYS = 90


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def journal_list(entries: Sequence[JournalEntry], total: int) -> Message:
    """The rep's latest autopsies, newest first (ephemeral)."""
    if not entries:
        return Message(
            text="No autopsies yet",
            blocks=[
                _section("You haven't written an autopsy yet. When a deal slips away, `/lost-deal` is here.")
            ],
        )
    lines = []
    for item in entries:
        entry = item.autopsy
        what = autopsy.OUTCOMES.get(entry.outcome, entry.outcome)
        lesson = escape(clip(entry.lesson, 120))
        lines.append(f"• *{escape(entry.deal_name)}* · {what} · {entry.created_at:%-d %b %Y}\n   _{lesson}_")
    blocks = [
        HeaderBlock(text=f"Your last {len(entries)} of {total} autopsies"),
        _section("\n".join(lines)),
        ContextBlock(
            elements=[MarkdownTextObject(text="Edit, delete or read them in full in Rebound's App Home.")]
        ),
    ]
    return Message(text=f"Your last {len(entries)} autopsies", blocks=blocks)


def stats(mine: AuthorStats, team: WeekFacts) -> Message:
    """The rep's own figures and the team's patterns of the last 90 days (ephemeral)."""
    if mine.total:
        kinds = ", ".join(
            f"{autopsy.OUTCOMES.get(outcome, outcome).lower()} {count}"
            for outcome, count in mine.by_outcome.most_common()
        )
        own = (
            f"*You:* {mine.total} {'autopsy' if mine.total == 1 else 'autopsies'} ({kinds}) · "
            f"{mine.reached_out} touch-bases done · {mine.won_back} won back"
        )
    else:
        own = "*You:* no autopsies yet."
    shared = (
        f"*The team, last {STATS_DAYS} days:* {team.lost} shared "
        f"{'autopsy' if team.lost == 1 else 'autopsies'} · {team.follow_ups_done} touch-bases done · "
        f"{team.won_back} won back"
    )
    blocks = [
        HeaderBlock(text="Lost deals, in numbers"),
        _section(own),
        _section(shared),
        *(_section(text) for text in digest.patterns(team, None, period=f"in the last {STATS_DAYS} days")),
        ContextBlock(elements=[MarkdownTextObject(text="Private autopsies count only in your own line.")]),
    ]
    return Message(text="Lost deals, in numbers", blocks=blocks)
