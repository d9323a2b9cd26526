"""Reminder and digest sweeps: due reminder rows become deliveries, held alerts become digests."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.domain.schedule import digest_due, zone_or
from bot.services import Services
from bot.storage.models import Delivery, Event, Reminder, Subscriber
from bot.storage.outbox import HOLD_DIGEST, PRIORITY_ALERT, PRIORITY_REMINDER, enqueue

log = logging.getLogger(__name__)

BATCH = 1000


@dataclass
class RemindSummary:
    """What one sweep did."""

    queued: int = 0
    skipped: int = 0  # the event had passed or was cancelled


async def queue_due_reminders(services: Services, limit: int = BATCH) -> RemindSummary:
    """Turn due pending reminders into reminder deliveries, in the same transaction.

    A reminder whose time passed while the bot was down still goes (late) if the event is
    ahead; otherwise it is cancelled. On PostgreSQL the rows are locked with SKIP LOCKED, so
    replicas share the sweep; the outbox's unique key makes a repeat harmless anyway.
    """
    summary = RemindSummary()
    now = services.clock()
    while True:
        async with services.sessions() as session, session.begin():
            query = (
                select(Reminder, Event)
                .join(Event, Event.id == Reminder.event_id)
                .where(Reminder.status == "pending", Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Reminder)
            rows = list(await session.execute(query))
            for reminder, event in rows:
                if event.status == "cancelled" or event.start_at <= now:
                    reminder.status = "cancelled"
                    summary.skipped += 1
                    continue
                await enqueue(
                    session,
                    subscriber_id=reminder.subscriber_id,
                    kind="reminder",
                    dedup_key=f"reminder:{event.id}:{reminder.lead_minutes}",
                    priority=PRIORITY_REMINDER,
                    event_id=event.id,
                    payload={"lead_minutes": reminder.lead_minutes},
                    not_before=now,
                )
                reminder.status = "queued"
                summary.queued += 1
        if len(rows) < limit:
            break
    if summary.queued or summary.skipped:
        log.info("reminders: %d queued, %d skipped", summary.queued, summary.skipped)
    return summary


async def queue_digests(services: Services) -> int:
    """For each digest subscriber whose hour has come, bundle their held alerts into one digest
    delivery; returns how many digests were queued."""
    now = services.clock()
    default_zone = services.settings.timezone
    queued = 0
    async with services.sessions() as session, session.begin():
        subs = list(
            await session.scalars(
                select(Subscriber).where(
                    Subscriber.digest_hour.is_not(None),
                    Subscriber.blocked.is_(False),
                    Subscriber.paused.is_(False),
                )
            )
        )
        for sub in subs:
            zone = zone_or(sub.timezone, default_zone)
            assert sub.digest_hour is not None
            if not digest_due(now, zone, sub.digest_hour, sub.digest_sent_at):
                continue
            held = list(
                await session.scalars(
                    select(Delivery.id)
                    .where(
                        Delivery.subscriber_id == sub.id,
                        Delivery.status == "held",
                        Delivery.last_error == HOLD_DIGEST,
                    )
                    .order_by(Delivery.id)
                    .limit(50)
                )
            )
            sub.digest_sent_at = now
            if not held:
                continue
            day = now.astimezone(zone).date().isoformat()
            inserted = await enqueue(
                session,
                subscriber_id=sub.id,
                kind="digest",
                dedup_key=f"digest:{day}",
                priority=PRIORITY_ALERT,
                payload={"ids": held},
                not_before=now,
            )
            if inserted:
                # the bundled alerts wait inside the digest: marked so no other digest takes them
                await session.execute(
                    update(Delivery).where(Delivery.id.in_(held)).values(last_error="held:bundled")
                )
                queued += 1
    if queued:
        log.info("digests: %d queued", queued)
    return queued
