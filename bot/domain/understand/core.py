"""understand(): classification, figures and events for one text, with the cues that fired."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from .classify import decide, score_text
from .events import extract_events
from .figures import extract_figures
from .gazetteer import (
    country_code,
    country_mentions,
    find_adjective_cities,
    find_cities,
    is_country_adjective,
    lookup_city,
    zone_country,
)
from .lexicon import Lexicon
from .lexicon_en import LEXICON as EN
from .lexicon_ru import LEXICON as RU
from .model import ExtractedEvent, Understanding
from .regions import area_zone, find_regions
from .text import clean, guess_lang, segments

LEXICONS: dict[str, Lexicon] = {"en": EN, "ru": RU}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # unknown or malformed zone names fall back to UTC
        return ZoneInfo("UTC")


def _in_zone(event: ExtractedEvent, zone: str) -> ExtractedEvent:
    """The same wall-clock event in another zone: the one of the region or country it is in."""
    tz = ZoneInfo(zone)
    end = event.end.replace(tzinfo=tz) if event.end is not None else None
    return replace(event, start=event.start.replace(tzinfo=tz), end=end, timezone=zone)


# A word of three letters or more in a lexicon's script; a lexicon other than the text's own runs
# only when its script has more than a few such words (a Russian page's URL or "Накануне.RU"
# does not make it English)
_SCRIPT = {"en": re.compile(r"[A-Za-z]{3,}"), "ru": re.compile(r"[А-Яа-яЁё]{3,}")}
_FEW_WORDS = 5


def _lexicons(lang: str, text: str) -> list[Lexicon]:
    # Every lexicon whose script the text uses runs: texts mix scripts, and Kazakh-language
    # news often quotes Russian.
    order = [lang] + [code for code in LEXICONS if code != lang]
    out = []
    for code in order:
        lex = LEXICONS.get(code)
        script = _SCRIPT.get(code)
        if lex is None:
            continue
        if script is None or code == lang and script.search(text):
            out.append(lex)
        elif next(islice(script.finditer(text, 0, 4000), _FEW_WORDS, None), None) is not None:
            out.append(lex)
    return out


def understand(
    text: str,
    *,
    title: str = "",
    published: datetime | None,
    default_tz: str = "UTC",
    lang: str | None = None,
    ics_event: dict[str, Any] | None = None,
) -> Understanding:
    """Classify a text, read its casualty figures and the protest events it announces."""
    try:
        return _understand(text, title, published, default_tz, lang, ics_event)
    except Exception as exc:  # a bad text must never stop the pipeline
        return Understanding(lang=lang or "en", debug={"error": type(exc).__name__})


def _understand(
    text: str,
    title: str,
    published: datetime | None,
    default_tz: str,
    lang: str | None,
    ics_event: dict[str, Any] | None,
) -> Understanding:
    text = clean(text if isinstance(text, str) else "")
    title = clean(title if isinstance(title, str) else "")[:500].strip()
    body = text if not title or text.lstrip().startswith(title) else f"{title}\n{text}"
    title_end = len(title) + 1 if title and body is not text else 0
    if title and body is text:
        title_end = body.find(title) + len(title)
    zone = _zone(default_tz)
    zone_name = zone.key
    language = lang or guess_lang(body)
    lexicons = _lexicons(language, body)
    segs = segments(body)
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=zone)
    published_day = published.astimezone(zone).date() if published is not None else None
    scores, kinds = score_text(body, segs, lexicons, title_end, published_day.year if published_day else None)
    countries, located = country_mentions(body)
    calling = scores.get("protest") > 0 or scores.get("call") > 0
    # regions settle an event's zone and its town's namesakes: looked for only when there may be one
    regions = find_regions(body) if calling else []
    if regions and (home := zone_country(zone_name)) is not None:
        # "Georgia" in a Tbilisi paper is the country, not the US state
        regions = [r for r in regions if not (country_code(r.name) == home != r.country)]
    hits = find_cities(body, countries, zone_name, frozenset((r.country, r.admin1) for r in regions))
    if regions:
        # "education workers in Ontario": the province the text names, not a namesake town abroad
        named = {r.name.casefold(): r.country for r in regions}
        hits = [h for h in hits if named.get(body[h.start : h.end].casefold(), h.place.country) == h.place.country]
    events: list[ExtractedEvent] = []
    event_debug: dict[str, object] = {}
    if calling:
        weak = find_adjective_cities(body)
        # "Ukrainian Manitobans": a country's adjective says less than the region the text names;
        # "российского посольства" in a story set "в Латвии", less than the country it names
        elsewhere = {regions[0].country} if regions else set(located)
        if elsewhere:
            weak = [h for h in weak if h.place.country in elsewhere or not is_country_adjective(body[h.start : h.end])]
        events, event_debug = extract_events(body, segs, kinds, published_day, zone_name, hits, title_end, weak)
        area = area_zone(regions, countries, zone_name, located)
        if area is not None:
            events = [_in_zone(e, area) if e.city is None and e.timezone == zone_name else e for e in events]
    strength = max((e.confidence for e in events), default=0.0)
    category, values = decide(scores, bool(events), strength)
    if ics_event:
        ics = event_from_ics(ics_event, zone_name)
        events = [ics] if ics else []
        if category == "other" and scores.get("protest") > 0 and ics is not None:
            category = "protest_call"
    elif category == "other":
        events = []
    figures, figure_why = extract_figures(segs, lexicons, published_day)
    cities: list[str] = []
    for h in hits:
        if h.place.name not in cities:
            cities.append(h.place.name)
        if h.place.country not in countries:
            countries.append(h.place.country)
    debug = {
        "lang": language,
        "scores": values,
        "cues": scores.fired,
        "figures": figure_why,
        "events": event_debug,
    }
    return Understanding(
        category=category,
        killed=figures["killed"],
        injured=figures["injured"],
        arrested=figures["arrested"],
        events=events,
        lang=language,
        cities=cities,
        countries=countries,
        debug=debug,
    )


def _parse_iso(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def split_location(location: str) -> tuple[str | None, str | None, Any]:
    """'Venue, 12 Some Street, City' -> venue, address, gazetteer city (or None)."""
    parts = [p.strip() for p in re.split(r"[,\n;]", location or "") if p.strip()]
    city = None
    for i in range(len(parts) - 1, -1, -1):
        found = lookup_city(re.sub(r"\b[A-Z]{1,2}\d[\w ]*$", "", parts[i]).strip())
        if found is not None:
            city = found
            parts = parts[:i] + parts[i + 1 :] if len(parts) > 1 else parts[:i]
            break
    venue = address = None
    if parts:
        if re.search(r"\d", parts[0]) and len(parts) == 1:
            address = parts[0]
        else:
            venue = parts[0]
            rest = ", ".join(parts[1:])
            address = rest or None
    return venue, address, city


def event_from_ics(ics: dict[str, Any], default_zone: str) -> ExtractedEvent | None:
    """An iCalendar event as it is: times kept, location split and geocoded."""
    start_raw = _parse_iso(ics.get("start"))
    if start_raw is None:
        return None
    venue, address, place = split_location(str(ics.get("location") or ""))
    zone_name = ics.get("timezone") or (place.timezone if place else default_zone)
    zone = _zone(zone_name)
    all_day = bool(ics.get("all_day")) or not isinstance(start_raw, datetime)

    def aware(value: datetime | date | None) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0, 0), zone)
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(zone)

    start = aware(start_raw)
    assert start is not None
    end = aware(_parse_iso(ics.get("end")))
    status = str(ics.get("status") or "").upper()
    return ExtractedEvent(
        start=start, end=end, all_day=all_day, venue=venue, address=address,
        city=place.name if place else None, country=place.country if place else None,
        timezone=zone.key, lat=place.lat if place else None, lon=place.lon if place else None,
        confidence=1.0, cancelled=status == "CANCELLED",
    )
