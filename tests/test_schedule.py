"""Reminder, quiet-hour and digest arithmetic in the subscriber's zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    digest_due,
    digest_slot,
    local_instant,
    next_digest_at,
    quiet_until,
    relative_day,
    reminder_times,
    zone_or,
)

LONDON = ZoneInfo("Europe/London")
ALMATY = ZoneInfo("Asia/Almaty")


def test_reminder_times_only_those_ahead() -> None:
    start = datetime(2026, 12, 21, 12, tzinfo=UTC)
    leads = (timedelta(days=1), timedelta(hours=2))
    assert reminder_times(start, leads, start - timedelta(days=2)) == [
        (1440, start - timedelta(days=1)),
        (120, start - timedelta(hours=2)),
    ]
    assert reminder_times(start, leads, start - timedelta(hours=5)) == [
        (120, start - timedelta(hours=2))
    ]
    assert reminder_times(start, leads, start - timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("day", "minutes", "expected"),
    [
        (date(2026, 10, 24), 8 * 60, datetime(2026, 10, 24, 7, tzinfo=UTC)),  # BST
        (date(2026, 10, 26), 8 * 60, datetime(2026, 10, 26, 8, tzinfo=UTC)),  # GMT
        # 01:30 on the autumn day happens twice: the first one (BST)
        (date(2026, 10, 25), 90, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # 01:30 on the spring day does not exist: moved forward by the gap (02:30 BST)
        (date(2027, 3, 28), 90, datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
    ],
)
def test_local_instant_across_dst(day: date, minutes: int, expected: datetime) -> None:
    assert local_instant(day, minutes, LONDON) == expected


@pytest.mark.parametrize(
    ("now", "start", "end", "until"),
    [
        (
            datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
            22 * 60,
            7 * 60,
            datetime(2026, 10, 25, 7, tzinfo=UTC),
        ),
        # 21:30 BST on Saturday: not yet quiet; from 22:00 BST the night ends at 07:00 GMT
        (datetime(2026, 10, 24, 20, 30, tzinfo=UTC), 22 * 60, 7 * 60, None),
        (
            datetime(2026, 10, 24, 21, 0, tzinfo=UTC),
            22 * 60,
            7 * 60,
            datetime(2026, 10, 25, 7, tzinfo=UTC),
        ),
        (
            datetime(2026, 10, 25, 6, 30, tzinfo=UTC),
            22 * 60,
            7 * 60,
            datetime(2026, 10, 25, 7, tzinfo=UTC),
        ),
        (datetime(2026, 10, 25, 7, 0, tzinfo=UTC), 22 * 60, 7 * 60, None),
        # spring: 06:30 BST is 05:30 UTC, quiet ends at 07:00 BST = 06:00 UTC
        (
            datetime(2027, 3, 28, 5, 30, tzinfo=UTC),
            22 * 60,
            7 * 60,
            datetime(2027, 3, 28, 6, tzinfo=UTC),
        ),
        # a daytime period that does not span midnight
        (
            datetime(2026, 12, 1, 13, 0, tzinfo=UTC),
            12 * 60,
            14 * 60,
            datetime(2026, 12, 1, 14, tzinfo=UTC),
        ),
        (datetime(2026, 12, 1, 13, 0, tzinfo=UTC), None, None, None),
        (datetime(2026, 12, 1, 13, 0, tzinfo=UTC), 600, 600, None),
    ],
)
def test_quiet_until(
    now: datetime, start: int | None, end: int | None, until: datetime | None
) -> None:
    assert quiet_until(now, LONDON, start, end) == until


def test_quiet_hours_in_another_zone() -> None:
    # 23:00 in Almaty (UTC+5) is 18:00 UTC
    now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert quiet_until(now, ALMATY, 22 * 60, 7 * 60) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_digest_slots_keep_local_hour_across_dst() -> None:
    last = None
    slots = []
    now = datetime(2026, 10, 23, 12, tzinfo=UTC)
    while now < datetime(2026, 10, 27, 12, tzinfo=UTC):
        if digest_due(now, LONDON, 8, last):
            slots.append(digest_slot(now, LONDON, 8))
            last = now
        now += timedelta(minutes=15)
    # 08:00 London every day: 07:00 UTC in summer time, 08:00 UTC from Sunday the 25th
    assert slots == [
        datetime(2026, 10, 23, 7, tzinfo=UTC),
        datetime(2026, 10, 24, 7, tzinfo=UTC),
        datetime(2026, 10, 25, 8, tzinfo=UTC),
        datetime(2026, 10, 26, 8, tzinfo=UTC),
        datetime(2026, 10, 27, 8, tzinfo=UTC),
    ]
    assert next_digest_at(datetime(2026, 10, 24, 9, tzinfo=UTC), LONDON, 8) == datetime(
        2026, 10, 25, 8, tzinfo=UTC
    )


def test_relative_day_in_subscriber_zone() -> None:
    now = datetime(2026, 12, 20, 20, tzinfo=UTC)  # 01:00 on the 21st in Almaty
    event = datetime(2026, 12, 21, 12, tzinfo=UTC)
    assert relative_day(event, now, LONDON) == "tomorrow"
    assert relative_day(event, now, ALMATY) == "today"
    assert relative_day(event + timedelta(days=3), now, LONDON) is None


def test_zone_or_falls_back() -> None:
    assert zone_or("Nowhere/City", "Europe/London") == LONDON
    assert zone_or(None, "Asia/Almaty") == ALMATY
