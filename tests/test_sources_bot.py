"""Admin source commands through the sandbox: /sources, /addsource, /removesource."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage import sources as repo
from bot.storage.models import AuditEntry, Source
from jobs.poll import poll_due_sources
from tests.feeds_server import FeedServer, Reply
from tests.support import TEST_TOKEN

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS = (FEEDS / "rss2.xml").read_bytes()


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    """The sandbox with a short per-chat burst: an admin's button edits and replies come quickly,
    as Telegram lets them through, where the default of one message a second would not."""
    from bot.sandbox import Sandbox

    sb = Sandbox(token=TEST_TOKEN, private_burst=30)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback feed server for one test."""
    with FeedServer() as srv:
        yield srv


async def expect(user: Any, fragment: str, timeout: float = 5.0) -> Any:
    """The newest bot message containing `fragment`, once it is there."""
    await user.wait_for(lambda u: any(fragment in m.text for m in u.inbox), timeout=timeout)
    return [m for m in user.inbox if fragment in m.text][-1]


async def sources_in_db(services: Any) -> list[Source]:
    async with services.sessions() as session:
        return list(await session.scalars(select(Source).order_by(Source.id)))


async def refused(services: Any) -> list[tuple[int, str]]:
    async with services.sessions() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)))
        return [(r.actor_id, r.action) for r in rows]


async def test_admin_adds_pauses_and_removes_a_source(bot_env: Any, server: FeedServer) -> None:
    admin = bot_env.user(42, "en")
    url = server.route("/rss", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    await admin.send("/sources")
    await expect(admin, "No sources yet")
    await admin.send(f"/addsource {url}")
    preview = await expect(admin, "Found")
    assert "Workers' Wire" in preview.text and "3 items now" in preview.text
    assert await sources_in_db(bot_env.services) == []  # nothing saved before the button
    await admin.press("Add")
    await expect(admin, "Added source #1")
    [row] = await sources_in_db(bot_env.services)
    assert row.url == url and row.title == "Workers' Wire"
    await poll_due_sources(bot_env.services)
    await admin.send("/sources")
    listing = await expect(admin, "items in 7 days: 3")
    assert "#1 Workers' Wire" in listing.text and "Last success: just now" in listing.text
    await admin.press("Pause #1")
    await expect(admin, "Paused source #1")
    assert not (await sources_in_db(bot_env.services))[0].enabled
    await admin.press("Resume #1")
    await expect(admin, "Resumed source #1")
    await admin.press("Remove #1")
    await expect(admin, "Remove source #1")
    await admin.press("Yes, remove")
    await expect(admin, "Removed source #1")
    assert await sources_in_db(bot_env.services) == []
    async with bot_env.services.sessions() as session:
        actions = [a for (a,) in (await session.execute(select(AuditEntry.action))).all()]
    assert {"sources.add", "sources.pause", "sources.resume", "sources.remove"} <= set(actions)


async def test_addsource_bad_and_unreadable_addresses(bot_env: Any, server: FeedServer) -> None:
    admin = bot_env.user(42, "en")
    await admin.send("/addsource")
    await expect(admin, "Send /addsource followed by")
    await admin.send("/addsource file:///etc/passwd")
    await expect(admin, "not an address I can fetch")
    page = server.route(
        "/page", Reply(200, b"<html><body>hi</body></html>", {"Content-Type": "text/html"})
    )
    await admin.send(f"/addsource {page}")
    await expect(admin, "I could not read a feed there")
    assert await sources_in_db(bot_env.services) == []


async def test_addsource_cancel_and_duplicate(bot_env: Any, server: FeedServer) -> None:
    admin = bot_env.user(42, "en")
    url = server.route("/rss", Reply(200, RSS))
    await admin.send(f"/addsource {url}")
    await expect(admin, "Found")
    await admin.press("Cancel")
    await expect(admin, "Cancelled")
    async with bot_env.services.sessions() as session, session.begin():
        await repo.add_source(session, url, bot_env.services.clock())
    await admin.send(f"/addsource {url}")
    await expect(admin, "Found")  # the first preview now reads "Cancelled"
    await admin.press("Add")
    await expect(admin, "already source #1")


async def test_removesource_by_id(bot_env: Any, server: FeedServer) -> None:
    admin = bot_env.user(42, "en")
    async with bot_env.services.sessions() as session, session.begin():
        await repo.add_source(session, server.url("/x"), bot_env.services.clock(), name="X feed")
    await admin.send("/removesource 7")
    await expect(admin, "There is no source #7")
    await admin.send("/removesource 1")
    await expect(admin, "Remove source #1 X feed")
    await admin.press("Yes, remove")
    await expect(admin, "Removed source #1")
    assert await sources_in_db(bot_env.services) == []


async def test_non_admins_are_refused_and_audited(bot_env: Any, server: FeedServer) -> None:
    stranger = bot_env.user(1001, "ru")
    url = server.route("/rss", Reply(200, RSS))
    async with bot_env.services.sessions() as session, session.begin():
        await repo.add_source(session, url, bot_env.services.clock())
    for command in ("/sources", f"/addsource {url}2", "/removesource 1"):
        await stranger.send(command)
    await stranger.wait_for(lambda u: sum("организаторов" in m.text for m in u.inbox) == 3)
    assert len(await sources_in_db(bot_env.services)) == 1
    assert server.hits("/rss2") == []  # nothing was fetched for a non-admin
    # a forged button press is refused too
    bot_env.sandbox.callback_query(stranger, stranger, stranger.inbox[-1], "src:dd:1")
    await stranger.wait_for(lambda u: any("организаторов" in a.text for a in u.answers))
    assert len(await sources_in_db(bot_env.services)) == 1
    assert sorted(await refused(bot_env.services)) == sorted(
        [
            (1001, "sources"),
            (1001, "sources.add"),
            (1001, "sources.remove"),
            (1001, "sources.remove"),
        ]
    )


async def test_russian_admin_sees_russian(bot_env: Any, server: FeedServer) -> None:
    admin = bot_env.user(42, "ru")
    await admin.send("/sources")
    await expect(admin, "Источников пока нет")
