"""Rebound's tables, as SQLAlchemy 2.x typed models. Every row carries its workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import clock

SLACK_ID = String(32)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC, aware on the way out on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Rebound stores aware datetimes only")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


class Base(DeclarativeBase):
    pass


class Autopsy(Base):
    """One rep's look back at one lost deal."""

    __tablename__ = "autopsies"
    __table_args__ = (
        # Slack may deliver the same submission twice; its view id makes the second one a no-op.
        UniqueConstraint("team_id", "view_id", name="uq_autopsies_team_view"),
        Index("ix_autopsies_team_created", "team_id", "created_at"),
        Index("ix_autopsies_team_user_created", "team_id", "user_id", "created_at"),
        # Before each CRM prompt, "has this deal an autopsy already?": without it, a scan.
        Index("ix_autopsies_team_crm_deal", "team_id", "crm", "crm_deal_id"),
        Index("ix_autopsies_team_competitor", "team_id", "competitor_key", "created_at"),
        Index("ix_autopsies_team_reason", "team_id", "main_reason", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    view_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal_name: Mapped[str] = mapped_column(String(150))
    outcome: Mapped[str] = mapped_column(String(32))
    deal_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    winner: Mapped[str] = mapped_column(String(32))
    competitor: Mapped[str | None] = mapped_column(String(80))
    winner_reason: Mapped[str | None] = mapped_column(Text)
    main_reason: Mapped[str | None] = mapped_column(String(32))
    customer_said: Mapped[str | None] = mapped_column(Text)
    check_listened: Mapped[str] = mapped_column(String(8))
    check_timing: Mapped[str] = mapped_column(String(8))
    check_market: Mapped[str] = mapped_column(String(8))
    check_aggressive: Mapped[str] = mapped_column(String(8))
    feelings: Mapped[str] = mapped_column(Text)
    lesson: Mapped[str] = mapped_column(String(300))
    touch_base_on: Mapped[date | None] = mapped_column(Date)
    help_from: Mapped[str | None] = mapped_column(SLACK_ID)
    sharing: Mapped[str] = mapped_column(String(16))
    # Where it came from, when the CRM's Closed Lost prompted it: which CRM, its deal, a link.
    crm: Mapped[str | None] = mapped_column(String(16))
    crm_deal_id: Mapped[str | None] = mapped_column(String(64))
    crm_deal_url: Mapped[str | None] = mapped_column(String(500))
    # The buyer's contact at the customer, when the CRM named one: the note to them uses it.
    buyer_contact: Mapped[str | None] = mapped_column(String(150))
    # The competitor as the team knows it (storage/competitors.py): "initech inc." is "initech".
    competitor_key: Mapped[str | None] = mapped_column(String(80))
    # Whether its touch-base was won back: the follow-ups' triggers keep it (migration 0010), so the
    # lessons card's tallies (storage/tallies.py) can count it without reading the follow-ups.
    won_back: Mapped[bool] = mapped_column(server_default=false())
    # The words it is found by (SQLite: the autopsy_words FTS5 table; PostgreSQL: a generated
    # tsvector column, `words`) live outside the model: each database keeps them itself.


class FollowUp(Base):
    """A gentle DM Rebound owes someone: touch base, revisit your notes, a teammate's help request,
    or, for a deal the CRM marked lost, the prompt to write its autopsy and one reminder of it.

    The database is the source of truth: a sweep claims due rows (state `sending` with a lease),
    sends, and marks them `sent` only after Slack says ok. A lease that runs out (a process
    killed mid-send) makes the row claimable again.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_state_due", "state", "due_at"),
        Index("ix_follow_ups_team_recipient", "team_id", "recipient_id", "state"),
        Index("ix_follow_ups_autopsy", "autopsy_id"),
        Index("ix_follow_ups_team_closed", "team_id", "closed_at"),
        Index("ix_follow_ups_lost_deal", "lost_deal_id"),
        Index("ix_follow_ups_action", "action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    # About an autopsy, or (crm_prompt, crm_reminder) about a lost deal with none yet.
    autopsy_id: Mapped[int | None] = mapped_column(ForeignKey("autopsies.id", ondelete="CASCADE"))
    lost_deal_id: Mapped[int | None] = mapped_column(ForeignKey("lost_deals.id", ondelete="CASCADE"))
    # Or (action_due) about an action: its owner's reminder on the due day.
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # touch_base | revisit | help_request | crm_* | action_due
    # None until the sweep finds the CRM owner in Slack.
    recipient_id: Mapped[str | None] = mapped_column(SLACK_ID)
    # The earliest moment it may go out; the sweep moves it to the recipient's working hours.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # For a reminder chosen as a calendar day: not before 9:00 on that day, the recipient's time.
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Revisit(Base):
    """What a rep sees now, looking back at an autopsy. Several per autopsy, time-stamped."""

    __tablename__ = "revisits"
    __table_args__ = (
        UniqueConstraint("team_id", "view_id", name="uq_revisits_team_view"),
        Index("ix_revisits_autopsy", "autopsy_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    autopsy_id: Mapped[int] = mapped_column(ForeignKey("autopsies.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    view_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderPause(Base):
    """A person who asked for no reminders for now. Their follow-ups wait, they are not dropped."""

    __tablename__ = "reminder_pauses"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonZone(Base):
    """A person's time zone as users.info last said, so reminders land in their working hours."""

    __tablename__ = "person_zones"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    tz: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkspaceSettings(Base):
    """A workspace's own choices. NULL means "the operator's default" (the environment)."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    digest_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    digest_day: Mapped[str | None] = mapped_column(String(3))  # mon .. sun
    digest_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM
    timezone: Mapped[str | None] = mapped_column(String(64))
    empty_week_note: Mapped[bool | None] = mapped_column(Boolean)
    hide_anonymous_deal_names: Mapped[bool | None] = mapped_column(Boolean)
    digest_chart: Mapped[bool | None] = mapped_column(Boolean)
    touch_base_days: Mapped[int | None] = mapped_column(Integer)  # the form's default touch-base date
    revisit_days: Mapped[int | None] = mapped_column(Integer)  # when "revisit your notes" comes
    company_name: Mapped[str | None] = mapped_column(String(80))  # the sender buyers see on their page
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Digest(Base):
    """One workspace's weekly digest. Its unique (team, week) row is claimed before anything is
    posted, so the digest goes out once however many processes and restarts there are."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("team_id", "week", name="uq_digests_team_week"),
        Index("ix_digests_state_attempt", "state", "attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    week: Mapped[str] = mapped_column(String(8))  # ISO week of the due day, local: 2026-W47
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the due moment
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    # pending | sending | posted | skipped (an empty week, notes off) | failed
    # | missed (found more than 3 days late: the next week's digest carries its lessons)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LostDeal(Base):
    """A deal a CRM marked lost (or said changed stage), as the latest notification says, and
    what became of its prompt: one row per deal, so however often the CRM tells, one prompt."""

    __tablename__ = "lost_deals"
    __table_args__ = (
        UniqueConstraint("team_id", "crm", "deal_id", name="uq_lost_deals_team_crm_deal"),
        Index("ix_lost_deals_team_changed", "team_id", "changed_at"),
        Index("ix_lost_deals_team_reason", "team_id", "main_reason", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    crm: Mapped[str] = mapped_column(String(16))  # hubspot | salesforce | workflow
    deal_id: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # of the latest notification applied
    stage: Mapped[str | None] = mapped_column(String(100))
    lost: Mapped[bool | None] = mapped_column(Boolean)  # None: ask the CRM (HubSpot sends a stage id)
    from_import: Mapped[bool] = mapped_column(Boolean, default=False)
    deal_name: Mapped[str | None] = mapped_column(String(150))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(500))
    pipeline: Mapped[str | None] = mapped_column(String(100))
    owner_email: Mapped[str | None] = mapped_column(String(254))
    owner_id: Mapped[str | None] = mapped_column(SLACK_ID)  # the owner in Slack, once found
    deal_url: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(150))  # the buyer's contact, if the CRM says
    main_reason: Mapped[str | None] = mapped_column(
        String(32)
    )  # the autopsy's choice the reason plainly names
    # waiting (its prompt not sent yet) | prompted | done (an autopsy) | declined ("Not this one")
    # | skipped (reopened, excluded, gone from the CRM) | unmatched (no one in Slack)
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    note: Mapped[str | None] = mapped_column(String(200))  # why skipped or unmatched
    autopsy_id: Mapped[int | None] = mapped_column(ForeignKey("autopsies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DealNewsSeen(Base):
    """Each CRM notification stored once: CRMs send the same one again (HubSpot's eventId is not
    unique, so its key is portal, deal, value and time; Salesforce's is the notification Id)."""

    __tablename__ = "deal_news_seen"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    crm: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    lost_deal_id: Mapped[int] = mapped_column(ForeignKey("lost_deals.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BuyerAsk(Base):
    """The customer's side of one autopsy: the personal link its author sent the buyer, where it
    stands, and the buyer's answers. One per autopsy, asked again it is the same link.

    The link's token is never stored: only its hash, to find the ask, and a random seed from
    which the server's secret derives the token again to show its author (bot/buyer_asks.py).
    """

    __tablename__ = "buyer_asks"
    __table_args__ = (
        UniqueConstraint("autopsy_id", name="uq_buyer_asks_autopsy"),
        UniqueConstraint("token_hash", name="uq_buyer_asks_token_hash"),
        Index("ix_buyer_asks_team_answered", "team_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    autopsy_id: Mapped[int] = mapped_column(ForeignKey("autopsies.id", ondelete="CASCADE"))
    token_seed: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The buyer's answers, each optional: the autopsy's main reasons (or "other" with words),
    # what would have changed their mind, working with the team (words and 1-5), and whether
    # the team may get in touch again.
    main_reason: Mapped[str | None] = mapped_column(String(32))
    other_reason: Mapped[str | None] = mapped_column(String(200))
    changed_mind: Mapped[str | None] = mapped_column(Text)
    working_with: Mapped[str | None] = mapped_column(String(300))
    working_score: Mapped[int | None] = mapped_column(Integer)
    may_contact: Mapped[str | None] = mapped_column(String(8))  # yes | later | no


class PageVisits(Base):
    """Requests to the public pages counted per window, for rate limits every process shares.
    `who` is a keyed hash of a client address or of a link: no address is ever stored."""

    __tablename__ = "page_visits"
    __table_args__ = (Index("ix_page_visits_window", "window_start"),)

    who: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Action(Base):
    """A lesson the team commits to: what will change, who owns it and by when. Open until its
    owner says done or not doing (with why); then kept, with its outcome, as history."""

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_team_state", "team_id", "state", "due_on"),
        Index("ix_actions_team_owner", "team_id", "owner_id", "state"),
        Index("ix_actions_team_maker", "team_id", "made_by", "state"),  # actions I asked of others
        Index("ix_actions_team_closed", "team_id", "closed_at"),
        Index("ix_actions_team_state_made", "team_id", "state", "created_at"),  # the team's open, by age
        Index("ix_actions_autopsy", "autopsy_id"),
        # Slack may deliver the same "Make it an action" submission twice.
        UniqueConstraint("team_id", "view_id", name="uq_actions_team_view"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    # The lesson it came from; its visibility is the autopsy's (private: its author only).
    autopsy_id: Mapped[int] = mapped_column(ForeignKey("autopsies.id", ondelete="CASCADE"))
    view_id: Mapped[str] = mapped_column(String(64))
    made_by: Mapped[str] = mapped_column(SLACK_ID)
    owner_id: Mapped[str] = mapped_column(SLACK_ID)
    what: Mapped[str] = mapped_column(String(300))  # what we'll change
    due_on: Mapped[date] = mapped_column(Date)  # moved by Snooze
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | done | dropped
    outcome: Mapped[str | None] = mapped_column(String(300))  # why not doing it, in the owner's words
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Competitor(Base):
    """A competitor the team has named, by its key ("initech" for "Initech, Inc"), with the name
    shown for it. A name an admin merged into another points at it; its deals carry the other key."""

    __tablename__ = "competitors"
    __table_args__ = (Index("ix_competitors_team_uses", "team_id", "uses"),)

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    uses: Mapped[int] = mapped_column(Integer, default=0)  # autopsies that named it, for suggestions
    merged_into: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutopsyTally(Base):
    """How many autopsies a team wrote in a month (UTC) about one competitor and main reason that
    one audience may see, with their won-back deals and self-check answers. The database keeps it:
    triggers on autopsies (migration 0010) add and take out each autopsy's counts, so no code writes
    it and `rebound db copy` leaves it to the target's triggers."""

    __tablename__ = "autopsy_tallies"
    __table_args__ = (
        Index("ix_autopsy_tallies_reason", "team_id", "main_reason", "seen_by", "competitor_key", "month"),
    )

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    competitor_key: Mapped[str] = mapped_column(String(80), primary_key=True)  # '' for none
    seen_by: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)  # '' for shared, else the author
    main_reason: Mapped[str] = mapped_column(String(32), primary_key=True)  # '' for none
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    lost: Mapped[int] = mapped_column(Integer)
    won_back: Mapped[int] = mapped_column(Integer)
    check_listened_yes: Mapped[int] = mapped_column(Integer)
    check_listened_partly: Mapped[int] = mapped_column(Integer)
    check_listened_no: Mapped[int] = mapped_column(Integer)
    check_timing_yes: Mapped[int] = mapped_column(Integer)
    check_timing_partly: Mapped[int] = mapped_column(Integer)
    check_timing_no: Mapped[int] = mapped_column(Integer)
    check_market_yes: Mapped[int] = mapped_column(Integer)
    check_market_partly: Mapped[int] = mapped_column(Integer)
    check_market_no: Mapped[int] = mapped_column(Integer)
    check_aggressive_yes: Mapped[int] = mapped_column(Integer)
    check_aggressive_partly: Mapped[int] = mapped_column(Integer)
    check_aggressive_no: Mapped[int] = mapped_column(Integer)
