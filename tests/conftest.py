"""Fixtures: fresh databases (SQLite always, PostgreSQL when configured), services, sandbox, bot."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.services import Services, open_services
from bot.storage import db
from tests.support import (
    POSTGRES_ENV,
    BotEnv,
    FakeClock,
    create_postgres_schema,
    drop_postgres_schema,
    make_settings,
    postgres_base,
    sqlite_url,
    start_bot_env,
    stop_bot_env,
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection outside loopback fails the test: nothing here may reach the internet."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise OSError(f"test tried to reach {host}: tests never leave loopback")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def blank_sqlite_url(tmp_path: Any) -> str:
    """A SQLite URL with no schema yet."""
    return sqlite_url(tmp_path)


@pytest.fixture
def db_url(tmp_path: Any) -> str:
    """A fresh SQLite database migrated to head."""
    url = sqlite_url(tmp_path)
    db.upgrade(url)
    return url


def _backends() -> list[Any]:
    reason = f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    return [
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(postgres_base() is None, reason=reason)
        ),
    ]


@pytest.fixture(params=_backends())
def blank_any_db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty database on each backend (SQLite file; PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = postgres_base()
    assert base is not None
    url, schema = create_postgres_schema(base)
    try:
        yield url
    finally:
        drop_postgres_schema(base, schema)


@pytest.fixture
def any_db_url(blank_any_db_url: str) -> str:
    """A database migrated to head, on each backend."""
    db.upgrade(blank_any_db_url)
    return blank_any_db_url


@pytest.fixture
def clock() -> FakeClock:
    """A clock tests move by hand."""
    return FakeClock()


@pytest.fixture
async def services(db_url: str, clock: FakeClock) -> AsyncIterator[Services]:
    """Services on a fresh SQLite database with the controllable clock."""
    svc = await open_services(make_settings(db_url), clock=clock)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def any_services(any_db_url: str, clock: FakeClock) -> AsyncIterator[Services]:
    """Services on each backend with the controllable clock."""
    svc = await open_services(make_settings(any_db_url), clock=clock)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    """A started Bot API sandbox on loopback."""
    from bot.sandbox import Sandbox
    from tests.support import TEST_TOKEN

    # Telegram tolerates short bursts to one chat (a reply and a menu); the strict one-a-second
    # pace is what the outbox sender keeps, and its tests set the limits they check.
    sb = Sandbox(token=TEST_TOKEN, private_burst=3)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
async def bot_env(sandbox: Any, db_url: str) -> AsyncIterator[BotEnv]:
    """The real Application long-polling the sandbox, on a fresh SQLite database."""
    env = await start_bot_env(sandbox, db_url)
    try:
        yield env
    finally:
        await stop_bot_env(env)


@pytest.fixture
async def any_bot_env(sandbox: Any, any_db_url: str) -> AsyncIterator[BotEnv]:
    """The same on each backend."""
    env = await start_bot_env(sandbox, any_db_url)
    try:
        yield env
    finally:
        await stop_bot_env(env)
