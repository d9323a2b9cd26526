"""The numbers /stats shows: subscribers, filters, sources, items, deliveries, broadcasts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Broadcast, Delivery, Filter, Item, Source, Subscriber


@dataclass(frozen=True)
class Stats:
    """One snapshot of the bot's numbers."""

    active: int
    paused: int
    blocked: int
    new_week: int
    by_language: dict[str, int]
    channels: int
    filters: int
    sources: int
    sources_ok: int
    sources_failing: int
    sources_disabled: int
    items_today: dict[str, int]
    items_week: dict[str, int]
    sent: int
    failed: int
    pending: int
    outbox_lag_seconds: float | None
    broadcasts: int
    broadcast_reach: int
    deliveries: dict[str, int] = field(default_factory=dict)


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    query = select(func.count()).select_from(model)
    if where:
        query = query.where(*where)  # type: ignore[arg-type]
    return int(await session.scalar(query) or 0)


async def _items_by_category(session: AsyncSession, since: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(func.coalesce(Item.category, "new"), func.count(Item.id))
        .where(Item.seen_at >= since)
        .group_by(func.coalesce(Item.category, "new"))
    )
    return {str(category): int(n) for category, n in rows}


async def collect_stats(session: AsyncSession, now: datetime) -> Stats:
    """Every /stats figure at `now` ("today" is the UTC day, "this week" the last 7 days)."""
    people = Subscriber.kind == "private"
    blocked = Subscriber.blocked.is_(True)
    not_blocked = Subscriber.blocked.is_(False)
    week_ago = now - timedelta(days=7)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    languages = await session.execute(
        select(Subscriber.language, func.count(Subscriber.id))
        .where(people, not_blocked)
        .group_by(Subscriber.language)
    )
    deliveries = {
        str(status): int(n)
        for status, n in await session.execute(
            select(Delivery.status, func.count(Delivery.id)).group_by(Delivery.status)
        )
    }
    # The lag is how long the oldest due message has been waiting for the sender.
    oldest_due = await session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.status == "pending", Delivery.next_attempt_at <= now
        )
    )
    failing = (Source.enabled.is_(True)) & (Source.error_count > 0)
    return Stats(
        active=await _count(session, Subscriber, people, not_blocked, Subscriber.paused.is_(False)),
        paused=await _count(session, Subscriber, people, not_blocked, Subscriber.paused.is_(True)),
        blocked=await _count(session, Subscriber, people, blocked),
        new_week=await _count(session, Subscriber, people, Subscriber.created_at >= week_ago),
        by_language={str(lang): int(n) for lang, n in languages},
        channels=await _count(session, Subscriber, Subscriber.kind != "private"),
        filters=await _count(session, Filter),
        sources=await _count(session, Source),
        sources_ok=await _count(session, Source, Source.enabled.is_(True), Source.error_count == 0),
        sources_failing=await _count(session, Source, failing),
        sources_disabled=await _count(session, Source, Source.enabled.is_(False)),
        items_today=await _items_by_category(session, midnight),
        items_week=await _items_by_category(session, week_ago),
        sent=deliveries.get("sent", 0),
        failed=deliveries.get("failed", 0),
        pending=deliveries.get("pending", 0) + deliveries.get("sending", 0),
        outbox_lag_seconds=(now - oldest_due).total_seconds() if oldest_due is not None else None,
        broadcasts=await _count(session, Broadcast, Broadcast.status.in_(("sending", "done", "cancelled"))),
        broadcast_reach=await _count(
            session, Delivery, Delivery.broadcast_id.is_not(None), Delivery.status == "sent"
        ),
        deliveries=deliveries,
    )


@dataclass(frozen=True)
class AddedAdmin:
    """An admin an owner added in Telegram."""

    user_id: int
    added_by: int
    created_at: datetime


async def added_admins(session: AsyncSession) -> list[AddedAdmin]:
    """Admins added in Telegram (owners come from ADMIN_IDS), oldest first."""
    from bot.storage.models import Admin

    rows = await session.scalars(select(Admin).order_by(Admin.created_at, Admin.user_id))
    return [AddedAdmin(r.user_id, r.added_by, r.created_at) for r in rows]
