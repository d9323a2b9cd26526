"""Who is an admin, and the audit log of what admins (and would-be admins) did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Admin, AuditEntry, utcnow


@dataclass(frozen=True)
class AuditRow:
    """One audit log entry, as shown by /audit."""

    id: int
    actor_id: int
    action: str
    detail: str | None
    reached: int | None
    allowed: bool
    created_at: datetime


def is_owner(services: object, user_id: int | None) -> bool:
    """Owners are the ADMIN_IDS of the configuration."""
    return user_id is not None and user_id in services.settings.admin_ids  # type: ignore[attr-defined]


async def is_admin(services: object, user_id: int | None) -> bool:
    """Owners, and the admins owners added in Telegram."""
    if user_id is None:
        return False
    if is_owner(services, user_id):
        return True
    async with services.sessions() as session:  # type: ignore[attr-defined]
        return await session.get(Admin, user_id) is not None


async def admin_ids(session: AsyncSession, owners: frozenset[int]) -> set[int]:
    """Every admin's user id: owners and added admins."""
    rows = await session.scalars(select(Admin.user_id))
    return set(owners) | set(rows)


async def add_admin(session: AsyncSession, user_id: int, added_by: int) -> bool:
    """Make a user an admin; False when they already were."""
    if await session.get(Admin, user_id) is not None:
        return False
    session.add(Admin(user_id=user_id, added_by=added_by, created_at=utcnow()))
    return True


async def remove_admin(session: AsyncSession, user_id: int) -> bool:
    """Take admin rights away; False when the user was not an added admin."""
    result = await session.execute(delete(Admin).where(Admin.user_id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def audit(
    session: AsyncSession,
    actor_id: int,
    action: str,
    detail: str | None = None,
    reached: int | None = None,
    allowed: bool = True,
) -> None:
    """Write one audit entry (ids and counts only, never message text)."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action[:64],
            detail=detail[:300] if detail else None,
            reached=reached,
            allowed=allowed,
            created_at=utcnow(),
        )
    )


async def latest_audit(session: AsyncSession, limit: int = 20) -> list[AuditRow]:
    """The newest audit entries, newest first."""
    rows = await session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    )
    return [
        AuditRow(r.id, r.actor_id, r.action, r.detail, r.reached, r.allowed, r.created_at)
        for r in rows
    ]
