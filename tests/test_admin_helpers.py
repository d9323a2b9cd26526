"""Helpers the admin, broadcast and event tests share (rows made directly, waits on the inbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.sandbox.objects import SimMessage
from bot.services import Services
from bot.storage.models import AuditEntry, Delivery, Filter, Subscriber
from tests.support import TEST_TOKEN


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    """The sandbox with a short per-chat burst allowed, as Telegram allows for replies.

    An admin conversation answers with two messages in a row (a preview and its Confirm
    panel); Telegram lets that through, the sandbox's default of one a second would not.
    """
    from bot.sandbox import Sandbox

    sb = Sandbox(token=TEST_TOKEN, private_burst=30)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


async def expect(user: Any, fragment: str, timeout: float = 5.0) -> SimMessage:
    """Wait for a bot message in the chat containing `fragment` (edits count) and return it."""
    await user.wait_for(lambda u: any(fragment in m.text for m in u.inbox), timeout=timeout)
    return [m for m in user.inbox if fragment in m.text][-1]


async def add_subscriber(
    services: Services,
    chat_id: int,
    *,
    language: str = "en",
    timezone: str | None = None,
    paused: bool = False,
    blocked: bool = False,
    filters: tuple[str, ...] = (),
    kind: str = "private",
) -> int:
    """A subscriber row (and its filters) written directly; returns its id."""
    async with services.sessions() as session, session.begin():
        row = Subscriber(
            chat_id=chat_id, kind=kind, language=language, timezone=timezone,
            paused=paused, blocked=blocked,
        )
        session.add(row)
        await session.flush()
        for query in filters:
            session.add(Filter(subscriber_id=row.id, query=query))
        return row.id


async def delivery_chats(services: Services, broadcast_id: int | None = None) -> list[int]:
    """Chat ids that have a broadcast delivery (of one broadcast, or any), sorted."""
    async with services.sessions() as session:
        query = select(Subscriber.chat_id).join(Delivery, Delivery.subscriber_id == Subscriber.id)
        query = query.where(Delivery.kind == "broadcast")
        if broadcast_id is not None:
            query = query.where(Delivery.broadcast_id == broadcast_id)
        return sorted(await session.scalars(query))


async def audit_actions(services: Services, allowed: bool | None = None) -> list[tuple[int, str]]:
    """(actor, action) of every audit entry, oldest first."""
    async with services.sessions() as session:
        query = select(AuditEntry.actor_id, AuditEntry.action).order_by(AuditEntry.id)
        if allowed is not None:
            query = query.where(AuditEntry.allowed.is_(allowed))
        return [(a, b) for a, b in await session.execute(query)]


async def count_rows(services: Services, model: Any, *where: Any) -> int:
    """How many rows of `model` match."""
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
