"""/admins, /audit, /stats and groups/channels through the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.models import Broadcast, Delivery, Filter, Item, Source, Subscriber
from bot.storage.stats import collect_stats
from tests.test_admin_helpers import (
    add_subscriber,
    audit_actions,
    expect,
    sandbox,  # noqa: F401  (the sandbox fixture with a per-chat burst)
)


async def test_owner_adds_and_removes_admins_and_others_cannot(bot_env: Any) -> None:
    owner = bot_env.user(42, "en")
    helper = bot_env.user(43, "en")
    await helper.send("/stats")
    await expect(helper, "for the organisers")
    await owner.send("/admins add 43")
    await expect(owner, "43 is now an admin")
    await helper.send("/stats")
    await expect(helper, "Subscribers")
    # An added admin is not an owner: they cannot hand out rights.
    await helper.send("/admins add 44")
    await expect(helper, "Only owners")
    await owner.send("/admins")
    await expect(owner, "added by 42")
    await owner.press("Remove 43")
    await owner.wait_for(lambda u: any(a.text == "43 is no longer an admin." for a in u.answers))
    await helper.send("/audit")
    await helper.wait_for(lambda u: sum("for the organisers" in m.text for m in u.inbox) == 2)
    actions = await audit_actions(bot_env.services)
    assert (42, "admins.add") in actions and (42, "admins.remove") in actions
    refused = await audit_actions(bot_env.services, allowed=False)
    assert (43, "stats") in refused and (43, "admins.add") in refused and (43, "audit") in refused
    await owner.send("/audit")
    log = await expect(owner, "Latest admin actions")
    assert "✗" in log.text and "admins.add" in log.text and "43" in log.text


async def _seed_stats_rows(services: Any) -> None:
    now = services.clock()
    await add_subscriber(services, 1, language="en", filters=("kazakhstan", "strike"))
    await add_subscriber(services, 2, language="ru", filters=("жанаозен",))
    await add_subscriber(services, 3, language="ru", paused=True)
    await add_subscriber(services, 4, blocked=True)
    await add_subscriber(services, -100, kind="channel")
    async with services.sessions() as session, session.begin():
        old = await session.scalar(select(Subscriber).where(Subscriber.chat_id == 1))
        assert old is not None
        old.created_at = now - timedelta(days=30)
        session.add_all(
            [
                Source(url="http://127.0.0.1/a.xml", error_count=0),
                Source(url="http://127.0.0.1/b.xml", error_count=3),
                Source(url="http://127.0.0.1/c.xml", enabled=False),
            ]
        )
        await session.flush()
        for n, (category, age) in enumerate(
            [("crackdown", 0), ("crackdown", 0), ("strike", 0), ("strike", 3), ("other", 10)]
        ):
            session.add(
                Item(guid=f"g{n}", story_key=f"s{n}", published_at=now, seen_at=now - timedelta(days=age),
                     category=category, stage="understood")
            )
        b = Broadcast(admin_id=42, status="done", total=2)
        session.add(b)
        await session.flush()
        first = await session.scalar(select(Subscriber.id).where(Subscriber.chat_id == 1))
        second = await session.scalar(select(Subscriber.id).where(Subscriber.chat_id == 2))
        session.add_all(
            [
                Delivery(subscriber_id=first, kind="broadcast", dedup_key=f"broadcast:{b.id}",
                         broadcast_id=b.id, status="sent"),
                Delivery(subscriber_id=second, kind="broadcast", dedup_key=f"broadcast:{b.id}",
                         broadcast_id=b.id, status="failed"),
                Delivery(subscriber_id=first, kind="alert", dedup_key="story:s0", status="pending",
                         next_attempt_at=now - timedelta(seconds=90)),
                Delivery(subscriber_id=second, kind="alert", dedup_key="story:s0", status="sent"),
            ]
        )


async def test_stats_match_known_rows(bot_env: Any) -> None:
    services = bot_env.services
    await _seed_stats_rows(services)
    async with services.sessions() as session:
        s = await collect_stats(session, services.clock())
    assert (s.active, s.paused, s.blocked, s.new_week) == (2, 1, 1, 3)
    assert s.by_language == {"en": 1, "ru": 2} and s.channels == 1 and s.filters == 3
    assert (s.sources, s.sources_ok, s.sources_failing, s.sources_disabled) == (3, 1, 1, 1)
    assert s.items_today == {"crackdown": 2, "strike": 1}
    assert s.items_week == {"crackdown": 2, "strike": 2}
    assert (s.sent, s.failed, s.pending) == (2, 1, 1)
    assert s.outbox_lag_seconds == 90
    assert (s.broadcasts, s.broadcast_reach) == (1, 1)
    admin = bot_env.user(42, "en")
    await admin.send("/stats")
    shown = await expect(admin, "Outbox lag")
    assert "active 2 · paused 1 · blocked 1 · new this week 3" in shown.text
    assert "Deliveries: sent 2 · failed 1 · pending 1" in shown.text
    assert "Outbox lag: 1:30" in shown.text and "Broadcasts: 1 · reached 1" in shown.text


async def test_channels_are_checked_added_filtered_and_reached(bot_env: Any) -> None:
    services = bot_env.services
    sb = bot_env.sandbox
    admin = bot_env.user(42, "en")
    channel = sb.add_group("Strike news", kind="channel", username="strikenews")
    not_admin = sb.add_group("Chat", kind="supergroup", bot_is_admin=False)
    forum = sb.add_group("Organisers", kind="supergroup", is_forum=True)
    topic = forum.add_topic("Alerts")

    await admin.send(f"/addchannel {not_admin.chat_id}")
    await expect(admin, "not an admin in that chat")
    await admin.send("/addchannel @nosuchchat")
    await expect(admin, "I cannot see that chat")
    await admin.send("/addchannel @strikenews")
    await expect(admin, "Added Strike news")
    await admin.send(f"/addchannel {forum.chat_id} {topic}")
    await expect(admin, "Added Organisers")
    await admin.send(f"/channelfilter {channel.chat_id} kazakhstan OR")
    await admin.wait_for(lambda u: len(u.inbox) >= 5)
    await admin.send(f"/channelfilter {channel.chat_id} kazakhstan AND strike")
    await expect(admin, "Filter added")
    await admin.send("/channels")
    listing = await expect(admin, "Groups and channels")
    assert "kazakhstan AND strike" in listing.text and f"topic {topic}" in listing.text
    async with services.sessions() as session:
        rows = {r.chat_id: r for r in await session.scalars(select(Subscriber))}
        filters = list(await session.scalars(select(Filter.query)))
    assert rows[channel.chat_id].kind == "channel" and rows[channel.chat_id].added_by == 42
    assert rows[forum.chat_id].thread_id == topic and not_admin.chat_id not in rows
    assert filters == ["kazakhstan AND strike"]

    # A broadcast to everyone reaches both, the forum in its chosen topic.
    bot_env.services.extras["broadcast_progress_interval"] = 0.1
    bot_env.start_sender()
    await admin.send("/broadcast")
    await expect(admin, "Send me the message")
    await admin.send("Solidarity")
    await expect(admin, "Who should get it?")
    await admin.press("Everyone")
    await expect(admin, "2 chats will get it")
    await admin.press("🔔 Urgent")
    await expect(admin, "Above is exactly")
    await admin.press("✅ Confirm")
    await expect(admin, "is done", timeout=10)
    assert any("Solidarity" in m.text for m in channel.inbox)
    assert [m.thread_id for m in forum.inbox if "Solidarity" in m.text] == [topic]

    await admin.send(f"/removechannel {channel.chat_id}")
    await expect(admin, "Removed")
    await asyncio.sleep(0)
    async with services.sessions() as session:
        assert await session.scalar(select(Subscriber).where(Subscriber.chat_id == channel.chat_id)) is None
    assert (42, "channels.add") in await audit_actions(services)


def test_long_lists_stay_within_a_telegram_message() -> None:
    from datetime import UTC, datetime

    from bot.render.admin import audit_list
    from bot.storage.admins import AuditRow

    rows = [
        AuditRow(n, 42, "broadcast.confirm", "x" * 300, 10, True, datetime.now(UTC))
        for n in range(50)
    ]
    text = audit_list("en", rows)
    assert len(text) < 4096 and text.endswith("…")
