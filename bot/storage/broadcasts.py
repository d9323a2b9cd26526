"""Broadcasts: drafts, audiences, the one-time fan-out into the outbox, progress and cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Broadcast, Delivery, Filter, Subscriber
from bot.storage.outbox import PRIORITY_QUIET, PRIORITY_URGENT

# Audience kinds an admin can choose.
AUDIENCE_ALL = "all"
AUDIENCE_KEYWORDS = "keywords"
AUDIENCE_LANGUAGE = "language"
AUDIENCE_CITY = "city"

# Ids per INSERT ... SELECT when the audience is an explicit list (keeps statements small).
_CHUNK = 500


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as handlers, the renderer and the sender see it."""

    id: int
    admin_id: int
    text: str
    photo_file_id: str | None
    audience: dict[str, Any]
    urgent: bool
    pin: bool
    status: str
    total: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    confirmed_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class Counts:
    """Deliveries of one broadcast by outcome."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every delivery of the broadcast."""
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        """Deliveries that may still go out."""
        return self.pending + self.sending

    @property
    def done(self) -> int:
        """Deliveries with a final outcome."""
        return self.total - self.open


def view(row: Broadcast) -> BroadcastView:
    """The plain view of a Broadcast row."""
    return BroadcastView(
        id=row.id,
        admin_id=row.admin_id,
        text=row.text,
        photo_file_id=row.photo_file_id,
        audience=dict(row.audience or {}),
        urgent=row.urgent,
        pin=row.pin,
        status=row.status,
        total=row.total,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        finished_at=row.finished_at,
    )


async def create_draft(
    session: AsyncSession, admin_id: int, text: str, photo_file_id: str | None, now: datetime
) -> BroadcastView:
    """Store the admin's message as a draft (everyone, urgent) and return it."""
    row = Broadcast(
        admin_id=admin_id,
        text=text,
        photo_file_id=photo_file_id,
        audience={"kind": AUDIENCE_ALL},
        urgent=True,
        pin=False,
        status="draft",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return view(row)


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> BroadcastView | None:
    """One broadcast, or None."""
    row = await session.get(Broadcast, broadcast_id)
    return view(row) if row is not None else None


async def update_draft(
    session: AsyncSession,
    broadcast_id: int,
    *,
    audience: dict[str, Any] | None = None,
    urgent: bool | None = None,
    pin: bool | None = None,
) -> BroadcastView | None:
    """Change a draft's audience or mode; None when it is gone or no longer a draft."""
    row = await session.get(Broadcast, broadcast_id)
    if row is None or row.status != "draft":
        return None
    if audience is not None:
        row.audience = dict(audience)
    if urgent is not None:
        row.urgent = urgent
    if pin is not None:
        row.pin = pin
    await session.flush()
    return view(row)


async def discard_draft(session: AsyncSession, broadcast_id: int) -> bool:
    """Drop a draft the admin abandoned; False when it was no longer a draft."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "draft")
        .values(status="discarded")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _city_zone_pattern(city: str) -> str:
    """The tail a timezone name has for a city: "Almaty" -> "%/almaty", "New York" -> "%/new_york"."""
    return "%/" + city.strip().lower().replace(" ", "_")


def _filter_names_city(query: str, city: str) -> bool:
    """True when a filter asks for `city` with a (not negated) city: qualifier."""
    from bot.domain.filters.syntax import FilterSyntaxError, Qualifier, parse_filter, positive_atoms
    from bot.domain.filters.text import normalize, words_of

    wanted = " ".join(words_of(normalize(city)))
    try:
        parsed = parse_filter(query)
    except FilterSyntaxError:
        return False
    return any(
        isinstance(atom, Qualifier) and atom.name == "city" and wanted in atom.values
        for atom in positive_atoms(parsed.root)
    )


def _reachable(urgent: bool = True) -> ColumnElement[bool]:
    # Paused subscribers still get urgent broadcasts (an urgent update overrides a pause), not
    # quiet ones; blocked chats cannot be reached at all.
    if urgent:
        return Subscriber.blocked.is_(False)
    return Subscriber.blocked.is_(False) & Subscriber.paused.is_(False)


def _match_keywords(rows: list[tuple[int, int, str]], keywords: str) -> list[int]:
    from bot.domain.filters import MatchableItem, MatcherIndex

    index = MatcherIndex()
    index.add_many(rows)  # a filter the current grammar rejects simply matches nothing
    # The keywords stand for an imagined protest call: filters with the default categories
    # accept that category, so "kazakhstan" reaches everyone who follows Kazakhstan.
    item = MatchableItem(title=keywords, text=keywords, category="protest_call")
    return sorted({hit.subscriber_id for hit in index.match(item)})


async def _keyword_ids(session: AsyncSession, keywords: str, urgent: bool) -> list[int]:
    rows = await session.execute(
        select(Filter.id, Filter.subscriber_id, Filter.query)
        .join(Subscriber, Subscriber.id == Filter.subscriber_id)
        .where(_reachable(urgent))
    )
    # Building the index is CPU work: keep it off the event loop.
    return await asyncio.to_thread(_match_keywords, [(int(a), int(b), str(c)) for a, b, c in rows], keywords)


async def _city_ids(session: AsyncSession, city: str, urgent: bool) -> list[int]:
    by_zone = await session.scalars(
        select(Subscriber.id).where(
            _reachable(urgent), func.lower(Subscriber.timezone).like(_city_zone_pattern(city))
        )
    )
    ids = set(by_zone)
    rows = await session.execute(
        select(Filter.subscriber_id, Filter.query)
        .join(Subscriber, Subscriber.id == Filter.subscriber_id)
        .where(_reachable(urgent), func.lower(Filter.query).like("%city:%"))
    )
    ids.update(sid for sid, query in rows if _filter_names_city(query, city))
    return sorted(ids)


async def audience_ids(
    session: AsyncSession, audience: dict[str, Any], urgent: bool = True
) -> list[int] | None:
    """Subscriber ids of a list-shaped audience; None when it is a plain SQL condition."""
    kind = audience.get("kind", AUDIENCE_ALL)
    if kind == AUDIENCE_KEYWORDS:
        return await _keyword_ids(session, str(audience.get("value", "")), urgent)
    if kind == AUDIENCE_CITY:
        return await _city_ids(session, str(audience.get("value", "")), urgent)
    return None


def _condition(audience: dict[str, Any], urgent: bool) -> ColumnElement[bool]:
    kind = audience.get("kind", AUDIENCE_ALL)
    if kind == AUDIENCE_LANGUAGE:
        return _reachable(urgent) & (Subscriber.language == str(audience.get("value", "")))
    return _reachable(urgent)


async def count_audience(session: AsyncSession, audience: dict[str, Any], urgent: bool = True) -> int:
    """How many chats the audience reaches now (the number shown before confirming)."""
    ids = await audience_ids(session, audience, urgent)
    if ids is not None:
        return len(ids)
    condition = _condition(audience, urgent)
    return int(await session.scalar(select(func.count(Subscriber.id)).where(condition)) or 0)


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def _fan_out(
    session: AsyncSession, broadcast_id: int, priority: int, where: ColumnElement[bool], now: datetime
) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    source = select(
        Subscriber.id,
        literal("broadcast"),
        literal(f"broadcast:{broadcast_id}"),
        literal(priority),
        literal(broadcast_id),
        literal("pending"),
        literal(0),
        literal(now, type_=Delivery.next_attempt_at.type),
        literal(now, type_=Delivery.created_at.type),
    ).where(where & true())
    statement = (
        insert(Delivery)
        .from_select(
            [
                "subscriber_id", "kind", "dedup_key", "priority", "broadcast_id",
                "status", "attempts", "next_attempt_at", "created_at",
            ],
            source,
        )
        .on_conflict_do_nothing(index_elements=["subscriber_id", "dedup_key"])
    )
    await session.execute(statement)


async def confirm_broadcast(
    session: AsyncSession,
    broadcast_id: int,
    now: datetime,
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
) -> int | None:
    """Move a draft to sending and fan it out into the outbox, in the caller's transaction.

    Returns how many deliveries were queued, or None when the broadcast was not a draft any
    more (confirmed already, by this admin or another): the status change is one conditional
    UPDATE, so of two confirms only one sees a row change and only one fans out.
    """
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "draft")
        .values(
            status="sending",
            confirmed_at=now,
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
        )
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    row = await session.get(Broadcast, broadcast_id)
    assert row is not None
    await session.refresh(row)
    priority = PRIORITY_URGENT if row.urgent else PRIORITY_QUIET
    ids = await audience_ids(session, row.audience or {}, row.urgent)
    if ids is None:
        await _fan_out(session, broadcast_id, priority, _condition(row.audience or {}, row.urgent), now)
    else:
        for chunk in _chunks(ids, _CHUNK):
            await _fan_out(
                session, broadcast_id, priority, _reachable(row.urgent) & Subscriber.id.in_(chunk), now
            )
    # Counted afterwards: drivers disagree on rowcount for INSERT ... SELECT ... ON CONFLICT.
    queued = int(
        await session.scalar(
            select(func.count(Delivery.id)).where(Delivery.broadcast_id == broadcast_id)
        )
        or 0
    )
    row.total = queued
    if queued == 0:
        row.status = "done"
        row.finished_at = now
    await session.flush()
    return queued


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    """Remember which message shows the broadcast's progress."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
    )


async def broadcast_counts(session: AsyncSession, broadcast_id: int) -> Counts:
    """Deliveries of a broadcast by status (dropped = the chat blocked us or is gone)."""
    rows = await session.execute(
        select(Delivery.status, func.count(Delivery.id))
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    by_status = {status: int(n) for status, n in rows}
    return Counts(
        pending=by_status.get("pending", 0) + by_status.get("held", 0),
        sending=by_status.get("sending", 0),
        sent=by_status.get("sent", 0),
        failed=by_status.get("failed", 0),
        blocked=by_status.get("dropped", 0),
        cancelled=by_status.get("cancelled", 0),
        by_status=by_status,
    )


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> int | None:
    """Stop what is not yet sent: pending deliveries become cancelled.

    Returns how many were stopped, or None when the broadcast was not sending.
    """
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="cancelled", finished_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    # Rows the sender holds right now ("sending") finish; everything still waiting stops.
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status.in_(("pending", "held")))
        .values(status="cancelled")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def finish_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Mark a sending broadcast done; False when it was not sending (cancelled, done)."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="done", finished_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def sending_broadcasts(session: AsyncSession) -> list[BroadcastView]:
    """Broadcasts still going out (to resume their progress messages after a restart)."""
    rows = await session.scalars(select(Broadcast).where(Broadcast.status == "sending"))
    return [view(r) for r in rows]


# --------------------------------------------------------------------------- groups and channels
# Chats an admin pointed Tocsin at are Subscriber rows of kind group/supergroup/channel: the
# matching job and the sender treat them like people, with their own filters.


@dataclass(frozen=True)
class ChannelView:
    """A group or channel Tocsin posts to, with its filters."""

    id: int
    chat_id: int
    kind: str
    title: str | None
    thread_id: int | None
    blocked: bool
    added_by: int | None
    filters: list[str]


async def save_channel(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    title: str | None,
    thread_id: int | None,
    added_by: int,
    language: str,
    timezone: str | None,
    now: datetime,
) -> tuple[int, bool]:
    """Add (or refresh) a group/channel; returns (subscriber id, created)."""
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    created = row is None
    if row is None:
        row = Subscriber(chat_id=chat_id, created_at=now, language=language, timezone=timezone)
        session.add(row)
    elif row.kind == "private":
        raise ValueError("a private chat cannot be added as a channel")
    row.kind = kind
    row.title = (title or "")[:128] or None
    row.thread_id = thread_id
    row.added_by = added_by
    row.blocked = False
    await session.flush()
    return row.id, created


async def list_channels(session: AsyncSession) -> list[ChannelView]:
    """Every group and channel, with their filters, oldest first."""
    rows = list(
        await session.scalars(
            select(Subscriber).where(Subscriber.kind != "private").order_by(Subscriber.id)
        )
    )
    filters: dict[int, list[str]] = {r.id: [] for r in rows}
    if rows:
        for sid, query in await session.execute(
            select(Filter.subscriber_id, Filter.query)
            .where(Filter.subscriber_id.in_(list(filters)))
            .order_by(Filter.id)
        ):
            filters[sid].append(query)
    return [
        ChannelView(r.id, r.chat_id, r.kind, r.title, r.thread_id, r.blocked, r.added_by, filters[r.id])
        for r in rows
    ]


async def find_channel(session: AsyncSession, ref: str) -> ChannelView | None:
    """A group/channel by chat id or by (case-insensitive) title."""
    for channel in await list_channels(session):
        if ref.lstrip("-").isdigit() and channel.chat_id == int(ref):
            return channel
        if channel.title and channel.title.lower() == ref.lower():
            return channel
    return None


async def add_channel_filter(session: AsyncSession, subscriber_id: int, query: str, now: datetime) -> bool:
    """Add a filter to a group/channel; False when it already had it."""
    exists = await session.scalar(
        select(Filter.id).where(Filter.subscriber_id == subscriber_id, Filter.query == query)
    )
    if exists is not None:
        return False
    session.add(Filter(subscriber_id=subscriber_id, query=query, created_at=now))
    return True


async def remove_channel_filter(session: AsyncSession, subscriber_id: int, query: str) -> bool:
    """Take a filter off a group/channel."""
    from sqlalchemy import delete

    result = await session.execute(
        delete(Filter).where(Filter.subscriber_id == subscriber_id, Filter.query == query)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def remove_channel(session: AsyncSession, subscriber_id: int) -> bool:
    """Stop posting to a group/channel: its row, filters and queued messages go."""
    from sqlalchemy import delete

    row = await session.get(Subscriber, subscriber_id)
    if row is None or row.kind == "private":
        return False
    # Children first: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma.
    await session.execute(delete(Filter).where(Filter.subscriber_id == subscriber_id))
    await session.execute(delete(Delivery).where(Delivery.subscriber_id == subscriber_id))
    await session.delete(row)
    return True
