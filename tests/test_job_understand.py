"""The understand job on SQLite and PostgreSQL: stages, stored fields, events and updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.services import Services
from bot.storage.models import Delivery, Event, Item, Source, Subscriber
from jobs.understand import understand_new_items

SEED = (Path(__file__).parent / "fixtures" / "understand" / "seed-zhanaozen.md").read_text(encoding="utf-8")


async def _source(services: Services, timezone: str | None = None, kind: str = "rss") -> int:
    async with services.sessions() as s, s.begin():
        src = Source(url=f"http://127.0.0.1/{kind}/{timezone}", kind=kind, timezone=timezone)
        s.add(src)
        await s.flush()
        return src.id


async def _item(services: Services, source_id: int, guid: str, *, title: str = "", text: str = "",
                published: datetime, ics: dict[str, Any] | None = None, stage: str = "new") -> int:
    async with services.sessions() as s, s.begin():
        item = Item(source_id=source_id, guid=guid, story_key=guid, title=title, text=text,
                    published_at=published, stage=stage, ics_event=ics)
        s.add(item)
        await s.flush()
        return item.id


async def test_seed_item_is_understood_with_its_event(any_services: Services) -> None:
    src = await _source(any_services)
    item_id = await _item(any_services, src, "seed", title="Stop police violence against strikers",
                          text=SEED, published=datetime(2011, 12, 19, 9, tzinfo=UTC))
    assert await understand_new_items(any_services) == 1
    async with any_services.sessions() as s:
        item = await s.get(Item, item_id)
        assert item is not None
        assert (item.stage, item.category) == ("understood", "crackdown")
        assert (item.killed, item.injured, item.arrested) == (10, 70, 70)
        assert (item.city, item.country, item.lang) == ("London", "GB", "en")
        assert item.debug and item.debug["cues"]["crackdown"]
        events = list(await s.scalars(select(Event).where(Event.item_id == item_id)))
    assert len(events) == 1
    ev = events[0]
    assert ev.start_at == datetime(2011, 12, 21, 12, tzinfo=UTC)
    assert (ev.venue, ev.city, ev.timezone, ev.status, ev.version) == (
        "Kazakh-British Chamber of Commerce", "London", "Europe/London", "scheduled", 1)
    assert ev.event_key and ev.event_key.startswith("txt:")
    # nothing left to do: a second run claims nothing
    assert await understand_new_items(any_services) == 0


async def test_source_timezone_then_setting(any_services: Services) -> None:
    text = "Join the picket outside the town hall tomorrow at 18:00!"
    src = await _source(any_services, timezone="Asia/Almaty")
    item_id = await _item(any_services, src, "p1", text=text, published=datetime(2024, 3, 1, 6, tzinfo=UTC))
    await understand_new_items(any_services)
    async with any_services.sessions() as s:
        ev = await s.scalar(select(Event).where(Event.item_id == item_id))
    assert ev is not None
    assert ev.timezone == "Asia/Almaty"
    assert ev.start_at == datetime(2024, 3, 2, 13, tzinfo=UTC)  # 18:00 in Almaty (UTC+5)


async def test_limit_and_other_stages(any_services: Services) -> None:
    src = await _source(any_services)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(5):
        await _item(any_services, src, f"i{n}", text="Workers at the plant went on strike over pay.", published=now)
    done = await _item(any_services, src, "old", text="x", published=now, stage="matched")
    assert await understand_new_items(any_services, limit=3) == 3
    assert await understand_new_items(any_services, limit=3) == 2
    async with any_services.sessions() as s:
        cats = set(await s.scalars(select(Item.category).where(Item.stage == "understood")))
        untouched = await s.get(Item, done)
    assert cats == {"strike"}
    assert untouched is not None and untouched.category is None and untouched.stage == "matched"


def _ics(start: str, status: str = "CONFIRMED", location: str = "Trafalgar Square, London") -> dict[str, Any]:
    return {"uid": "rally-1@example.org", "summary": "Rally for pay", "start": start, "end": None,
            "all_day": False, "location": location, "timezone": "Europe/London", "status": status}


async def test_ics_event_moves_and_is_cancelled_followers_hear(any_services: Services) -> None:
    from bot.storage.follows import follow_event

    clock_now = datetime(2024, 5, 1, 8, tzinfo=UTC)
    any_services.clock.set(clock_now)  # type: ignore[attr-defined]
    src = await _source(any_services, kind="ics")
    await _item(any_services, src, "v1", title="Rally for pay", text="Rally for pay at Trafalgar Square",
                published=clock_now, ics=_ics("2024-05-10T14:00:00+01:00"))
    await understand_new_items(any_services)
    async with any_services.sessions() as s, s.begin():
        ev = await s.scalar(select(Event).where(Event.event_key == "ics:rally-1@example.org"))
        assert ev is not None
        assert (ev.venue, ev.city, ev.timezone) == ("Trafalgar Square", "London", "Europe/London")
        assert ev.start_at == datetime(2024, 5, 10, 13, tzinfo=UTC)
        sub = Subscriber(chat_id=777, language="en")
        s.add(sub)
        await s.flush()
        assert await follow_event(s, sub.id, ev.id, any_services.clock())
        event_id, sub_id = ev.id, sub.id
    # the feed moves the rally by an hour: version 2, an update to the follower
    await _item(any_services, src, "v2", title="Rally for pay", text="Rally for pay at Trafalgar Square",
                published=clock_now + timedelta(hours=1), ics=_ics("2024-05-10T15:00:00+01:00"))
    await understand_new_items(any_services)
    # then cancels it: version 3
    await _item(any_services, src, "v3", title="Rally for pay", text="Rally for pay",
                published=clock_now + timedelta(hours=2), ics=_ics("2024-05-10T15:00:00+01:00", "CANCELLED"))
    await understand_new_items(any_services)
    async with any_services.sessions() as s:
        ev = await s.get(Event, event_id)
        assert ev is not None
        assert (ev.version, ev.status) == (3, "cancelled")
        assert ev.start_at == datetime(2024, 5, 10, 14, tzinfo=UTC)
        keys = set(await s.scalars(select(Delivery.dedup_key).where(Delivery.subscriber_id == sub_id)))
        count = await s.scalar(select(func.count()).select_from(Event))
    assert {f"update:{event_id}:2", f"update:{event_id}:3"} <= keys
    assert count == 1


async def test_same_ics_twice_changes_nothing(any_services: Services) -> None:
    src = await _source(any_services, kind="ics")
    when = datetime(2024, 5, 1, tzinfo=UTC)
    for guid in ("a", "b"):
        await _item(any_services, src, guid, text="Rally", published=when, ics=_ics("2024-05-10T14:00:00+01:00"))
    await understand_new_items(any_services)
    async with any_services.sessions() as s:
        events = list(await s.scalars(select(Event)))
    assert len(events) == 1 and events[0].version == 1


async def test_text_items_move_and_cancel_the_same_event(any_services: Services) -> None:
    from bot.storage.follows import follow_event

    now = datetime(2020, 3, 10, 9, tzinfo=UTC)
    any_services.clock.set(now)  # type: ignore[attr-defined]
    src = await _source(any_services)
    await _item(any_services, src, "a", published=now,
                text="Join the rally on Saturday 14 March at 2pm in Trafalgar Square, London!")
    await understand_new_items(any_services)
    async with any_services.sessions() as s, s.begin():
        ev = await s.scalar(select(Event))
        assert ev is not None and ev.start_at == datetime(2020, 3, 14, 14, tzinfo=UTC)
        sub = Subscriber(chat_id=778, language="en")
        s.add(sub)
        await s.flush()
        assert await follow_event(s, sub.id, ev.id, now)
        event_id, sub_id = ev.id, sub.id
    # the organisers move it an hour later: same day and square, so the same event, version 2
    await _item(any_services, src, "b", published=now + timedelta(hours=2),
                text="Update: the rally on Saturday 14 March in Trafalgar Square, London now starts at 3pm.")
    await understand_new_items(any_services)
    # then call it off: version 3, cancelled
    await _item(any_services, src, "c", published=now + timedelta(hours=4),
                text="The rally on Saturday 14 March at 3pm in Trafalgar Square, London has been cancelled.")
    await understand_new_items(any_services)
    async with any_services.sessions() as s:
        ev = await s.get(Event, event_id)
        assert ev is not None
        assert (ev.version, ev.status) == (3, "cancelled")
        assert ev.start_at == datetime(2020, 3, 14, 15, tzinfo=UTC)
        keys = set(await s.scalars(select(Delivery.dedup_key).where(Delivery.subscriber_id == sub_id)))
        assert await s.scalar(select(func.count()).select_from(Event)) == 1
    assert {f"update:{event_id}:2", f"update:{event_id}:3"} <= keys
