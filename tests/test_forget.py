"""/forget: a confirm button, then no row in any table says anything about the person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.storage.admins import add_admin, audit
from bot.storage.follows import follow_event
from bot.storage.models import Base, Broadcast, Event, Filter, Subscriber
from bot.storage.outbox import enqueue
from bot.storage.subscribers import add_filter, ensure_subscriber
from tests.support import BotEnv

PERSON = 7_700_001  # large, so no autoincrement id or count in the database can equal it
OTHER = 7_700_002


@pytest.fixture
def env(any_bot_env: BotEnv) -> BotEnv:
    """The bot on each database backend, with quick replies allowed."""
    any_bot_env.sandbox.private_burst = 50
    return any_bot_env


async def given_a_full_history(env: BotEnv, chat_id: int) -> None:
    """Filters, a followed event with reminders, deliveries, audit entries, an admin row."""
    now = env.clock()
    async with env.services.sessions() as session, session.begin():
        subscriber, _ = await ensure_subscriber(session, chat_id, "ru")
        for text in ("Казахстан", "oil workers"):
            await add_filter(session, subscriber.id, text, now)
        event = Event(title="Protest", start_at=now + timedelta(days=3), timezone="UTC",
                      created_by=chat_id)
        session.add(event)
        await session.flush()
        assert await follow_event(session, subscriber.id, event.id, now)
        await enqueue(session, subscriber_id=subscriber.id, kind="card",
                      dedup_key=f"card:{event.id}", priority=20, event_id=event.id)
        await audit(session, chat_id, "broadcast", detail="ids only", reached=3)
        await add_admin(session, chat_id, added_by=42)
        await add_admin(session, 9_900_001, added_by=chat_id)
        session.add(Broadcast(admin_id=chat_id, text="hello", progress_chat_id=chat_id))


async def rows_naming(env: BotEnv, value: int) -> dict[str, int]:
    """Every table and column where `value` appears (numbers equal; text and JSON containing it)."""
    found: dict[str, int] = {}
    async with env.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.Integer | sa.BigInteger):
                    condition: Any = column == value
                elif isinstance(column.type, sa.String | sa.Text | sa.JSON):
                    condition = sa.cast(column, sa.String).like(f"%{value}%")
                else:
                    continue
                count = await session.scalar(
                    select(sa.func.count()).select_from(table).where(condition)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = int(count)
    return found


async def test_forget_erases_every_row_about_the_person(env: BotEnv) -> None:
    await given_a_full_history(env, PERSON)
    await given_a_full_history(env, OTHER)
    before = await rows_naming(env, PERSON)
    assert {"subscribers.chat_id", "audit_log.actor_id", "admins.user_id"} <= set(before)
    async with env.services.sessions() as session:
        follows = await session.scalar(select(sa.func.count()).select_from(Base.metadata.tables["follows"]))
    assert follows == 2

    user = env.user(PERSON, "ru")
    await user.send("/forget")
    question = await user.next_message()
    assert "Стереть всё?" in question.text
    assert question.button_texts() == ["Да, стереть всё", "Отмена"]
    # Cancel keeps everything.
    await user.press("Отмена")
    assert (await user.next_message()).text == "Ничего не стёрто."
    assert question.buttons == []
    assert await rows_naming(env, PERSON) == before

    await user.send("/forget")
    confirm = await user.next_message()
    await user.press("Да, стереть всё")
    done = await user.next_message()
    assert "стёрто" in done.text and "/start" in done.text
    assert confirm.buttons == []
    assert await rows_naming(env, PERSON) == {}

    # The other person keeps everything; rows about others survive without the name.
    async with env.services.sessions() as session:
        other = await session.scalar(select(Subscriber).where(Subscriber.chat_id == OTHER))
        assert other is not None
        kept = await session.scalar(
            select(sa.func.count()).select_from(Filter).where(Filter.subscriber_id == other.id)
        )
        events = await session.scalar(select(sa.func.count()).select_from(Event))
        admins = await session.scalar(
            select(sa.func.count()).select_from(Base.metadata.tables["admins"])
        )
    assert kept == 2 and events == 2
    assert admins == 2  # the other's own row and the admin they added; 9_900_001 (added twice) once
    assert await rows_naming(env, OTHER) != {}

    # Starting again begins from nothing.
    await user.send("/start")
    welcome = await user.next_message()
    assert "Скажите, за чем следить" in welcome.text


async def test_forget_of_someone_unknown_is_harmless(env: BotEnv) -> None:
    user = env.user(PERSON, "en")
    await user.send("/forget")
    confirm = await user.next_message()
    await user.press("Yes, erase everything")
    assert "erased" in (await user.next_message()).text
    assert confirm.buttons == []
    assert await rows_naming(env, PERSON) == {}
