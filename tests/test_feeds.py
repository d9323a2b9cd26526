"""Parsing and the pure feed helpers: canonical links, text, next-check arithmetic, iCalendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.feeds import (
    canonical_link,
    html_to_text,
    item_guid,
    next_check_after_failure,
    next_check_after_success,
    parse_max_age,
    parse_retry_after,
    story_key,
)
from bot.storage import sources as repo
from bot.storage.models import Item
from jobs.feeds import (
    FeedParseError,
    discover_feeds,
    parse_body,
    parse_ics,
    strip_entity_declarations,
)
from jobs.poll import poll_due_sources
from tests.feeds_server import FeedServer, Reply

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.org/a?utm_source=x&utm_medium=y", "https://example.org/a"),
        ("http://example.org:80/a/", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1#section", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?fbclid=1&gclid=2&id=7", "https://example.org/a?id=7"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
    ],
)
def test_canonical_link(url: str, canonical: str) -> None:
    assert canonical_link(url) == canonical


def test_story_key_joins_copies_and_separates_stories() -> None:
    a = story_key("https://news.example/x?utm_campaign=rss", "1")
    b = story_key("http://NEWS.example/x/#top", "2")
    c = story_key("https://news.example/y", "1")
    assert a == b != c and len(a) == 64
    assert story_key(None, "guid-1") != story_key(None, "guid-2")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a&nbsp;&amp;&nbsp;b", "a & b"),
        ("<script>x()</script><style>p{}</style>Body", "Body"),
        ("  lots   of\t\tspace \n\n\n\n here ", "lots of space\n\nhere"),
        ("line<br>break", "line\nbreak"),
        ("plain 3 < 4 text", "plain 3 < 4 text"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_text_is_bounded() -> None:
    text = html_to_text("<p>" + "word " * 10_000 + "</p>", 20_000)
    assert len(text) == 20_000 and text.endswith("…")


def test_guid_fallbacks() -> None:
    assert item_guid("g", "l", "t", "d") == "g"
    assert item_guid(" ", "https://l", "t", "d") == "https://l"
    hashed = item_guid(None, None, "title", "date")
    assert hashed.startswith("sha256:") and hashed == item_guid(None, None, "title", "date")
    assert hashed != item_guid(None, None, "title", "other date")
    assert len(item_guid("x" * 2000, None, "", None)) <= 512


@pytest.mark.parametrize(
    ("kw", "low", "high"),
    [
        ({}, 540, 660),
        ({"ttl_minutes": 60}, 3240, 3960),
        ({"max_age": 1800}, 1620, 1980),
        ({"ttl_minutes": 10_000}, 86400 * 0.9, 86400 * 1.1),  # clamped to a day
        ({"ttl_minutes": 1}, 540, 660),  # never sooner than the interval
    ],
)
def test_next_check_after_success(kw: dict[str, Any], low: float, high: float) -> None:
    for rand in (0.0, 0.5, 0.999):
        schedule = next_check_after_success(NOW, 600, rand, **kw)
        assert low <= (schedule.next_check_at - NOW).total_seconds() <= high
        assert schedule.error_count == 0


@pytest.mark.parametrize(
    ("errors", "retry_after", "seconds", "disable"),
    [
        (0, None, 600, False),
        (1, None, 1200, False),
        (3, None, 4800, False),
        (8, None, 86400, False),  # capped
        (9, None, 86400, True),  # tenth failure in a row
        (0, 3600.0, 3600, False),  # Retry-After longer than the backoff wins
        (0, 10.0, 600, False),  # ...but never shortens it
        (0, 10**9, 86400, False),  # ...and is capped
    ],
)
def test_next_check_after_failure(
    errors: int, retry_after: float | None, seconds: float, disable: bool
) -> None:
    schedule = next_check_after_failure(NOW, 600, errors, 0.5, retry_after=retry_after)
    assert (schedule.next_check_at - NOW).total_seconds() == pytest.approx(seconds)
    assert schedule.error_count == errors + 1 and schedule.disable is disable


def test_retry_after_and_max_age_headers() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Tue, 01 Dec 2026 10:00:00 GMT", NOW) == 3600
    assert parse_retry_after("soon", NOW) is None
    assert parse_max_age("public, max-age=900") == 900
    assert parse_max_age("no-cache") is None


def test_autodiscovery() -> None:
    page = (FEEDS / "page.html").read_bytes()
    assert discover_feeds(page, "https://union.example/about/") == [
        "https://union.example/feed.xml",
        "https://union.example/atom.xml",
    ]
    assert discover_feeds(b"<html><body>nothing</body></html>", "https://x.example/") == []


def test_entity_declarations_are_dropped_before_parsing() -> None:
    bomb = (FEEDS / "entity-bomb.xml").read_bytes()
    stripped = strip_entity_declarations(bomb)
    assert b"<!ENTITY" not in stripped and b"<rss" in stripped
    feed = parse_body(bomb, kind="rss", url="http://x/", content_type=None, timezone=None, now=NOW)
    assert all("lollol" not in i.text and "root:" not in i.text for i in feed.items)


def test_web_page_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError):
        parse_body(
            (FEEDS / "page.html").read_bytes(),
            kind="rss",
            url="http://x/",
            content_type="text/html",
            timezone=None,
            now=NOW,
        )


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Tocsin tests//EN
X-WR-CALNAME:Union actions
BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:STANDARD
DTSTART:19701025T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:picket-1@union.example
DTSTAMP:20261120T100000Z
DTSTART;TZID=Europe/London:20261209T120000
DTEND;TZID=Europe/London:20261209T140000
SUMMARY:Picket at the embassy
LOCATION:62 South Audley Street\\, London
DESCRIPTION:Bring banners.
URL:https://union.example/actions/picket-1
END:VEVENT
BEGIN:VEVENT
UID:weekly@union.example
DTSTAMP:20261120T100000Z
DTSTART;TZID=Europe/London:20261104T180000
DURATION:PT1H
RRULE:FREQ=WEEKLY;COUNT=20
EXDATE;TZID=Europe/London:20261216T180000
SUMMARY:Weekly vigil
END:VEVENT
BEGIN:VEVENT
UID:weekly@union.example
RECURRENCE-ID;TZID=Europe/London:20261223T180000
DTSTAMP:20261120T100000Z
DTSTART;TZID=Europe/London:20261223T170000
DTEND;TZID=Europe/London:20261223T180000
SUMMARY:Weekly vigil (early, Christmas)
END:VEVENT
BEGIN:VEVENT
UID:floating@union.example
DTSTAMP:20261120T100000Z
DTSTART:20261205T100000
SUMMARY:Meeting in the source's timezone
END:VEVENT
BEGIN:VEVENT
UID:allday@union.example
DTSTAMP:20261120T100000Z
DTSTART;VALUE=DATE:20261210
DTEND;VALUE=DATE:20261211
SUMMARY:Day of action
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:old@union.example
DTSTAMP:20261120T100000Z
DTSTART:20250101T100000Z
SUMMARY:Long over
END:VEVENT
END:VCALENDAR
"""


def test_ics_events_with_tzid_recurrence_and_overrides() -> None:
    feed = parse_ics(ICS.encode(), "https://union.example/cal.ics", "Asia/Almaty", NOW)
    assert feed.title == "Union actions"
    by_guid = {i.guid: i for i in feed.items}
    picket = by_guid["picket-1@union.example"]
    assert picket.ics_event == {
        "uid": "picket-1@union.example",
        "summary": "Picket at the embassy",
        "start": "2026-12-09T12:00:00+00:00",
        "end": "2026-12-09T14:00:00+00:00",
        "all_day": False,
        "location": "62 South Audley Street, London",
        "timezone": "Europe/London",
        "status": "confirmed",
        "recurrence_id": None,
    }
    assert picket.link == "https://union.example/actions/picket-1"
    assert "Bring banners." in picket.text and "South Audley" in picket.text
    weekly = sorted(g for g in by_guid if g.startswith("weekly@"))
    # weekly from 4 Nov; the window is 30 Nov .. 30 Jan; 16 Dec is excluded
    starts = [g.split(":", 1)[1] for g in weekly]
    assert "2026-12-16T18:00:00+00:00" not in starts
    assert starts[0] == "2026-12-02T18:00:00+00:00"
    assert all(s <= "2027-01-30" for s in starts) and len(starts) == 8
    moved = by_guid["weekly@union.example:2026-12-23T18:00:00+00:00"]
    assert moved.ics_event["start"] == "2026-12-23T17:00:00+00:00"
    assert moved.title == "Weekly vigil (early, Christmas)"
    assert moved.ics_event["recurrence_id"] == "2026-12-23T18:00:00+00:00"
    # each occurrence is its own story
    assert len({by_guid[g].story_key for g in weekly}) == len(weekly)
    floating = by_guid["floating@union.example"].ics_event
    assert (
        floating["start"] == "2026-12-05T10:00:00+05:00" and floating["timezone"] == "Asia/Almaty"
    )
    allday = by_guid["allday@union.example"].ics_event
    assert allday["all_day"] is True and allday["status"] == "cancelled"
    assert allday["start"].startswith("2026-12-10T00:00:00")
    assert "old@union.example" not in by_guid


def test_ics_summer_time_offset() -> None:
    summer = ICS.replace("20261209T120000", "20270609T120000").replace(
        "20261209T140000", "20270609T140000"
    )
    feed = parse_ics(summer.encode(), "https://u/", None, NOW)
    picket = next(i for i in feed.items if i.guid == "picket-1@union.example")
    assert picket.ics_event["start"] == "2027-06-09T12:00:00+01:00"


def test_broken_ics() -> None:
    with pytest.raises(FeedParseError):
        parse_ics(b"BEGIN:VCALENDAR\r\nthis is not\r\n", "https://u/", None, NOW)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback feed server for one test."""
    with FeedServer() as srv:
        yield srv


async def test_ics_source_polled_over_http(services: Any, server: FeedServer) -> None:
    services.clock.set(NOW)
    url = server.route("/cal.ics", Reply(200, ICS.encode(), {"Content-Type": "text/calendar"}))
    async with services.sessions() as session, session.begin():
        source = await repo.add_source(session, url, NOW, kind="ics", timezone="Europe/Paris")
    [result] = await poll_due_sources(services)
    assert result.status == "new" and result.new_items == 11
    async with services.sessions() as session:
        items = list(await session.scalars(select(Item).where(Item.source_id == source.id)))
    picket = next(i for i in items if i.guid == "picket-1@union.example")
    assert picket.ics_event["start"] == "2026-12-09T12:00:00+00:00"
    assert picket.backlog and picket.stage == "new"
    floating = next(i for i in items if i.guid == "floating@union.example")
    assert floating.ics_event["start"] == "2026-12-05T10:00:00+01:00"


def test_demo_sample_feed_parses() -> None:
    from bot.demo.sample_feed import render_sample_feed

    now = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)  # a Wednesday: the protest is a week on
    feed = parse_body(
        render_sample_feed(now),
        kind="rss",
        url="http://127.0.0.1/demo.xml",
        content_type="application/rss+xml",
        timezone=None,
        now=now,
    )
    assert feed.title == "Labour Solidarity Wire (Tocsin demo)" and not feed.bozo
    crackdown, strike, football = feed.items
    assert crackdown.published_at == now
    assert "10 people were killed and 70 wounded" in crackdown.text
    assert (
        "on Wednesday 23 December at 12 noon at the Kazakh-British Chamber of Commerce"
        in crackdown.text
    )
    assert "62 South Audley Street" in crackdown.text
    assert "strike" in strike.title and "striker" in football.title
    assert crackdown.story_key == story_key(
        "https://demo.tocsin.invalid/news/zhanaozen-shooting", ""
    )


def test_dense_and_ancient_recurrences_stay_cheap() -> None:
    dense = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:old-secondly\r\nDTSTAMP:20261101T000000Z\r\n"
        b"DTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:new-minutely\r\nDTSTAMP:20261101T000000Z\r\n"
        b"DTSTART:20261201T080000Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:y\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    feed = parse_ics(dense, "https://u/", None, NOW)
    assert not any(i.guid.startswith("old-secondly") for i in feed.items)
    assert sum(i.guid.startswith("new-minutely") for i in feed.items) == 200


async def test_ics_occurrences_become_separate_events(services: Any, server: FeedServer) -> None:
    from bot.storage.models import Event
    from jobs.understand import understand_new_items

    services.clock.set(NOW)
    url = server.route("/cal.ics", Reply(200, ICS.encode(), {"Content-Type": "text/calendar"}))
    async with services.sessions() as session, session.begin():
        await repo.add_source(session, url, NOW, kind="ics")
    await poll_due_sources(services)
    await understand_new_items(services)
    async with services.sessions() as session:
        keys = list(await session.scalars(select(Event.event_key)))
        moved = await session.scalar(
            select(Event).where(Event.event_key.like("ics:weekly@union.example:2026-12-23%"))
        )
    weekly = [k for k in keys if k.startswith("ics:weekly@")]
    assert len(weekly) == 8 and len(set(weekly)) == 8
    assert moved is not None and moved.start_at == datetime(2026, 12, 23, 17, 0, tzinfo=UTC)
