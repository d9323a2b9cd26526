"""Engines, sessions and migrations for SQLite (embedded) and PostgreSQL (scale-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"


def sync_url(database_url: str) -> URL:
    """The URL for synchronous use (Alembic, the command line): pysqlite or psycopg 3."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite")
    return url.set(drivername="postgresql+psycopg")


def async_url(database_url: str) -> URL:
    """The URL for the asyncio engine: aiosqlite or psycopg 3 (async mode)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    return url.set(drivername="postgresql+psycopg")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sync_engine(database_url: str) -> Engine:
    """A synchronous engine with the SQLite pragmas applied."""
    url = sync_url(database_url)
    engine = create_engine(url, connect_args={"timeout": 30} if _is_sqlite(url) else {})
    if _is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An asyncio engine with the SQLite pragmas applied."""
    url = async_url(database_url)
    if _is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if _is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessions(engine: AsyncEngine) -> async_sessionmaker:
    """The session factory: one session per unit of work, nothing expired on commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def alembic_config(database_url: str) -> Any:
    """An Alembic Config pointing at our migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    # configparser treats "%" as interpolation; URLs may carry %-escapes (e.g. search_path options)
    cfg.set_main_option(
        "sqlalchemy.url", sync_url(database_url).render_as_string(False).replace("%", "%%")
    )
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Undo migrations down to `revision` ("base" for an empty database)."""
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None when it has none."""
    from alembic.runtime.migration import MigrationContext

    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade_if_behind(database_url: str) -> bool:
    """Upgrade the database when it is behind the code; True when something was applied."""
    if current_revision(database_url) == head_revision():
        return False
    upgrade(database_url)
    return True
