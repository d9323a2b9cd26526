"""Helpers the tests share: a controllable clock, database URLs, the bot harness."""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.config import Settings, load_settings
from bot.services import Services, open_services
from bot.storage import db

POSTGRES_ENV = "TOCSIN_TEST_POSTGRES_URL"
TEST_TOKEN = "123456:TEST-TOKEN"


class FakeClock:
    """A clock the test moves by hand: `clock()` is now, `clock.advance(...)` moves it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


def sqlite_url(directory: Any) -> str:
    """A fresh SQLite database file in `directory`."""
    return f"sqlite:///{directory}/tocsin-{uuid.uuid4().hex[:8]}.db"


def postgres_schema_url(base: str, schema: str) -> str:
    """A URL whose connections use their own schema, so each test has an empty database."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def create_postgres_schema(base: str) -> tuple[str, str]:
    """Create a throw-away schema; returns (url using it, schema name)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = db.make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return postgres_schema_url(base, schema), schema


def drop_postgres_schema(base: str, schema: str) -> None:
    """Drop a schema made by create_postgres_schema."""
    engine = db.make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: no .env file, the given database, sensible test values."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "ADMIN_IDS": "42",
        "ALLOW_PRIVATE_SOURCES": True,
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


@dataclass
class BotEnv:
    """The sandbox, the real Application long-polling it, and the services behind it."""

    sandbox: Any
    services: Services
    app: Any
    clock: FakeClock
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def user(self, user_id: int = 1001, lang: str = "en", first_name: str = "Test") -> Any:
        """A simulated Telegram user in a private chat with the bot."""
        return self.sandbox.add_user(user_id=user_id, first_name=first_name, language_code=lang)

    def start_sender(self) -> Any:
        """Run the outbox sender in the background for the rest of the test."""
        from bot.sender import Sender

        sender = Sender(self.services, self.app.bot)
        self.services.extras["sender"] = sender
        self.tasks.append(asyncio.create_task(sender.run()))
        return sender


async def start_bot_env(sandbox: Any, database_url: str, **overrides: Any) -> BotEnv:
    """Start the real Application against the sandbox (no scheduler: tests run jobs by hand)."""
    from bot.app import build_application, start_application

    settings = make_settings(database_url, TELEGRAM_API_URL=sandbox.api_root, **overrides)
    clock = FakeClock()
    services = await open_services(settings, clock=clock)
    app = build_application(services, token=sandbox.token)
    await start_application(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return BotEnv(sandbox=sandbox, services=services, app=app, clock=clock)


async def stop_bot_env(env: BotEnv) -> None:
    """Stop everything start_bot_env started."""
    for task in env.tasks:
        task.cancel()
    await asyncio.gather(*env.tasks, return_exceptions=True)
    await env.app.updater.stop()
    await env.app.stop()
    await env.app.shutdown()
    await env.services.close()


def postgres_base() -> str | None:
    """The PostgreSQL URL tests may use, or None."""
    return os.environ.get(POSTGRES_ENV) or None
