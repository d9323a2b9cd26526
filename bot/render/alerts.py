"""What a subscriber reads: alerts, protest cards, reminders, event updates, digests, notices.

Every text is Telegram HTML with every outside value escaped, in the subscriber's language, with
times in the subscriber's timezone (and the local time where the protest is, when different).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.schedule import relative_day, zone_or
from bot.i18n import tr
from bot.render.message import Outgoing

MAX_TEXT = 4096
CATEGORY_MARK = {"crackdown": "🚨", "strike": "✊", "protest_call": "📣", "other": "📰"}
CATEGORY_NAME = {
    "crackdown": "Crackdown",
    "strike": "Strike",
    "protest_call": "Call to protest",
    "other": "News",
}

# callback_data prefixes handled by bot/handlers/delivery.py (kept here so both agree)
CB_REMIND = "dl:rm:"
CB_ICS = "dl:ics:"
CB_NO = "dl:no:"
CB_CANCEL_REMINDER = "dl:cr:"
CB_UPCOMING = "dl:up:"


@dataclass(frozen=True)
class EventInfo:
    """The fields of an event the texts need (built from an Event row)."""

    id: int
    title: str
    start_at: datetime
    end_at: datetime | None
    all_day: bool
    timezone: str
    venue: str | None
    address: str | None
    city: str | None
    lat: float | None
    lon: float | None
    status: str = "scheduled"


def event_info(row: Any) -> EventInfo:
    """An EventInfo from an Event row (or anything with the same attributes)."""
    return EventInfo(
        id=row.id,
        title=row.title or "",
        start_at=row.start_at,
        end_at=row.end_at,
        all_day=bool(row.all_day),
        timezone=row.timezone or "UTC",
        venue=row.venue,
        address=row.address,
        city=row.city,
        lat=row.lat,
        lon=row.lon,
        status=row.status or "scheduled",
    )


def esc(value: object) -> str:
    """HTML-escape any outside value for Telegram."""
    return html.escape(str(value), quote=False)


def _locale(lang: str) -> str:
    return lang if lang in ("en", "ru") else "en"


def format_when(lang: str, event: EventInfo, zone: ZoneInfo, now: datetime) -> str:
    """'Tomorrow, Wed 21 Dec, 12:00' in the subscriber's zone, plus the local time if different."""
    loc = _locale(lang)
    local = event.start_at.astimezone(zone)
    day = format_date(local.date(), "EEE d MMM", locale=loc)
    rel = relative_day(event.start_at, now, zone)
    if rel == "today":
        day = tr(lang, "Today, {day}", day=day)
    elif rel == "tomorrow":
        day = tr(lang, "Tomorrow, {day}", day=day)
    if event.all_day:
        return day
    text = f"{day}, {format_time(local.time(), 'HH:mm', locale=loc)}"
    where = zone_or(event.timezone, "UTC")
    there = event.start_at.astimezone(where)
    if there.utcoffset() != local.utcoffset():
        there_text = format_time(there.time(), "HH:mm", locale=loc)
        if there.date() != local.date():
            there_text = f"{format_date(there.date(), 'EEE d MMM', locale=loc)}, {there_text}"
        text += " " + tr(lang, "({time} local time)", time=there_text)
    return text


def format_where(event: EventInfo) -> str:
    """'venue, address, city' without repeats, unescaped."""
    parts: list[str] = []
    for part in (event.venue, event.address, event.city):
        if part and part.strip() and not any(part.strip() in p for p in parts):
            parts.append(part.strip())
    return ", ".join(parts)


def map_link(event: EventInfo) -> str | None:
    """An OpenStreetMap link: the point when coordinates are known, else an address search."""
    if event.lat is not None and event.lon is not None:
        lat, lon = f"{event.lat:.5f}", f"{event.lon:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    where = format_where(event)
    if not where:
        return None
    return "https://www.openstreetmap.org/search?query=" + quote_plus(where)


def _map_line(lang: str, event: EventInfo) -> str:
    link = map_link(event)
    if link is None:
        return ""
    return f'\n<a href="{html.escape(link, quote=True)}">{esc(tr(lang, "Map"))}</a>'


def card_keyboard(lang: str, event_id: int, following: bool = False) -> InlineKeyboardMarkup:
    """The protest card's buttons: Remind me, Add to calendar, Not interested."""
    remind = tr(lang, "✓ Reminders on") if following else tr(lang, "🔔 Remind me")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(remind, callback_data=f"{CB_REMIND}{event_id}"),
                InlineKeyboardButton(
                    tr(lang, "📅 Add to calendar"), callback_data=f"{CB_ICS}{event_id}"
                ),
            ],
            [InlineKeyboardButton(tr(lang, "Not interested"), callback_data=f"{CB_NO}{event_id}")],
        ]
    )


def _sentences(text: str, limit: int = 300) -> str:
    """The first one or two sentences of a plain text, at most about `limit` characters."""
    clean = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(text or ""))).strip()
    if not clean:
        return ""
    parts = re.split(r"(?<=[.!?])\s+", clean)
    out = parts[0]
    if len(parts) > 1 and len(out) + len(parts[1]) < limit:
        out += " " + parts[1]
    if len(out) > limit:
        out = out[: limit - 1].rsplit(" ", 1)[0] + "…"
    return out


def render_alert(
    lang: str,
    *,
    title: str,
    text: str,
    link: str | None,
    category: str | None,
    source: str | None,
    payload: dict[str, Any] | None,
) -> Outgoing:
    """An alert: category mark, title, source, one or two sentences, the link, why it matched."""
    cat = category or "other"
    mark = CATEGORY_MARK.get(cat, CATEGORY_MARK["other"])
    lines = [
        f"{mark} <b>{esc(tr(lang, CATEGORY_NAME.get(cat, 'News')))}</b>",
        f"<b>{esc(title)}</b>",
    ]
    if source:
        lines.append(f"<i>{esc(source)}</i>")
    summary = _sentences(text)
    if summary:
        lines.append("")
        lines.append(esc(summary))
    if link and re.match(r"^https?://", link):
        lines.append("")
        lines.append(f'<a href="{html.escape(link, quote=True)}">{esc(tr(lang, "Read more"))}</a>')
    why = _why(lang, payload)
    if why:
        lines.append("")
        lines.append(why)
    return Outgoing(text="\n".join(lines))


def _why(lang: str, payload: dict[str, Any] | None) -> str:
    if not payload:
        return ""
    query = payload.get("filter")
    terms = [str(t) for t in payload.get("terms") or []]
    if not query and not terms:
        return ""
    shown = ", ".join(terms) if terms else str(query)
    return "<i>" + esc(tr(lang, "Matched your filter: {what}", what=shown)) + "</i>"


def render_card(
    lang: str, event: EventInfo, zone: ZoneInfo, now: datetime, following: bool = False
) -> Outgoing:
    """The protest card: what, when, where, a map link, buttons; a venue follows if located."""
    lines = [f"📣 <b>{esc(tr(lang, 'Protest'))}: {esc(event.title)}</b>", ""]
    lines.append(f"🕒 {esc(format_when(lang, event, zone, now))}")
    where = format_where(event)
    if where:
        lines.append(f"📍 {esc(where)}")
    out = Outgoing(
        text="\n".join(lines) + _map_line(lang, event),
        reply_markup=card_keyboard(lang, event.id, following),
    )
    if event.lat is not None and event.lon is not None:
        out.then.append(
            Outgoing(
                kind="venue",
                venue={
                    "latitude": event.lat,
                    "longitude": event.lon,
                    "title": (event.venue or event.title or "?")[:100],
                    # the title already names the venue: the pin's address line is the rest
                    "address": (
                        ", ".join(p for p in (event.address, event.city) if p)
                        or format_where(event)
                        or "?"
                    )[:200],
                },
            )
        )
    return out


def reminder_sentence(lang: str, event: EventInfo, zone: ZoneInfo, now: datetime) -> str:
    """'Tomorrow, Wed 21 Dec, 12:00 — protest at <where>' (plain, unescaped)."""
    when = format_when(lang, event, zone, now)
    where = format_where(event)
    if where:
        return tr(lang, "{when} — protest at {where}", when=when, where=where)
    return tr(lang, "{when} — protest: {title}", when=when, title=event.title)


def render_reminder(lang: str, event: EventInfo, zone: ZoneInfo, now: datetime) -> Outgoing:
    """A reminder before a followed event, with the map link."""
    text = f"⏰ {esc(reminder_sentence(lang, event, zone, now))}"
    if event.title and format_where(event):
        text += f"\n<i>{esc(event.title)}</i>"
    return Outgoing(text=text + _map_line(lang, event))


def render_update(
    lang: str, event: EventInfo, zone: ZoneInfo, now: datetime, change: str
) -> Outgoing:
    """An event a subscriber follows was moved or cancelled."""
    if change == "cancelled" or event.status == "cancelled":
        head = tr(lang, "Cancelled: {title}", title=event.title)
        return Outgoing(
            text=f"❌ <b>{esc(head)}</b>\n"
            + esc(tr(lang, "It was planned for {when}.", when=format_when(lang, event, zone, now)))
        )
    head = tr(lang, "Changed: {title}", title=event.title)
    lines = [
        f"🔄 <b>{esc(head)}</b>",
        esc(tr(lang, "Now: {when}", when=format_when(lang, event, zone, now))),
    ]
    where = format_where(event)
    if where:
        lines.append(f"📍 {esc(where)}")
    return Outgoing(text="\n".join(lines) + _map_line(lang, event))


@dataclass(frozen=True)
class DigestEntry:
    """One alert inside a daily digest."""

    title: str
    link: str | None
    category: str | None
    source: str | None


def render_digest(lang: str, entries: Sequence[DigestEntry]) -> Outgoing:
    """The daily digest: one line per alert, with its link."""
    lines = [f"🗞 <b>{esc(tr(lang, 'Your daily digest'))}</b>", ""]
    for entry in entries:
        mark = CATEGORY_MARK.get(entry.category or "other", CATEGORY_MARK["other"])
        title = esc(entry.title)
        if entry.link and re.match(r"^https?://", entry.link):
            title = f'<a href="{html.escape(entry.link, quote=True)}">{title}</a>'
        source = f" — <i>{esc(entry.source)}</i>" if entry.source else ""
        lines.append(f"{mark} {title}{source}")
    return Outgoing(text="\n".join(lines))


def render_notice(lang: str, msgid: str, params: dict[str, Any] | None) -> Outgoing:
    """A short notice from a template (English msgid) with escaped parameters."""
    # the template is ours (Telegram HTML, like every catalog text); the parameters are not
    safe = {k: esc(v) for k, v in (params or {}).items()}
    try:
        text = tr(lang, msgid, **safe)
    except (KeyError, IndexError, ValueError):
        text = esc(msgid)
    return Outgoing(text=text)


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text on paragraph boundaries (then lines, then words) into <= limit pieces."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sep, units in (("\n\n", text.split("\n\n")),):
        for unit in units:
            candidate = f"{current}{sep}{unit}" if current else unit
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                pieces.append(current)
            current = ""
            while len(unit) > limit:
                cut = unit.rfind("\n", 0, limit)
                if cut <= 0:
                    cut = unit.rfind(" ", 0, limit)
                if cut <= 0:
                    cut = limit
                pieces.append(unit[:cut])
                unit = unit[cut:].lstrip("\n ")
            current = unit
    if current:
        pieces.append(current)
    return pieces


def plain_text(text: str) -> str:
    """The text with HTML tags removed and entities decoded (the fallback when Telegram refuses
    the markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def lead_label(lang: str, minutes: int) -> str:
    """'1 day', '2 hours', '30 minutes' for a lead."""
    from bot.i18n import trn

    if minutes % 1440 == 0:
        return trn(lang, "{n} day", "{n} days", minutes // 1440)
    if minutes % 60 == 0:
        return trn(lang, "{n} hour", "{n} hours", minutes // 60)
    return trn(lang, "{n} minute", "{n} minutes", minutes)


def short_when(lang: str, when: datetime, zone: ZoneInfo) -> str:
    """'Wed 21 Dec, 12:00' in a zone."""
    loc = _locale(lang)
    local = when.astimezone(zone)
    return f"{format_date(local.date(), 'EEE d MMM', locale=loc)}, {format_time(local.time(), 'HH:mm', locale=loc)}"


__all__ = ["timedelta"]
