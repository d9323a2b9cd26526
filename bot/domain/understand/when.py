"""Dates and clock times in English and Russian text, resolved against the publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .lexicon_en import MONTHS as EN_MONTHS
from .lexicon_en import NUMBER_WORDS as EN_NUMBERS
from .lexicon_en import WEEKDAYS as EN_WEEKDAYS
from .lexicon_ru import MONTHS as RU_MONTHS
from .lexicon_ru import WEEKDAYS as RU_WEEKDAYS
from .text import scan

MONTHS = {**EN_MONTHS, **RU_MONTHS}
WEEKDAYS = {**EN_WEEKDAYS, **RU_WEEKDAYS}


@dataclass(frozen=True)
class DateMention:
    """A date in the text; `day` is None when it cannot be resolved (no year, no publication)."""

    start: int
    end: int
    day: date | None
    kind: str  # absolute | weekday | relative
    explicit_year: bool
    far: bool = False  # a year-less date that resolved many months ahead (likely a past one)
    modifier: str = ""  # "this", "next", "on", "в" ... before a weekday


@dataclass(frozen=True)
class TimeMention:
    """A clock time, possibly a range; `other_zone` when it is given in GMT, US time, etc."""

    start: int
    end: int
    hour: int
    minute: int
    end_hour: int | None = None
    end_minute: int | None = None
    other_zone: bool = False


_EN_MONTH = r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_RU_MONTH = r"(?P<mon>" + "|".join(sorted(RU_MONTHS, key=len, reverse=True)) + r")"
_WD_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_WD_BEFORE = re.compile(r"(?:^|[^\w])(?P<wd>" + _WD_WORDS + r")\.?,? +(?:the +)?$", re.I)
_YEAR = r"(?:,? +(?P<year>(?:19|20)\d\d)\b)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("dmy", re.compile(r"(?<![\d.,:/])(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?: +of)? +" + _EN_MONTH + r"(?![a-z])" + _YEAR + "?", re.I)),
    ("mdy", re.compile(r"\b" + _EN_MONTH + r" +(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?![:.]\d)" + _YEAR + "?", re.I)),
    ("ru", re.compile(r"(?<![\d.,:/])(?P<day>[0-3]?\d)(?:-?(?:го|е|ого))? +" + _RU_MONTH + r"(?: +(?P<year>(?:19|20)\d\d)(?: *(?:года|г\.))?)?", re.I)),
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("num", re.compile(r"(?<![\d.,:])(?P<day>[0-3]?\d)\.(?P<mon>[01]\d)(?:\.(?P<year>(?:19|20)?\d\d))?(?![\d,]|\.\d)(?!\s*(?:млн|млрд|тыс|million|billion|%|pm|am|p\.m|a\.m))", re.I)),
]

_DAY_ONLY = re.compile(r"(?<![\d.,:/\w-])(?P<day>[0-3]?\d)(?:-(?:го|е)| числа)(?![А-Яа-яЁё])(?! +(?:" + "|".join(sorted(RU_MONTHS, key=len, reverse=True)) + r"))", re.I)
_MONTHLY = re.compile(r"(?: +числа)? +(?:каждого|всякого) +месяца|(?: +числа)? +ежемесячно", re.I)
_WEEKDAY_ONLY = re.compile(r"(?<![\w])(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|" + "|".join(sorted(RU_WEEKDAYS, key=len, reverse=True)) + r")(?![\w])(?P<poss>['\u2019]s)?", re.I)
_WD_SHORT = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\.?"
_WEEKDAY_RANGE = re.compile(r"\s*(?:[-\u2013\u2014]|to|through|thru|till|until|по|—)\s*(?:" + _WD_SHORT + r"|понедельник\w*|вторник\w*|сред\w+|четверг\w*|пятниц\w+|суббот\w+|воскресень\w+)(?![\w])", re.I)
_WEEKDAY_RANGE_END = re.compile(r"(?<![\w])(?:" + _WD_SHORT + r"|с понедельника|со вторника|со среды|с четверга|с пятницы|с субботы|с воскресенья)\s*(?:[-\u2013\u2014]|to|through|thru|по)\s*$", re.I)
_THE_WEEKDAY_NOUN = re.compile(r"\bthe $", re.I)
_NOUN_AFTER = re.compile(r" (?!of\b|after\b|before\b|night\b|morning\b|afternoon\b|evening\b|and\b|or\b)[a-z]{3,}")
_MODIFIER = re.compile(r"(?:^|[^\w])(?P<mod>this|next|on|coming|last|в|во|в эту|в этот|в ближайшую|в ближайшее|в следующую|в следующее|в прошлую|в прошлое|этой|этим) +$", re.I)
# "сегодняшний митинг", "на завтрашнюю акцию": the adjectives say the day as well
_RELATIVE = re.compile(r"\b(?P<w>today|tonight|tomorrow|this (?:morning|afternoon|evening)|сегодня|завтра|послезавтра)(?:шн(?:ий|яя|ее|его|ему|юю|ей|им|ем|ие|их))?\b", re.I)
_DAY_IN_BRACKETS = re.compile(r" ?\(([0-3]?\d)\)")
# "Saturday, 9/11/19", "9/11/2019": day/month or month/day, told apart by the weekday or the date ahead
_SLASHED = re.compile(r"(?<![\d/])(?P<a>[01]?\d|[23]\d)/(?P<b>[01]?\d|[23]\d)/(?P<y>(?:19|20)?\d\d)(?![\d/])")
_HOLIDAYS = {
    "new year s eve": (12, 31), "new years eve": (12, 31), "new year s day": (1, 1), "christmas eve": (12, 24),
    "christmas day": (12, 25), "juneteenth": (6, 19), "international women s day": (3, 8),
}
# (May Day is left out: its rallies are held on the weekend nearest it as often as on the day)
_HOLIDAY = re.compile(r"\b(?:new year['\u2019]?s (?:eve|day)|christmas (?:eve|day)|juneteenth|international women['\u2019]?s day)\b", re.I)
# Russian: "в новогоднюю ночь", "в канун Нового года", "в День России", "в День народного единства", "первомайский митинг"
_RU_HOLIDAY = re.compile(
    r"(?<![А-Яа-яЁё])(?P<ny>новогодн\w* ноч\w*|канун\w* нового года)|(?<![А-Яа-яЁё])д(?:ень|ня|ню|н[её]м) (?P<which>россии|народного единства)(?![А-Яа-яЁё])"
    r"|(?<![А-Яа-яЁё])(?P<may>первома[йе]\w*)",
    re.I,
)
_RU_HOLIDAY_WORDS = ("новогодн", "канун", "первома", "нь россии", "ня россии", "ню россии", "нём россии", "нем россии", "народного единства")
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "сегодня": 0, "завтра": 1, "послезавтра": 2}


def _nearest_day_of_month(dom: int, published: date) -> date | None:
    """The date with this day of the month nearest to `published` (this month, or one either side)."""
    options = []
    for shift in (-1, 0, 1):
        y, mo = divmod(published.month - 1 + shift, 12)
        d = _safe_date(published.year + y, mo + 1, dom)
        if d is not None:
            options.append(d)
    return min(options, key=lambda d: abs((d - published).days)) if options else None


def _slashed(m: re.Match[str], text: str, published: date | None) -> date | None:
    """A slashed date, read day-first or month-first: the reading whose weekday the text names,
    else the only valid one, else the one nearest on or after `published` (day-first on a tie)."""
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    year = y + 2000 if y < 100 else y
    readings = [d for d in (_safe_date(year, b, a), _safe_date(year, a, b)) if d is not None]
    if not readings:
        return None
    before = _WD_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
    if before:
        weekday = WEEKDAYS.get(before.group("wd").lower())
        named = [d for d in readings if d.weekday() == weekday]
        if named:
            return named[0]
    if published is not None:
        ahead = [d for d in readings if d >= published]
        if ahead:
            return min(ahead, key=lambda d: (d - published).days)
    return readings[0]


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if word.isdigit():
        value = int(word)
        return value if 1 <= value <= 12 else None
    return MONTHS.get(word)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None  # 31 February and friends


def resolve_day_month(day: int, month: int, weekday: int | None, published: date) -> tuple[date | None, bool]:
    """A year-less date: the weekday's year if one is named, else the first on or after
    `published`. Returns (date, far) where far marks a date many months ahead."""
    if weekday is not None:
        options = [d for y in (published.year - 1, published.year, published.year + 1)
                   if (d := _safe_date(y, month, day)) is not None and d.weekday() == weekday]
        if options:
            best = min(options, key=lambda d: abs((d - published).days))
            if abs((best - published).days) < 200:
                return best, False
    for y in (published.year, published.year + 1):
        d = _safe_date(y, month, day)
        if d is not None and d >= published:
            previous = _safe_date(y - 1, month, day)
            far = (d - published).days > 200 and previous is not None and (published - previous).days < 120
            return d, far
    return None, False


_WD_AFTER = re.compile(r",? +(?:" + _WD_WORDS + r")\b", re.I)


def find_dates(text: str, published: date | None) -> list[DateMention]:
    """Every date mention, left to right, without overlaps (the longest wins)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    low = text.lower()
    for kind, pattern in _PATTERNS:
        for m in scan(pattern, text, low):
            if not free(m.start(), m.end()):
                continue
            day = int(m.group("day"))
            month = _month(m.group("mon"))
            if month is None or not 1 <= day <= 31:
                continue
            mon_word = m.group("mon").lower()
            if kind in ("dmy", "mdy") and mon_word in ("may", "march", "mar", "jun", "sat", "sun") and not m.group(0)[0].isdigit() and kind == "mdy" and not text[m.start("mon")].isupper():
                continue  # "may 5" as a verb is rare, but lower-case "march 10" is a verb phrase
            if kind == "ru" and text[m.start("mon")].isupper() and not m.group("year") and text[max(0, m.start() - 2) : m.start()].strip(" «\"") not in ("", ".", "\n"):
                continue  # "Комитет 6 Мая", "улица 8 Марта": a capital month inside a sentence is a name
            if kind == "mdy" and re.search(r"\b[Tt]he +$", text[max(0, m.start() - 5) : m.start()]) and re.match(
                r" +[A-Z][a-z]", text[m.end() : m.end() + 3]
            ) and not _WD_AFTER.match(text, m.end()):
                continue  # "The March 4 Black Women Denver organized …": a group's name
            if kind == "num" and re.search(r"(?:\b(?:в|с|до|at|from|to)\s*|[-–]\s*)$", text[max(0, m.start() - 4) : m.start()], re.I):
                continue  # "в 12.30" is a time
            span_start = m.start()
            weekday = None
            if kind in ("dmy", "mdy", "ru"):
                before = _WD_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
                if before:
                    weekday = WEEKDAYS.get(before.group("wd").lower())
                    span_start = m.start() - (len(text[max(0, m.start() - 24) : m.start()]) - before.start("wd"))
            year_text = m.groupdict().get("year")
            resolved: date | None
            far = False
            if year_text:
                year = int(year_text)
                if year < 100:
                    year += 2000
                resolved = _safe_date(year, month, day)
            elif published is not None:
                resolved, far = resolve_day_month(day, month, weekday, published)
            else:
                resolved = None
            if resolved is None and _safe_date(2000, month, day) is None:
                continue  # not a date at all
            found.append(DateMention(span_start, m.end(), resolved, "absolute", bool(year_text), far))
            taken.append((span_start, m.end()))
    for m in _SLASHED.finditer(text) if "/" in text else ():
        if not free(m.start(), m.end()):
            continue
        slashed = _slashed(m, text, published)
        if slashed is not None:
            before = _WD_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
            span_start = m.start() - (len(text[max(0, m.start() - 24) : m.start()]) - before.start("wd")) if before else m.start()
            found.append(DateMention(span_start, m.end(), slashed, "absolute", True))
            taken.append((span_start, m.end()))
    # "17 ноября …; 18-го – …": a day that takes its month from the date before it
    for m in scan(_DAY_ONLY, text, low):
        if not free(m.start(), m.end()):
            continue
        earlier = [d for d in found if d.end <= m.start() and m.start() - d.end < 300 and d.day is not None]
        if not earlier and published is not None and (_MONTHLY.match(text, m.end()) or m.group(0).endswith("числа")):
            # "6-го числа каждого месяца мы будем выходить", "в последний день февраля — 28 числа": the next such day
            monthly = _safe_date(published.year, published.month, int(m.group("day")))
            if monthly is None or monthly < published:
                nxt = published.replace(day=1) + timedelta(days=32)
                monthly = _safe_date(nxt.year, nxt.month, int(m.group("day")))
            if monthly is not None:
                found.append(DateMention(m.start(), m.end(), monthly, "absolute", False))
                taken.append((m.start(), m.end()))
            continue
        if not earlier:
            continue
        prior = max(earlier, key=lambda d: d.end).day
        assert prior is not None
        resolved = _safe_date(prior.year, prior.month, int(m.group("day")))
        if resolved is not None and resolved > prior:
            found.append(DateMention(m.start(), m.end(), resolved, "absolute", False))
            taken.append((m.start(), m.end()))
    for m in scan(_WEEKDAY_ONLY, text, low):
        if not free(m.start("wd"), m.end("wd")):
            continue
        if _WEEKDAY_RANGE.match(text, m.end()) or _WEEKDAY_RANGE_END.search(text, max(0, m.start() - 16), m.start()):
            continue  # "Monday–Thursday: 8 am to 6 pm": opening hours, not a day
        if _THE_WEEKDAY_NOUN.search(text, max(0, m.start() - 4), m.start()) and _NOUN_AFTER.match(text, m.end()):
            continue  # "near the site of the Sunday shooting": a day that names another event
        mod_match = _MODIFIER.search(text[max(0, m.start() - 24) : m.start()])
        mod = mod_match.group("mod").lower() if mod_match else ""
        if mod in ("last", "в прошлую", "в прошлое"):
            continue  # "last Friday": the past
        weekday = WEEKDAYS[m.group("wd").lower()]
        resolved = None
        if published is not None:
            ahead = (weekday - published.weekday()) % 7
            if mod in ("next", "в следующую", "в следующее") and ahead == 0:
                ahead = 7
            resolved = published + timedelta(days=ahead)
        found.append(DateMention(m.start("wd"), m.end("wd"), resolved, "weekday", False, modifier=mod or ("'s" if m.group("poss") else "")))
        taken.append((m.start("wd"), m.end("wd")))
    for m in scan(_RELATIVE, text, low):
        if not free(m.start(), m.end()):
            continue
        word = m.group("w").lower()
        offset = _RELATIVE_DAYS.get(word, 0)
        resolved = published + timedelta(days=offset) if published is not None else None
        stated = _DAY_IN_BRACKETS.match(text, m.end())
        if stated and published is not None:
            # "tomorrow (12)": a page dated the day after it was written; the stated day wins
            resolved = _nearest_day_of_month(int(stated.group(1)), published) or resolved
        found.append(DateMention(m.start(), m.end(), resolved, "relative", False))
        taken.append((m.start(), m.end()))
    for m in scan(_HOLIDAY, text, low) if ("eve" in low or "day" in low or "juneteenth" in low) else ():
        if free(m.start(), m.end()) and published is not None:
            month, dom = _HOLIDAYS[re.sub(r"\W+", " ", m.group(0).lower()).strip()]
            day_, far = resolve_day_month(dom, month, None, published)
            if day_ is not None:
                found.append(DateMention(m.start(), m.end(), day_, "absolute", False, far))
                taken.append((m.start(), m.end()))
    for m in scan(_RU_HOLIDAY, text, low) if any(w in low for w in _RU_HOLIDAY_WORDS) else ():
        if free(m.start(), m.end()) and published is not None:
            # (Russia's May Day rallies are held on the day itself, a public holiday: "первомайский митинг")
            month, dom = (12, 31) if m.group("ny") else (5, 1) if m.group("may") else (6, 12) if m.group("which").lower() == "россии" else (11, 4)
            day_, far = resolve_day_month(dom, month, None, published)
            if day_ is not None:
                found.append(DateMention(m.start(), m.end(), day_, "absolute", False, far))
                taken.append((m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found


_AMPM = r"(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])"
_T12 = r"(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<m>[0-5]\d))?\s*" + _AMPM
_T24 = r"(?P<h>[01]?\d|2[0-3])[:](?P<m>[0-5]\d)(?!\d)"
_T24DOT = r"(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d.])"
_NOON = r"(?P<noon>(?<![a-z])(?:12\s+)?noon|midday|полдень|полудня)"

_MILITARY = re.compile(r"(?<![\d.:/,-])(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)\s*(?:hrs|hours|h)\b\.?", re.I)
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_MONTH_BEFORE = re.compile(r"\b" + _MONTH_ABBR + r"\s+$", re.I)
_BRIEF_CLOCK = re.compile(
    r"(?<![\d.:/,-])(?<!\bin )(?<!\bof )(?<!\bsince )(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)(?:-(?P<h2>[01]\d|2[0-3])(?P<m2>[0-5]\d))?"
    r"(?=\s+" + _MONTH_ABBR + r"\s+\d{1,2}\b)"
    r"|(?m:^[ \t]*(?P<hl>[01]\d|2[0-3])(?P<ml>[0-5]\d)(?::[ \t]|-(?P<hr>[01]\d|2[0-3])(?P<mr>[0-5]\d)[ \t]*$))"
)
_FOUR_DIGITS = re.compile(r"\d\d\d\d[ :-]")  # a cheap first look for _BRIEF_HINT
_BRIEF_HINT = re.compile(r"\d{4}(?:-\d{4})?\s+" + _MONTH_ABBR + r"\s+\d|^[ \t]*\d{4}(?::[ \t]|-\d{4}[ \t]*$)", re.M)
_MILITARY_CUE = re.compile(r"\b(?:at|by|from|to|till|until|and|between|around|after|before)\s+$")
_RANGE_SEP = r"\s*(?:[-–—]+\s*(?:до|to)?|to|till|until|through to|through|and|до|по)\s*"
_TIME_ANY = re.compile(
    # "22.01.2005", "2013-09-11": the digits of a date are no clock time; "30 ноября.14:00" is one
    r"(?:" + _T12 + r"|(?<![\d/])(?<!\d\.)(?<!\.\.)(?<!\d{4}-)(?P<h2>[01]?\d|2[0-3])[:.-](?P<m2>[0-5]\d)(?![\d])(?![./]\d)(?:\s*(?:часов|ч\.))?|" + _NOON + r")",
    re.I,
)
_BARE_RANGE = re.compile(
    r"(?:\bс|\bfrom)\s+(?P<h1>[01]?\d|2[0-3])(?:[:.](?P<m1>[0-5]\d))?\s*(?:до|to|till|until)\s+(?P<h2>[01]?\d|2[0-3])(?:[:.](?P<m2>[0-5]\d))?\s*(?:час\w*|ч\b|утра\b)",
    re.I,
)
_RU_OPEN_RANGE = re.compile(
    r"(?<![А-Яа-яЁё])с\s+(?P<h1>[01]?\d|2[0-3])(?:[:.](?P<m1>[0-5]\d))?\s*до\s+(?P<h2>[01]?\d|2[0-3])[:.](?P<m2>[0-5]\d)(?![\d.])", re.I
)
_SHORT_RANGE = re.compile(
    r"\b(?P<h1>1[0-2]|0?[1-9])(?:[:.](?P<m1>[0-5]\d))?\s*(?:[-–]|(?<=\d)\s+(?:to|till|until|and)\s+)\s*(?P<h2>1[0-2]|0?[1-9])(?:[:.](?P<m2>[0-5]\d))?\s*" + _AMPM.replace("?P<ap>", "?P<ap2>"),
    re.I,
)
_OTHER_ZONE = re.compile(
    r"^\s*(?:\w+day\s+)?(?:\(?\s*)?(?:GMT|UTC|Z\b|US\s+\w+\s+Time|(?:Eastern|Pacific|Central|Mountain) (?:Standard |Daylight )?Time\b(?<!Australian Eastern Standard Time)|E[SD]?T\b|P[SD]?T\b|C[SD]T\b)",
)


_TWELVE_HOUR = re.compile(r"\d\s*(?:a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])")
_LOCAL_ABBREVIATION = re.compile(r"^\s*(?:E[SD]?T|P[SD]?T|C[SD]T|M[SD]T)\b")


def _hour24(h: int, ap: str | None) -> int:
    if not ap:
        return h
    pm = ap.lower().startswith("p")
    if h == 12:
        return 12 if pm else 0
    return h + 12 if pm else h


def _single(m: re.Match[str]) -> tuple[int, int] | None:
    if m.group("noon"):
        return 12, 0
    if m.group("h") is not None:
        return _hour24(int(m.group("h")), m.group("ap")), int(m.group("m") or 0)
    if m.group("h2") is not None:
        return int(m.group("h2")), int(m.group("m2"))
    return None


def find_times(text: str) -> list[TimeMention]:
    """Every clock time and time range, left to right."""
    out: list[TimeMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    low = text.lower()
    for m in scan(_SHORT_RANGE, text, low):
        if _MONTH_BEFORE.search(low, max(0, m.start() - 12), m.start()):
            continue  # "Monday, November 7 – 12:30 p.m.": the first number is the day
        ap = m.group("ap2")
        h2 = _hour24(int(m.group("h2")), ap)
        h1 = int(m.group("h1"))
        h1 = _hour24(h1, ap) if _hour24(h1, ap) <= h2 else h1
        out.append(TimeMention(m.start(), m.end(), h1, int(m.group("m1") or 0), h2, int(m.group("m2") or 0)))
        taken.append((m.start(), m.end()))
    for m in scan(_RU_OPEN_RANGE, text, low) if " до " in low and "с " in low else ():
        if free(m.start(), m.end()):
            out.append(TimeMention(m.start(), m.end(), int(m.group("h1")), int(m.group("m1") or 0), int(m.group("h2")), int(m.group("m2"))))
            taken.append((m.start(), m.end()))
    for m in scan(_BARE_RANGE, text, low):
        if free(m.start(), m.end()):
            out.append(TimeMention(m.start(), m.end(), int(m.group("h1")), int(m.group("m1") or 0), int(m.group("h2")), int(m.group("m2") or 0)))
            taken.append((m.start(), m.end()))
    # In a text that writes "2 p.m.", a bare "2:30" is afternoon too: nobody protests at 2:30 at night.
    twelve_hour = bool(_TWELVE_HOUR.search(low))
    latin = not re.search(r"[А-Яа-яЁё]{3}", text)
    singles: list[tuple[re.Match[str], tuple[int, int]]] = []
    for m in scan(_HOUR_WORD, text, low):
        if m.group(0)[:2].lower() == "на" and not _NA_HOUR_OK.match(low, m.end()) and not _NA_HOUR_SET.search(low, max(0, m.start() - 16), m.start()):
            continue  # "продлится на 2 часа" is how long; "назначено на 12 часов дня" is when
        if free(m.start(), m.end()):
            # "С 13 часов 30 минут": the minutes written out as well
            out.append(TimeMention(m.start("h"), m.end(), int(m.group("h")), int(m.group("m") or 0)))
            taken.append((m.start("h"), m.end()))
    for m in scan(_GATHER_HOUR, text, low) if any(w in low for w in _GATHER_WORDS) else ():
        if free(m.start("h"), m.end("h")):
            hour = int(m.group("h"))
            if latin and 1 <= hour <= 6:
                hour += 12  # "gathering at 2": nobody gathers at two in the morning
            out.append(TimeMention(m.start("h"), m.end("h"), hour, 0))
            taken.append((m.start("h"), m.end("h")))
    for m in scan(_MILITARY, text, low) if "hrs" in low or " hours" in low or "0h" in low else ():
        if free(m.start(), m.end()) and _MILITARY_CUE.search(low, max(0, m.start() - 10), m.start()):
            # "today, April 20, 2010 at 1700 hrs": a police or security notice's clock
            out.append(TimeMention(m.start(), m.end(), int(m.group("h")), int(m.group("m"))))
            taken.append((m.start(), m.end()))
    for m in _BRIEF_CLOCK.finditer(text) if _FOUR_DIGITS.search(text) and _BRIEF_HINT.search(text) else ():
        if free(m.start(), m.end()):
            # a security brief's "rally at Bhrikuti Mandap 1130 Jan. 1", an order of service's "1800: …"
            # (and a table's own line "1100-1300": a range, unless it runs backwards like a span of years)
            until, until_m = m.group("h2") or m.group("hr"), m.group("m2") or m.group("mr")
            start_h, start_m = int(m.group("h") or m.group("hl")), int(m.group("m") or m.group("ml"))
            if until and ((int(until), int(until_m)) <= (start_h, start_m) or start_h == int(until) == 20 and m.group("hr")):
                continue  # (a line "2010-2015" is a span of years)
            out.append(TimeMention(m.start(), m.end(), start_h, start_m,
                                   int(until) if until else None, int(until_m) if until else None))
            taken.append((m.start(), m.end()))
    for m in _spoken_hours(text):
        if free(m.start(), m.end()):
            found = _spoken(m)
            if found is not None:
                out.append(TimeMention(m.start(), m.end(), found[0], found[1]))
                taken.append((m.start(), m.end()))
    for m in scan(_TIME_ANY, text, low):
        if not free(m.start(), m.end()):
            continue
        value = _single(m)
        if value is None:
            continue
        # "21.12" after a day-month is a date, not a time; a dotted time needs a cue before it
        if m.group("h2") is not None and re.search(r"[.-]", m.group(0)[:6]) and not re.search(
            r"(?:\b(?:в|с|до|к|на|около|примерно|ориентировочно|at|from|to|начало\w*|at around)\s*|[-–—]\s*|\n\s*)$", text[max(0, m.start() - 16) : m.start()], re.I
        ) and not re.match(r"\s*(?:[-–—]|до|to)\s*\d", text[m.end() : m.end() + 6]):
            continue
        if m.group("h2") is not None and 1 <= value[0] <= 6 and (
            twelve_hour or (latin and not m.group("h2").startswith("0"))
        ):
            # "4:30" in an English text is afternoon: nobody protests at 4:30 at night, and
            # English texts write 24-hour times with a leading zero if at all
            value = (value[0] + 12, value[1])
        singles.append((m, value))
    i = 0
    while i < len(singles):
        m, (h, mi) = singles[i]
        end_h = end_m = None
        stop = m.end()
        if i + 1 < len(singles):
            nxt, (h2, m2) = singles[i + 1]
            between = text[m.end() : nxt.start()]
            if re.fullmatch(_RANGE_SEP, between, re.I) and (h2, m2) > (h, mi) or re.fullmatch(_RANGE_SEP, between, re.I) and h2 < h and h2 + 12 > h:
                end_h, end_m = (h2, m2) if (h2, m2) > (h, mi) else (h2 + 12, m2)
                stop = nxt.end()
                i += 1
        after = text[stop : stop + 40]
        zone = bool(_OTHER_ZONE.match(after)) and not re.match(r"\s*local", text[stop : stop + 12], re.I)
        if zone and _LOCAL_ABBREVIATION.match(after) and not any(
            not t.other_zone and stop - 150 < t.start < m.start() for t in out
        ):
            # "2:30 PM – 6:30 PM PDT" with no other time near: PDT is the event's own zone
            zone = False
        out.append(TimeMention(m.start(), stop, h, mi, end_h, end_m, zone))
        i += 1
    out.sort(key=lambda t: t.start)
    return out


# "gathering at 12 and setting off shortly afterwards", "сбор в 13": a bare hour after the assembly
_GATHER_WORDS = ("gather", "assembl", "meet", "сбор", "собира", "соберут")
_GATHER_HOUR = re.compile(
    r"\b(?:gather\w*|assembl\w*|meet(?:ing)?|сбор\w*|собира\w+|соберутся)\s+(?:at|from|в|с)\s+(?P<h>[01]?\d|2[0-3])"
    r"(?![\d:,]|\.\d|\s*(?:a\.?m|p\.?m|o['\u2019]clock|час|ч\b|утра|вечера|дня|ноч|%|percent|people|человек|members))",
    re.I,
)
_HOUR_WORD = re.compile(r"\b(?:в|с|к|на|from|at)\s+(?P<h>[01]?\d|2[0-3])\s*(?:час(?:ов|а)?|ч\.)(?:\s+(?P<m>[0-5]?\d)\s+минут\w*)?(?!\s*(?:до|[-–]))", re.I)

_NA_HOUR_OK = re.compile(r"\s+(?:дня|утра|вечера)\b")
_NA_HOUR_SET = re.compile(r"(?:назначен\w*|перенес\w*|запланирован\w*)\s+$")
_RU_HOUR_WORDS = {
    "час": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
}
_EN_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Spoken and shorthand clock times: "18h30", "at 10A", "evening at 8", "at 7 in the evening",
# "в 7 вечера", "в два часа дня", "в 10 утра".
_HOURS_EN = "|".join(_EN_HOUR_WORDS)
_HOURS_RU = "|".join(_RU_HOUR_WORDS)
_SPOKEN_FR = re.compile(r"(?<![\w.:])(?P<fr>[01]?\d|2[0-3])h(?P<fm>[0-5]\d)?(?![\w])")
_SPOKEN_US = re.compile(r"\b(?:at|from|beginning at|starting at)\s+(?P<us>1[0-2]|[1-9])(?::(?P<usm>[0-5]\d))?(?P<usap>[AP])\b(?![.\w])")
_SPOKEN_EN = re.compile(
    r"\b(?P<part1>evening|tonight|afternoon|morning)\s+(?:at|from)\s+(?P<eh>1[0-2]|[1-9]|" + _HOURS_EN + r")(?![\w:.])"
    r"|\b(?:at|from)\s+(?P<eh2>1[0-2]|[1-9]|" + _HOURS_EN + r")(?:\s+o['\u2019]clock)?\s+(?:in\s+the\s+|at\s+)(?P<part2>evening|afternoon|morning|night)\b",
    re.I,
)
_SPOKEN_RU = re.compile(
    r"(?<![А-Яа-яЁё])(?:в|с|к|на)\s+(?P<rh>1[0-2]|[1-9]|" + _HOURS_RU + r")(?:\s+час(?:а|ов)?)?\s+(?P<rpart>утра|дня|вечера)(?![А-Яа-яЁё])",
    re.I,
)
_FR_GATE = re.compile(r"\dh")
_US_GATE = re.compile(r"\d[AP]\b")


def _spoken_hours(text: str) -> list[re.Match[str]]:
    """Matches of the spoken and shorthand clock times; each pattern runs only when a cheap
    test says it can match (they are rare, and the text is scanned for every item)."""
    found: list[re.Match[str]] = []
    low = text.lower()
    if _FR_GATE.search(text):
        found.extend(_SPOKEN_FR.finditer(text))
    if _US_GATE.search(text):
        found.extend(_SPOKEN_US.finditer(text))
    if "evening" in low or "night" in low or "afternoon" in low or "morning" in low:
        found.extend(_SPOKEN_EN.finditer(text))
    if "утра" in low or "дня" in low or "вечера" in low:
        found.extend(_SPOKEN_RU.finditer(text))
    found.sort(key=lambda m: m.start())
    return found


def _spoken(m: re.Match[str]) -> tuple[int, int] | None:
    """Hour and minute of a spoken-time match, or None when it is no plausible clock time."""
    g = m.groupdict()
    if g.get("fr") is not None:
        hour = int(g["fr"])
        # "5h" is more often a duration than a clock time; protests start in the day
        return (hour, int(g.get("fm") or 0)) if 7 <= hour <= 22 else None
    if g.get("us") is not None:
        return _hour24(int(g["us"]), g["usap"] + "m"), int(g.get("usm") or 0)
    word = g.get("eh") or g.get("eh2") or g.get("rh")
    part = (g.get("part1") or g.get("part2") or g.get("rpart") or "").lower()
    if word is None:
        return None
    low = word.lower()
    found = int(low) if low.isdigit() else _EN_HOUR_WORDS.get(low) or _RU_HOUR_WORDS.get(low)
    if found is None:
        return None
    if part in ("evening", "tonight", "afternoon", "night", "дня", "вечера") and found < 12:
        found += 12
    return found, 0


_DURATION = re.compile(r"\b(?P<n>\w+)[- ]hours?[- ](?:long\s+)?(?:rally|protest|demonstration|picket|vigil|march|sit-in|meeting)", re.I)
_RU_DURATION = re.compile(r"\b(?P<n>\w+)[- ]?час\w*\s+(?:митинг|пикет|акци)\w*", re.I)


def duration_hours(segment: str) -> int | None:
    """'three-hour rally' -> 3; None when the segment names no duration."""
    m = _DURATION.search(segment) or _RU_DURATION.search(segment)
    if not m:
        return None
    word = m.group("n").lower()
    if word.isdigit():
        return int(word) if 0 < int(word) <= 24 else None
    value = EN_NUMBERS.get(word) or {"двух": 2, "трех": 3, "трёх": 3, "четырех": 4}.get(word)
    return value if value and value <= 24 else None
