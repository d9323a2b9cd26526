"""The understand job: claim new items, understand them off the event loop, store category,
figures and events, and tell followers when a known event moved or was cancelled."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.domain.understand import ExtractedEvent, Understanding, understand
from bot.services import Services
from bot.storage.models import Event, Item, Source

log = logging.getLogger(__name__)

# Items handed to one worker-thread call: small enough that the loop gets the GIL back often.
CHUNK = 25


@dataclass(frozen=True)
class _Input:
    item_id: int
    title: str
    text: str
    published: datetime
    zone: str
    lang: str | None
    ics_event: dict[str, Any] | None


def _understand_chunk(inputs: list[_Input]) -> list[Understanding]:
    return [
        understand(
            i.text, title=i.title, published=i.published, default_tz=i.zone, lang=i.lang, ics_event=i.ics_event
        )
        for i in inputs
    ]


def _norm_place(value: str | None) -> str:
    words = re.findall(r"\w+", (value or "").casefold().replace("ё", "е"))
    return " ".join(w[:5] for w in words if w not in ("the", "of", "и", "на", "в", "at"))


def event_key(ev: ExtractedEvent, ics_event: dict[str, Any] | None) -> str:
    """ics:<uid>[:<recurrence start>] for calendar events, else a hash of place and local day."""
    if ics_event and ics_event.get("uid"):
        uid = str(ics_event["uid"])
        recurrence = ics_event.get("recurrence_id") or ics_event.get("recurrence")
        key = f"ics:{uid}" + (f":{recurrence}" if recurrence else "")
        if len(key) > 128:
            key = "ics:" + hashlib.sha256(key.encode()).hexdigest()
        return key
    where = ev.city or ev.timezone
    day = ev.start.date().isoformat()
    place = _norm_place(ev.venue or ev.address)
    digest = hashlib.sha256(f"{where}|{day}|{place}".encode()).hexdigest()[:40]
    return f"txt:{digest}"


def _changed(event: Event, ev: ExtractedEvent, authoritative: bool) -> bool:
    """True when the new reading moves the event in time or place.

    A text with less detail (no clock time, no venue) is not a change: another report of
    the same protest often leaves things out."""
    if ev.all_day and not event.all_day and not authoritative:
        time_changed = False
    else:
        time_changed = event.start_at != ev.start or (
            ev.end is not None and event.end_at != ev.end
        ) or event.all_day != ev.all_day
    place_changed = False
    for column, value in (("venue", ev.venue), ("address", ev.address), ("city", ev.city)):
        old = getattr(event, column)
        if value and old and _norm_place(old) != _norm_place(value):
            place_changed = True
        if authoritative and old and not value and column != "city":
            place_changed = True
    return time_changed or place_changed


def _apply(event: Event, ev: ExtractedEvent, now: datetime) -> None:
    event.start_at = ev.start
    event.end_at = ev.end
    event.all_day = ev.all_day
    event.timezone = ev.timezone
    for column in ("venue", "address", "city", "country", "lat", "lon"):
        value = getattr(ev, column)
        if value is not None:
            setattr(event, column, value)
    event.confidence = max(event.confidence or 0.0, ev.confidence)
    event.updated_at = now


async def understand_new_items(services: Services, limit: int = 200) -> int:
    """Understand up to `limit` items at stage "new"; returns how many were understood."""
    from bot.storage.follows import notify_event_changed

    now = services.clock()
    default_zone = services.settings.timezone
    async with services.sessions() as session, session.begin():
        stmt = select(Item).where(Item.stage == "new").order_by(Item.id).limit(limit)
        if services.engine.dialect.name == "postgresql":
            # several replicas may run this job: each claims rows the others have not locked
            stmt = stmt.with_for_update(skip_locked=True)
        items = list(await session.scalars(stmt))
        if not items:
            return 0
        source_ids = {i.source_id for i in items if i.source_id is not None}
        zones: dict[int, str | None] = {}
        if source_ids:
            rows = await session.execute(select(Source.id, Source.timezone).where(Source.id.in_(source_ids)))
            zones = {sid: tz for sid, tz in rows.all()}
        inputs = [
            _Input(
                item_id=i.id,
                title=i.title or "",
                text=i.text or "",
                published=i.published_at,
                zone=(zones.get(i.source_id) if i.source_id is not None else None) or default_zone,
                lang=i.lang,
                ics_event=i.ics_event,
            )
            for i in items
        ]
        results: list[Understanding] = []
        for start in range(0, len(inputs), CHUNK):
            results += await asyncio.to_thread(_understand_chunk, inputs[start : start + CHUNK])
        changed_events: list[int] = []
        created = 0
        for item, u in zip(items, results, strict=True):
            item.category = u.category
            item.killed, item.injured, item.arrested = u.killed, u.injured, u.arrested
            item.lang = item.lang or u.lang
            first = u.events[0] if u.events else None
            item.city = ((first.city if first else None) or (u.cities[0] if u.cities else None) or None)
            item.country = ((first.country if first else None) or (u.countries[0] if u.countries else None) or None)
            if item.country and len(item.country) != 2:
                item.country = None
            item.debug = u.debug
            item.stage = "understood"
            for ev in u.events:
                key = event_key(ev, item.ics_event)
                outcome = await _store_event(session, item, ev, key, now)
                if outcome == "created":
                    created += 1
                elif isinstance(outcome, int):
                    changed_events.append(outcome)
        for event_id in dict.fromkeys(changed_events):
            await notify_event_changed(session, event_id, now)
    log.info("understood %d items: %d events created, %d changed", len(items), created, len(set(changed_events)))
    return len(items)


async def _store_event(session: Any, item: Item, ev: ExtractedEvent, key: str, now: datetime) -> str | int | None:
    """Create the event, or update the one with the same key. Returns "created", the id of an
    event that changed (followers must hear of it), or None."""
    authoritative = key.startswith("ics:")
    existing = await session.scalar(select(Event).where(Event.event_key == key))
    if existing is None:
        if ev.cancelled:
            return None  # a cancellation of an event we never announced
        event = Event(
            item_id=item.id, event_key=key, title=_event_title(item)[:500], start_at=ev.start,
            end_at=ev.end, all_day=ev.all_day, timezone=ev.timezone, venue=_cut(ev.venue),
            address=_cut(ev.address), city=_cut(ev.city, 100), country=ev.country, lat=ev.lat,
            lon=ev.lon, confidence=ev.confidence, status="scheduled", version=1,
            created_at=now, updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(event)
        except IntegrityError:
            # another replica created it a moment ago: treat it as the existing one
            existing = await session.scalar(select(Event).where(Event.event_key == key))
            if existing is None:
                raise
        else:
            return "created"
    if ev.cancelled:
        if existing.status == "cancelled":
            return None
        existing.status = "cancelled"
        existing.version += 1
        existing.updated_at = now
        return int(existing.id)
    if _changed(existing, ev, authoritative) or existing.status == "cancelled":
        _apply(existing, ev, now)
        existing.status = "scheduled"
        existing.version += 1
        return int(existing.id)
    # same time and place: fill in what the earlier reading lacked, nobody needs telling
    for column in ("venue", "address", "city", "country", "lat", "lon"):
        if getattr(existing, column) is None and getattr(ev, column) is not None:
            setattr(existing, column, getattr(ev, column))
    return None


def _event_title(item: Item) -> str:
    summary = (item.ics_event or {}).get("summary") if item.ics_event else None
    return str(summary or item.title or "")


def _cut(value: str | None, size: int = 300) -> str | None:
    return value[:size] if value else value
