"""Subscriber flows through the sandbox: card → Remind me → reminder, .ics, settings, lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sender import Sender
from bot.storage.models import Follow, Reminder, Subscriber
from jobs.remind import queue_due_reminders
from tests.test_sender_helpers import add_event, add_subscriber, queue


async def _reminders(services, subscriber_id: int) -> list[Reminder]:
    async with services.sessions() as session:
        return list(
            await session.scalars(
                select(Reminder)
                .where(Reminder.subscriber_id == subscriber_id)
                .order_by(Reminder.due_at)
            )
        )


async def _wait(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_card_remind_me_then_reminder_at_lead_time(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    clock.set(datetime(2026, 12, 19, 9, 0, tzinfo=UTC))
    user = bot_env.user(3001)
    sid = await add_subscriber(services, 3001, timezone="Europe/London")
    start = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)  # Mon 21 Dec 2026, 12:00 London
    eid = await add_event(services, start, lat=51.5101, lon=-0.1513)
    await queue(services, sid, "card", f"card:{eid}", event_id=eid, priority=20)
    sender = Sender(services, bot_env.app.bot)
    services.extras["sender"] = sender
    assert await sender.send_due() == 1
    card = user.inbox[0]
    assert "Rally for the oil workers" in card.text
    assert "Mon 21 Dec, 12:00" in card.text
    assert "62 South Audley Street, Mayfair" in card.text
    assert card.button_texts() == ["🔔 Remind me", "📅 Add to calendar", "Not interested"]
    venue = user.inbox[1]
    assert venue.kind == "venue" and venue.venue.latitude == 51.5101

    await user.press("Remind me")

    async def two_reminders() -> bool:
        return len(await _reminders(services, sid)) == 2

    await _wait(two_reminders)
    leads = [r.lead_minutes for r in await _reminders(services, sid)]
    assert leads == [1440, 120]
    await user.wait_for(lambda u: "Reminders on" in " ".join(u.inbox[0].button_texts()))

    # nothing is due yet
    assert (await queue_due_reminders(services)).queued == 0
    clock.set(start - timedelta(days=1))
    assert (await queue_due_reminders(services)).queued == 1
    assert await sender.send_due() == 1
    reminder = user.inbox[-1]
    assert reminder.text.startswith(
        "⏰ Tomorrow, Mon 21 Dec, 12:00 — protest at Kazakh-British Chamber of Commerce, "
        "62 South Audley Street, Mayfair, London"
    )
    assert "openstreetmap.org/?mlat=51.51010&amp;mlon=-0.15130" in reminder.raw
    clock.set(start - timedelta(hours=2))
    assert (await queue_due_reminders(services)).queued == 1
    assert await sender.send_due() == 1
    assert "Today, Mon 21 Dec, 12:00" in user.inbox[-1].text
    # each reminder once
    assert await sender.send_due() == 0
    assert sum("⏰" in m.text for m in user.inbox) == 2


async def test_add_to_calendar_sends_ics_and_not_interested_dismisses(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    user = bot_env.user(3002)
    sid = await add_subscriber(services, 3002)
    eid = await add_event(services, clock() + timedelta(days=3), timezone="Asia/Almaty")
    await queue(services, sid, "card", f"card:{eid}", event_id=eid)
    sender = Sender(services, bot_env.app.bot)
    services.extras["sender"] = sender
    assert await sender.send_due() == 1
    await user.press("Add to calendar")
    await user.wait_for(lambda u: any(m.kind == "document" for m in u.inbox))
    doc = next(m for m in user.inbox if m.kind == "document").document
    body = doc.data.decode()
    assert "BEGIN:VEVENT" in body and "TZID=Asia/Almaty" in body
    assert "SUMMARY:Rally for the oil workers" in body

    await user.press("Not interested", message=user.inbox[0])

    async def dismissed() -> bool:
        async with services.sessions() as session:
            state = await session.scalar(select(Follow.state).where(Follow.subscriber_id == sid))
        return state == "dismissed"

    await _wait(dismissed)
    # /upcoming no longer lists it
    await user.send("/upcoming")
    msg = await user.next_message(containing="No upcoming events")
    assert msg is not None


async def test_upcoming_and_reminders_lists_with_cancel(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    user = bot_env.user(3003)
    sid = await add_subscriber(services, 3003)
    ids = []
    for n in range(7):
        eid = await add_event(
            services, clock() + timedelta(days=2 + n), title=f"Picket {n}", event_key=f"k{n}"
        )
        await queue(services, sid, "card", f"card:{eid}", event_id=eid)
        ids.append(eid)
    # cards were queued but (here) not sent: /upcoming lists what matched all the same
    await user.send("/upcoming")
    page = await user.next_message(containing="Upcoming events")
    assert "Picket 0" in page.text and "Picket 4" in page.text and "Picket 5" not in page.text
    await user.press("»")
    await user.wait_for(lambda u: "Picket 5" in u.inbox[-1].text)
    await user.press("Remind me: 6")

    async def followed() -> bool:
        return len(await _reminders(services, sid)) == 2

    await _wait(followed)
    await user.send("/reminders")
    listing = await user.next_message(containing="Your reminders")
    assert "1 day before Picket 5" in listing.text
    await user.press("Cancel 1", message=listing)

    async def one_left() -> bool:
        return sum(r.status == "pending" for r in await _reminders(services, sid)) == 1

    await _wait(one_left)


async def test_settings_submenu_changes_delivery_settings(bot_env) -> None:
    services = bot_env.services
    user = bot_env.user(3004)
    sid = await add_subscriber(services, 3004)
    # the subscriber part's /settings shows the "dl:settings" button; press it by its data
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    await bot_env.app.bot.send_message(
        3004,
        "Settings",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Alerts", callback_data="dl:settings")]]
        ),
    )
    await user.wait_for(lambda u: len(u.inbox) == 1)
    await user.press("Alerts")
    await user.wait_for(lambda u: "Quiet hours: off" in u.inbox[0].text)
    await user.press("Quiet hours")
    await user.wait_for(lambda u: "22:00–07:00" in " ".join(u.inbox[0].button_texts()))
    await user.press("22:00–07:00")
    await user.wait_for(lambda u: "Quiet hours: 22:00–07:00" in u.inbox[0].text)
    await user.press("Daily digest")
    await user.wait_for(lambda u: "08:00" in " ".join(u.inbox[0].button_texts()))
    await user.press("08:00")
    await user.wait_for(
        lambda u: "Daily digest instead of instant alerts: 08:00" in u.inbox[0].text
    )
    await user.press("Reminder times")
    await user.wait_for(lambda u: "3h,30m" in " ".join(u.inbox[0].button_texts()))
    await user.press("3h,30m")
    await user.wait_for(lambda u: "Reminders before an event: 3h,30m" in u.inbox[0].text)
    await user.press("Auto-follow: turn off")
    await user.wait_for(lambda u: "automatically: off" in u.inbox[0].text)
    async with services.sessions() as session:
        sub = await session.get(Subscriber, sid)
    assert (sub.quiet_start, sub.quiet_end, sub.digest_hour) == (22 * 60, 7 * 60, 8)
    assert sub.reminder_leads == "3h,30m" and sub.auto_follow is False


async def test_russian_subscriber_gets_russian_card_and_reminder(bot_env) -> None:
    services, clock = bot_env.services, bot_env.clock
    clock.set(datetime(2026, 12, 19, 9, 0, tzinfo=UTC))
    user = bot_env.user(3005, lang="ru")
    sid = await add_subscriber(services, 3005, language="ru", timezone="Asia/Almaty")
    start = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # 14:00 in Almaty
    eid = await add_event(
        services,
        start,
        timezone="Asia/Almaty",
        title="Митинг",
        venue="Площадь Абая",
        city="Алматы",
        address=None,
    )
    await queue(services, sid, "card", f"card:{eid}", event_id=eid)
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 1
    card = user.inbox[0]
    assert "Акция: Митинг" in card.text and "14:00" in card.text
    assert card.button_texts() == ["🔔 Напомнить", "📅 В календарь", "Не интересно"]
    async with services.sessions() as session, session.begin():
        from bot.storage.follows import follow_event

        await follow_event(session, sid, eid, clock(), leads=(timedelta(days=1),))
    clock.set(start - timedelta(days=1))
    assert (await queue_due_reminders(services)).queued == 1
    assert await sender.send_due() == 1
    assert user.inbox[-1].text.startswith("⏰ Завтра, ")
    assert "Площадь Абая, Алматы" in user.inbox[-1].text
