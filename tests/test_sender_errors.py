"""The sender against Telegram's errors and limits, through the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sandbox import Sandbox
from bot.sender import Sender
from bot.storage.models import Broadcast, Delivery, Subscriber
from tests.support import TEST_TOKEN, start_bot_env, stop_bot_env
from tests.test_sender_helpers import (
    add_item,
    add_subscriber,
    queue,
    queue_alert,
    statuses,
)


async def _fan_out(services, chats: list[int], story: str = "s") -> list[int]:
    item = await add_item(services, title=f"Story {story}")
    ids = []
    for chat in chats:
        sid = await add_subscriber(services, chat)
        assert await queue_alert(services, sid, item, story)
        ids.append(sid)
    return ids


async def _rows(services) -> list[Delivery]:
    async with services.sessions() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def test_429_storm_pauses_and_everything_goes_once(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    chats = list(range(4100, 4110))
    for chat in chats:
        bot_env.user(chat)
    await _fan_out(services, chats)
    sb.fail_next("sendMessage", 429, times=4, retry_after=1)
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 10
    assert sb.count("sendMessage", 429) == 4  # only the injected ones: we never caused one
    assert sender.stats["retry_after"] == 4
    assert sender.limiter.factor < 1.0  # slowed down after the storm
    assert [len(sb.sent_to(c)) for c in chats] == [1] * 10
    assert all(r.status == "sent" and r.attempts == 1 for r in await _rows(services))


async def test_5xx_burst_retries_with_backoff(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    chats = [4200, 4201, 4202]
    for chat in chats:
        bot_env.user(chat)
    await _fan_out(services, chats)
    sb.fail_next("sendMessage", 502, times=2)
    sb.fail_next("sendMessage", 500, times=1)
    sender = Sender(services, bot_env.app.bot, retry_base=0.05)
    assert await sender.send_due() == 3
    assert sb.count("sendMessage", 502) == 2 and sb.count("sendMessage", 500) == 1
    assert [len(sb.sent_to(c)) for c in chats] == [1, 1, 1]
    assert sum(r.attempts for r in await _rows(services)) == 3 + 3


async def test_gives_up_after_repeated_5xx(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    bot_env.user(4250)
    await _fan_out(services, [4250])
    sb.fail_next("sendMessage", 503, times=50)
    sender = Sender(services, bot_env.app.bot, retry_base=0.05)
    assert await sender.send_due() == 0
    rows = await _rows(services)
    assert (rows[0].status, rows[0].attempts, rows[0].last_error) == ("failed", 6, "NetworkError")
    assert sb.count("sendMessage", 503) == 6


async def test_long_backoff_goes_back_to_the_table(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    user = bot_env.user(4260)
    await _fan_out(services, [4260])
    sb.fail_next("sendMessage", 502, times=1)
    # a backoff longer than what waits in memory: the row goes back, due later
    sender = Sender(services, bot_env.app.bot, retry_base=60)
    assert await sender.send_due() == 0
    rows = await _rows(services)
    assert (rows[0].status, rows[0].attempts) == ("pending", 1)
    assert await sender.send_due() == 0  # not due yet
    bot_env.clock.advance(timedelta(minutes=2))
    assert await sender.send_due() == 1
    assert len(user.inbox) == 1
    assert (await _rows(services))[0].attempts == 2


async def test_blocked_user_and_chat_not_found_are_dropped(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    ok, blocker = bot_env.user(4301), bot_env.user(4302)
    blocker.block()
    ids = await _fan_out(services, [4301, 4302, 4303])  # 4303 never existed in Telegram
    item2 = await add_item(services, title="Second")
    for sid in ids:
        await queue_alert(services, sid, item2, "second")
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 2
    assert len(ok.inbox) == 2 and blocker.inbox == []
    async with services.sessions() as session:
        subs = {s.chat_id: s for s in await session.scalars(select(Subscriber))}
    assert not subs[4301].blocked and subs[4302].blocked and subs[4303].blocked
    rows = await _rows(services)
    dropped = [r for r in rows if r.status == "dropped"]
    assert len(dropped) == 4
    # one request each at most, then nothing more is tried for them (blocking also sends the
    # bot a my_chat_member update, which may mark the subscriber before the sender tries)
    assert sb.count("sendMessage", 403) <= 1 and sb.count("sendMessage", 400) == 1
    assert {r.last_error for r in dropped} <= {"Forbidden", "ChatNotFound", "Blocked"}


async def test_paused_gets_only_urgent_broadcasts_pinned(bot_env) -> None:
    services = bot_env.services
    user = bot_env.user(4400)
    sid = await add_subscriber(services, 4400, paused=True)
    item = await add_item(services)
    await queue_alert(services, sid, item, "p")
    async with services.sessions() as session, session.begin():
        urgent = Broadcast(
            admin_id=42, text="Meet at <b>noon</b>", urgent=True, pin=True, status="sending"
        )
        quiet = Broadcast(admin_id=42, text="Newsletter", urgent=False, status="sending")
        session.add_all([urgent, quiet])
        await session.flush()
        ids = (urgent.id, quiet.id)
    await queue(services, sid, "broadcast", f"broadcast:{ids[0]}", broadcast_id=ids[0], priority=0)
    await queue(services, sid, "broadcast", f"broadcast:{ids[1]}", broadcast_id=ids[1], priority=30)
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 1
    assert len(user.inbox) == 1
    assert "Meet at noon" in user.inbox[0].text and user.inbox[0].pinned
    from bot.storage.outbox import broadcast_counts

    async with services.sessions() as session:
        assert (await broadcast_counts(session, ids[0]))["sent"] == 1
        assert (await broadcast_counts(session, ids[1]))["dropped"] == 1


async def test_cancelled_broadcast_rows_are_not_sent(bot_env) -> None:
    services = bot_env.services
    for chat in (4450, 4451):
        bot_env.user(chat)
    async with services.sessions() as session, session.begin():
        b = Broadcast(admin_id=42, text="Stop", urgent=True, status="sending")
        session.add(b)
        await session.flush()
        bid = b.id
    for chat in (4450, 4451):
        sid = await add_subscriber(services, chat)
        await queue(services, sid, "broadcast", f"broadcast:{bid}", broadcast_id=bid, priority=0)
    from bot.storage.outbox import broadcast_counts, cancel_broadcast

    async with services.sessions() as session, session.begin():
        assert await cancel_broadcast(session, bid) == 2
    assert await Sender(services, bot_env.app.bot).send_due() == 0
    async with services.sessions() as session:
        assert (await broadcast_counts(session, bid))["cancelled"] == 2


async def test_bad_markup_falls_back_to_plain_text_and_long_text_splits(bot_env, caplog) -> None:
    services = bot_env.services
    user = bot_env.user(4500)
    sid = await add_subscriber(services, 4500)
    await queue(
        services,
        sid,
        "notice",
        "notice:broken",
        priority=10,
        payload={"msgid": "<b>Unclosed bold", "params": {}},
    )
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "x" * 900 for n in range(6))
    await queue(
        services,
        sid,
        "notice",
        "notice:long",
        priority=10,
        payload={"msgid": paragraphs, "params": {}},
    )
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 2
    texts = [m.text for m in user.inbox]
    assert texts[0] == "Unclosed bold"
    assert sender.stats["parse_defect"] == 1
    assert "defect" in caplog.text and "Unclosed" not in caplog.text  # no text in logs
    long_parts = texts[1:]
    assert len(long_parts) == 2 and all(len(t) <= 4096 for t in long_parts)
    assert long_parts[0].startswith("Paragraph 0") and long_parts[1].startswith("Paragraph 4")
    assert "\n\n".join(long_parts) == paragraphs


async def test_forum_topic_gets_thread_id(bot_env) -> None:
    sb, services = bot_env.sandbox, bot_env.services
    group = sb.add_group("Union", is_forum=True)
    topic = group.add_topic("Alerts")
    sid = await add_subscriber(services, group.chat_id, kind="supergroup", thread_id=topic)
    item = await add_item(services)
    await queue_alert(services, sid, item, "t")
    assert await Sender(services, bot_env.app.bot).send_due() == 1
    assert group.inbox[0].thread_id == topic


@pytest.fixture
async def small_group_env(db_url):
    sb = Sandbox(token=TEST_TOKEN, group_per_minute=3)
    await sb.start()
    env = await start_bot_env(sb, db_url)
    try:
        yield env
    finally:
        await stop_bot_env(env)
        await sb.stop()


async def test_group_limit_per_minute_is_never_passed(small_group_env) -> None:
    env = small_group_env
    sb, services = env.sandbox, env.services
    group = sb.add_group("Strike committee")
    sid = await add_subscriber(services, group.chat_id, kind="supergroup")
    for n in range(5):
        item = await add_item(services, title=f"Story {n}")
        await queue_alert(services, sid, item, f"g{n}")
    user = env.user(4600)
    await _fan_out(services, [4600], story="private")
    sender = Sender(services, env.app.bot, group_per_minute=3)
    task = asyncio.create_task(sender.run())
    await user.wait_for(lambda u: len(u.inbox) == 1)
    await asyncio.sleep(1.5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(group.inbox) == 3  # three a minute here; the other two wait their turn
    assert sb.count(status=429) == 0
    counts = await statuses(services)
    assert counts == {"sent": 4, "pending": 2}
    # the ones left were put back at once on a clean stop, due when the group has room again
    rows = [r for r in await _rows(services) if r.status == "pending"]
    assert all(r.attempts == 0 and r.lease_owner is None for r in rows)


async def test_broadcast_cancelled_after_claim_is_not_sent(bot_env) -> None:
    services = bot_env.services
    user = bot_env.user(4460)
    async with services.sessions() as session, session.begin():
        b = Broadcast(admin_id=42, text="Late", urgent=True, status="sending")
        session.add(b)
        await session.flush()
        bid = b.id
    sid = await add_subscriber(services, 4460)
    await queue(services, sid, "broadcast", f"broadcast:{bid}", broadcast_id=bid, priority=0)
    # the admin part's Cancel marks it for the sender in this process
    services.extras.setdefault("cancelled_broadcasts", set()).add(bid)
    assert await Sender(services, bot_env.app.bot).send_due() == 0
    assert user.inbox == [] and await statuses(services) == {"cancelled": 1}


async def test_lease_is_renewed_while_a_cards_venue_waits_out_a_429(bot_env) -> None:
    """The clock passes the lease while the venue waits: the card still goes once, venue too."""
    from tests.test_sender_helpers import add_event

    services = bot_env.services
    user = bot_env.user(4700)
    sid = await add_subscriber(services, 4700)
    eid = await add_event(services, bot_env.clock() + timedelta(days=2), lat=51.5, lon=-0.15)
    await queue(services, sid, "card", f"card:{eid}", event_id=eid)
    bot_env.sandbox.fail_next("sendVenue", status=429, retry_after=2)
    bot_env.start_sender()
    await user.wait_for(lambda u: len(u.inbox) == 1)
    bot_env.clock.advance(timedelta(minutes=2))  # longer than the 60-second lease
    await user.wait_for(lambda u: any(m.kind == "venue" for m in u.inbox), timeout=10)
    await asyncio.sleep(1.5)
    assert [m.kind for m in user.inbox] == ["text", "venue"]
    assert await statuses(services) == {"sent": 1}
