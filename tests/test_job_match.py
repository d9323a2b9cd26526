"""The match job on a real database: one alert per (subscriber, story), cards, backlog, pauses."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models import Delivery, Event, Filter, Follow, Item, Source, Subscriber
from jobs.match import match_understood_items, matcher_of, sync_matcher


async def _seed(services: Any) -> dict[str, int]:
    now = services.clock()
    async with services.sessions() as s, s.begin():
        source = Source(url="http://127.0.0.1/feed", name="Azattyq Wire")
        alice = Subscriber(chat_id=1, language="en")
        boris = Subscriber(chat_id=2, language="ru", auto_follow=False)
        paused = Subscriber(chat_id=3, paused=True)
        blocked = Subscriber(chat_id=4, blocked=True)
        s.add_all([source, alice, boris, paused, blocked])
        await s.flush()
        s.add_all(
            [
                Filter(subscriber_id=alice.id, query="Kazakhstan"),
                Filter(subscriber_id=alice.id, query="zhanaozen OR жанаозен"),
                Filter(subscriber_id=boris.id, query="Жанаозен city:London"),
                Filter(subscriber_id=paused.id, query="Kazakhstan"),
                Filter(subscriber_id=blocked.id, query="Kazakhstan"),
            ]
        )

        def item(guid: str, title: str, text: str, **kw: Any) -> Item:
            values: dict[str, Any] = {
                "source_id": source.id,
                "guid": guid,
                "story_key": kw.pop("story_key", guid),
                "link": f"http://127.0.0.1/{guid}",
                "title": title,
                "text": text,
                "published_at": now - timedelta(hours=1),
                "stage": "understood",
                "category": "crackdown",
                "lang": "en",
            }
            values.update(kw)
            return Item(**values)

        crackdown = item(
            "a", "Police detain strikers in Zhanaozen, Kazakhstan", "Dozens were held."
        )
        same_story = item("b", "Kazakhstan: arrests in Zhanaozen", "Another source.", story_key="a")
        call = item(
            "c",
            "Пикет солидарности с Жанаозеном",
            "Приходите к посольству в Лондоне.",
            category="protest_call",
            lang="ru",
        )
        backlog = item("d", "Old news from Kazakhstan", "Nothing ahead.", backlog=True)
        backlog_call = item(
            "e", "Rally for Kazakhstan workers", "Next week.", backlog=True, category="protest_call"
        )
        other = item("f", "Kazakhstan wins at football", "A match.", category="other")
        fresh = item("g", "Kazakhstan", "still new", stage="new", category=None)
        s.add_all([crackdown, same_story, call, backlog, backlog_call, other, fresh])
        await s.flush()
        s.add_all(
            [
                Event(
                    item_id=call.id,
                    title="Picket",
                    start_at=now + timedelta(days=2),
                    city="London",
                    country="GB",
                ),
                Event(
                    item_id=call.id,
                    title="Past picket",
                    start_at=now - timedelta(days=1),
                    city="London",
                ),
                Event(
                    item_id=backlog_call.id,
                    title="Rally",
                    start_at=now + timedelta(days=5),
                    city="Almaty",
                ),
            ]
        )
        return {"alice": alice.id, "boris": boris.id, "paused": paused.id, "blocked": blocked.id}


async def _deliveries(services: Any) -> list[tuple[int, str, str, dict[str, Any] | None]]:
    async with services.sessions() as s:
        rows = await s.execute(
            select(
                Delivery.subscriber_id, Delivery.kind, Delivery.dedup_key, Delivery.payload
            ).order_by(Delivery.subscriber_id, Delivery.dedup_key)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_job_writes_one_alert_per_story_and_cards(any_services: Any) -> None:
    services = any_services
    ids = await _seed(services)
    assert await match_understood_items(services) == 6
    rows = await _deliveries(services)
    alice, boris = ids["alice"], ids["boris"]
    keys = {(sid, kind, key) for sid, kind, key, _ in rows}
    picket, rally = await _event_id(services, "Picket"), await _event_id(services, "Rally")
    assert keys == {
        (alice, "alert", "story:a"),  # two filters and two items of one story: one alert
        (alice, "alert", "story:c"),  # "жанаозен" matches "Жанаозеном"
        (alice, "card", f"card:{picket}"),  # the past picket gets no card
        (alice, "card", f"card:{rally}"),  # backlog: the card of an event ahead, no alert
        (boris, "alert", "story:c"),  # city:London from the event of a Russian item
        (boris, "card", f"card:{picket}"),
    }
    alert = next(p for sid, kind, key, p in rows if sid == alice and kind == "alert")
    assert alert is not None
    assert alert["filter"] == "Kazakhstan"
    assert alert["terms"] == ["kazakhstan"]
    async with services.sessions() as s:
        stages = dict((await s.execute(select(Item.guid, Item.stage))).all())
        assert stages == {
            "a": "matched",
            "b": "matched",
            "c": "matched",
            "d": "matched",
            "e": "matched",
            "f": "matched",
            "g": "new",
        }
        follows = (await s.execute(select(Follow.subscriber_id, Follow.auto))).all()
        assert sorted(follows) == [(alice, True), (alice, True)]  # boris has auto-follow off
    # a second run finds nothing to do and writes nothing twice
    assert await match_understood_items(services) == 0
    assert len(await _deliveries(services)) == 6


async def _event_id(services: Any, title: str) -> int:
    async with services.sessions() as s:
        return int(await s.scalar(select(Event.id).where(Event.title == title)))  # type: ignore[arg-type]


async def test_index_follows_the_filters_table_incrementally(any_services: Any) -> None:
    services = any_services
    ids = await _seed(services)
    assert await sync_matcher(services) == (5, 0)
    index = matcher_of(services)
    merges = index.merges
    async with services.sessions() as s, s.begin():
        new = Filter(subscriber_id=ids["boris"], query="football category:any")
        s.add(new)
        gone = await s.scalar(select(Filter).where(Filter.query == "zhanaozen OR жанаозен"))
        await s.delete(gone)
    assert await sync_matcher(services) == (1, 1)
    assert index.merges == merges  # one change went to the delta, nothing was rebuilt
    assert new.id in index and gone.id not in index
    await match_understood_items(services)
    rows = await _deliveries(services)
    assert (ids["boris"], "alert", "story:f") in [(a, b, c) for a, b, c, _ in rows]


async def test_broken_saved_filter_is_skipped_not_retried(services: Any) -> None:
    async with services.sessions() as s, s.begin():
        sub = Subscriber(chat_id=9)
        s.add(sub)
        await s.flush()
        s.add(Filter(subscriber_id=sub.id, query='"unclosed'))
    assert await sync_matcher(services) == (0, 0)
    assert await sync_matcher(services) == (0, 0)
    assert services.extras["matcher_skipped"]
    async with services.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Filter)) == 1


async def test_two_replicas_claim_different_items(any_services: Any, any_db_url: str) -> None:
    """On PostgreSQL, FOR UPDATE SKIP LOCKED: two replicas matching at once never share an item."""
    if not any_db_url.startswith("postgresql"):
        pytest.skip("one process on SQLite: its runs are serialised by the matcher lock")
    from bot.services import open_services
    from tests.support import make_settings

    services = any_services
    now = services.clock()
    async with services.sessions() as s, s.begin():
        sub = Subscriber(chat_id=77)
        s.add(sub)
        await s.flush()
        s.add(Filter(subscriber_id=sub.id, query="Kazakhstan"))
        for n in range(40):
            s.add(
                Item(
                    guid=f"r{n}",
                    story_key=f"r{n}",
                    title=f"Kazakhstan strike day {n}",
                    text="",
                    published_at=now,
                    stage="understood",
                    category="strike",
                )
            )
    other = await open_services(make_settings(any_db_url), clock=services.clock)
    try:
        claimed = 0
        while True:
            counts = await asyncio.gather(
                match_understood_items(services, limit=7), match_understood_items(other, limit=7)
            )
            claimed += sum(counts)
            if not any(counts):
                break
    finally:
        await other.close()
    assert claimed == 40  # each item matched by exactly one of the two
    async with services.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 40
