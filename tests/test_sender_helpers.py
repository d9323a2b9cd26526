"""Helpers shared by the delivery tests (no tests here): rows made directly with the models."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.services import Services
from bot.storage.models import Event, Item, Source, Subscriber
from bot.storage.outbox import enqueue


async def add_subscriber(services: Services, chat_id: int, **fields: Any) -> int:
    """A subscriber row for a chat; returns its id."""
    async with services.sessions() as session, session.begin():
        row = Subscriber(chat_id=chat_id, language=fields.pop("language", "en"), **fields)
        session.add(row)
        await session.flush()
        return row.id


async def add_item(
    services: Services, title: str = "Oil workers arrested in Zhanaozen", **fields: Any
) -> int:
    """A source and an understood item; returns the item id."""
    async with services.sessions() as session, session.begin():
        source = Source(url=f"http://127.0.0.1/feed-{title[:10]}-{id(fields)}", name="Test News")
        session.add(source)
        await session.flush()
        item = Item(
            source_id=source.id,
            guid=f"g-{title}",
            story_key=fields.pop("story_key", f"s-{title}"[:60]),
            link=fields.pop("link", "https://example.org/story?a=1&b=2"),
            title=title,
            text=fields.pop("text", "Police detained 70 workers. The strike goes on. More later."),
            published_at=services.clock(),
            stage="matched",
            category=fields.pop("category", "crackdown"),
            **fields,
        )
        session.add(item)
        await session.flush()
        return item.id


async def add_event(services: Services, start: datetime, **fields: Any) -> int:
    """An event row; returns its id."""
    async with services.sessions() as session, session.begin():
        event = Event(
            title=fields.pop("title", "Rally for the oil workers"),
            start_at=start,
            timezone=fields.pop("timezone", "Europe/London"),
            venue=fields.pop("venue", "Kazakh-British Chamber of Commerce"),
            address=fields.pop("address", "62 South Audley Street, Mayfair"),
            city=fields.pop("city", "London"),
            **fields,
        )
        session.add(event)
        await session.flush()
        return event.id


async def queue(services: Services, subscriber_id: int, kind: str, key: str, **kw: Any) -> bool:
    """Enqueue one delivery due now by the services' clock."""
    async with services.sessions() as session, session.begin():
        kw.setdefault("not_before", services.clock())
        return await enqueue(session, subscriber_id=subscriber_id, kind=kind, dedup_key=key, **kw)


async def queue_alert(services: Services, subscriber_id: int, item_id: int, story: str) -> bool:
    """Enqueue an alert as the matching part would."""
    return await queue(
        services,
        subscriber_id,
        "alert",
        f"story:{story}",
        item_id=item_id,
        priority=20,
        payload={"filter_id": 1, "filter": "kazakhstan", "terms": ["kazakhstan"]},
    )


async def statuses(services: Services) -> dict[str, int]:
    """Deliveries by status."""
    from sqlalchemy import func, select

    from bot.storage.models import Delivery

    async with services.sessions() as session:
        rows = await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
        return {s: int(n) for s, n in rows}


def later(services: Services, **delta: float) -> datetime:
    """The services' now plus a delta."""
    return services.clock() + timedelta(**delta)
