"""Broadcasts through the real sender: reach, the report, blocked users, pins, photos, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support import start_bot_env, stop_bot_env
from tests.test_admin_helpers import (
    add_subscriber,
    audit_actions,
    expect,
    sandbox,  # noqa: F401  (the sandbox fixture with a per-chat burst)
)


@pytest.fixture
async def slow_env(sandbox: Any, db_url: str) -> AsyncIterator[Any]:  # noqa: F811
    """The bot with the sender limited to 4 messages a second, so a broadcast has a middle."""
    from bot.sender import Sender

    env = await start_bot_env(sandbox, db_url, SEND_RATE=4)
    env.services.extras["broadcast_progress_interval"] = 0.1
    # A small claim batch: the sender holds few rows ahead, so Cancel has pending rows to stop.
    sender = Sender(env.services, env.app.bot, batch=4)
    env.services.extras["sender"] = sender
    env.tasks.append(asyncio.create_task(sender.run()))
    try:
        yield env
    finally:
        await stop_bot_env(env)


async def _confirm(admin: Any, send: Any, mode: str = "🔔 Urgent") -> None:
    await admin.send("/broadcast")
    await expect(admin, "Send me the message")
    await send()
    await expect(admin, "Who should get it?")
    await admin.press("Everyone")
    await expect(admin, "Urgent (with sound) or quiet?")
    await admin.press(mode)
    await expect(admin, "Above is exactly")
    await admin.press("✅ Confirm")


async def test_report_counts_sent_and_blocked_and_pins(any_bot_env: Any) -> None:
    services = any_bot_env.services
    services.extras["broadcast_progress_interval"] = 0.1
    people = [any_bot_env.user(uid, "en") for uid in (801, 802, 803)]
    for person in people:
        await add_subscriber(services, person.chat_id)
    admin = any_bot_env.user(42, "en")
    await _confirm(admin, lambda: admin.send("Rally moved to 15:00"), "📌 Urgent and pinned")
    await expect(admin, "is going out")
    # Blocked after the broadcast was queued and before it reached them.
    people[2].block()
    any_bot_env.start_sender()
    report = await expect(admin, "is done", timeout=15)
    assert "Sent 2 · failed 0 · blocked 1" in report.text
    for person in people[:2]:
        got = await expect(person, "Rally moved to 15:00")
        assert "from the organisers" in got.text
        assert got.pinned and not got.disable_notification
    assert not [m for m in people[2].inbox if "Rally" in m.text]
    assert (42, "broadcast.done") in await audit_actions(services)


async def test_photo_and_forwarded_messages_keep_their_content(bot_env: Any) -> None:
    services = bot_env.services
    services.extras["broadcast_progress_interval"] = 0.1
    person = bot_env.user(811, "ru")
    await add_subscriber(services, person.chat_id, language="ru")
    bot_env.start_sender()
    admin = bot_env.user(42, "en")
    await _confirm(admin, lambda: admin.send_photo(caption="Police at the gate"), "🔕 Quiet")
    await admin.wait_for(lambda u: sum("is done" in m.text for m in u.inbox) == 1, timeout=15)
    photo = await expect(person, "Police at the gate")
    assert photo.kind == "photo" and photo.disable_notification and not photo.pinned
    assert "От организаторов" in photo.text  # marked in the subscriber's own language
    await _confirm(admin, lambda: admin.forward("Statement of the union"))
    await admin.wait_for(lambda u: sum("is done" in m.text for m in u.inbox) == 2, timeout=15)
    forwarded = await expect(person, "Statement of the union")
    assert forwarded.kind == "text"


async def test_cancel_in_the_middle_stops_the_rest(slow_env: Any) -> None:
    services = slow_env.services
    people = [slow_env.user(900 + n, "en") for n in range(16)]
    for person in people:
        await add_subscriber(services, person.chat_id)
    admin = slow_env.user(42, "en")
    await _confirm(admin, lambda: admin.send("Stand down"))
    await admin.wait_for(
        lambda u: any("is going out" in m.text and "Sent 0 " not in m.text for m in u.inbox),
        timeout=10,
    )
    await admin.press("⛔ Cancel")
    report = await expect(admin, "was cancelled", timeout=10)
    await asyncio.sleep(1.0)  # nothing more may arrive after the cancel settled
    reached = [p for p in people if any("Stand down" in m.text for m in p.inbox)]
    assert 0 < len(reached) < len(people)
    assert f"Sent {len(reached)} ·" in report.text
    assert f"cancelled {len(people) - len(reached)} ·" in report.text
    assert (42, "broadcast.cancel") in await audit_actions(services)


async def test_progress_resumes_after_a_restart(sandbox: Any, db_url: str) -> None:  # noqa: F811
    first = await start_bot_env(sandbox, db_url)
    try:
        person = first.user(851, "en")
        await add_subscriber(first.services, person.chat_id)
        admin = first.user(42, "en")
        await _confirm(admin, lambda: admin.send("Before the restart"))
        await expect(admin, "is going out")
    finally:
        await stop_bot_env(first)
    # A new process on the same database: the sender delivers, and the first update it sees
    # brings the admin's progress message back to life.
    second = await start_bot_env(sandbox, db_url)
    try:
        second.services.extras["broadcast_progress_interval"] = 0.1
        second.start_sender()
        await expect(person, "Before the restart", timeout=10)
        await admin.send("/audit")
        report = await expect(admin, "is done", timeout=10)
        assert "Sent 1 ·" in report.text
    finally:
        await stop_bot_env(second)
