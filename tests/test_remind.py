"""Reminders, event changes, quiet hours, digests and timezones, end to end through the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sender import Sender
from bot.storage.follows import follow_event, notify_event_changed, unfollow_event
from bot.storage.models import Delivery, Event, Reminder, Subscriber
from jobs.remind import queue_digests, queue_due_reminders
from tests.test_sender_helpers import add_event, add_item, add_subscriber, queue_alert, statuses


async def _reminders(services, event_id: int) -> list[Reminder]:
    async with services.sessions() as session:
        return list(
            await session.scalars(
                select(Reminder)
                .where(Reminder.event_id == event_id)
                .order_by(Reminder.lead_minutes)
            )
        )


async def test_follow_event_rules(services) -> None:
    now = services.clock()
    sid = await add_subscriber(services, 7000, reminder_leads="3h,30m")
    eid = await add_event(services, now + timedelta(hours=2))
    async with services.sessions() as session, session.begin():
        # the 3h lead is already past: only the 30m reminder
        assert await follow_event(session, sid, eid, now, auto=True)
        assert not await follow_event(session, sid, eid, now)  # already following
    assert [(r.lead_minutes, r.status) for r in await _reminders(services, eid)] == [
        (30, "pending")
    ]
    async with services.sessions() as session, session.begin():
        await unfollow_event(session, sid, eid, now, dismiss=True)
        assert not await follow_event(session, sid, eid, now, auto=True)  # "Not interested" holds
        assert await follow_event(session, sid, eid, now)  # pressing "Remind me" overrides it
    assert [r.status for r in await _reminders(services, eid)] == ["pending"]
    manual = await add_subscriber(services, 7001, auto_follow=False)
    async with services.sessions() as session, session.begin():
        assert not await follow_event(session, manual, eid, now, auto=True)
        assert await follow_event(session, manual, eid, now)
    past = await add_event(services, now - timedelta(hours=1), event_key="past")
    async with services.sessions() as session, session.begin():
        assert not await follow_event(session, sid, past, now)


async def test_event_moved_then_cancelled_reaches_followers(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    users = [bot_env.user(7100), bot_env.user(7101)]
    subs = [await add_subscriber(services, 7100), await add_subscriber(services, 7101)]
    other = await add_subscriber(services, 7102)  # not following: hears nothing
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    eid = await add_event(services, start)
    async with services.sessions() as session, session.begin():
        for sid in subs:
            await follow_event(session, sid, eid, clock())
    # moved two days later and to another place (as the understanding or admin part would)
    async with services.sessions() as session, session.begin():
        event = await session.get(Event, eid)
        event.start_at, event.venue, event.address = start + timedelta(days=2), "Abai square", None
        event.version += 1
        assert await notify_event_changed(session, eid, clock()) == 2
    due = sorted({r.due_at for r in await _reminders(services, eid)})
    assert due == [start + timedelta(days=1), start + timedelta(days=2, hours=-2)]
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 2
    for user in users:
        assert "Changed: Rally for the oil workers" in user.inbox[-1].text
        assert "Mon 7 Dec, 12:00" in user.inbox[-1].text and "Abai square" in user.inbox[-1].text
    # the same version again changes nothing
    async with services.sessions() as session, session.begin():
        assert await notify_event_changed(session, eid, clock()) == 0
    # cancelled: an update, and the reminders go
    async with services.sessions() as session, session.begin():
        event = await session.get(Event, eid)
        event.status, event.version = "cancelled", event.version + 1
        assert await notify_event_changed(session, eid, clock()) == 2
    assert {r.status for r in await _reminders(services, eid)} == {"cancelled"}
    assert await sender.send_due() == 2
    for user in users:
        assert "Cancelled: Rally for the oil workers" in user.inbox[-1].text
    clock.set(start + timedelta(days=1))
    assert (await queue_due_reminders(services)).queued == 0
    async with services.sessions() as session:
        kinds = list(
            await session.scalars(select(Delivery.kind).where(Delivery.subscriber_id == other))
        )
    assert kinds == []


async def test_quiet_hours_hold_until_morning_in_subscriber_zone(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    # 23:30 in Almaty (UTC+5)
    clock.set(datetime(2026, 12, 1, 18, 30, tzinfo=UTC))
    user = bot_env.user(7200)
    sid = await add_subscriber(
        services, 7200, timezone="Asia/Almaty", quiet_start=22 * 60, quiet_end=7 * 60
    )
    item = await add_item(services)
    await queue_alert(services, sid, item, "q")
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 0
    assert user.inbox == [] and await statuses(services) == {"held": 1}
    clock.set(datetime(2026, 12, 2, 1, 59, tzinfo=UTC))  # 06:59 local
    assert await sender.send_due() == 0
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # 07:00 local
    assert await sender.send_due() == 1
    assert len(user.inbox) == 1 and await statuses(services) == {"sent": 1}


async def test_daily_digest_bundles_alerts_at_the_local_hour_across_dst(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    # Saturday 24 Oct 2026, London summer time; the clocks go back that night
    clock.set(datetime(2026, 10, 24, 9, 0, tzinfo=UTC))
    user = bot_env.user(7300)
    sid = await add_subscriber(services, 7300, timezone="Europe/London", digest_hour=8)
    async with services.sessions() as session, session.begin():
        (await session.get(Subscriber, sid)).digest_sent_at = clock()
    sender = Sender(services, bot_env.app.bot)
    for n in range(3):
        item = await add_item(services, title=f"Story {n} <&>")
        await queue_alert(services, sid, item, f"d{n}")
    assert await sender.send_due() == 0
    assert await statuses(services) == {"held": 3}
    # Sunday 08:00 London is 08:00 UTC (GMT again): not at 07:00 UTC
    clock.set(datetime(2026, 10, 25, 7, 30, tzinfo=UTC))
    assert await queue_digests(services) == 0
    clock.set(datetime(2026, 10, 25, 8, 0, tzinfo=UTC))
    assert await queue_digests(services) == 1
    assert await queue_digests(services) == 0  # once a day
    assert await sender.send_due() == 1
    assert len(user.inbox) == 1
    digest = user.inbox[0].text
    assert digest.startswith("🗞 Your daily digest")
    assert all(f"Story {n} <&>" in digest for n in range(3))
    assert await statuses(services) == {"sent": 4}


async def test_reminder_text_in_subscriber_zone_across_dst(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    # the protest: Monday 26 Oct 2026, 12:00 in London (GMT, the day after the change)
    start = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    london, almaty = bot_env.user(7400), bot_env.user(7401)
    s1 = await add_subscriber(services, 7400, timezone="Europe/London")
    s2 = await add_subscriber(services, 7401, timezone="Asia/Almaty")
    eid = await add_event(services, start, timezone="Europe/London")
    async with services.sessions() as session, session.begin():
        await follow_event(session, s1, eid, clock(), leads=(timedelta(days=1),))
        await follow_event(session, s2, eid, clock(), leads=(timedelta(days=1),))
    # 24 hours before is Sunday 12:00 UTC = 12:00 GMT in London, 17:00 in Almaty
    clock.set(start - timedelta(days=1))
    assert (await queue_due_reminders(services)).queued == 2
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 2
    assert london.inbox[0].text.startswith("⏰ Tomorrow, Mon 26 Oct, 12:00 — protest at")
    assert "local time" not in london.inbox[0].text
    # Almaty is UTC+5: 17:00 there, and the local time where the protest is
    assert almaty.inbox[0].text.startswith("⏰ Tomorrow, Mon 26 Oct, 17:00 (12:00 local time)")


async def test_reminder_late_after_downtime_only_if_event_ahead(services) -> None:
    now = services.clock()
    sid = await add_subscriber(services, 7500)
    soon = await add_event(services, now + timedelta(hours=3), event_key="soon")
    async with services.sessions() as session, session.begin():
        await follow_event(session, sid, soon, now, leads=(timedelta(hours=2), timedelta(hours=1)))
    # the bot was down past both due times; the event is still ahead for the second
    services.clock.set(now + timedelta(hours=2, minutes=30))
    summary = await queue_due_reminders(services)
    assert (summary.queued, summary.skipped) == (2, 0)
    services.clock.set(now + timedelta(hours=4))
    later = await add_event(services, now + timedelta(hours=5), event_key="later")
    async with services.sessions() as session, session.begin():
        await follow_event(session, sid, later, now, leads=(timedelta(hours=2),))
    services.clock.set(now + timedelta(hours=6))
    summary = await queue_due_reminders(services)
    assert (summary.queued, summary.skipped) == (0, 1)


async def test_two_senders_share_the_outbox_without_double_sends(any_bot_env) -> None:
    """Two replicas (two services, two leases) drain one outbox; on PostgreSQL with SKIP LOCKED."""
    from bot.services import open_services

    env = any_bot_env
    services = env.services
    chats = list(range(7600, 7640))
    item = await add_item(services)
    for chat in chats:
        env.sandbox.add_user(chat)
        sid = await add_subscriber(services, chat)
        await queue_alert(services, sid, item, "two")
    other = await open_services(services.settings, clock=env.clock)
    try:
        import asyncio

        async def drain(sender: Sender) -> int:
            total = 0
            while (n := await sender.send_due(7)) > 0:
                total += n
            return total

        a = Sender(services, env.app.bot)
        b = Sender(other, env.app.bot)
        sent = await asyncio.gather(drain(a), drain(b))
    finally:
        await other.close()
    assert sum(sent) == 40
    assert [len(env.sandbox.sent_to(c)) for c in chats] == [1] * 40
    assert await statuses(services) == {"sent": 40}
