"""Reminder, quiet-hour and digest arithmetic in the subscriber's own timezone, DST-safe.

Every function takes `now` (aware) and returns aware UTC datetimes. Wall-clock times ("08:00
local") are turned into instants with zoneinfo, so a quiet period or a digest hour stays at the
same local time across a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def reminder_times(
    start_at: datetime, leads: tuple[timedelta, ...], now: datetime
) -> list[tuple[int, datetime]]:
    """(lead in minutes, due time) for each lead whose due time is still ahead of `now`."""
    out = []
    for lead in leads:
        due = start_at - lead
        if due > now:
            out.append((int(lead.total_seconds() // 60), due.astimezone(UTC)))
    return out


def local_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `minutes` after midnight on `day` in `zone`.

    A wall time inside a spring-forward gap moves forward by the gap (02:30 on a day that jumps
    from 02:00 to 03:00 becomes 03:30); an ambiguous one in the autumn is its first occurrence.
    """
    # zoneinfo reads fold=0 as the offset before the transition, which gives exactly that
    wall = datetime.combine(day, time(minutes // 60 % 24, minutes % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def quiet_until(
    now: datetime, zone: ZoneInfo, start: int | None, end: int | None
) -> datetime | None:
    """When the quiet period around `now` ends (UTC), or None when `now` is not quiet.

    `start` and `end` are minutes after local midnight; start > end spans midnight
    (e.g. 22:00-07:00). Equal values mean no quiet period.
    """
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    today = local.date()
    if start < end:
        if start <= minute < end:
            return local_instant(today, end, zone)
        return None
    # spans midnight
    if minute >= start:
        return local_instant(today + timedelta(days=1), end, zone)
    if minute < end:
        return local_instant(today, end, zone)
    return None


def digest_slot(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The latest digest time at or before `now`: today's `hour` local, else yesterday's."""
    local = now.astimezone(zone)
    today = local_instant(local.date(), hour * 60, zone)
    if today <= now:
        return today
    return local_instant(local.date() - timedelta(days=1), hour * 60, zone)


def digest_due(now: datetime, zone: ZoneInfo, hour: int, last_sent: datetime | None) -> bool:
    """True when the digest for the latest slot at or before `now` has not gone yet."""
    slot = digest_slot(now, zone, hour)
    return last_sent is None or last_sent < slot


def next_digest_at(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The next digest time strictly after `now`."""
    local = now.astimezone(zone)
    for days in range(0, 3):
        slot = local_instant(local.date() + timedelta(days=days), hour * 60, zone)
        if slot > now:
            return slot
    raise AssertionError("unreachable: a day always has the hour")


def relative_day(when: datetime, now: datetime, zone: ZoneInfo) -> str | None:
    """'today' or 'tomorrow' when `when` falls on that local day for the subscriber, else None."""
    delta = (when.astimezone(zone).date() - now.astimezone(zone).date()).days
    return {0: "today", 1: "tomorrow"}.get(delta)


def zone_or(name: str | None, default: str) -> ZoneInfo:
    """The subscriber's zone if it is a valid IANA name, else the default one."""
    for candidate in (name, default, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (KeyError, ValueError):
            continue
    return ZoneInfo("UTC")
