"""The schema: SQLAlchemy 2 typed models. Alembic owns it; see alembic/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none) and always returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, int: Integer}


class Subscriber(Base):
    """A private chat (a person) or a group/channel an admin pointed Tocsin at."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # private | group | supergroup | channel
    kind: Mapped[str] = mapped_column(String(16), default="private")
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # forum topic in a group
    title: Mapped[str | None] = mapped_column(String(128))  # groups and channels only, never people
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)  # blocked us or chat gone
    auto_follow: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_leads: Mapped[str | None] = mapped_column(String(64))  # e.g. "1d,2h"; None = default
    quiet_start: Mapped[int | None] = mapped_column(Integer)  # minutes after local midnight
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    digest_hour: Mapped[int | None] = mapped_column(Integer)  # None = instant alerts
    digest_sent_at: Mapped[datetime | None]
    added_by: Mapped[int | None] = mapped_column(BigInteger)  # admin who added a group/channel
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Filter(Base):
    """One filter expression in the filter language; a subscriber has several."""

    __tablename__ = "filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    query: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Source(Base):
    """A feed Tocsin polls, with its poll state (Miniflux style: state lives on the row)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="rss")  # rss (RSS/Atom) | ics
    name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(300))  # the feed's own title
    timezone: Mapped[str | None] = mapped_column(String(64))
    interval: Mapped[int | None] = mapped_column(Integer)  # seconds; None = POLL_INTERVAL
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))  # unchanged body: skip parsing
    next_check_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_checked_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    error_count: Mapped[int] = mapped_column(default=0)
    backlog_done: Mapped[bool] = mapped_column(Boolean, default=False)  # first poll happened
    lease_owner: Mapped[str | None] = mapped_column(String(64))  # replica polling it now
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Item(Base):
    """One feed entry; understood, then matched, each step committing its stage."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "guid", name="uq_items_source_guid"),
        Index("ix_items_stage_id", "stage", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(512))
    story_key: Mapped[str] = mapped_column(String(64), index=True)  # same story across sources
    link: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(8))
    published_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # new -> understood -> matched; "backlog" items are understood but never alerted
    stage: Mapped[str] = mapped_column(String(16), default="new")
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    killed: Mapped[int | None]
    injured: Mapped[int | None]
    arrested: Mapped[int | None]
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    debug: Mapped[dict[str, Any] | None]  # which cues fired
    ics_event: Mapped[dict[str, Any] | None]  # a structured event from an iCalendar feed


class Event(Base):
    """A protest: extracted from an item, read from an iCalendar feed, or announced by an admin."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), index=True
    )
    # identifies the same event across items (ics UID, or venue+city+day) so updates find it
    event_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime | None]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    venue: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled|cancelled
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change followers hear of
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # admin user id, hand-made events
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(Base):
    """A subscriber follows an event (reminders) or said "Not interested"."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("subscriber_id", "event_id", name="uq_follows_sub_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="following")  # following|dismissed
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """One reminder before a followed event; queued into the outbox when due."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "event_id", "lead_minutes", name="uq_reminders_key"),
        Index("ix_reminders_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    lead_minutes: Mapped[int]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|queued|cancelled


class Broadcast(Base):
    """An admin's message to everyone or a segment."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text, default="")  # Telegram HTML, as the admin wrote it
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"kind": "all"} etc.
    urgent: Mapped[bool] = mapped_column(Boolean, default=True)
    pin: Mapped[bool] = mapped_column(Boolean, default=False)
    # draft -> sending -> done | cancelled
    status: Mapped[str] = mapped_column(String(16), default="draft")
    total: Mapped[int] = mapped_column(default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Delivery(Base):
    """The outbox: one message to one chat, written in the transaction that decided to send it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # story:<key> | reminder:<event>:<lead> | broadcast:<id> | card:<event> | update:<event>:<v>
        UniqueConstraint("subscriber_id", "dedup_key", name="uq_deliveries_sub_key"),
        Index("ix_deliveries_due", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # alert|card|reminder|update|broadcast|digest
    dedup_key: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any] | None]  # why it matched, lead, etc.
    priority: Mapped[int] = mapped_column(default=20)  # 0 urgent, 10 reminders, 20 alerts
    # pending | sending | sent | failed | dropped | held | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(100))  # the error class, never text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Admin(Base):
    """An admin added in Telegram by an owner (owners come from ADMIN_IDS)."""

    __tablename__ = "admins"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    added_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what and when, and how many it reached; refused attempts too."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))  # ids and counts, never message text
    reached: Mapped[int | None]
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
