"""Parsing feed bodies into plain items: RSS/Atom through feedparser, iCalendar through icalendar.

Everything here is synchronous and picklable in and out, so the poller can run it in a worker
process (feedparser holds the GIL for about 0.7 ms an entry).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import feedparser
from dateutil.rrule import rrulestr

from bot.domain.feeds import (
    MAX_TEXT,
    html_to_text,
    item_guid,
    normalise_text,
    one_line,
    story_key,
)

ICS_HORIZON = timedelta(days=60)
ICS_PAST = timedelta(days=1)
MAX_ITEMS = 1000  # a feed with more entries than this is cut, newest first as the feed orders them
MAX_OCCURRENCES = 200


class FeedParseError(Exception):
    """The body is not a feed we can read; the message is log-safe."""


@dataclass
class ParsedItem:
    """One entry as the poller stores it."""

    guid: str
    story_key: str
    link: str | None
    title: str
    text: str
    published_at: datetime | None
    lang: str | None = None
    ics_event: dict[str, Any] | None = None


@dataclass
class ParsedFeed:
    """A parsed body: the feed's title, its TTL and the items."""

    title: str | None
    items: list[ParsedItem] = field(default_factory=list)
    ttl_minutes: int | None = None
    bozo: bool = False  # malformed, but we kept what could be read
    site_link: str | None = None


def looks_like_ics(body: bytes) -> bool:
    """True when the body starts like an iCalendar file."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper().startswith(b"BEGIN:VCALENDAR")


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """True when the body is a web page rather than a feed."""
    ctype = (content_type or "").lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return False
    return "html" in ctype or head.startswith((b"<!doctype html", b"<html"))


class _AlternateLinks(HTMLParser):
    TYPES = (
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "text/calendar",
        "application/feed+json",
    )

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in self.TYPES[:4] and values.get("href"):
            self.found.append((kind, values["href"]))


def discover_feeds(body: bytes, base_url: str) -> list[str]:
    """Feed addresses a web page announces with <link rel="alternate">, in page order."""
    parser = _AlternateLinks()
    try:
        parser.feed(body[:2_000_000].decode("utf-8", "replace"))
    except Exception:  # a broken page simply announces nothing
        return []
    return list(dict.fromkeys(urljoin(base_url, href.strip()) for _k, href in parser.found))


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip().lower())[0]
    return primary[:8] if primary.isalpha() else None


def _entry_text(entry: Any) -> str:
    candidates: list[str] = []
    for content in entry.get("content") or []:
        if content.get("value"):
            candidates.append(content["value"])
    if entry.get("summary"):
        candidates.append(entry["summary"])
    if not candidates:
        return ""
    # The fullest version of the text; feeds often give a teaser and the full article.
    return max(candidates, key=len)


_DOCTYPE_SUBSET = re.compile(rb"(<!DOCTYPE[^\[>]*)\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)


def strip_entity_declarations(body: bytes) -> bytes:
    """Drop a DOCTYPE's internal subset, where entity bombs and external entities live.

    expat (2.4+) stops a billion-laughs expansion only after megabytes of output, and feedparser
    then re-reads the body with its loose parser: measured at 1.7 s and 58 MB for one small bomb.
    Feeds have no use for declared entities, so they go before any parser sees them.
    """
    head = body[:1_000_000]
    if b"<!ENTITY" not in head and b"<!entity" not in head:
        return body
    stripped, count = _DOCTYPE_SUBSET.subn(rb"\1>", head, count=1)
    if not count:
        raise FeedParseError("entity declarations outside a DOCTYPE")
    return stripped + body[1_000_000:]


def parse_rss(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """RSS 0.9x/1.0/2.0 or Atom through feedparser; a malformed feed yields what it can."""
    body = strip_entity_declarations(body)
    # No content-location: with a base address feedparser resolves every URI in the document,
    # which cost a fifth of the parse (1.8 of 9.7 ms a 50-entry feed); we resolve the one link
    # we keep ourselves.
    headers = {"content-type": content_type} if content_type else {}
    # Handing feedparser a stream (never a string) keeps it from fetching anything itself;
    # sanitising and resolving URIs would be wasted work since we keep only plain text.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if not entries and not feed.get("title") and parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        raise FeedParseError(f"not a feed ({type(exc).__name__})")
    if not parsed.get("version") and not entries:
        raise FeedParseError("not a feed")
    feed_lang = _lang(feed.get("language"))
    items: list[ParsedItem] = []
    for entry in entries[:MAX_ITEMS]:
        title = one_line(entry.get("title", ""))
        link = (entry.get("link") or "").replace("\x00", "").strip() or None
        if link:
            link = urljoin(url, link)[:2048]
        published = _struct_to_dt(entry.get("published_parsed") or entry.get("updated_parsed"))
        guid = item_guid(
            entry.get("id"), link, title, entry.get("published") or entry.get("updated")
        )
        text = html_to_text(_entry_text(entry), MAX_TEXT)
        lang = _lang((entry.get("content") or [{}])[0].get("language")) or feed_lang
        items.append(
            ParsedItem(guid, story_key(link, f"{url}\n{guid}"), link, title, text, published, lang)
        )
    ttl = feed.get("ttl")
    ttl_minutes = int(ttl) if isinstance(ttl, str) and ttl.strip().isdigit() else None
    return ParsedFeed(
        title=one_line(feed.get("title", ""), 300) or None,
        items=items,
        ttl_minutes=ttl_minutes,
        bozo=bool(parsed.get("bozo")),
        site_link=feed.get("link") or None,
    )


def _zone(name: str | None) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def _zone_name(tz: tzinfo | None, fallback: str) -> str:
    if tz is None:
        return fallback
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    if tz is UTC:
        return "UTC"
    name = tz.tzname(None)
    return name or fallback


def _decoded(component: Any, name: str) -> Any:
    try:
        return component.decoded(name)
    except (KeyError, ValueError, TypeError):
        return None


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


class _Event:
    """One VEVENT brought to aware datetimes in its own zone."""

    def __init__(self, component: Any, default_tz: tzinfo) -> None:
        self.component = component
        self.uid = _text(component, "uid").strip()
        start = _decoded(component, "dtstart")
        if start is None:
            raise ValueError("event without DTSTART")
        self.all_day = isinstance(start, date) and not isinstance(start, datetime)
        if self.all_day:
            self.tz = default_tz
            self.start = datetime.combine(start, time(0), default_tz)
        elif start.tzinfo is None:  # floating time: the source's timezone
            self.tz = default_tz
            self.start = start.replace(tzinfo=default_tz)
        else:
            self.tz = start.tzinfo
            self.start = start
        end = _decoded(component, "dtend")
        duration = _decoded(component, "duration")
        if isinstance(end, datetime):
            self.end: datetime | None = end if end.tzinfo else end.replace(tzinfo=self.tz)
        elif isinstance(end, date):
            self.end = datetime.combine(end, time(0), self.tz)
        elif isinstance(duration, timedelta):
            self.end = self.start + duration
        else:
            self.end = None

    @property
    def duration(self) -> timedelta | None:
        return self.end - self.start if self.end is not None else None

    def occurrences(self, now: datetime) -> list[datetime]:
        """Start times of this event from a day ago to 60 days ahead (one, if not recurring)."""
        rule = self.component.get("rrule")
        if rule is None:
            return [self.start]
        wall = self.start.replace(tzinfo=None)
        text = rule.to_ical().decode("ascii", "replace")
        low = (now - ICS_PAST).astimezone(self.tz).replace(tzinfo=None)
        high = (now + ICS_HORIZON).astimezone(self.tz).replace(tzinfo=None)
        # dateutil walks every occurrence from DTSTART on: a secondly rule from long ago would
        # be billions of steps. Protest calendars recur daily at most often, so faster rules
        # are expanded only when they start close to the window.
        frequency = re.search(r"FREQ=([A-Z]+)", text.upper())
        fast = frequency is not None and frequency.group(1) in ("SECONDLY", "MINUTELY", "HOURLY")
        if fast and wall < low - timedelta(days=7):
            return [self.start] if self.start >= now - ICS_PAST else []
        # Expand on the local wall clock, then attach the zone, so a weekly 12:00 stays at 12:00
        # across a DST change.
        try:
            recurrence = rrulestr(f"RRULE:{text}", dtstart=wall, ignoretz=True, forceset=True)
        except (ValueError, TypeError):
            return [self.start]
        for exdate in _exdates(self.component, self.tz):
            recurrence.exdate(exdate)
        out = []
        # xafter yields lazily, so a dense rule stops at MAX_OCCURRENCES instead of building a
        # list of every occurrence in the window first.
        for occurrence in recurrence.xafter(low, count=MAX_OCCURRENCES, inc=True):
            if occurrence > high:
                break
            out.append(occurrence.replace(tzinfo=self.tz))
        return out


def _exdates(component: Any, tz: tzinfo) -> list[datetime]:
    raw = component.get("exdate")
    if raw is None:
        return []
    out = []
    for group in raw if isinstance(raw, list) else [raw]:
        for value in getattr(group, "dts", []):
            dt = value.dt
            if isinstance(dt, datetime):
                if dt.tzinfo is not None:
                    dt = dt.astimezone(tz)
                out.append(dt.replace(tzinfo=None))
            elif isinstance(dt, date):
                out.append(datetime.combine(dt, time(0)))
    return out


def _iso(dt: datetime | None, all_day: bool) -> str | None:
    if dt is None:
        return None
    return dt.isoformat()


def parse_ics(body: bytes, url: str, timezone: str | None, now: datetime) -> ParsedFeed:
    """Each VEVENT becomes an item with a structured event; recurrences expanded 60 days ahead."""
    from icalendar import Calendar

    try:
        calendars = Calendar.from_ical(body, multiple=True)
    except Exception as exc:  # icalendar raises ValueError and others for broken files
        raise FeedParseError(f"not an iCalendar file ({type(exc).__name__})") from None
    default_tz = _zone(timezone)
    default_name = timezone or "UTC"
    title: str | None = None
    items: list[ParsedItem] = []
    seen: set[str] = set()
    for calendar in calendars:
        title = title or (one_line(_text(calendar, "x-wr-calname"), 300) or None)
        cal_tz_name = _text(calendar, "x-wr-timezone").strip() or None
        cal_tz = _zone(cal_tz_name) if cal_tz_name else default_tz
        overrides: dict[tuple[str, str], Any] = {}
        masters = []
        for component in calendar.walk("VEVENT"):
            if component.get("recurrence-id") is not None:
                rid = _decoded(component, "recurrence-id")
                key = rid.isoformat() if isinstance(rid, date) else str(rid)
                overrides[(_text(component, "uid").strip(), key)] = component
            else:
                masters.append(component)
        for component in masters:
            try:
                event = _Event(component, cal_tz)
            except (ValueError, TypeError):
                continue
            recurring = component.get("rrule") is not None
            for start in event.occurrences(now):
                source_component = component
                occ_start = start
                occ_end = start + event.duration if event.duration is not None else None
                if recurring:
                    over = overrides.get((event.uid, start.isoformat())) or overrides.get(
                        (event.uid, start.astimezone(UTC).isoformat())
                    )
                    if over is not None:
                        try:
                            moved = _Event(over, event.tz)
                        except (ValueError, TypeError):
                            moved = None
                        if moved is not None:
                            source_component, occ_start, occ_end = over, moved.start, moved.end
                ends = occ_end or occ_start
                if ends < now - ICS_PAST:
                    continue  # long over: nothing to alert or remind about
                guid_base = event.uid or item_guid(
                    None, None, _text(component, "summary"), start.isoformat()
                )
                guid = f"{guid_base}:{start.isoformat()}" if recurring else guid_base
                guid = item_guid(guid, None, "", None)
                if guid in seen:
                    continue
                seen.add(guid)
                items.append(
                    _ics_item(
                        source_component,
                        event,
                        guid,
                        occ_start,
                        occ_end,
                        url,
                        default_name
                        if event.tz is default_tz
                        else _zone_name(event.tz, default_name),
                        start.isoformat() if recurring else None,
                    )
                )
                if len(items) >= MAX_ITEMS:
                    break
    if title is None and not items and not calendars:
        raise FeedParseError("empty iCalendar file")
    return ParsedFeed(title=title, items=items)


def _ics_item(
    component: Any,
    event: _Event,
    guid: str,
    start: datetime,
    end: datetime | None,
    url: str,
    zone_name: str,
    recurrence: str | None,
) -> ParsedItem:
    summary = one_line(_text(component, "summary"))
    description = _text(component, "description")
    location = normalise_text(_text(component, "location"), 300) or None
    status = (_text(component, "status") or "CONFIRMED").strip().lower()
    link = _text(component, "url").strip() or None
    if link:
        link = urljoin(url, link)[:2048]
    text = html_to_text(description, MAX_TEXT)
    if location and location not in text:
        text = normalise_text(f"{text}\n\n{location}" if text else location, MAX_TEXT)
    stamp = _decoded(component, "last-modified") or _decoded(component, "created")
    if stamp is None:
        stamp = _decoded(component, "dtstamp")
    published = stamp.astimezone(UTC) if isinstance(stamp, datetime) and stamp.tzinfo else None
    ics_event = {
        "uid": event.uid or guid,
        "summary": summary,
        "start": _iso(start, event.all_day),
        "end": _iso(end, event.all_day),
        "all_day": event.all_day,
        "location": location,
        "timezone": zone_name,
        "status": status,
        # The occurrence's original start: what tells the occurrences of one UID apart (and
        # finds an occurrence again when it is moved).
        "recurrence_id": recurrence,
    }
    return ParsedItem(
        guid=guid,
        # Every occurrence of a recurring event is its own story, even when they share a URL.
        story_key=story_key(None if recurrence else link, f"ics\n{guid}"),
        link=link,
        title=summary,
        text=text,
        published_at=published,
        lang=None,
        ics_event=ics_event,
    )


def parse_body(
    body: bytes,
    *,
    kind: str,
    url: str,
    content_type: str | None,
    timezone: str | None,
    now: datetime,
) -> ParsedFeed:
    """Parse a fetched body as the source's kind (an .ics body is read as iCalendar anyway)."""
    if kind == "ics" or looks_like_ics(body):
        return parse_ics(body, url, timezone, now)
    if looks_like_html(body, content_type):
        raise FeedParseError("a web page, not a feed")
    return parse_rss(body, url, content_type)
