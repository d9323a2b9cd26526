"""Following events: the follow row, its reminder rows, updates when an event moves or goes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.schedule import reminder_times
from bot.storage.models import Delivery, Event, Follow, Reminder, Subscriber
from bot.storage.outbox import PRIORITY_REMINDER, enqueue

log = logging.getLogger(__name__)

def subscriber_leads(
    override: str | None, default: tuple[timedelta, ...]
) -> tuple[timedelta, ...]:
    """The subscriber's own leads ("1d,2h") when valid, else `default` (REMINDER_LEADS)."""
    from bot.config import parse_leads

    if override:
        try:
            return parse_leads(override)
        except ValueError:
            log.warning("ignoring a malformed reminder_leads override")
    return default


@dataclass(frozen=True)
class ReminderView:
    """A pending reminder as /reminders shows it."""

    id: int
    event_id: int
    lead_minutes: int
    due_at: datetime
    event_title: str
    event_start: datetime
    event_timezone: str
    venue: str | None
    city: str | None


@dataclass(frozen=True)
class EventView:
    """An upcoming event as /upcoming shows it."""

    id: int
    title: str
    start_at: datetime
    all_day: bool
    timezone: str
    venue: str | None
    address: str | None
    city: str | None
    following: bool


async def follow_event(
    session: AsyncSession,
    subscriber_id: int,
    event_id: int,
    now: datetime,
    auto: bool = False,
    leads: tuple[timedelta, ...] | None = None,
    default_leads: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2)),
) -> bool:
    """Follow an event and schedule its reminders; False if already followed or not followable.

    Reminders go at `leads` when given, else at the subscriber's own leads, else at
    `default_leads` (callers pass REMINDER_LEADS from their settings).

    An automatic follow (auto=True) happens only for subscribers who keep auto-follow on and never
    overrides "Not interested"; pressing "Remind me" does.
    """
    event = await session.get(Event, event_id)
    subscriber = await session.get(Subscriber, subscriber_id)
    if event is None or subscriber is None or event.status == "cancelled" or event.start_at <= now:
        return False
    if auto and not subscriber.auto_follow:
        return False  # the subscriber switched automatic following off in /settings
    follow = await session.scalar(
        select(Follow).where(Follow.subscriber_id == subscriber_id, Follow.event_id == event_id)
    )
    if follow is not None:
        if follow.state == "following" or auto:
            return False
        follow.state = "following"
        follow.auto = False
    else:
        session.add(
            Follow(
                subscriber_id=subscriber_id,
                event_id=event_id,
                state="following",
                auto=auto,
                created_at=now,
            )
        )
    chosen = leads if leads is not None else subscriber_leads(subscriber.reminder_leads, default_leads)
    await _schedule(session, subscriber_id, event, chosen, now)
    await session.flush()
    return True


async def _schedule(
    session: AsyncSession,
    subscriber_id: int,
    event: Event,
    leads: tuple[timedelta, ...],
    now: datetime,
) -> None:
    existing = {
        r.lead_minutes: r
        for r in await session.scalars(
            select(Reminder).where(
                Reminder.subscriber_id == subscriber_id, Reminder.event_id == event.id
            )
        )
    }
    for lead_minutes, due in reminder_times(event.start_at, leads, now):
        row = existing.get(lead_minutes)
        if row is None:
            session.add(
                Reminder(
                    subscriber_id=subscriber_id,
                    event_id=event.id,
                    lead_minutes=lead_minutes,
                    due_at=due,
                    status="pending",
                )
            )
        elif row.status == "cancelled":
            # re-following brings back reminders that were switched off, never ones already sent
            row.status, row.due_at = "pending", due


async def unfollow_event(
    session: AsyncSession, subscriber_id: int, event_id: int, now: datetime, dismiss: bool = False
) -> bool:
    """Stop following (and with `dismiss`, remember "Not interested"); cancels its reminders."""
    follow = await session.scalar(
        select(Follow).where(Follow.subscriber_id == subscriber_id, Follow.event_id == event_id)
    )
    changed = False
    if follow is None and dismiss:
        session.add(
            Follow(
                subscriber_id=subscriber_id, event_id=event_id, state="dismissed", created_at=now
            )
        )
        changed = True
    elif follow is not None:
        if dismiss and follow.state != "dismissed":
            follow.state, changed = "dismissed", True
        elif not dismiss:
            await session.delete(follow)
            changed = True
    await session.execute(
        update(Reminder)
        .where(
            Reminder.subscriber_id == subscriber_id,
            Reminder.event_id == event_id,
            Reminder.status == "pending",
        )
        .values(status="cancelled")
    )
    if dismiss:
        # a reminder or update already in the outbox is no longer wanted either
        await session.execute(
            update(Delivery)
            .where(
                Delivery.subscriber_id == subscriber_id,
                Delivery.event_id == event_id,
                Delivery.status.in_(("pending", "held")),
                Delivery.kind.in_(("reminder", "update", "card")),
            )
            .values(status="cancelled")
        )
    await session.flush()
    return changed


async def is_following(session: AsyncSession, subscriber_id: int, event_id: int) -> bool:
    """True when the subscriber follows the event."""
    state = await session.scalar(
        select(Follow.state).where(
            Follow.subscriber_id == subscriber_id, Follow.event_id == event_id
        )
    )
    return state == "following"


async def notify_event_changed(session: AsyncSession, event_id: int, now: datetime) -> int:
    """Tell every follower that the event moved or was cancelled; move or cancel reminders.

    Call it after bumping event.version and setting the new fields/status. Returns how many
    update deliveries were queued.
    """
    await session.flush()  # the caller's changes to the event, if made in this session
    event = await session.get(Event, event_id, populate_existing=True)
    if event is None:
        return 0
    cancelled = event.status == "cancelled"
    change = "cancelled" if cancelled else "moved"
    followers = list(
        await session.scalars(
            select(Follow.subscriber_id).where(
                Follow.event_id == event_id, Follow.state == "following"
            )
        )
    )
    # an older update still waiting in the outbox is superseded by this one
    await session.execute(
        update(Delivery)
        .where(
            Delivery.event_id == event_id,
            Delivery.kind == "update",
            Delivery.status.in_(("pending", "held")),
            Delivery.dedup_key != f"update:{event_id}:{event.version}",
        )
        .values(status="cancelled")
    )
    queued = 0
    for subscriber_id in followers:
        if await enqueue(
            session,
            subscriber_id=subscriber_id,
            kind="update",
            dedup_key=f"update:{event_id}:{event.version}",
            priority=PRIORITY_REMINDER,
            event_id=event_id,
            payload={"version": event.version, "change": change},
            not_before=now,
        ):
            queued += 1
    reminders = list(
        await session.scalars(
            select(Reminder).where(Reminder.event_id == event_id, Reminder.status == "pending")
        )
    )
    for reminder in reminders:
        due = event.start_at - timedelta(minutes=reminder.lead_minutes)
        if cancelled or due <= now:
            reminder.status = "cancelled"
        else:
            reminder.due_at = due
    if cancelled:
        # reminders and cards already queued for a cancelled event must not go out
        await session.execute(
            update(Delivery)
            .where(
                Delivery.event_id == event_id,
                Delivery.kind.in_(("reminder", "card")),
                Delivery.status.in_(("pending", "held")),
            )
            .values(status="cancelled")
        )
    await session.flush()
    log.info("event %s changed (%s): %d updates queued", event_id, change, queued)
    return queued


async def list_reminders(
    session: AsyncSession, subscriber_id: int, now: datetime
) -> list[ReminderView]:
    """The subscriber's pending reminders for events still ahead, soonest first."""
    rows = await session.execute(
        select(Reminder, Event)
        .join(Event, Event.id == Reminder.event_id)
        .where(
            Reminder.subscriber_id == subscriber_id,
            Reminder.status == "pending",
            Event.start_at > now,
            Event.status != "cancelled",
        )
        .order_by(Reminder.due_at, Reminder.id)
    )
    return [
        ReminderView(
            id=r.id,
            event_id=e.id,
            lead_minutes=r.lead_minutes,
            due_at=r.due_at,
            event_title=e.title,
            event_start=e.start_at,
            event_timezone=e.timezone,
            venue=e.venue,
            city=e.city,
        )
        for r, e in rows
    ]


async def cancel_reminder(session: AsyncSession, subscriber_id: int, reminder_id: int) -> bool:
    """Cancel one of the subscriber's pending reminders; False if it is not theirs or not pending."""
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.subscriber_id == subscriber_id,
            Reminder.status == "pending",
        )
        .values(status="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0) > 0


async def upcoming_events(
    session: AsyncSession, subscriber_id: int, now: datetime, limit: int = 5, offset: int = 0
) -> tuple[list[EventView], int]:
    """Events still ahead that matched the subscriber's filters (a card was queued) or that they
    follow, minus those they dismissed; soonest first. Returns (page, total)."""
    carded = exists().where(
        Delivery.subscriber_id == subscriber_id,
        Delivery.event_id == Event.id,
        Delivery.kind.in_(("card", "alert")),
    )
    followed = exists().where(
        Follow.subscriber_id == subscriber_id,
        Follow.event_id == Event.id,
        Follow.state == "following",
    )
    dismissed = exists().where(
        Follow.subscriber_id == subscriber_id,
        Follow.event_id == Event.id,
        Follow.state == "dismissed",
    )
    where = and_(
        Event.start_at > now, Event.status != "cancelled", or_(carded, followed), ~dismissed
    )
    total = len(list(await session.scalars(select(Event.id).where(where))))
    rows = await session.execute(
        select(Event, followed.label("following"))
        .where(where)
        .order_by(Event.start_at, Event.id)
        .limit(limit)
        .offset(offset)
    )
    page = [
        EventView(
            id=e.id,
            title=e.title,
            start_at=e.start_at,
            all_day=e.all_day,
            timezone=e.timezone,
            venue=e.venue,
            address=e.address,
            city=e.city,
            following=bool(f),
        )
        for e, f in rows
    ]
    return page, total


async def forget_follows(session: AsyncSession, subscriber_id: int) -> None:
    """Remove every follow and reminder of a subscriber (the cascade does it too; explicit here)."""
    await session.execute(delete(Reminder).where(Reminder.subscriber_id == subscriber_id))
    await session.execute(delete(Follow).where(Follow.subscriber_id == subscriber_id))


DELIVERY_SETTINGS = ("reminder_leads", "auto_follow", "quiet_start", "quiet_end", "digest_hour")


async def update_delivery_settings(
    session: AsyncSession, subscriber_id: int, now: datetime, **values: object
) -> None:
    """Change the delivery settings (leads override, auto-follow, quiet hours, digest hour).

    Switching the digest off sends the alerts it was holding right away.
    """
    unknown = set(values) - set(DELIVERY_SETTINGS)
    if unknown:
        raise ValueError(f"not a delivery setting: {sorted(unknown)}")
    await session.execute(update(Subscriber).where(Subscriber.id == subscriber_id).values(**values))
    if "digest_hour" in values and values["digest_hour"] is None:
        from bot.storage.outbox import release_digest_holds

        await release_digest_holds(session, subscriber_id, now)


async def event_for_display(session: AsyncSession, event_id: int) -> Event | None:
    """The event row (for the card buttons and the .ics)."""
    return await session.get(Event, event_id)
