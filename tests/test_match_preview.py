"""The 7-day preview of a new filter, and a subscriber's filters, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.filters import FilterSyntaxError
from bot.storage.matching import filters_for, preview_filter
from bot.storage.models import Event, Filter, Item, Source, Subscriber


async def _items(services: Any) -> None:
    now = services.clock()
    async with services.sessions() as s, s.begin():
        source = Source(url="http://127.0.0.1/f", name="Labour Start")
        s.add(source)
        await s.flush()
        rows = [
            ("a", "a", "Oil workers strike in Zhanaozen, Kazakhstan", "strike", 1),
            ("b", "a", "Zhanaozen strike, Kazakhstan (another source)", "strike", 1),
            ("c", "c", "Police detain miners in Kazakhstan", "crackdown", 2),
            ("d", "d", "Kazakhstan football", "other", 3),
            ("e", "e", "Kazakhstan strike last month", "strike", 20),
            ("f", "f", "Протест в Жанаозене", "protest_call", 4),
        ]
        for guid, story, title, category, days in rows:
            s.add(
                Item(
                    source_id=source.id,
                    guid=guid,
                    story_key=story,
                    link=f"http://127.0.0.1/{guid}",
                    title=title,
                    text="",
                    published_at=now - timedelta(days=days, hours=guid.encode()[0] - 96),
                    stage="matched",
                    category=category,
                )
            )
        await s.flush()
        item_f = await s.scalar(select(Item).where(Item.guid == "f"))
        assert item_f is not None
        s.add(
            Event(item_id=item_f.id, title="Picket", start_at=now + timedelta(days=1), city="Aktau")
        )


async def test_preview_counts_stories_of_the_last_week(any_services: Any) -> None:
    await _items(any_services)
    async with any_services.sessions() as s:
        found = await preview_filter(s, "Kazakhstan", any_services.clock())
        assert found.count == 2  # a+b are one story; d is "other"; e is too old
        assert [title for title, _ in found.examples] == [
            "Oil workers strike in Zhanaozen, Kazakhstan",
            "Police detain miners in Kazakhstan",
        ]
        assert (await preview_filter(s, "Kazakhstan category:any", any_services.clock())).count == 3
        assert (await preview_filter(s, "жанаозен city:Aktau", any_services.clock())).count == 1
        assert (
            await preview_filter(
                s, 'source:labourstart OR source:"labour start"', any_services.clock()
            )
        ).count == 3
        one = await preview_filter(s, "zhanaozen", any_services.clock(), limit_examples=1)
        assert one.count == 1 and len(one.examples) == 1
        with pytest.raises(FilterSyntaxError):
            await preview_filter(s, '"broken', any_services.clock())


async def test_filters_for_a_chat(services: Any) -> None:
    async with services.sessions() as s, s.begin():
        a, b = Subscriber(chat_id=11), Subscriber(chat_id=12)
        s.add_all([a, b])
        await s.flush()
        s.add_all(
            [
                Filter(subscriber_id=a.id, query="one"),
                Filter(subscriber_id=b.id, query="x"),
                Filter(subscriber_id=a.id, query="two"),
            ]
        )
    async with services.sessions() as s:
        assert [q for _, q in await filters_for(s, 11)] == ["one", "two"]
        assert await filters_for(s, 99) == []
