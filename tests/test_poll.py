"""The poll job end to end: feeds served over loopback HTTP, items stored in a real database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.feeds import story_key
from bot.storage import sources as repo
from bot.storage.models import Delivery, Item, Source, Subscriber
from jobs.poll import poll_due_sources
from tests.feeds_server import FeedServer, Reply, conditional

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS = (FEEDS / "rss2.xml").read_bytes()
ATOM = (FEEDS / "atom.xml").read_bytes()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback feed server for one test."""
    with FeedServer() as srv:
        yield srv


async def add(services: Any, url: str, **kw: Any) -> repo.SourceView:
    async with services.sessions() as session, session.begin():
        return await repo.add_source(session, url, services.clock(), **kw)


async def items_of(services: Any, source_id: int | None = None) -> list[Item]:
    async with services.sessions() as session:
        query = select(Item).order_by(Item.id)
        if source_id is not None:
            query = query.where(Item.source_id == source_id)
        return list(await session.scalars(query))


async def source_row(services: Any, source_id: int) -> Source:
    async with services.sessions() as session:
        row = await session.get(Source, source_id)
        assert row is not None
        return row


async def test_rss_items_stored_as_new_backlog(services: Any, server: FeedServer) -> None:
    url = server.route("/rss", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    source = await add(services, url)
    results = await poll_due_sources(services)
    assert [(r.source_id, r.status, r.new_items, r.entries) for r in results] == [
        (source.id, "new", 3, 3)
    ]
    items = await items_of(services)
    assert [i.guid for i in items][:2] == [
        "wire-1001",
        "https://wire.example.org/2026/nurses-ballot",
    ]
    assert items[2].guid.startswith("sha256:")
    assert all(i.stage == "new" and i.backlog for i in items)
    first = items[0]
    assert first.title == "Dockers walk out over unpaid wages"
    assert first.text == (
        "Dockers at the north terminal stopped work.\n\nThe union says wages are three months late."
    )
    assert first.published_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert first.lang == "en"
    # the tracking parameters do not change the story
    assert first.story_key == story_key("https://wire.example.org/2026/dockers-walk-out", "")
    # content:encoded wins over the teaser; the script is dropped
    assert items[1].text == "Nurses in three hospitals vote this week.\n\nResults on Friday."
    # no date in the feed: first seen
    assert items[1].published_at == services.clock()
    row = await source_row(services, source.id)
    assert row.title == "Workers' Wire"
    assert row.backlog_done and row.error_count == 0 and row.lease_owner is None
    assert row.last_success_at == services.clock()
    # the feed's TTL (20 min) lengthens the 600 s default; jitter stays within 10 %
    delay = (row.next_check_at - services.clock()).total_seconds()
    assert 1200 * 0.9 <= delay <= 1200 * 1.1


async def test_second_poll_stores_only_new_items_not_as_backlog(
    services: Any, server: FeedServer
) -> None:
    url = server.route("/rss", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    await add(services, url)
    await poll_due_sources(services)
    assert await poll_due_sources(services) == []  # nothing is due yet
    extra = RSS.replace(
        b"<item>",
        b'<item><title>Fresh</title><guid isPermaLink="false">wire-2000</guid><link>https://wire.example.org/f</link>'
        b"</item><item>",
        1,
    )
    server.route("/rss", Reply(200, extra, {"Content-Type": "application/rss+xml"}))
    services.clock.advance(timedelta(hours=1))
    results = await poll_due_sources(services)
    assert [(r.status, r.new_items, r.entries) for r in results] == [("new", 1, 4)]
    fresh = [i for i in await items_of(services) if i.guid == "wire-2000"]
    assert len(fresh) == 1 and not fresh[0].backlog and fresh[0].stage == "new"


async def test_atom_feed(services: Any, server: FeedServer) -> None:
    url = server.route("/atom", Reply(200, ATOM, {"Content-Type": "application/atom+xml"}))
    await add(services, url)
    [result] = await poll_due_sources(services)
    assert result.status == "new" and result.new_items == 2
    first, second = await items_of(services)
    assert first.title == "Забастовка шахтёров"
    assert first.link == "https://chronicle.example.net/news/1" or first.link.endswith("/news/1")
    assert first.published_at == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    assert first.lang == "ru"
    assert second.story_key == story_key("https://chronicle.example.net/news/2", "")


async def test_etag_round_trip_and_304_parses_nothing(services: Any, server: FeedServer) -> None:
    url = server.route(
        "/feed", conditional(RSS, etag='"v1"', last_modified="Mon, 02 Nov 2026 09:30:00 GMT")
    )
    source = await add(services, url)
    await poll_due_sources(services)
    row = await source_row(services, source.id)
    assert row.etag == '"v1"' and row.last_modified == "Mon, 02 Nov 2026 09:30:00 GMT"
    [result] = await poll_due_sources(services, all=True)
    assert result.status == "not-modified" and result.http_status == 304 and result.entries == 0
    second = server.hits("/feed")[-1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Mon, 02 Nov 2026 09:30:00 GMT"
    assert second.headers["user-agent"].startswith("Tocsin/")
    assert "gzip" in second.headers["accept-encoding"]
    assert len(await items_of(services)) == 3


async def test_unchanged_body_is_not_parsed(services: Any, server: FeedServer) -> None:
    url = server.route("/same", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    await add(services, url)
    await poll_due_sources(services)
    [result] = await poll_due_sources(services, all=True)
    assert result.status == "unchanged" and result.entries == 0 and result.new_items == 0


async def test_gzip_and_deflate_bodies(services: Any, server: FeedServer) -> None:
    a = server.route(
        "/gz", Reply(200, RSS, {"Content-Type": "application/rss+xml"}, encoding="gzip")
    )
    b = server.route(
        "/df", Reply(200, ATOM, {"Content-Type": "application/atom+xml"}, encoding="deflate")
    )
    await add(services, a)
    await add(services, b)
    results = await poll_due_sources(services)
    assert sorted((r.status, r.new_items) for r in results) == [("new", 2), ("new", 3)]


async def test_backoff_then_retry_after_then_recovery(services: Any, server: FeedServer) -> None:
    url = server.route("/flaky", Reply(500, b"oops"))
    source = await add(services, url)
    [first] = await poll_due_sources(services)
    assert first.status == "error" and first.http_status == 500
    row = await source_row(services, source.id)
    assert row.error_count == 1 and row.last_error == "http: HTTP 500"
    delay1 = (row.next_check_at - services.clock()).total_seconds()
    assert 540 <= delay1 <= 660  # first failure: about one interval
    await poll_due_sources(services, all=True)
    row = await source_row(services, source.id)
    delay2 = (row.next_check_at - services.clock()).total_seconds()
    assert row.error_count == 2 and 1080 <= delay2 <= 1320  # doubled
    server.route("/flaky", Reply(503, b"busy", {"Retry-After": "7200"}))
    await poll_due_sources(services, all=True)
    row = await source_row(services, source.id)
    assert row.error_count == 3
    assert (row.next_check_at - services.clock()).total_seconds() >= 7200
    server.route("/flaky", Reply(429, b"slow", {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}))
    await poll_due_sources(services, all=True)
    row = await source_row(services, source.id)
    # a far-away Retry-After is capped at a day
    assert (row.next_check_at - services.clock()).total_seconds() == pytest.approx(86400)
    server.route("/flaky", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    [ok] = await poll_due_sources(services, all=True)
    row = await source_row(services, source.id)
    assert ok.status == "new" and row.error_count == 0 and row.last_error is None


async def test_disabled_after_ten_failures_admins_told_once(
    services: Any, server: FeedServer
) -> None:
    url = server.route("/dead", Reply(404, b"gone"))
    source = await add(services, url, name="Dead feed")
    async with services.sessions() as session, session.begin():
        session.add(Subscriber(chat_id=42, kind="private", language="en"))  # ADMIN_IDS=42
        session.add(Subscriber(chat_id=7, kind="private", language="en"))  # not an admin
    statuses = []
    for _ in range(10):
        [result] = await poll_due_sources(services, all=True)
        statuses.append(result.status)
    assert statuses == ["error"] * 9 + ["disabled"]
    row = await source_row(services, source.id)
    assert not row.enabled and row.error_count == 10 and row.disabled_reason
    assert await poll_due_sources(services, all=True) == []  # disabled sources are not polled
    async with services.sessions() as session:
        deliveries = list(await session.scalars(select(Delivery)))
        admin = await session.scalar(select(Subscriber).where(Subscriber.chat_id == 42))
    assert len(deliveries) == 1
    notice = deliveries[0]
    assert notice.subscriber_id == admin.id and notice.kind == "notice" and notice.priority == 10
    assert notice.dedup_key.startswith(f"source-disabled:{source.id}:10:")
    assert notice.payload["params"]["source"] == "Dead feed"
    assert notice.payload["source_id"] == source.id
    from bot.render.alerts import render_notice

    text = render_notice("en", notice.payload["msgid"], notice.payload["params"]).text
    assert text.startswith("Source Dead feed was paused after 10 failed checks in a row")
    assert "http: HTTP 404" in text
    ru = render_notice("ru", notice.payload["msgid"], notice.payload["params"]).text
    assert ru.startswith("Источник Dead feed остановлен после 10 неудачных проверок подряд")
    # resumed by an admin, it fails ten times again: that is a new pause, told again
    async with services.sessions() as session, session.begin():
        await repo.set_enabled(session, source.id, True, services.clock())
    services.clock.advance(timedelta(days=1))
    for _ in range(10):
        await poll_due_sources(services, all=True)
    async with services.sessions() as session:
        assert len(list(await session.scalars(select(Delivery)))) == 2


async def test_permanent_redirect_updates_url_temporary_does_not(
    services: Any, server: FeedServer
) -> None:
    new = server.route("/new", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    old = server.route("/old", Reply(301, b"", {"Location": "/new"}))
    tmp = server.route("/tmp", Reply(302, b"", {"Location": new}))
    moved = await add(services, old)
    stayed = await add(services, tmp)
    results = {r.source_id: r for r in await poll_due_sources(services)}
    assert results[moved.id].moved_to == new and results[moved.id].status == "new"
    assert results[stayed.id].moved_to is None
    assert (await source_row(services, moved.id)).url == new
    assert (await source_row(services, stayed.id)).url == tmp


async def test_hostile_feeds_fail_alone(services: Any, server: FeedServer) -> None:
    good = server.route("/good", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    page = server.route(
        "/page", Reply(200, b"<html><body>hi</body></html>", {"Content-Type": "text/html"})
    )
    junk = server.route(
        "/junk", Reply(200, b"\x00\xff" * 100, {"Content-Type": "application/rss+xml"})
    )
    bomb = server.route(
        "/bomb",
        Reply(200, (FEEDS / "entity-bomb.xml").read_bytes(), {"Content-Type": "application/xml"}),
    )
    ids = {}
    for name, url in [("good", good), ("page", page), ("junk", junk), ("bomb", bomb)]:
        ids[(await add(services, url)).id] = name
    results = {ids[r.source_id]: r for r in await poll_due_sources(services)}
    assert results["good"].new_items == 3
    assert results["page"].status == "error" and results["page"].error.startswith("parse")
    assert results["junk"].status == "error"
    # the bomb's entities are not expanded and the file is not read; what is readable stays
    bomb_items = await items_of(services, next(k for k, v in ids.items() if v == "bomb"))
    for item in bomb_items:
        assert "lollollol" not in item.text and "root:" not in item.text
        assert len(item.text) < 1000


async def test_malformed_feed_yields_what_it_can(services: Any, server: FeedServer) -> None:
    url = server.route(
        "/broken",
        Reply(200, (FEEDS / "malformed.xml").read_bytes(), {"Content-Type": "application/rss+xml"}),
    )
    await add(services, url)
    [result] = await poll_due_sources(services)
    assert result.status == "new"
    titles = [i.title for i in await items_of(services)]
    assert titles == ["First item survives", "Second item survives too"]


async def test_dedup_within_and_across_sources(services: Any, server: FeedServer) -> None:
    dup = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Dup</title>
<item><title>One</title><guid isPermaLink="false">same</guid><link>https://a.example/story?utm_campaign=x</link></item>
<item><title>One again</title><guid isPermaLink="false">same</guid><link>https://a.example/story</link></item>
<item><title>Two</title><link>http://A.example/story/#frag</link></item>
</channel></rss>"""
    other = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Other</title>
<item><title>Same story elsewhere</title><guid isPermaLink="false">x-1</guid><link>https://a.example/story?fbclid=abc</link></item>
</channel></rss>"""
    first = await add(services, server.route("/dup", Reply(200, dup)))
    second = await add(services, server.route("/other", Reply(200, other)))
    await poll_due_sources(services)
    a = await items_of(services, first.id)
    b = await items_of(services, second.id)
    assert [i.guid for i in a] == ["same", "http://A.example/story/#frag"]
    assert len(b) == 1
    # one story across both sources
    assert {i.story_key for i in a + b} == {story_key("https://a.example/story", "")}
    # polling again (the body changed a little) adds nothing twice
    server.route("/dup", Reply(200, dup + b"\n"))
    results = await poll_due_sources(services, all=True)
    assert sum(r.new_items for r in results) == 0


async def test_source_added_later_is_due_at_once(services: Any, server: FeedServer) -> None:
    first = await add(services, server.route("/a", Reply(200, RSS)))
    await poll_due_sources(services)
    services.clock.advance(timedelta(seconds=5))
    second = await add(services, server.route("/b", Reply(200, ATOM)))
    results = await poll_due_sources(services)
    assert [r.source_id for r in results] == [second.id]
    assert first.id != second.id


async def test_lease_keeps_two_pollers_apart(services: Any, server: FeedServer) -> None:
    await add(services, server.route("/a", Reply(200, RSS)))
    async with services.sessions() as session, session.begin():
        claimed = await repo.claim_due(session, services.clock(), "other-replica")
    assert len(claimed) == 1
    # the other replica holds the lease: this one finds nothing to do
    assert await poll_due_sources(services) == []
    services.clock.advance(timedelta(minutes=6))  # the lease ran out (the replica died)
    [result] = await poll_due_sources(services)
    assert result.status == "new"


async def test_poll_on_each_backend(any_services: Any, server: FeedServer) -> None:
    services = any_services
    url = server.route("/rss", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n"
        b"DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/London:20991209T120000\r\n"
        b"SUMMARY:Rally\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    cal = server.route("/cal", Reply(200, ics, {"Content-Type": "text/calendar"}))
    a = await add(services, url)
    b = await add(services, cal, kind="ics")
    results = {r.source_id: r for r in await poll_due_sources(services)}
    assert results[a.id].new_items == 3 and results[b.id].new_items == 1
    async with services.sessions() as session:
        seen = list(await session.scalars(select(Item.seen_at).where(Item.source_id == a.id)))
        recent = await repo.source_health(session, services.clock())
        event = await session.scalar(select(Item.ics_event).where(Item.source_id == b.id))
        no_event = await session.scalar(
            select(Item.id).where(Item.source_id == a.id, Item.ics_event.is_(None)).limit(1)
        )
    assert seen == [services.clock()] * 3
    assert {h.source.id: h.items_7d for h in recent} == {a.id: 3, b.id: 1}
    assert event["start"] == "2099-12-09T12:00:00+00:00" and event["uid"] == "e1"
    assert no_event is not None  # no event is SQL NULL, not JSON null
    server.route("/rss", Reply(200, RSS + b" "))
    results = {r.source_id: r for r in await poll_due_sources(services, all=True)}
    assert results[a.id].status == "new" and results[a.id].new_items == 0


async def test_server_that_never_answers_fails_its_source_alone(
    services: Any, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobs.poll

    monkeypatch.setattr(jobs.poll, "FETCH_TIMEOUT", 0.5)
    hang = await add(services, server.route("/hang", Reply(hang=True)))
    good = await add(services, server.route("/good", Reply(200, RSS)))
    results = {r.source_id: r for r in await poll_due_sources(services)}
    assert results[hang.id].status == "error" and results[hang.id].error == "timeout: timed out"
    assert results[good.id].new_items == 3
    row = await source_row(services, hang.id)
    assert row.error_count == 1 and row.lease_owner is None


async def test_big_feed_parsed_in_the_process_pool(services: Any, server: FeedServer) -> None:
    import jobs.poll

    entries = "".join(
        f'<item><title>Entry {n}</title><guid isPermaLink="false">big-{n}</guid>'
        f"<description>{'word ' * 80}</description></item>"
        for n in range(80)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{entries}</channel></rss>'
    assert len(body) > jobs.poll.PROCESS_THRESHOLD
    await add(services, server.route("/big", Reply(200, body.encode())))
    [result] = await poll_due_sources(services)
    assert result.status == "new" and result.new_items == 80
    assert "process_pool" in services.extras  # parsed off the loop, in a worker process


async def test_two_replicas_never_poll_the_same_source(
    any_services: Any, server: FeedServer
) -> None:
    from bot.services import open_services

    first = any_services
    second = await open_services(first.settings, clock=first.clock)
    try:
        assert first.instance_id != second.instance_id
        for n in range(12):
            await add(first, server.route(f"/f{n}", Reply(200, RSS)))
        a, b = await asyncio.gather(poll_due_sources(first), poll_due_sources(second))
        ids_a = {r.source_id for r in a}
        ids_b = {r.source_id for r in b}
        assert not ids_a & ids_b and len(ids_a | ids_b) == 12
        assert all(len(server.hits(f"/f{n}")) == 1 for n in range(12))
        async with first.sessions() as session:
            assert await repo.item_count(session) == 36
    finally:
        await second.close()


async def test_source_removed_while_polled_stores_nothing(
    services: Any, server: FeedServer
) -> None:
    source_id: list[int] = []

    def remove_then_answer(request: Any) -> Reply:
        # the admin removes the source while the server is still answering
        import sqlite3

        path = services.settings.database_url.split("///", 1)[1]
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM sources WHERE id = ?", (source_id[0],))
        return Reply(200, RSS)

    source = await add(services, server.route("/gone", remove_then_answer))
    source_id.append(source.id)
    [result] = await poll_due_sources(services)
    assert result.new_items == 0
    assert await items_of(services) == []
