"""Subscribers: the least data that works (chat id, language, timezone, settings, filters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Filter, Subscriber, utcnow


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


# --- filters ---------------------------------------------------------------------------------

# Enough for anyone following a handful of places and topics; bounds the matcher's size per person.
MAX_FILTERS = 50


@dataclass(frozen=True)
class FilterView:
    """One of a subscriber's filters; `number` is its 1-based place in /filters."""

    id: int
    number: int
    query: str
    created_at: datetime


async def list_filters(session: AsyncSession, subscriber_id: int) -> list[FilterView]:
    """A subscriber's filters, oldest first, numbered as /filters shows them."""
    rows = await session.scalars(
        select(Filter).where(Filter.subscriber_id == subscriber_id).order_by(Filter.id)
    )
    return [FilterView(r.id, n, r.query, r.created_at) for n, r in enumerate(rows, start=1)]


async def count_filters(session: AsyncSession, subscriber_id: int) -> int:
    """How many filters a subscriber has."""
    found = await session.scalar(
        select(func.count()).select_from(Filter).where(Filter.subscriber_id == subscriber_id)
    )
    return int(found or 0)


async def find_filter_by_query(
    session: AsyncSession, subscriber_id: int, query: str
) -> FilterView | None:
    """The subscriber's filter with exactly this text, if any (to refuse duplicates)."""
    for found in await list_filters(session, subscriber_id):
        if found.query.strip().casefold() == query.strip().casefold():
            return found
    return None


async def add_filter(
    session: AsyncSession, subscriber_id: int, query: str, now: datetime
) -> FilterView:
    """Save a filter (the caller has parsed it) and return it with its /filters number."""
    row = Filter(subscriber_id=subscriber_id, query=query, created_at=now)
    session.add(row)
    await session.flush()
    number = await count_filters(session, subscriber_id)
    return FilterView(row.id, number, row.query, row.created_at)


async def remove_filter(session: AsyncSession, subscriber_id: int, filter_id: int) -> str | None:
    """Delete one of the subscriber's filters; its text, or None when it was already gone."""
    row = await session.scalar(
        select(Filter).where(Filter.id == filter_id, Filter.subscriber_id == subscriber_id)
    )
    if row is None:
        return None
    query = row.query
    await session.delete(row)
    await session.flush()
    return query


async def remove_all_filters(session: AsyncSession, subscriber_id: int) -> int:
    """Delete every filter of a subscriber; how many there were."""
    result = await session.execute(delete(Filter).where(Filter.subscriber_id == subscriber_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- settings --------------------------------------------------------------------------------


async def _update(session: AsyncSession, chat_id: int, **values: object) -> SubscriberView | None:
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    if row is None:
        return None
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return view(row)


async def set_language(session: AsyncSession, chat_id: int, language: str) -> SubscriberView | None:
    """Change the language the bot speaks to a chat; None when the chat is unknown."""
    return await _update(session, chat_id, language=language)


async def set_timezone(session: AsyncSession, chat_id: int, zone: str) -> SubscriberView | None:
    """Change a chat's timezone (an IANA name the caller checked); None when unknown."""
    return await _update(session, chat_id, timezone=zone)


async def set_paused(session: AsyncSession, chat_id: int, paused: bool) -> SubscriberView | None:
    """Pause or resume alerts for a chat; None when unknown."""
    return await _update(session, chat_id, paused=paused)


async def mark_blocked(session: AsyncSession, chat_id: int) -> bool:
    """Note that a chat blocked the bot (Telegram said 403); True when a row changed."""
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id, Subscriber.blocked.is_(False))
        .values(blocked=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_unblocked(session: AsyncSession, chat_id: int) -> bool:
    """Note that a chat unblocked the bot; True when a row changed (unknown chats stay unknown)."""
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id, Subscriber.blocked.is_(True))
        .values(blocked=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
