"""The outbox: every message to send is a Delivery row, written in the deciding transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Delivery, Subscriber, utcnow

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
    """Insert a delivery unless (subscriber, dedup_key) exists; True when it was inserted.

    Pass the deciding job's clock as `not_before` (due from then on): the wall clock is only the
    fallback, so jobs running on an injected clock queue rows that are due on that clock.
    """
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


# ---- owned by the delivery part from here on: claiming, status transitions, statistics ----

STATUSES = ("pending", "sending", "sent", "failed", "dropped", "held", "cancelled")
HOLD_QUIET = "held:quiet"  # last_error of a row held until the quiet period ends
HOLD_DIGEST = "held:digest"  # last_error of an alert waiting for the daily digest


async def claim_due(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    exclude_subscribers: Collection[int] = (),
) -> list[Delivery]:
    """Claim up to `limit` due rows for `owner`, most urgent first, and return them.

    A row is due when it is pending and its next attempt time has come, or when it is being
    sent by someone whose lease ran out (a crashed process). The claim is a conditional UPDATE
    (and on PostgreSQL the candidates are locked with SKIP LOCKED), so two replicas never claim
    the same row. Commit right after, so that others see the lease.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    due = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        # a lease that ran out: its holder died (never our own: we still hold those in memory
        # and renew them; an instance id is unique per process)
        and_(
            Delivery.status == "sending",
            Delivery.lease_until < now,
            or_(Delivery.lease_owner != owner, Delivery.lease_owner.is_(None)),
        ),
    )
    candidates = select(Delivery.id).where(due)
    if exclude_subscribers:
        candidates = candidates.where(Delivery.subscriber_id.not_in(list(exclude_subscribers)))
    candidates = candidates.order_by(Delivery.priority, Delivery.next_attempt_at, Delivery.id)
    candidates = candidates.limit(limit)
    if dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(await session.scalars(candidates))
    if not ids:
        return []
    until = now + lease
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), due)
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=until,
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == "sending",
            Delivery.lease_owner == owner,
            Delivery.lease_until == until,
        )
        .order_by(Delivery.priority, Delivery.next_attempt_at, Delivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def _mine(delivery_id: int, owner: str) -> Any:
    return and_(
        Delivery.id == delivery_id, Delivery.status == "sending", Delivery.lease_owner == owner
    )


async def mark_sent(
    session: AsyncSession, delivery_id: int, owner: str, message_id: int | None, now: datetime
) -> bool:
    """The message went out: store its Telegram id; False if our lease was lost meanwhile."""
    result = await session.execute(
        update(Delivery)
        .where(_mine(delivery_id, owner))
        .values(
            status="sent",
            message_id=message_id,
            sent_at=now,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) > 0


async def mark_retry(
    session: AsyncSession,
    delivery_id: int,
    owner: str,
    at: datetime,
    error: str | None,
    count_attempt: bool = True,
    attempts: int | None = None,
) -> bool:
    """Put a claimed row back to pending, to be tried again at `at` (`attempts`: the count
    to store when the sender kept its own)."""
    values: dict[str, Any] = {
        "status": "pending",
        "next_attempt_at": at,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:100] if error else None,
    }
    if attempts is not None:
        values["attempts"] = attempts
    elif not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    result = await session.execute(
        update(Delivery)
        .where(_mine(delivery_id, owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) > 0


async def mark_final(
    session: AsyncSession,
    delivery_id: int,
    owner: str,
    status: str,
    error: str | None,
    at: datetime | None = None,
    attempts: int | None = None,
) -> bool:
    """Finish a claimed row as failed, dropped, cancelled or held (with a reason class)."""
    assert status in STATUSES, status
    values: dict[str, Any] = {
        "status": status,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:100] if error else None,
    }
    if at is not None:
        values["next_attempt_at"] = at
    if attempts is not None:
        values["attempts"] = attempts
    result = await session.execute(
        update(Delivery)
        .where(_mine(delivery_id, owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) > 0


async def drop_subscriber_pending(session: AsyncSession, subscriber_id: int, error: str) -> int:
    """The chat is gone or blocked us: mark it blocked and drop everything still to send."""
    await session.execute(
        update(Subscriber).where(Subscriber.id == subscriber_id).values(blocked=True)
    )
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.subscriber_id == subscriber_id,
            Delivery.status.in_(("pending", "held", "sending")),
        )
        .values(status="dropped", last_error=error[:100], lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def release_quiet(session: AsyncSession, now: datetime) -> int:
    """Rows held for quiet hours whose quiet period is over become pending again."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.status == "held",
            Delivery.last_error == HOLD_QUIET,
            Delivery.next_attempt_at <= now,
        )
        .values(status="pending", last_error=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def release_digest_holds(session: AsyncSession, subscriber_id: int, now: datetime) -> int:
    """The subscriber switched the digest off: alerts waiting for it go out now."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.subscriber_id == subscriber_id,
            Delivery.status == "held",
            Delivery.last_error == HOLD_DIGEST,
        )
        .values(status="pending", last_error=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def broadcast_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many deliveries of a broadcast are in each status (every status present, 0 if none)."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    for status, count in rows:
        counts[status] = int(count)
    return counts


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> int:
    """Stop what is not yet sent of a broadcast: its pending and held rows become cancelled."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status.in_(("pending", "held")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def outbox_stats(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Counts by status and the lag: how long the oldest due pending row has been waiting."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    for status, count in rows:
        counts[status] = int(count)
    oldest = await session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.status == "pending", Delivery.next_attempt_at <= now
        )
    )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return {"counts": counts, "lag_seconds": max(0.0, lag)}


async def mark_sent_many(
    session: AsyncSession, owner: str, sent: list[tuple[int, int | None, int]], now: datetime
) -> None:
    """mark_sent for many (id, message id, attempts) in one round trip (executemany): the
    sender's group commit."""
    if not sent:
        return
    table: Any = Delivery.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.status == "sending",
            table.c.lease_owner == owner,
        )
        .values(
            status="sent",
            message_id=bindparam("b_message_id"),
            attempts=bindparam("b_attempts"),
            sent_at=now,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
    )
    await session.execute(
        statement,
        [{"b_id": i, "b_message_id": mid, "b_attempts": n} for i, mid, n in sent],
    )


def _rowcount(result: Any) -> int:
    """Rows an UPDATE touched (CursorResult.rowcount; typed loosely by SQLAlchemy)."""
    return int(getattr(result, "rowcount", 0) or 0)


async def renew_leases(
    session: AsyncSession, ids: list[int], owner: str, until: datetime
) -> set[int]:
    """Extend `owner`'s leases on these rows to `until`; returns the ids still ours (a row
    whose lease ran out and that someone else claimed is not)."""
    kept: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(chunk),
                Delivery.status == "sending",
                Delivery.lease_owner == owner,
            )
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        kept.update(
            await session.scalars(
                select(Delivery.id).where(
                    Delivery.id.in_(chunk),
                    Delivery.lease_owner == owner,
                    Delivery.lease_until == until,
                )
            )
        )
    return kept
