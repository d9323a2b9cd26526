"""Queries for matching: filters to index, items to claim, the 7-day preview of a new filter."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import MatchableItem, MatcherIndex, parse_filter
from bot.storage.models import Event, Filter, Item, Source, Subscriber

PREVIEW_DAYS = 7
# The preview reads at most this many of the newest items: enough for a fair count, bounded so
# that /subscribe answers in a moment even on a busy instance.
PREVIEW_MAX_ITEMS = 10_000
_CHUNK = 500


@dataclass(frozen=True)
class Preview:
    """How many stories of the last days a filter would have matched, and a few of them."""

    count: int
    examples: list[tuple[str, str | None]]  # (title, link), newest first
    scanned: int = 0


@dataclass(frozen=True)
class UpcomingEvent:
    """An event of an item that a subscriber can still attend."""

    id: int
    city: str | None
    country: str | None


@dataclass
class ItemToMatch:
    """A claimed item with what the matcher needs to know about it."""

    id: int
    story_key: str
    backlog: bool
    matchable: MatchableItem
    upcoming: list[UpcomingEvent] = field(default_factory=list)


@dataclass(frozen=True)
class SubscriberFlags:
    """What the match job needs to know about a subscriber."""

    paused: bool
    blocked: bool
    auto_follow: bool


def _chunks(values: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def filters_for(session: AsyncSession, chat_id: int) -> list[tuple[int, str]]:
    """The (filter id, query) pairs of the subscriber with this chat id, oldest first."""
    rows = await session.execute(
        select(Filter.id, Filter.query)
        .join(Subscriber, Subscriber.id == Filter.subscriber_id)
        .where(Subscriber.chat_id == chat_id)
        .order_by(Filter.id)
    )
    return [(fid, query) for fid, query in rows.all()]


async def filter_ids(session: AsyncSession) -> set[int]:
    """The ids of every filter (cheap: the index on the primary key)."""
    return set((await session.execute(select(Filter.id))).scalars())


async def load_filters(session: AsyncSession, ids: Iterable[int]) -> list[tuple[int, int, str]]:
    """(filter id, subscriber id, query) for the given ids."""
    out: list[tuple[int, int, str]] = []
    for chunk in _chunks(sorted(ids)):
        rows = await session.execute(
            select(Filter.id, Filter.subscriber_id, Filter.query).where(Filter.id.in_(chunk))
        )
        out.extend((fid, sid, query) for fid, sid, query in rows.all())
    return out


async def _events_of(
    session: AsyncSession, item_ids: Sequence[int]
) -> dict[int, list[tuple[int, str | None, str | None, datetime, str]]]:
    """Each item's events: (id, city, country, start, status)."""
    found: dict[int, list[tuple[int, str | None, str | None, datetime, str]]] = {}
    for chunk in _chunks(item_ids):
        rows = await session.execute(
            select(Event.item_id, Event.id, Event.city, Event.country, Event.start_at, Event.status)
            .where(Event.item_id.in_(chunk))
            .order_by(Event.id)
        )
        for item_id, event_id, city, country, start, status in rows.all():
            if item_id is not None:
                found.setdefault(item_id, []).append((event_id, city, country, start, status))
    return found


def _places(*values: str | None) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


async def claim_understood_items(
    session: AsyncSession, limit: int, now: datetime
) -> list[ItemToMatch]:
    """Claim up to `limit` items at stage "understood", oldest first.

    On PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until the caller's transaction
    ends, so replicas running the job at once take different items; SQLite has one writer.
    """
    statement = (
        select(
            Item.id,
            Item.story_key,
            Item.backlog,
            Item.title,
            Item.text,
            Item.category,
            Item.lang,
            Item.city,
            Item.country,
            Source.name,
            Source.title,
        )
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.stage == "understood")
        .order_by(Item.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=Item)
    rows = (await session.execute(statement)).all()
    events = await _events_of(session, [row[0] for row in rows])
    claimed: list[ItemToMatch] = []
    for row in rows:
        item_id, story_key, backlog, title, text, category, lang, city, country = row[:9]
        source = row[9] or row[10]
        item_events = events.get(item_id, [])
        matchable = MatchableItem(
            title=title or "",
            text=text or "",
            category=category,
            lang=lang,
            cities=_places(city, *(e[1] for e in item_events)),
            countries=_places(country, *(e[2] for e in item_events)),
            source=source,
        )
        upcoming = [
            UpcomingEvent(event_id, ev_city, ev_country)
            for event_id, ev_city, ev_country, start, status in item_events
            if status == "scheduled" and start > now
        ]
        claimed.append(ItemToMatch(item_id, story_key, bool(backlog), matchable, upcoming))
    return claimed


async def subscriber_flags(
    session: AsyncSession, subscriber_ids: Iterable[int]
) -> dict[int, SubscriberFlags]:
    """Paused/blocked/auto-follow of the given subscribers."""
    flags: dict[int, SubscriberFlags] = {}
    for chunk in _chunks(sorted(set(subscriber_ids))):
        rows = await session.execute(
            select(
                Subscriber.id, Subscriber.paused, Subscriber.blocked, Subscriber.auto_follow
            ).where(Subscriber.id.in_(chunk))
        )
        for sid, paused, blocked, auto_follow in rows.all():
            flags[sid] = SubscriberFlags(bool(paused), bool(blocked), bool(auto_follow))
    return flags


async def mark_matched(session: AsyncSession, item_ids: Sequence[int]) -> None:
    """Move items to stage "matched"."""
    for chunk in _chunks(item_ids):
        await session.execute(update(Item).where(Item.id.in_(chunk)).values(stage="matched"))


def _any_hits(index: MatcherIndex, batch: list[MatchableItem]) -> list[bool]:
    return [bool(index.match(item)) for item in batch]


async def preview_filter(
    session: AsyncSession, query: str, now: datetime, limit_examples: int = 2
) -> Preview:
    """How many stories of the last 7 days the filter would have matched, with examples.

    Raises FilterSyntaxError when the query does not parse. Items are read newest first (at most
    PREVIEW_MAX_ITEMS, a page at a time) and matched off the event loop; a story told by several sources counts once.
    """
    parsed = parse_filter(query)
    index = MatcherIndex()
    index.add(0, 0, parsed)
    since = now - timedelta(days=PREVIEW_DAYS)
    statement = (
        select(
            Item.id,
            Item.story_key,
            Item.link,
            Item.title,
            Item.text,
            Item.category,
            Item.lang,
            Item.city,
            Item.country,
            Source.name,
            Source.title,
        )
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.published_at >= since, Item.stage != "new")
        .order_by(Item.published_at.desc(), Item.id.desc())
    )
    stories: set[str] = set()
    examples: list[tuple[str, str | None]] = []
    scanned = 0
    while scanned < PREVIEW_MAX_ITEMS:
        rows = (await session.execute(statement.offset(scanned).limit(_CHUNK))).all()
        if not rows:
            break
        scanned += len(rows)
        events = await _events_of(session, [row[0] for row in rows])
        batch = []
        for row in rows:
            item_events = events.get(row[0], [])
            batch.append(
                MatchableItem(
                    title=row[3] or "",
                    text=row[4] or "",
                    category=row[5],
                    lang=row[6],
                    cities=_places(row[7], *(e[1] for e in item_events)),
                    countries=_places(row[8], *(e[2] for e in item_events)),
                    source=row[9] or row[10],
                )
            )
        # Matching is CPU work: keep the event loop free for other chats meanwhile.
        matched = await asyncio.to_thread(_any_hits, index, batch)
        for row, hit in zip(rows, matched, strict=True):
            if not hit or row[1] in stories:
                continue
            stories.add(row[1])
            if len(examples) < limit_examples:
                examples.append((row[3] or "", row[2]))
    return Preview(len(stories), examples, scanned)
