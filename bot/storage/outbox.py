"""The outbox: every message to send is a Delivery row, written in the deciding transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Delivery, utcnow

PRIORITY_URGENT = 0
PRIORITY_REMINDER = 10
PRIORITY_ALERT = 20
PRIORITY_QUIET = 30


async def enqueue(
    session: AsyncSession,
    *,
    subscriber_id: int,
    kind: str,
    dedup_key: str,
    priority: int = PRIORITY_ALERT,
    item_id: int | None = None,
    event_id: int | None = None,
    broadcast_id: int | None = None,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Insert a delivery unless (subscriber, dedup_key) exists; True when it was inserted."""
    values = {
        "subscriber_id": subscriber_id,
        "kind": kind,
        "dedup_key": dedup_key,
        "priority": priority,
        "item_id": item_id,
        "event_id": event_id,
        "broadcast_id": broadcast_id,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "created_at": utcnow(),
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["subscriber_id", "dedup_key"])
        .returning(Delivery.id)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none() is not None
