"""An .ics file for one protest (RFC 5545, built with the icalendar library)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as IcsEvent

from bot.domain.schedule import zone_or
from bot.render.alerts import EventInfo, format_where, map_link


def build_ics(event: EventInfo, now: datetime, domain: str = "tocsin.invalid") -> bytes:
    """A calendar with the event in its own timezone (VTIMEZONE included), with a 30-minute
    alarm: what "Add to calendar" sends."""
    zone: ZoneInfo = zone_or(event.timezone, "UTC")
    cal = Calendar()
    cal.add("prodid", "-//Tocsin//protest reminders//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    vevent = IcsEvent()
    vevent.add("uid", f"event-{event.id}@{domain}")
    vevent.add("dtstamp", now)
    vevent.add("summary", event.title or "Protest")
    if event.all_day:
        day = event.start_at.astimezone(zone).date()
        vevent.add("dtstart", day)
        vevent.add("dtend", day + timedelta(days=1))
    else:
        start = event.start_at.astimezone(zone)
        vevent.add("dtstart", start)
        end = event.end_at.astimezone(zone) if event.end_at else start + timedelta(hours=2)
        vevent.add("dtend", end)
    where = format_where(event)
    if where:
        vevent.add("location", where)
    if event.lat is not None and event.lon is not None:
        vevent.add("geo", (event.lat, event.lon))
    link = map_link(event)
    if link:
        vevent.add("url", link)
    if event.status == "cancelled":
        vevent.add("status", "CANCELLED")
    cal.add_component(vevent)
    adder = getattr(cal, "add_missing_timezones", None)
    if adder is not None:  # icalendar 6+: VTIMEZONE for the TZID used, from zoneinfo
        adder()
    return cal.to_ical()


def ics_filename(event: EventInfo) -> str:
    """A safe file name for the event."""
    return f"protest-{event.id}.ics"
