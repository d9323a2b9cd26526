"""Protests announced by hand: create (an Event and its Item for the matcher), edit, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Event, Follow, Item

# Fields an admin can change; everything else on the row is bookkeeping.
EDITABLE = ("title", "start_at", "end_at", "all_day", "venue", "address", "city", "country",
            "timezone", "lat", "lon")


@dataclass(frozen=True)
class EventView:
    """An event as the admin screens show it."""

    id: int
    item_id: int | None
    title: str
    start_at: datetime
    end_at: datetime | None
    all_day: bool
    timezone: str
    venue: str | None
    address: str | None
    city: str | None
    country: str | None
    lat: float | None
    lon: float | None
    status: str
    version: int
    created_by: int | None


def view(row: Event) -> EventView:
    """The plain view of an Event row."""
    return EventView(
        id=row.id, item_id=row.item_id, title=row.title, start_at=row.start_at,
        end_at=row.end_at, all_day=row.all_day, timezone=row.timezone, venue=row.venue,
        address=row.address, city=row.city, country=row.country, lat=row.lat, lon=row.lon,
        status=row.status, version=row.version, created_by=row.created_by,
    )


async def create_manual_event(
    session: AsyncSession,
    admin_id: int,
    fields: dict[str, Any],
    text: str,
    lang: str | None,
    now: datetime,
) -> EventView:
    """Store an admin's protest and the Item the matching job turns into protest cards.

    The Item is written already understood (category protest_call), so the matcher sends the
    card to subscribers whose filters match and auto-follows them, as for a protest found in
    the news; nothing here duplicates matching.
    """
    values = {k: fields.get(k) for k in EDITABLE if k in fields}
    event = Event(
        created_by=admin_id, confidence=1.0, status="scheduled", version=1,
        created_at=now, updated_at=now, **values,
    )
    event.title = (event.title or "")[:500]
    session.add(event)
    await session.flush()
    item = Item(
        source_id=None,
        guid=f"manual:{event.id}",
        story_key=f"manual:{event.id}",
        title=event.title,
        text=text,
        lang=lang,
        published_at=now,
        seen_at=now,
        stage="understood",
        backlog=False,
        category="protest_call",
        city=event.city,
        country=event.country,
    )
    session.add(item)
    await session.flush()
    event.item_id = item.id
    await session.flush()
    return view(event)


async def get_event(session: AsyncSession, event_id: int) -> EventView | None:
    """One event, or None."""
    row = await session.get(Event, event_id)
    return view(row) if row is not None else None


async def upcoming_events(session: AsyncSession, now: datetime, limit: int = 10) -> list[EventView]:
    """Scheduled events not over yet, soonest first."""
    # An event with no end counts as running for three hours after its start.
    rows = await session.scalars(
        select(Event)
        .where(
            Event.status == "scheduled",
            (Event.start_at >= now - timedelta(hours=3)) | (Event.end_at >= now),
        )
        .order_by(Event.start_at, Event.id)
        .limit(limit)
    )
    return [view(r) for r in rows]


async def follower_counts(session: AsyncSession, event_ids: list[int]) -> dict[int, int]:
    """How many subscribers follow each event."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Follow.event_id, func.count(Follow.id))
        .where(Follow.event_id.in_(event_ids), Follow.state == "following")
        .group_by(Follow.event_id)
    )
    return {int(event_id): int(n) for event_id, n in rows}


async def update_event(
    session: AsyncSession, event_id: int, fields: dict[str, Any], now: datetime
) -> tuple[EventView, int] | None:
    """Apply an admin's edit; followers hear of it. Returns (event, updates queued) or None.

    None when the event is gone or cancelled. An edit that changes nothing queues nothing.
    """
    from bot.storage.follows import notify_event_changed

    row = await session.get(Event, event_id)
    if row is None or row.status != "scheduled":
        return None
    changed = False
    for key in EDITABLE:
        if key in fields and getattr(row, key) != fields[key]:
            setattr(row, key, fields[key])
            changed = True
    if not changed:
        return view(row), 0
    row.version += 1
    row.updated_at = now
    if row.item_id is not None:
        item = await session.get(Item, row.item_id)
        if item is not None and item.guid.startswith("manual:"):
            item.title, item.city, item.country = row.title, row.city, row.country
    await session.flush()
    queued = await notify_event_changed(session, event_id, now)
    return view(row), queued


async def cancel_event(session: AsyncSession, event_id: int, now: datetime) -> int | None:
    """Cancel an event; followers are told and reminders go. None when it was not scheduled."""
    from bot.storage.follows import notify_event_changed

    row = await session.get(Event, event_id)
    if row is None or row.status != "scheduled":
        return None
    row.status = "cancelled"
    row.version += 1
    row.updated_at = now
    await session.flush()
    return await notify_event_changed(session, event_id, now)
