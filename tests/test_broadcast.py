"""/broadcast through the sandbox: refusal, the guided steps, confirm once, segments."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.storage.models import Broadcast, Delivery
from tests.test_admin_helpers import (
    add_subscriber,
    audit_actions,
    count_rows,
    delivery_chats,
    expect,
    sandbox,  # noqa: F401  (the sandbox fixture with a per-chat burst)
)


async def _draft_to_panel(admin, text: str = "Strike at the <port> tomorrow") -> None:
    await admin.send("/broadcast")
    await expect(admin, "Send me the message")
    await admin.send(text)
    await expect(admin, "Who should get it?")


async def test_non_admin_is_refused_and_audited(bot_env) -> None:
    stranger = bot_env.user(7, "en")
    await stranger.send("/broadcast")
    await expect(stranger, "for the organisers")
    assert (7, "broadcast") in await audit_actions(bot_env.services, allowed=False)
    assert await count_rows(bot_env.services, Broadcast) == 0


async def test_broadcast_to_everyone_queues_urgent_once(any_bot_env) -> None:
    services = any_bot_env.services
    await add_subscriber(services, 501)
    await add_subscriber(services, 502, paused=True)  # paused people still get urgent news
    await add_subscriber(services, 503, blocked=True)
    admin = any_bot_env.user(42, "en")
    await _draft_to_panel(admin)
    await admin.press("Everyone")
    await expect(admin, "2 chats will get it")
    await admin.press("🔔 Urgent")
    preview = await expect(admin, "from the organisers")
    # The admin's text is kept, escaped, exactly as subscribers will get it.
    assert "Strike at the <port> tomorrow" in preview.text
    assert "&lt;port&gt;" in preview.raw
    panel = await expect(admin, "Above is exactly what subscribers will see")
    # Two quick taps on Confirm: the second finds the broadcast already sending.
    await admin.press(data=panel.buttons[0][0].callback_data, message=panel)
    await admin.press(data=panel.buttons[0][0].callback_data, message=panel)
    await admin.wait_for(lambda u: any("sent once" in (a.text or "") for a in u.answers))
    assert await delivery_chats(services) == [501, 502]
    async with services.sessions() as session:
        priorities = set(await session.scalars(select(Delivery.priority)))
        b = (await session.scalars(select(Broadcast))).one()
    assert priorities == {0}
    assert b.status == "sending" and b.total == 2
    assert [a for a in await audit_actions(services) if a[1] == "broadcast.confirm"] == [
        (42, "broadcast.confirm")
    ]


async def test_two_admins_confirming_at_once_send_once(bot_env) -> None:
    services = bot_env.services
    for chat_id in (601, 602, 603):
        await add_subscriber(services, chat_id)
    owner = bot_env.user(42, "en")
    other = bot_env.user(43, "en")
    await owner.send("/admins add 43")
    await expect(owner, "43 is now an admin")
    # The organisers' own group, where both admins see the same Confirm button.
    group = bot_env.sandbox.add_group("Organisers")
    group.add_member(owner, "administrator")
    group.add_member(other, "administrator")
    await group.send(owner, "/broadcast")
    await expect(group, "Send me the message")
    await group.send(owner, "Meet at noon")
    await expect(group, "Who should get it?")
    await group.press(owner, "Everyone")
    await expect(group, "3 chats will get it")
    await group.press(owner, "🔕 Quiet")
    await expect(group, "Above is exactly what")
    await group.press(owner, "✅ Confirm")
    await group.press(other, "✅ Confirm")
    await expect(group, "is going out")
    await asyncio.sleep(0.3)
    assert await delivery_chats(services) == [601, 602, 603]
    async with services.sessions() as session:
        assert set(await session.scalars(select(Delivery.priority))) == {30}
    confirms = [a for a in await audit_actions(services) if a[1] == "broadcast.confirm"]
    assert len(confirms) == 1


async def test_segments_reach_exactly_their_chats(bot_env) -> None:
    services = bot_env.services
    await add_subscriber(services, 701, language="ru")
    await add_subscriber(services, 702, language="en")
    await add_subscriber(services, 703, timezone="Asia/Almaty")
    await add_subscriber(services, 704, filters=("city:Almaty",))
    await add_subscriber(services, 705, filters=("NOT city:Almaty",))
    await add_subscriber(services, 706, timezone="Europe/London")
    await add_subscriber(services, 707, filters=("kazakhstan OR жанаозен",))
    await add_subscriber(services, 708, filters=("kazakhstan category:crackdown",))
    admin = bot_env.user(42, "en")

    await _draft_to_panel(admin, "Only Russian readers")
    await admin.press("By language")
    await expect(admin, "Subscribers reading in which language?")
    await admin.press("ru")
    await expect(admin, "1 chat will get it")
    await admin.press("🔔 Urgent")
    await expect(admin, "Above is exactly")
    await admin.press("✅ Confirm")
    await expect(admin, "is going out")

    await _draft_to_panel(admin, "Only Almaty")
    await admin.press("By city")
    await expect(admin, "Which city?")
    await admin.send("Almaty")
    await expect(admin, "2 chats will get it")
    await admin.press("🔕 Quiet")
    await expect(admin, "Mode: quiet")
    await admin.press("✅ Confirm")
    await admin.wait_for(lambda u: sum("is going out" in m.text for m in u.inbox) == 2)

    await _draft_to_panel(admin, "Kazakhstan news")
    await admin.press("By keywords")
    await expect(admin, "Send the keywords")
    await admin.send("Kazakhstan")
    await expect(admin, "2 chats will get it")
    await admin.press("🔔 Urgent")
    await admin.wait_for(lambda u: sum("Above is exactly" in m.text for m in u.inbox) == 1)
    await admin.press("✅ Confirm")
    await admin.wait_for(lambda u: sum("is going out" in m.text for m in u.inbox) == 3)

    async with services.sessions() as session:
        ids = list(await session.scalars(select(Broadcast.id).order_by(Broadcast.id)))
    assert await delivery_chats(services, ids[0]) == [701]
    assert await delivery_chats(services, ids[1]) == [703, 704]
    # "kazakhstan category:crackdown" asks for crackdowns only, so a protest call misses it;
    # "NOT city:Almaty" takes anything outside Almaty, these keywords included.
    assert await delivery_chats(services, ids[2]) == [705, 707]


async def test_russian_admin_is_guided_in_russian(bot_env) -> None:
    admin = bot_env.user(42, "ru")
    await admin.send("/broadcast")
    await expect(admin, "Пришлите сообщение для рассылки")
    await admin.send("Сбор у проходной")
    await expect(admin, "Кому отправить?")
    await admin.press("Всем")
    await expect(admin, "0 чатов получат сообщение")


async def test_unsupported_and_oversized_messages_are_refused(bot_env) -> None:
    admin = bot_env.user(42, "en")
    await admin.send("/broadcast")
    await expect(admin, "Send me the message")
    await admin.send_photo(caption="x" * 1000)
    await expect(admin, "caption is too long")
    await admin.send("/cancel")
    await expect(admin, "Nothing was sent")
    assert await count_rows(bot_env.services, Broadcast) == 0
