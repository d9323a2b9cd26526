"""The shared services handlers and jobs use: settings, database sessions, the clock."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.storage.db import make_async_engine, make_sessions
from bot.storage.models import utcnow


@dataclass
class Services:
    """What every handler and job needs; one per process, kept in `bot_data`."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime] = utcnow
    instance_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    # Shared objects owned by one part each, e.g. "matcher" (filter index), "http" (httpx client).
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        """Close what the services opened."""
        http = self.extras.pop("http", None)
        if http is not None:
            await http.aclose()
        pool = self.extras.pop("process_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        await self.engine.dispose()


async def open_services(
    settings: Settings, clock: Callable[[], datetime] | None = None, **engine_kwargs: Any
) -> Services:
    """Open the database engine and build the Services."""
    engine = make_async_engine(settings.database_url, **engine_kwargs)
    return Services(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        clock=clock or utcnow,
    )


def get_services(context: Any) -> Services:
    """The Services kept in a PTB context's bot_data."""
    return context.bot_data["services"]  # type: ignore[no-any-return]
