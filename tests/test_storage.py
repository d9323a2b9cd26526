"""Migrations and the schema: upgrade, downgrade, models agree with migrations, UTC round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.services import open_services
from bot.storage import db
from bot.storage.models import Base, Subscriber
from bot.storage.outbox import enqueue
from tests.support import make_settings


def test_upgrade_and_downgrade_round_trip(blank_any_db_url: str) -> None:
    assert db.current_revision(blank_any_db_url) is None
    db.upgrade(blank_any_db_url)
    assert db.current_revision(blank_any_db_url) == db.head_revision()
    engine = db.make_sync_engine(blank_any_db_url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"subscribers", "filters", "sources", "items", "events", "deliveries", "follows",
            "reminders", "broadcasts", "audit_log", "admins"} <= tables
    db.downgrade(blank_any_db_url, "base")
    with engine.connect() as conn:
        left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
    assert db.current_revision(blank_any_db_url) is None
    # and up again: the downgrade left nothing behind that blocks a fresh upgrade
    db.upgrade(blank_any_db_url)
    assert db.current_revision(blank_any_db_url) == db.head_revision()


def test_models_and_migrations_agree(any_db_url: str) -> None:
    engine = db.make_sync_engine(any_db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_if_behind_only_acts_when_behind(blank_sqlite_url: str) -> None:
    assert db.upgrade_if_behind(blank_sqlite_url) is True
    assert db.upgrade_if_behind(blank_sqlite_url) is False


def test_sqlite_has_foreign_keys_and_wal(db_url: str) -> None:
    engine = db.make_sync_engine(db_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


async def test_datetimes_come_back_aware_utc_and_enqueue_is_idempotent(any_db_url: str) -> None:
    services = await open_services(make_settings(any_db_url))
    almaty = timezone(timedelta(hours=5))
    created = datetime(2011, 12, 21, 17, 0, tzinfo=almaty)
    try:
        async with services.sessions() as session, session.begin():
            row = Subscriber(chat_id=5, language="en", created_at=created)
            session.add(row)
            await session.flush()
            first = await enqueue(session, subscriber_id=row.id, kind="alert", dedup_key="story:x")
            again = await enqueue(session, subscriber_id=row.id, kind="alert", dedup_key="story:x")
        assert (first, again) == (True, False)
        async with services.sessions() as session:
            loaded = await session.scalar(sa.select(Subscriber).where(Subscriber.chat_id == 5))
        assert loaded is not None
        assert loaded.created_at == datetime(2011, 12, 21, 12, 0, tzinfo=UTC)
        assert loaded.created_at.tzinfo is not None
    finally:
        await services.close()


async def test_naive_datetimes_are_refused(services: object) -> None:
    with pytest.raises(Exception, match="naive"):
        async with services.sessions() as session, session.begin():  # type: ignore[attr-defined]
            session.add(Subscriber(chat_id=6, language="en", created_at=datetime(2020, 1, 1)))
