"""What Tocsin keeps about a person, and /forget: erasing all of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.storage.models import (
    Admin,
    AuditEntry,
    Broadcast,
    Delivery,
    Event,
    Filter,
    Follow,
    Reminder,
    Subscriber,
)

# Stands in for an erased person where a row about something else (an event an admin announced,
# a broadcast they sent) must keep a non-null author.
ERASED = 0


@dataclass(frozen=True)
class StoredAbout:
    """How much Tocsin holds about one chat, as /privacy shows it."""

    known: bool
    language: str | None
    timezone: str | None
    paused: bool
    filters: int
    follows: int
    reminders: int
    deliveries: int


@dataclass(frozen=True)
class Erased:
    """What /forget removed, by kind (counts only)."""

    subscriber: bool
    filters: int
    follows: int
    reminders: int
    deliveries: int
    audit_entries: int
    admin: bool

    @property
    def total(self) -> int:
        """Rows deleted in all."""
        return (
            int(self.subscriber)
            + self.filters
            + self.follows
            + self.reminders
            + self.deliveries
            + self.audit_entries
            + int(self.admin)
        )


async def _count(session: AsyncSession, column: InstrumentedAttribute[int], subscriber_id: int) -> int:
    found = await session.scalar(select(func.count()).where(column == subscriber_id))
    return int(found or 0)


async def describe_person(session: AsyncSession, chat_id: int) -> StoredAbout:
    """Counts of what is stored about a chat (nothing when it never started the bot)."""
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    if row is None:
        return StoredAbout(False, None, None, False, 0, 0, 0, 0)
    return StoredAbout(
        known=True,
        language=row.language,
        timezone=row.timezone,
        paused=row.paused,
        filters=await _count(session, Filter.subscriber_id, row.id),
        follows=await _count(session, Follow.subscriber_id, row.id),
        reminders=await _count(session, Reminder.subscriber_id, row.id),
        deliveries=await _count(session, Delivery.subscriber_id, row.id),
    )


async def forget_person(session: AsyncSession, chat_id: int, user_id: int | None = None) -> Erased:
    """Delete every row about a person: their subscriber row and everything hanging off it,
    their audit entries and admin row; rows about others that name them lose the name.

    `user_id` is the person's Telegram user id (equal to the chat id in a private chat).
    """
    person_ids = {chat_id} | ({user_id} if user_id is not None else set())
    row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    counts = {"filters": 0, "follows": 0, "reminders": 0, "deliveries": 0}
    if row is not None:
        # Delete the children explicitly rather than trusting ON DELETE CASCADE alone: the
        # counts are reported back, and a SQLite connection without foreign keys would leave them.
        for name, model in (
            ("reminders", Reminder),
            ("deliveries", Delivery),
            ("follows", Follow),
            ("filters", Filter),
        ):
            result = await session.execute(delete(model).where(model.subscriber_id == row.id))
            counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        await session.execute(delete(Subscriber).where(Subscriber.id == row.id))
    audit = await session.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_(person_ids)))
    admin = await session.execute(delete(Admin).where(Admin.user_id.in_(person_ids)))
    # Rows about other things that merely name the person as their author keep existing,
    # without the name.
    await session.execute(
        update(Admin).where(Admin.added_by.in_(person_ids)).values(added_by=ERASED)
    )
    await session.execute(
        update(Subscriber).where(Subscriber.added_by.in_(person_ids)).values(added_by=None)
    )
    await session.execute(
        update(Event).where(Event.created_by.in_(person_ids)).values(created_by=None)
    )
    await session.execute(
        update(Broadcast).where(Broadcast.admin_id.in_(person_ids)).values(admin_id=ERASED)
    )
    await session.execute(
        update(Broadcast)
        .where(Broadcast.progress_chat_id.in_(person_ids))
        .values(progress_chat_id=None, progress_message_id=None)
    )
    return Erased(
        subscriber=row is not None,
        filters=counts["filters"],
        follows=counts["follows"],
        reminders=counts["reminders"],
        deliveries=counts["deliveries"],
        audit_entries=int(audit.rowcount or 0),  # type: ignore[attr-defined]
        admin=bool(admin.rowcount),  # type: ignore[attr-defined]
    )
