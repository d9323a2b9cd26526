"""Subscribers: the least data that works (chat id, language, timezone, settings, filters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Subscriber, utcnow


@dataclass(frozen=True)
class SubscriberView:
    """A subscriber as handlers and jobs see it."""

    id: int
    chat_id: int
    kind: str
    thread_id: int | None
    language: str
    timezone: str | None
    paused: bool
    blocked: bool
    auto_follow: bool
    reminder_leads: str | None
    quiet_start: int | None
    quiet_end: int | None
    digest_hour: int | None
    created_at: datetime


def view(row: Subscriber) -> SubscriberView:
    """The plain view of a Subscriber row."""
    return SubscriberView(
        id=row.id,
        chat_id=row.chat_id,
        kind=row.kind,
        thread_id=row.thread_id,
        language=row.language,
        timezone=row.timezone,
        paused=row.paused,
        blocked=row.blocked,
        auto_follow=row.auto_follow,
        reminder_leads=row.reminder_leads,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        digest_hour=row.digest_hour,
        created_at=row.created_at,
    )


async def find_subscriber(session: AsyncSession, chat_id: int) -> SubscriberView | None:
    """The subscriber for a chat, or None when the chat never started the bot (or forgot it)."""
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    return view(row) if row is not None else None


async def ensure_subscriber(
    session: AsyncSession, chat_id: int, language: str, kind: str = "private"
) -> tuple[SubscriberView, bool]:
    """The subscriber for a chat, created if missing; True when it was created.

    A chat that comes back after blocking the bot is active again.
    """
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    created = row is None
    if row is None:
        row = Subscriber(chat_id=chat_id, kind=kind, language=language, created_at=utcnow())
        session.add(row)
        await session.flush()
    elif row.blocked:
        row.blocked = False
    return view(row), created
