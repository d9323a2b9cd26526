"""/event and /events through the sandbox: read, fix, publish; edits and cancels reach followers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.storage.follows import follow_event
from bot.storage.manual_events import create_manual_event
from bot.storage.models import Event, Item
from tests.test_admin_helpers import (
    add_subscriber,
    audit_actions,
    expect,
    sandbox,  # noqa: F401  (the sandbox fixture with a per-chat burst)
)


async def test_non_admin_cannot_announce(bot_env: Any) -> None:
    stranger = bot_env.user(77, "en")
    await stranger.send("/event")
    await expect(stranger, "for the organisers")
    await stranger.send("/events")
    await stranger.wait_for(lambda u: sum("for the organisers" in m.text for m in u.inbox) == 2)
    refused = await audit_actions(bot_env.services, allowed=False)
    assert (77, "event") in refused and (77, "events") in refused


async def test_event_is_read_fixed_and_published_for_the_matcher(bot_env: Any) -> None:
    services = bot_env.services
    admin = bot_env.user(42, "en")
    await admin.send("/event")
    await expect(admin, "Describe the protest")
    await admin.send("Saturday 14:00 at Abai square, Almaty — rally for the oil workers")
    summary = await expect(admin, "This is what I understood")
    assert "Abai square" in summary.text and "Almaty" in summary.text
    assert "Asia/Almaty" in summary.text and "14:00" in summary.text
    await admin.press("Venue")
    await expect(admin, "Send the new venue")
    await admin.send("Abai square, north side")
    await admin.wait_for(lambda u: sum("This is what I understood" in m.text for m in u.inbox) == 2)
    await admin.press("Starts")
    await expect(admin, "Send the new starts")
    await admin.send("not a time at all")
    await expect(admin, "I could not read that time")
    start = (services.clock() + timedelta(days=3)).strftime("%Y-%m-%d")
    await admin.send(f"{start} 15:30")
    await admin.wait_for(lambda u: sum("This is what I understood" in m.text for m in u.inbox) == 3)
    await admin.press("📣 Publish")
    await expect(admin, "Published as event #")
    async with services.sessions() as session:
        event = (await session.scalars(select(Event))).one()
        item = (await session.scalars(select(Item))).one()
    assert event.venue == "Abai square, north side" and event.city == "Almaty"
    assert event.timezone == "Asia/Almaty" and event.created_by == 42
    local = event.start_at.astimezone(ZoneInfo("Asia/Almaty"))
    assert local.strftime("%Y-%m-%d %H:%M") == f"{start} 15:30"
    # An understood protest call item: the matching job sends the card from here.
    assert event.item_id == item.id and item.source_id is None
    assert item.guid == f"manual:{event.id}" and item.category == "protest_call"
    assert item.stage == "understood" and not item.backlog
    assert (42, "event.create") in await audit_actions(services)


async def _event_with_follower(bot_env: Any, follower_id: int) -> int:
    services = bot_env.services
    now = services.clock()
    sub_id = await add_subscriber(services, follower_id)
    async with services.sessions() as session, session.begin():
        event = await create_manual_event(
            session, 42,
            {"title": "Rally for the oil workers", "start_at": now + timedelta(days=3),
             "timezone": "Asia/Almaty", "venue": "Abai square", "city": "Almaty"},
            "Rally for the oil workers", "en", now,
        )
        assert await follow_event(session, sub_id, event.id, now)
    return event.id


async def test_edited_event_reaches_followers(any_bot_env: Any) -> None:
    follower = any_bot_env.user(1201, "en")
    event_id = await _event_with_follower(any_bot_env, follower.chat_id)
    admin = any_bot_env.user(42, "en")
    await admin.send("/events")
    await expect(admin, "Rally for the oil workers")
    await admin.press(f"Edit #{event_id}")
    await expect(admin, f"Editing event #{event_id}")
    await admin.press("Venue")
    await expect(admin, "Send the new venue")
    await admin.send("Republic square")
    await admin.wait_for(lambda u: sum("Editing event" in m.text for m in u.inbox) == 2)
    await admin.press("💾 Save and tell followers")
    await expect(admin, "1 follower will be told")
    any_bot_env.start_sender()
    changed = await expect(follower, "Changed: Rally for the oil workers", timeout=10)
    assert "Republic square" in changed.text
    async with any_bot_env.services.sessions() as session:
        event = await session.get(Event, event_id)
    assert event is not None and event.version == 2 and event.venue == "Republic square"
    assert (42, "event.edit") in await audit_actions(any_bot_env.services)


async def test_cancelled_event_reaches_followers(bot_env: Any) -> None:
    follower = bot_env.user(1301, "en")
    event_id = await _event_with_follower(bot_env, follower.chat_id)
    admin = bot_env.user(42, "en")
    await admin.send("/events")
    await expect(admin, "1 follower")
    await admin.press(f"Cancel #{event_id}")
    await expect(admin, f"Cancel event #{event_id}?")
    await admin.press("Yes, cancel it")
    await expect(admin, f"Event #{event_id} is cancelled")
    bot_env.start_sender()
    await expect(follower, "Cancelled: Rally for the oil workers", timeout=10)
    await admin.send("/events")
    await expect(admin, "No upcoming events")
