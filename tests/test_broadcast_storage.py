"""The broadcast fan-out on both databases: one confirm wins, bulk insert, segments, cancel."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, insert, select

from bot.storage import broadcasts as store
from bot.storage.models import Delivery, Subscriber
from tests.test_admin_helpers import add_subscriber


async def _draft(services: Any, **changes: Any) -> int:
    async with services.sessions() as session, session.begin():
        draft = await store.create_draft(session, 42, "<b>hello</b>", None, services.clock())
        if changes:
            await store.update_draft(session, draft.id, **changes)
    return draft.id


async def _confirm(services: Any, broadcast_id: int) -> int | None:
    async with services.sessions() as session, session.begin():
        return await store.confirm_broadcast(session, broadcast_id, services.clock())


async def test_concurrent_confirms_fan_out_once(any_services: Any) -> None:
    services = any_services
    async with services.sessions() as session, session.begin():
        await session.execute(
            insert(Subscriber),
            [{"chat_id": 10_000 + n, "language": "en", "blocked": n % 50 == 0} for n in range(2000)],
        )
    broadcast_id = await _draft(services)
    results = await asyncio.gather(*(_confirm(services, broadcast_id) for _ in range(4)))
    winners = [r for r in results if r is not None]
    assert winners == [1960]
    async with services.sessions() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
        )
        b = await store.get_broadcast(session, broadcast_id)
        counts = await store.broadcast_counts(session, broadcast_id)
    assert rows == 1960 and b is not None and b.status == "sending" and b.total == 1960
    assert counts.pending == 1960 and counts.open == 1960


async def test_segments_and_cancel(any_services: Any) -> None:
    services = any_services
    kz = await add_subscriber(services, 1, filters=("kazakhstan",))
    await add_subscriber(services, 2, filters=("kazakhstan category:crackdown",))
    paused = await add_subscriber(services, 3, paused=True, filters=("oil workers",))
    await add_subscriber(services, 4, blocked=True, filters=("kazakhstan",))
    keywords = {"kind": "keywords", "value": "Kazakhstan oil workers"}
    async with services.sessions() as session:
        # Paused people get urgent broadcasts only; filters limited to crackdowns do not match.
        assert await store.count_audience(session, keywords, urgent=True) == 2
        assert await store.count_audience(session, keywords, urgent=False) == 1
        assert await store.count_audience(session, {"kind": "language", "value": "ru"}) == 0
    broadcast_id = await _draft(services, audience=keywords)
    assert await _confirm(services, broadcast_id) == 2
    async with services.sessions() as session:
        ids = set(
            await session.scalars(
                select(Delivery.subscriber_id).where(Delivery.broadcast_id == broadcast_id)
            )
        )
    assert ids == {kz, paused}
    async with services.sessions() as session, session.begin():
        assert await store.cancel_broadcast(session, broadcast_id, services.clock()) == 2
    async with services.sessions() as session, session.begin():
        # a second cancel, or a confirm after it, changes nothing
        assert await store.cancel_broadcast(session, broadcast_id, services.clock()) is None
        assert await store.confirm_broadcast(session, broadcast_id, services.clock()) is None
        counts = await store.broadcast_counts(session, broadcast_id)
    assert counts.cancelled == 2 and counts.open == 0
