"""Protest events from text: pick the dates that announce something ahead, then the time,
place and city that belong to each."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .gazetteer import CityHit, Place, is_country_adjective, zone_country
from .model import ExtractedEvent
from .text import Segment
from .when import DateMention, TimeMention, duration_hours, find_dates, find_times
from .where import PlaceMention, find_places

_REFUSED = re.compile(r"\b(?:отказал\w*|отказ\w*|предложил\w*|не разрешил\w*|не дал\w*|отклонил\w*|refused|offered|instead of|rejected|banned|turned down)\b", re.I)
# a ban's dates are not a protest's: "a restriction on all public demonstrations from 13 to 18 June"
_BAN = re.compile(r"\b(?:restriction on|prohibit\w*|запрет\w*)", re.I)
# Places in sentences like these are where a march ends or goes next, not where people gather.
_ELSEWHERE = re.compile(r"\b(?:закончит\w*|заверш\w*|march(?:es)? (?:off )?to|marching (?:on )?to|heading to|then on to|then (?:march|move)|move (?:on|off) to|ends? (?:at|in)|end(?:ing)? (?:at|in)|finish\w* (?:at|in)|destination|proceed to)\b", re.I)
# Getting there is not being there: coach pick-ups, trains and branch meeting points give times
# and places that are not the protest's ("pick up from Leeds City Train Station at 6.00am").
_TRAVEL = re.compile(r"\b(?:coaches|(?:by|a|the|our) coach\b|coach (?:from|to|will|is|leaves|departs)|pick[- ]?up|travel(?:ling)?|(?-i:transport)|trains? (?:leaves?|departs?)|coach(?:es)? (?:leaves?|departs?)|branch (?:is )?meeting|meet(?:ing)? (?:at \S+ )?(?:to|and) travel|автобус\w*|трансфер\w*|выезд\w*)\b", re.I)
_CANCELLED = re.compile(r"\b(?:cancel+ed|called off|postponed|отмен[её]н\w*|отменил\w*|перенесен\w*)\b", re.I)
_START_CUE = re.compile(r"\b(?:start|starts|begin|begins|assembl\w+|gather\w*|meet at|mass(?:ing)?[- ]?up|assembly point|meeting point|muster\w*|начало|начн\w+|начать\w*|сбор\w*)\b|^\s*(?:время|when|time)\s*[:—–-]", re.I)
_HELD_AT = re.compile(r"(?<![А-Яа-яЁё])(?:пройд[её]т|состоится|состоятся)(?![А-Яа-яЁё])|\b(?:will (?:take place|be held)|is being held)\b", re.I)
_CHANGE_WORD = re.compile(r"moved|changed|brought|put back|now|postponed|rescheduled|перенес", re.I)
_CHANGED = re.compile(r"(?:\b(?:moved to|changed to|brought forward to|put back to|(?:will|would) now (?:begin|start|take place|be held|gather|assemble)|postponed to|rescheduled (?:to|for))\b|(?<![А-Яа-яЁё])перенес[её]?н\w* на)[^.;!?\n]{0,60}$", re.I)
# the start of something else: "expect Gov. Bill Richardson's State of the State speech to start around 1 p.m."
_OTHER_START = re.compile(r"\b(?:speech|address|press conference|hearing|session|vote|meeting|service|game|match|concert|show)\b[^.,;]{0,20}\b(?:start|starts|begin|begins|open|opens)\b", re.I)
_FUTURE_TENSE = re.compile(
    r"\b(?:will|shall|set for|set to|is set|are set|planned|planning|plans? to|to be held|being held|scheduled|upcoming|is due|join|come|please|invited?|tomorrow|tonight|пройд[её]т|состоится|состоятся|соберутся|планиру\w+|хотят провести|намерен\w* провести|собира\w+ провести|будет|будут|начн[её]тся|приглаша\w+|приходите)\b",
    re.I,
)
_PAST_TENSE = re.compile(
    r"\b(?:was|were|had|did|took|held|packed|marched|gathered|rallied|arrested|detained|dispersed|protested|blocked|clashed|turned out|came out|occurred|attended|began|started|filled|chanted|converged|descended|turned up|showed up|thronged|прош[её]л|прошл[аио]|состоял\w*|собрал\w*|вышли|задержали|разогнал\w*|подал[аи]?|направил[аи]?)\b",
    re.I,
)


_FORWARD = ("this", "next", "coming", "в эту", "в этот", "в ближайшую", "в ближайшее", "в следующую", "в следующее")


def _points_back(d: DateMention, segs: list[Segment], starts: list[int]) -> bool:
    """A bare weekday in a report points back: "police arrested 49 protesters Thursday",
    "Monday's shooting". Only "this/next Saturday" or a future verb keep it ahead."""
    if d.kind == "absolute" and not d.explicit_year and segs:
        # "The first protest was announced publicly on July 25 and will begin at 6.30pm": the day
        # it was announced, not the protest's
        seg = segs[_seg_index(segs, starts, d.start)]
        before = seg.text[max(0, d.start - seg.start - 50) : max(0, d.start - seg.start)]
        # ("told reporters here on Thursday (June 27)": the date that glosses the weekday)
        before = _WEEKDAY_GLOSS.sub(" ", before)
        return any(w in before for w in _SAID_WORDS) and bool(_SAID_ON.search(before))
    if d.kind != "weekday" or d.modifier in _FORWARD or not segs:
        return False
    seg = segs[_seg_index(segs, starts, d.start)]
    sentence = seg.text
    if d.modifier == "'s":
        if _PROTEST_NOUN.match(sentence, d.end - seg.start):
            # "routes for Tuesday's protest": the protest is ahead unless the sentence reports it
            return _past_tense(sentence)
        return not _FUTURE_TENSE.search(sentence)
    if _SAID_ON.search(sentence[max(0, d.start - seg.start - 50) : max(0, d.start - seg.start)]):
        return True  # "according to a statement released by the Congress on Tuesday"
    after = _DONE_AFTER.match(sentence, d.end - seg.start)
    if after and not _FUTURE_TENSE.search(after.group(0)) and not _OWN_DAY_NEXT.match(sentence, after.end()):
        # (unless the verb has a day of its own: "… on Monday, the movement announced on Tuesday")
        return True  # "On Monday, multi-agency teams held meetings to prepare for the planned demonstration"
    return _past_tense(sentence)


_WEEKDAY_GLOSS = re.compile(r"\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\s*\(\s*$", re.I)
_PROTEST_NOUN = re.compile(r"['\u2019]s +(?:\w+ +)?(?:protests?|march|rally|vigil|demonstration|picket|walkout|strike)\b", re.I)
_OWN_DAY_NEXT = re.compile(r"\s+(?:on\s+|last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b", re.I)
# the weekday's own clause goes on with a verb of something done: "On Monday, X held …"
_DONE_AFTER = re.compile(r"[^.;:!?]{0,40}?\b(?:held|took|met|announced|said|told|marched|gathered|rallied|protested|blocked|clashed)\b", re.I)


# the words one of which every branch of _SAID_ON needs (a cheap test before the pattern)
_SAID_WORDS = ("ounce", "aid", "old", "ssue", "ublish", "eport", "ost", "weet", "rote", "ccurr", "appen", "ook place",
               "rupt", "roke out", "tart", "egan", "ate", "arlier", "arned", "nformed", "tated", "tatement")
_SAID_ON = re.compile(r"\b(?:released|announced|said|told|issued|published|reported|posted|tweeted|wrote)\b(?:\s+(?:online|publicly|jointly))?(?:[^.,;]{0,30}\bon)?\s+$|\bstatement\b[^.;]{0,50}\bon\s+$|\btold\s+(?:a|the)\s+(?:joint\s+)?(?:press|news)\s+conference(?:\s+here)?\s+on\s+$|\b(?:said|told|warned|informed|announced|stated)\b[^.;]{0,60}\blate\s+$|^\W*[Ee]arlier\s+(?:on\s+)?$|\b(?:occurred|happened|took place|erupted|broke out|started|began)\b[^.,;]{0,40}\bon\s+$|\b(?:started|began)\s+(?:on\s+)?$", re.I)


def _past_tense(sentence: str) -> bool:
    """A sentence that reports rather than announces: past verbs and no future ones."""
    return bool(_PAST_TENSE.search(sentence)) and not _FUTURE_TENSE.search(sentence)


# "15 марта 2014, 08:00", "26th February 2021 | 12:50 PM": when the page was written
_STAMP = re.compile(r"(?:19|20)\d\d\s*[,|]?\s*\d{1,2}[:.]\d\d")
_GLUED_STAMP = re.compile(r"(?:19|20)\d\d[ \t]*[,|]?[ \t]*\d{1,2}[:.]\d\d$")
_STAMP_AFTER = re.compile(r"(?:,? +(?:19|20)\d\d)?[ \t]*(?:[,|]|г\.,?|года,?|в|[-\u2013\u2014])?[ \t]*\d{1,2}:\d\d(?![\d:])(?![ \t]*(?:[-–—][ \t]*\d|до|to|till|until|am|pm|a\.m|p\.m))", re.I)
# "10 a.m. Update:", "Updated 3:15 PM", "Опубликовано: 12 мая, 10:00": when the page changed
# "Москва, 23:11, 06 Ноя 2023": a time written just before a dated stamp is when the page was
_TIME_THEN_DATE = re.compile(r"[ \t]*,?[ \t]*\d{1,2}[ .](?:[A-Za-zА-Яа-яЁё]{3,9}\.?|\d\d)[ .](?:19|20)\d\d\b")
# a news agency's dateline: "WINDHOEK, 12 JUN (NAMPA) –", "12 Jun 2016 11:50am"
_DATELINE_AFTER = re.compile(r"[ \t]*(?:\([A-Z][A-Za-z]{1,12}\)[ \t]*[\u2013\u2014-]|/[A-Z][A-Za-z ]{1,30}/[ \t]*(?:--|[\u2013\u2014-])|(?:19|20)\d\d[ \t]+\d{1,2}:\d\d[ \t]*[ap]\.?m)", re.I)
_DATELINE_BEFORE = re.compile(r"(?:^|\n)[ \t]*[A-Z][A-Z .'\u2019-]{2,30},[ \t]*$")  # "KUALA LUMPUR, Feb 27 —"
_UPDATE_AFTER = re.compile(r"[ \t]*(?:[A-Z]{2,4}[ \t]+)?(?:[-\u2013\u2014:|][ \t]*)?(?i:update[sd]?)\b")
_UPDATE_BEFORE = re.compile(r"(?:(?i:updated|last updated|posted|published)|Обновлено|Опубликовано|Дата публикации)[ \t:]*(?:(?!(?:a|an|the|for|calls?|to|of)\b)[\w.,]+[ \t]+){0,5}(?:at[ \t]+)?$")
# "hours of operation are Monday–Thursday: 8 am to 6 pm", "doors open at 5 p.m.": a building's hours
_OPENING_HOURS = re.compile(
    r"(?:\b(?:hours(?: of operation)?|opening (?:hours|times)|doors open|open(?:s|ing)? (?:at|from|daily)|clos(?:es|ing) at|часы работы|работает с)\b[^.!?\n]{0,30}"
    r"|(?:day|[Tt]hu|[Ff]ri)\.?:[ \t]*)$", re.I)
# the clock of something beside the protest: road closures, the weather, a leader's plane
# ("Движение транспорта ограничат с 06:00 до 21:00", "wet and windy from 7am onwards", "will land
# in Karachi at 7:00 am", a police order "in place from 7am tomorrow")
_NOT_THE_PROTEST = re.compile(
    r"(?:\b(?:road closures?|roads? (?:will be )?closed|closed to traffic|traffic (?:will be )?(?:diverted|restricted|closed|suspended)"
    r"|weather|forecast|(?:will|to) (?:land|arrive|fly in)|lands?|arriv(?:es|ing|al)|in (?:place|force) from|dispersal (?:zone|order)"
    r"|(?:final|match|game|fixture)\b[^.]{0,60}\bkicks? off)\b"
    r"|(?<![А-Яа-яЁё])(?:движени\w* (?:транспорта )?(?:ограничат|перекроют|будет (?:ограничено|перекрыто|закрыто))"
    r"|(?:ограничат|перекроют|закроют) (?:движение|въезд|проезд)|прилет\w*|прибуд\w*|прилетит))[^.!?\n]*$",
    re.I,
)
_PAGE_STAMP_12H = re.compile(r"[ \t,]*\d{1,2}:\d\d[ \t]*(?:[ap]\.?m\.?)(?![ \t]*(?:[-\u2013\u2014]|to\b))", re.I)
_DATE_LINE = re.compile(r"^\s*(?:date|when|дата(?: и время)?|когда)\s*[:—-]", re.I)
_EVENT_LINE = re.compile(r"^\s*(?:event|what|action|акция|мероприятие)\s*[:—-]", re.I)
_WHERE_LINE = re.compile(r"^\s*(?:where|venue|location(?: \d{1,2})?|address(?: is)?|место(?: проведения| сбора)?(?: акции| митинга| пикета)?|адрес)\s*[:—-]", re.I)
_STREET_AFTER = re.compile(r"^,?\s+(?:in|on|at)\s+((?:[A-Z][\w'-]*\s+){1,3}(?:Street|Place|Road|Avenue|Lane|Way|Square|Boulevard|Drive))\b")
_STREETLIKE = re.compile(r"^(?:[А-ЯЁ][а-яё]+ая )?(?:набережная|улица|проспект|бульвар|переулок|шоссе)\b|^[А-ЯЁ][а-яё]+ая (?:набережная|улица)", re.I)
_STREET_END = re.compile(r"\b(?:Street|Road|Avenue|Lane|Way|Drive|Boulevard)$")
_POSSESSIVE = re.compile(r"^((?:[A-Z][\w-]+ ){0,2}[A-Z][\w-]+)['\u2019]s\s+")


@dataclass
class _Candidate:
    day: date
    score: float
    mention: DateMention
    seg_ids: list[int] = field(default_factory=list)
    why: list[str] = field(default_factory=list)


_STREET_BEFORE = re.compile(r"(?:\b(?:ул|пр|пл|просп|пер|наб|б-р|пр-т|им)\.?|\b(?:улиц|проспект|площад|переул|бульвар|набережн|имени)[а-яё]*)\s*$", re.I)


# a line that is nothing but a dated clock: "18 декабря 2005 в 13:23", "29.12.2025   18:13"
_STAMP_LINE = re.compile(
    r"[ \t]*\d{1,2}[ .](?:[A-Za-zА-Яа-яЁё]{3,9}\.?|\d\d)[ .,]*(?:19|20)\d\d[ \t,]*(?:г\.|года)?[ \t,]*(?:в|at|\|)?[ \t]*\d{1,2}:\d\d[ \t]*"
)


def _stamp_line(text: str, start: int, end: int, published: date | None) -> bool:
    """The time is a page stamp: its line holds the publication date and a clock, nothing else
    (a listing's "4 февраля 2012 года в 15:00" line is a day ahead)."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    if published is None or end - a > 40 or not _STAMP_LINE.fullmatch(text, a, len(text) if b < 0 else b):
        return False
    return any(d.day == published for d in find_dates(text[a:end], published))


_MAIN_SQUARE = re.compile(r"(?:центральн|главн|соборн)\w*\s+площад\w*\s+$", re.I)


def _own_line(text: str, seg: Segment) -> bool:
    """A segment that is a whole line of the text."""
    return (seg.start == 0 or text[seg.start - 1] == "\n") and (seg.end >= len(text) or text[seg.end : seg.end + 1] in ("\n", ""))


_STREET_AFTER_TOWN = re.compile(r"[а-яё]{0,4} +(?:проезд|проспект|переул|бульвар|шоссе|тракт)\w*", re.I)


def _names_street(text: str, h: CityHit) -> bool:
    """'пр. Шевченко, 4', 'пл. Советской': a town's name used as a street's or a square's; not
    the town's main square ('на Центральной площади Владивостока')."""
    before = text[max(0, h.start - 30) : h.start]
    if _STREET_AFTER_TOWN.match(text, h.end):
        return True  # "по Сумскому проезду", "на Московском проспекте": a street named after the town
    return bool(_STREET_BEFORE.search(before[-14:])) and not _MAIN_SQUARE.search(before)


def _place_spans(text: str, segs: list[Segment], starts: list[int], dates: list[DateMention],
                 kinds: list[set[str]]) -> list[tuple[int, int]]:
    """The stretches of text whose places an event can use: each date's sentence and the eight
    after it (where a notice puts "Where:"), the six lines above a date on a line of its own (an
    event page's place lines), and every sentence about a protest; merged."""
    wanted = [False] * len(segs)
    for d in dates:
        si = _seg_index(segs, starts, d.start)
        for j in range(max(0, si - 6) if len(segs[si].text) <= 60 and _own_line(text, segs[si]) else si, min(len(segs), si + 9)):
            wanted[j] = True
    for i, k in enumerate(kinds):
        if "protest" in k or "call" in k:
            wanted[i] = True
    spans: list[tuple[int, int]] = []
    for i, want in enumerate(wanted):
        if not want:
            continue
        a, b = segs[i].start, segs[i + 1].start if i + 1 < len(segs) else segs[i].end
        if spans and spans[-1][1] >= a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _seg_index(segs: list[Segment], starts: list[int], pos: int) -> int:
    return max(0, bisect.bisect_right(starts, pos) - 1)


def extract_events(
    text: str,
    segs: list[Segment],
    kinds: list[set[str]],
    published: date | None,
    zone_name: str,
    city_hits: list[CityHit],
    title_end: int,
    weak_hits: list[CityHit] | None = None,
) -> tuple[list[ExtractedEvent], dict[str, object]]:
    """Events announced in `text`, in text order; debug notes on how they were chosen."""
    debug: dict[str, object] = {}
    if not segs:
        return [], debug
    starts = [s.start for s in segs]
    dates = [d for d in find_dates(text, published) if not _points_back(d, segs, starts)]
    # a clock time glued to a year is a page stamp ("25 сентября 2015 | 15:25"), not a start
    times = [t for t in find_times(text) if not _GLUED_STAMP.search(text[max(0, t.start - 12) : t.end])
             and not _TIME_THEN_DATE.match(text, t.end)
             and (t.hour % 24, t.minute) != (23, 59)  # "to 11:59pm Aug 30": the last minute ends something
             # a clock off the five-minute marks ("04:13", "20:59") is when a page was written: people
             # are called for 14:00 or 14:05, not 14:07
             and (t.minute % 5 == 0 or t.end_hour is not None)
             and not _OPENING_HOURS.search(text, max(0, t.start - 40), t.start)
             and not _NOT_THE_PROTEST.search(text, max(0, t.start - 110), t.start)
             and not _UPDATE_AFTER.match(text, t.end) and not _UPDATE_BEFORE.search(text[max(0, t.start - 60) : t.start])
             and not _stamp_line(text, t.start, t.end, published)]
    places = find_places(text, _place_spans(text, segs, starts, dates, kinds))
    # a town in a sentence about war and nothing else is where bombs fall, not where people meet
    war = {i for i, k in enumerate(kinds) if "military" in k and "protest" not in k}
    city_hits = [h for h in city_hits if not _names_street(text, h) and _seg_index(segs, starts, h.start) not in war]
    home = zone_country(zone_name)
    weak_hits = [h for h in weak_hits or [] if not _names_street(text, h) and not (
        # "Russian aggression" in a Winnipeg station's story: a foreign country's adjective says
        # less than the source's own zone
        home is not None and h.place.country != home and is_country_adjective(text[h.start : h.end])
    )]
    seg_dates: dict[int, list[DateMention]] = {}
    for d in dates:
        seg_dates.setdefault(_seg_index(segs, starts, d.start), []).append(d)
    seg_times: dict[int, list[TimeMention]] = {}
    for t in times:
        seg_times.setdefault(_seg_index(segs, starts, t.start), []).append(t)
    seg_places: dict[int, list[PlaceMention]] = {}
    for p in places:
        seg_places.setdefault(_seg_index(segs, starts, p.start), []).append(p)
    title_ids = {i for i, s in enumerate(segs) if s.start < title_end}
    title_protest = any("protest" in kinds[i] for i in title_ids)
    changes = bool(_CHANGE_WORD.search(text))  # a cheap test before the costly look-behind pattern

    listed = _city_roll(text, city_hits, times) if dates else []
    roll_at = listed[0][0].start if listed else None
    by_day: dict[date, _Candidate] = {}
    for d in dates:
        if d.day is None or (published is not None and d.day < published):
            continue
        si = _seg_index(segs, starts, d.start)
        if d.day == published and _STAMP_AFTER.match(text, d.end) and (
            d.explicit_year or re.match(r",? *(?:19|20)\d\d", text[d.end : d.end + 7])
        ):
            continue  # "25 сентября 2015 | 15:25", "12.04.2013 12:34": when the page was written
        if d.day == published and (_DATELINE_AFTER.match(text, d.end) or _DATELINE_BEFORE.search(text, max(0, d.start - 40), d.start)):
            continue
        if d.day == published and d.explicit_year and "protest" not in kinds[si] and not _DATE_LINE.match(segs[si].text) and (
            "call" not in kinds[si] or _PAGE_STAMP_12H.match(text, d.end)
        ):
            continue  # "Wednesday 11 September 2013", "Oct. 8th, 2010 02:37 pm": the page's own date line
        k = kinds[si]
        score = 0.0
        why = []
        if "protest" in k:
            score += 2
            why.append("protest")
        elif _ORDINAL_OPENS.match(segs[si].text) and any("protest" in kinds[j] for j in (si - 1, si - 2) if j >= 0):
            score += 2  # "Первая состоится уже в субботу с 12:00": the first of the protests just named
            why.append("protest-ordinal")
        elif si + 1 < len(segs) and "protest" in kinds[si + 1] and "past" not in kinds[si + 1] and not seg_dates.get(si + 1) \
                and any(not t.other_zone for t in seg_times.get(si + 1, ())) and seg_places.get(si + 1) \
                and _FUTURE_TENSE.search(segs[si + 1].text):
            # "24 февраля исполняется ровно год … В связи с этим … в 16:30 у … университета пройдёт пикет":
            # the next sentence holds the day's protest, its time and its place
            score += 1.5
            why.append("protest-next")
        elif title_protest or any("protest" in kinds[j] for j in (si - 1, si + 1) if 0 <= j < len(segs)):
            score += 0.75
            why.append("protest-near")
        elif "strike" in k and "past" not in k and (_FUTURE_TENSE.search(segs[si].text) or _EXPECTED_TO.search(segs[si].text)):
            score += 0.75  # "students are expected to walk out of class on Friday": a strike ahead is a day people go out
            why.append("strike-ahead")
        # (the list's first town right after the sentence is the list's, not this day's own line)
        list_next = roll_at is not None and si + 1 < len(segs) and segs[si + 1].start <= roll_at < segs[si + 1].end
        if roll_at is not None and d.start < roll_at < d.start + 1500:
            score += 1.5  # a list of towns, each with its own time, follows: a national day's guide
            why.append("town-list")
        if "call" in k:
            score += 1.5
            why.append("call")
        if _DATE_LINE.match(segs[si].text):
            score += 1.5  # "Date: 26 November 2011 / Venue: … / Time: 7.30pm": a notice gives its own day
            why.append("date-line")
        if any(not t.other_zone for t in seg_times.get(si, ())):
            score += 1.5
            why.append("time")
        elif si + 1 < len(segs) and not seg_dates.get(si + 1) and not list_next and any(
            not t.other_zone for t in seg_times.get(si + 1, ())
        ) and "\n" in text[segs[si].end : segs[si + 1].start + 1]:
            score += 1.25  # a listing: the date line, then the time line
            why.append("time-next-line")
        if seg_places.get(si):
            score += 1
            why.append("place")
        elif not list_next and any(seg_places.get(j) for j in (si + 1, si + 2)) and "\n" in text[segs[si].end : segs[min(si + 1, len(segs) - 1)].start + 1]:
            score += 0.75
            why.append("place-next-lines")
        if "past" in k and "call" not in k:
            # "29 апреля состоялся митинг" on the 29th, with nothing ahead in the sentence: over already;
            # "a vigil is being held today … after the riots that took place": ahead, with history in it
            ahead = _FUTURE_TENSE.search(segs[si].text)
            score -= 1 if ahead else 4 if d.day == published else 2
            why.append("past")
        elif d.day == published and _past_tense(segs[si].text):
            score -= 1.5  # "Сегодня, 4 марта, оппозиция подала уведомление о марше": what was done today
            why.append("done-today")
        if "nonprotest" in k and "protest" not in k:
            score -= 2
            why.append("not-protest")
        if d.kind == "relative" and text[d.start : d.end].lower() == "today" and not seg_times.get(si) \
                and not seg_places.get(si) and not _TODAY_OPENS.match(segs[si].text):
            # "… is unacceptable today": a bare 'today' inside a sentence is as often 'nowadays'
            score -= 1.25
            why.append("bare-today")
        if changes and _CHANGED.search(text, max(segs[si].start, d.start - 80), d.start):
            score += 2  # "Protests planned for Saturday will be moved to the area outside the Knesset on Monday"
            why.append("changed")
        if _BOUND_BEFORE.search(text, max(segs[si].start, d.start - 20), d.start):
            score -= 1.5  # "may proceed after 18 June", "until March 21": a limit, not the day
            why.append("bound")
        if d.far:
            score -= 3
            why.append("far")
        if d.kind == "weekday" and _EVERY_BEFORE.search(text, max(0, d.start - 12), d.start):
            score -= 1  # "каждое воскресенье в 14:00", "every Saturday": a habit; a mention of the day itself says more
            why.append("every")
        if d.kind == "absolute":
            score += 0.5
            if d.day == published and d.explicit_year and not seg_times.get(si):
                # "Cobar Age, July 27, 2011 Nurses … will hold a rally on Friday August 5": the
                # publication day written out with its year is the page's, unless timed
                score -= 1
                why.append("own-date")
        if _REFUSED.search(segs[si].text) or _BAN.search(segs[si].text):
            score -= 1
        cand = by_day.get(d.day)
        if cand is None:
            by_day[d.day] = cand = _Candidate(d.day, score, d, [], why)
        elif score > cand.score:
            cand.score, cand.mention, cand.why = score, d, why
        if si not in cand.seg_ids:
            cand.seg_ids.append(si)
    ranked = sorted(by_day.values(), key=lambda c: (-c.score, c.mention.start))
    debug["date_candidates"] = [f"{c.day.isoformat()}:{c.score:g}:{'+'.join(c.why)}" for c in ranked[:6]]
    if not ranked or ranked[0].score < 1.5:
        return [], debug
    chosen = [ranked[0]]
    for c in ranked[1:]:
        si = _seg_index(segs, starts, c.mention.start)
        own_time = any(not t.other_zone for t in seg_times.get(si, ()))
        score = c.score
        if own_time and seg_places.get(si) and _ALSO.search(segs[si].text) and si - 1 in chosen[0].seg_ids:
            score += 2.0  # "… 18 июля, в 14 часов, перед зданием мэрии. А также 28 июля, в 11 часов, перед …"
        if not own_time and si + 1 < len(segs) and not seg_dates.get(si + 1) and "protest" in kinds[si]:
            # "On Wednesday … a public rally. The event is scheduled for 11 a.m. at the courthouse."
            own_time = any(not t.other_zone for t in seg_times.get(si + 1, ())) and bool(seg_places.get(si + 1))
            score += 2.5 if own_time else 0.0  # its time and its place, one sentence on
        # (a listing that gives a day its own time and place in one sentence needs less: "Melbourne State
        # Library, 1pm, March 10!")
        listing = own_time and bool(seg_places.get(si)) and c.mention.kind == "absolute"
        if (score >= 4 or listing and score >= 3.5) and own_time and any(
            seg_places.get(j) for j in (si, si + 1, si + 2) if not seg_dates.get(j) or j == si
        ) and si not in chosen[0].seg_ids:
            chosen.append(c)
            continue
        if score >= 4 and not own_time and {
            "protest", "call"} <= kinds[si] and (seg_places.get(si) or _THERE.search(segs[si].text) and seg_places.get(si - 1)) \
                and si not in chosen[0].seg_ids and "past" not in kinds[si]:
            # "5 июля там пройдет митинг профсоюзов … 1 июля в сквере встретятся сторонники …", "a
            # march will be conducted tomorrow and will launch from Circus square": a day without a
            # clock time, announced with its own place, is a protest of its own
            chosen.append(c)
            continue
        # "17 ноября – у входа в …; 18-го – у проходной …", "on Saturday 22 February between 11am
        # and 3pm or Thursday 27 February between 1pm and 6pm": one sentence, several days, each
        # with its own time or place, is one event a day
        mentions = seg_dates.get(si, [])
        mates = [d for d in mentions if d.day == chosen[0].day]
        if c.score >= 1.5 and mates and "past" not in kinds[si] and _own_clause(
            c.mention, mentions, segs[si].end, seg_times.get(si, []), seg_places.get(si, [])
        ) and any(_own_clause(d, mentions, segs[si].end, seg_times.get(si, []), seg_places.get(si, [])) for d in mates):
            chosen.append(c)
    # a calendar: "Rally: …\nSaturday, September 14, 12 noon. … / Rally: …\nSaturday, September 21,
    # 1pm. …": every entry headed by a protest whose date is written with its time is an event
    entries = [c for c in ranked if c.score >= 1.5 and _calendar_entry(c.mention, segs, starts, kinds, seg_times, text)]
    if len(entries) >= 2 and ranked[0] in entries:
        chosen += [c for c in entries if c not in chosen]
    multi = len(chosen) > 1
    chosen.sort(key=lambda c: c.mention.start)
    events: list[ExtractedEvent] = []
    # one protest day held town by town: a list ("Adelaide 3pm, …; Brisbane 2pm, …"), else a sentence a town
    day_rows = _day_listing(text, dates, times, city_hits, kinds, segs, starts, published)
    if len(day_rows) >= 2 and any(day == c.day for c in chosen for day, *_ in day_rows):
        base = _build(chosen[0], text, segs, starts, kinds, seg_dates, seg_times, seg_places, city_hits, zone_name, multi,
                      title_ids, published, weak_hits)
        debug["day_listing"] = len(day_rows)
        return [_listed_event(base, day, t, place, hit) for day, t, place, hit in day_rows], debug
    day_si = _seg_index(segs, starts, chosen[0].mention.start)
    day_time = next((t for t in seg_times.get(day_si, ()) if not t.other_zone), None)
    roll: list[tuple[CityHit, TimeMention | None, str | None]] = []
    if not multi:
        roll.extend(listed if day_time is None else _city_roll(text, city_hits, times, day_time))
    if not (roll and -200 <= roll[0][0].start - chosen[0].mention.start <= 1500):
        roll = [] if multi else _town_sentences(chosen[0], segs, starts, seg_dates, seg_times, seg_places, city_hits, kinds)
    if roll:
        base = _build(chosen[0], text, segs, starts, kinds, seg_dates, seg_times, seg_places, city_hits, zone_name, multi, title_ids, published, weak_hits)
        debug["town_by_town"] = len(roll)
        return [_town_event(base, chosen[0].day, h.place, t, venue, base.confidence) for h, t, venue in roll], debug
    for c in chosen:
        sessions = [] if multi else _session_lines(c, segs, kinds, seg_dates, seg_times, seg_places)
        if sessions:
            base = _build(c, text, segs, starts, kinds, seg_dates, seg_times, seg_places, city_hits, zone_name, multi, title_ids, published, weak_hits)
            events.extend(_variant(base, c.day, t, p) for t, p in sessions)
            debug["session_lines"] = len(sessions)
            continue
        pairs = _time_place_pairs(c, segs, starts, seg_times, seg_places, text)
        if len(pairs) > 1 and not multi:
            base = _build(c, text, segs, starts, kinds, seg_dates, seg_times, seg_places, city_hits, zone_name, multi, title_ids, published, weak_hits)
            for at, spot in pairs:
                one = _variant(base, c.day, at, spot)
                if spot is None:
                    one.venue, one.address = base.venue, base.address
                events.append(one)
            debug["same_day_events"] = len(pairs)
            continue
        built = _build(c, text, segs, starts, kinds, seg_dates, seg_times, seg_places, city_hits, zone_name, multi, title_ids, published, weak_hits)
        events.append(built)
        more = _same_day_others(built, c, segs, kinds, seg_dates, seg_times, seg_places, city_hits, title_ids, published,
                                weak_hits, text)
        if more:
            if built.venue and any(m.address and m.address == built.address for m in more):
                built.address = None  # the later protest's address, read into the first one's
            events.extend(more)
            debug["same_day_sentences"] = len(more) + 1
        towns = [] if multi else _more_towns(built, c, segs, kinds, city_hits, seg_dates)
        if towns:
            events.extend(towns)
            debug["more_towns"] = len(towns)
    return events, debug


_IN_TOWN = re.compile(r"(?:\b(?:in|and)|(?<![А-Яа-яЁё])(?:в|во|и))\s+$", re.I)


_LINE = re.compile(r"[^\n]+")
_BULLET = re.compile(r"[ \t]*(?:[-\u2013\u2014\u2022*\u00b7]+[ \t]*)?")
_HEADER_REST = re.compile(r"[\s,:.\u2013\u2014-]*(?:[A-Z][\w.'-]*(?:[ \t]+[A-Z][\w.'-]*)*[\s,:.]*|[А-ЯЁ][\w.-]*(?:[ \t]+[А-ЯЁ][\w.-]*)*[\s,:.]*)?")
_PLACE_LIKE = re.compile(r"\d|\b(?:Plaza|Pl\.|Calle|C/|C\.|Street|St\.|Road|Avenue|Square|Park|Hall|Gardens?|Station|Embassy|Consulate|Parliament|Church)\b")
_LISTED_VENUE = re.compile(r":[ \t]*(?:(?:march|rally|gathering|picket|vigil)\b[^.;]*?\b(?:at|outside|in front of)[ \t]+)?(?:the[ \t]+)?(?P<v>[A-Z][\w.'\u2019-]*(?:[ \t]+(?:of[ \t]+|the[ \t]+)?[A-Z][\w.'\u2019-]*){0,5})")


def _day_listing(text: str, dates: list[DateMention], times: list[TimeMention], hits: list[CityHit],
                 kinds: list[set[str]], segs: list[Segment], starts: list[int],
                 published: date | None) -> list[tuple[date, TimeMention, str | None, CityHit | None]]:
    """A listing of days, each a line of its own ("Saturday, March 27", "Friday, Cape Town:"), with
    the day's protests on the lines under it, a clock time on each ("- Stop the Pipeline: Dallas
    Road from 1 to 2 p.m.", "12:00 - A march from Keizersgracht Street to the gates of
    Parliament"): one event a line, on its heading's day, at the line's first time and place."""
    if text.count("\n") < 3 or not any(
        text[text.rfind("\n", 0, d.start) + 1 : d.start].strip(" \t-\u2013\u2014\u2022*\u00b7") == "" for d in dates
    ):
        return []  # (no date opens a line: no heading)
    out: list[tuple[date, TimeMention, str | None, CityHit | None]] = []
    day: date | None = None
    town: CityHit | None = None
    headings = 0
    lines = list(_LINE.finditer(text))
    line_starts = [m.start() for m in lines]

    def by_line(items: list[Any]) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = {}
        for item in items:
            grouped.setdefault(bisect.bisect_right(line_starts, item.start) - 1, []).append(item)
        return grouped

    line_dates, line_times, line_hits = by_line(dates), by_line(times), by_line(hits)
    for n, line in enumerate(lines):
        a, b = line.start(), line.end()
        if day is None and n not in line_dates:
            continue  # (nothing to read before the first heading)
        lead = _BULLET.match(text, a)
        first = line_dates[n][0] if n in line_dates else None
        if first is not None and lead is not None and first.start == lead.end() and first.day is not None and (
            text[a:b].rstrip().endswith(":") or len(text[a:b].strip()) <= 45
            and (rest := _HEADER_REST.match(text, first.end)) is not None and rest.end() >= b
        ) and n not in line_times:
            day = first.day if published is None or first.day >= published else None
            town = line_hits[n][0] if n in line_hits else None
            headings += 1
            continue
        if day is None:
            continue
        own = [t for t in line_times.get(n, ()) if not t.other_zone]
        if not own or any(d.day != day for d in line_dates.get(n, ())):
            continue
        # a listing's line opens with a bullet or its time, or is short; prose under a page's
        # date line is no listing
        led = lead is not None and (lead.end() > a and text[a:lead.end()].strip() != "" or own[0].start == lead.end())
        if not led and (headings < 2 or b - a > 200):
            continue
        si = _seg_index(segs, starts, a)
        if "nonprotest" in kinds[si] and "protest" not in kinds[si] or "past" in kinds[si]:
            continue  # "14:00 - A memorial service for …": not a protest
        places = [p for p in find_places(text, [(a, b)]) if p.kind in ("venue", "address", "named")]
        venue = places[0].text if places else None
        if venue is None:
            named = _LISTED_VENUE.search(text, a, own[0].start)
            venue = named.group("v") if named else None
        if venue is None and not text[own[0].end : b].strip(" ,.;:-\u2013\u2014"):
            # "3 pm / Vancouver Art Gallery": a time on its own line, the place on a line below (a
            # table's "1100-1300 / Mortgage Matters: BBVA / Pº de Recoletos 10": the one that reads as a place)
            below: list[str] = []
            for m in range(n + 1, len(lines)):
                if len(below) == 3 or m in line_times or m in line_dates:
                    break
                line_text = lines[m].group(0).strip()
                if line_text and len(line_text) <= 80 and line_text[0].isupper():
                    below.append(line_text)
            venue = next((x for x in below if _PLACE_LIKE.search(x)), below[0] if below else None)
        hit = line_hits[n][0] if n in line_hits else town
        out.append((day, own[0], venue, hit))
    # the same protest twice (a page's own summary line): once, with its place
    kept: list[tuple[date, TimeMention, str | None, CityHit | None]] = []
    for entry in out:
        same = [k for k in kept if k[0] == entry[0] and (k[1].hour, k[1].minute) == (entry[1].hour, entry[1].minute)]
        if same and (entry[2] is None or same[0][2] == entry[2]):
            continue
        kept = [k for k in kept if not (k in same and k[2] is None)] + [entry]
    return kept if headings >= 2 and len(kept) >= 2 or len(kept) >= 3 else []


def _listed_event(base: ExtractedEvent, day: date, t: TimeMention, venue: str | None, hit: CityHit | None) -> ExtractedEvent:
    """One line of a day listing, in its town's zone when the line or its heading names one."""
    if hit is not None:
        return _town_event(base, day, hit.place, t, venue, base.confidence)
    one = _variant(base, day, t, None)
    one.venue = venue
    return one


def _more_towns(base: ExtractedEvent, c: _Candidate, segs: list[Segment], kinds: list[set[str]],
                hits: list[CityHit], seg_dates: dict[int, list[DateMention]] | None = None) -> list[ExtractedEvent]:
    """"21 сентября оппозиционеры хотят провести «Марши мира» в Екатеринбурге и Новосибирске",
    "eight to be held simultaneously … in Quebec City, Ottawa, Toronto and Vancouver": a sentence
    that names the day, or a dateless one a few sentences on, and calls protests in several towns
    gives each other town its own event, all day (the text gives their time and place, if at all,
    elsewhere)."""
    out: list[ExtractedEvent] = []
    seen = {base.city}
    first = min(c.seg_ids) if c.seg_ids else 0
    dateless = [si for si in range(first + 1, min(len(segs), first + 7))
                if si not in c.seg_ids and not (seg_dates or {}).get(si)]
    for si in list(c.seg_ids) + dateless:
        k = kinds[si]
        if "protest" not in k or "past" in k or not ({"call"} & k or _FUTURE_TENSE.search(segs[si].text)):
            continue
        inside = [h for h in hits if segs[si].start <= h.start < segs[si].end]
        towns: list[CityHit] = []
        for h in inside:
            before = segs[si].text[max(0, h.start - segs[si].start - 110) : h.start - segs[si].start]
            listed = bool(towns) and _LIST_GAP.fullmatch(segs[si].text, towns[-1].end - segs[si].start, h.start - segs[si].start)
            if (listed or _IN_TOWN.search(before[-6:])) and not _BACKGROUND.search(before):
                towns.append(h)
        if len({h.place.name for h in towns}) < 2:
            continue
        for h in towns:
            if h.place.name in seen:
                continue
            seen.add(h.place.name)
            out.append(_town_event(base, c.day, h.place, None, None, round(max(0.3, base.confidence - 0.2), 2)))
    return out


_LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:and|и)\s+)?|(?:and|и)\s+)(?:(?:in|в|во)\s+)?")


_ROLL_GAP = re.compile(r"[ \t]*[:,\u2013\u2014-]?[ \t]*(?:(?:в|с|at|from)[ \t]+)?")  # ("Гори – в 17:00 перед зданием …")
_ROLL_LABEL = re.compile(r"[ \t]*(?:(?:[Vv]igil|[Rr]ally|[Pp]rotest|[Mm]arch|[Dd]emo|[Pp]icket)s?[ \t]*)?[:\u2013\u2014-][ \t]*")
_ROLL_CUT = re.compile(r"\n|;|\. |\(|\s[\u2013\u2014]\s")
_ROLL_LEAD = re.compile(r"^(?:[\s,;:.\u2013\u2014-]|\b(?:at|the|outside|opposite|in front of|в|у|на)\s|\blocal time\b)+", re.I)
_ROLL_TAIL = re.compile(r"[\s,;:]+(?:at|from|on|by)$", re.I)


def _city_roll(text: str, hits: list[CityHit], times: list[TimeMention],
               day_time: TimeMention | None = None) -> list[tuple[CityHit, TimeMention, str | None]]:
    """A national day of action listed town by town: "Adelaide 3pm, State Parliament Brisbane 2pm,
    Queens Park …", "Leeds – 12 noon, City Square", or one line a town ("Manchester: Piccadilly
    Gardens, 1pm"). Each town with its own time and the place written with it; three towns at
    least, each entry close to the one before. Under a day announced with its time ("30 ноября.
    14:00 … / Москва: Минздрав РФ (Неглинная, 25), / Курган: …, 15:00, ЦПКиО"), a town's line
    without a time of its own keeps the day's (`day_time`)."""
    by_start = {t.start: t for t in times if not t.other_zone}
    ordered = sorted(hits, key=lambda h: h.start)
    entries: list[tuple[CityHit, TimeMention, int, int]] = []  # hit, time, where its place starts, ends

    def opens_entry(o: CityHit) -> bool:
        g = _ROLL_GAP.match(text, o.end)
        return bool(g and g.end() in by_start) or bool(_ROLL_LABEL.match(text, o.end)) and not text[text.rfind("\n", 0, o.start) + 1 : o.start].strip()

    # each entry's place runs to the next town that opens an entry ("Nampa — 5:30 to 7:30 p.m., Nampa
    # City Hall": the town named again inside a place opens none)
    limits = [len(text)] * len(ordered)
    following = len(text)
    for n in range(len(ordered) - 1, -1, -1):
        limits[n] = following
        if opens_entry(ordered[n]):
            following = ordered[n].start
    for n, h in enumerate(ordered):
        limit = limits[n]
        gap = _ROLL_GAP.match(text, h.end)
        t = by_start.get(gap.end()) if gap else None
        if t is not None:
            entries.append((h, t, t.end, limit))
            continue
        line_start = text.rfind("\n", 0, h.start) + 1
        label = _ROLL_LABEL.match(text, h.end)
        line_end = text.find("\n", h.end)
        line_end = len(text) if line_end < 0 else line_end
        if label and not text[line_start : h.start].strip():
            own = [t for t in times if label.end() <= t.start < min(line_end, limit) and not t.other_zone]
            if own and not text[label.end() : own[0].start].strip(" ,.:;\u2013\u2014-"):
                entries.append((h, own[0], own[0].end, min(line_end, limit)))  # "Sydney: 12 noon at Town Hall"
            elif own:
                entries.append((h, own[0], label.end(), own[0].start))
            elif day_time is not None and day_time.end <= line_start:
                entries.append((h, day_time, label.end(), min(line_end, limit)))
    runs: list[list[tuple[CityHit, TimeMention, int, int]]] = []
    for e in entries:
        if runs and e[0].start - runs[-1][-1][2] <= 300 and e[0].start >= runs[-1][-1][2]:  # the next entry close after
            runs[-1].append(e)
        else:
            runs.append([e])
    best = max(runs, key=len, default=[])
    if len({e[0].place.name for e in best}) < 3:
        return []
    out = []
    for h, t, a, b in best:
        chunk = text[a:b]
        cut = _ROLL_CUT.search(chunk)
        chunk = _ROLL_TAIL.sub("", _ROLL_LEAD.sub("", chunk[: cut.start()] if cut else chunk).strip(" ,.:;\u2013\u2014-"))
        # (Russian writes its place nouns in lower case: 'площадь Ленина')
        venue = chunk if 2 < len(chunk) <= 70 and (chunk[0].isupper() or chunk[0].isalpha() and not chunk[0].isascii()) else None
        out.append((h, t, venue))
    return out


_TOWN_OPENS = re.compile(r"\s*(?:[«\"]\s*)?(?:В|Во|In|At)\s+$")


def _town_sentences(c: _Candidate, segs: list[Segment], starts: list[int], seg_dates: dict[int, list[DateMention]],
                    seg_times: dict[int, list[TimeMention]], seg_places: dict[int, list[PlaceMention]],
                    hits: list[CityHit], kinds: list[set[str]]) -> list[tuple[CityHit, TimeMention | None, str | None]]:
    """"В Москве и других городах 6 марта пройдут акции. / В Москве у станции метро … с 15:00 до
    18:00 … / В Воронеже пикет начнется в 18:00 на площади …": a day without a time of its own,
    then a sentence a town, each opening with its town and giving its own time and place."""
    best_si = _seg_index(segs, starts, c.mention.start)
    if any(not t.other_zone for t in seg_times.get(best_si, ())):
        return []
    out: list[tuple[CityHit, TimeMention | None, str | None]] = []
    for j in range(best_si + 1, min(len(segs), best_si + 8)):
        if any(d.day and d.day != c.day for d in seg_dates.get(j, ())):
            break
        opener = next((h for h in hits if segs[j].start <= h.start < segs[j].start + 6
                       and _TOWN_OPENS.fullmatch(segs[j].text[: h.start - segs[j].start])), None)
        times = [t for t in seg_times.get(j, ()) if not t.other_zone]
        places = [p for p in seg_places.get(j, ()) if p.kind in ("venue", "address", "named")]
        if opener is None or not times and not places or not (times and places) and "protest" not in kinds[j]:
            continue
        # (a town's sentence with a time and no place, or a place and no time, is still its protest:
        # "In Machakos, protests will begin at 10:00 a.m.", "In Kisumu, demonstrators will begin their
        # march at Jomo Kenyatta Sports Ground")
        out.append((opener, times[0] if times else None, places[0].text if places else None))
    return out if len({h.place.name for h, _, _ in out}) >= 2 else []


def _town_event(base: ExtractedEvent, day: date, place: Place, t: TimeMention | None, venue: str | None,
                confidence: float) -> ExtractedEvent:
    """One of a text's protests held in its own town, in that town's zone (all day without a time)."""
    tz = ZoneInfo(place.timezone)
    start = datetime.combine(day, time(t.hour % 24, t.minute) if t is not None else time(0, 0), tz)
    end = datetime.combine(day, time(t.end_hour % 24, t.end_minute or 0), tz) if t is not None and t.end_hour is not None else None
    return ExtractedEvent(
        start=start, end=end, all_day=t is None, venue=venue, address=None, city=place.name,
        country=place.country, timezone=place.timezone, lat=place.lat, lon=place.lon,
        confidence=confidence, cancelled=base.cancelled,
    )


_BOUND_BEFORE = re.compile(r"(?:\b(?:after|until|till|before|no later than|conclude[sd]? on|ends? on|as of)|(?<![А-Яа-яЁё])(?:после|до|не позднее|по состоянию на))\s+(?:the\s+)?$", re.I)
_EVERY_BEFORE = re.compile(r"(?:\bevery|(?<![А-Яа-яЁё])(?:каждое|каждую|каждый|по))\s+$", re.I)
_EXPECTED_TO = re.compile(r"\b(?:are|is) expected to\b", re.I)
_ORDINAL_OPENS = re.compile(r"\s*(?:(?:перв|втор|трет)(?:ая|ый|ой|ье|ое)|the (?:first|second|third)(?: one)?)\b", re.I)
_TODAY_OPENS = re.compile(r"\s*(?:[\"“]\s*)?today\b", re.I)
_THERE = re.compile(r"(?<![А-Яа-яЁё])там(?![А-Яа-яЁё])|\bthere\b", re.I)
_ALSO = re.compile(r"\b(?:also|as well|the same day|that same day)\b|(?<![А-Яа-яЁё])(?:также|тоже|в тот же день|в этот же день)(?![А-Яа-яЁё])", re.I)
@lru_cache(maxsize=4)
def _announced(text: str) -> int:
    """Where the text first says it announces several protests (_MANY), or past its end: looked
    for only when a second protest is in question, as it costs a scan of the whole text."""
    low = text.lower()
    first = len(text) + 1
    for w in _MANY_WORDS:  # the pattern tried only where one of its count words stands
        i = low.find(w)
        while 0 <= i < first:
            if _MANY.match(text, i) and (i == 0 or not low[i - 1].isalnum()):
                first = i
                break
            i = low.find(w, i + 1)
    return first


def _adds_another(sentence: str) -> bool:
    """_ANOTHER in a sentence, tried only when one of its words is there."""
    low = sentence.lower()
    return any(w in low for w in _ANOTHER_WORDS) and bool(_ANOTHER.search(sentence))


# a sentence that adds a protest of its own: "Another demo …", "A third protest was scheduled …",
# "Вторая акция начнется …", "Такие же акции пройдут …"
_ANOTHER = re.compile(
    r"\b(?:another|a (?:second|third|further|separate)|the (?:second|third))\s+(?:\w+\s+)?"
    r"(?:protest|rally|demo|demonstration|march|vigil|picket|event|gathering|action)\b"
    r"|(?<![А-Яа-яЁё])(?:втор|трет|друг)(?:ая|ой|ое|ый|ие)\s+(?:\w+\s+)?(?:акци|митинг|пикет|демонстрац|шестви)"
    r"|(?<![А-Яа-яЁё])(?:ещ[её] (?:одн|дв|тр)\w*|такие же|такая же|такой же)\s+(?:\w+\s+)?(?:акци|митинг|пикет|демонстрац|шестви)",
    re.I,
)
_ANOTHER_WORDS = ("another", "second", "third", "further", "separate", "втор", "трет", "друг", "ещ", "таки", "такая", "такой")
_MANY_WORDS = ("two", "three", "four", "five", "several", "a number of", "a series of", "multiple", "different", "separate", "not the only",
               "две", "два", "три", "четыре", "пять", "несколько", "сери", "черед")
_SIDE_EVENT = re.compile(
    r"\b(?:pre|post)-(?:march|rally|protest|vigil)\b|\b(?:before|after|following) the (?:march|rally|protest|vigil|demo)\b"
    r"|(?<![А-Яа-яЁё])(?:перед|после) (?:митинг|шестви|пикет|акци)\w*",
    re.I,
)
_SAME_PLACE = re.compile(
    r"\b(?:the same (?:place|square|spot|venue|location)|same venue)\b"
    r"|(?<![А-Яа-яЁё])(?:(?:на|в|у) (?:этой|той|этом|том) же \w+|там же)(?![А-Яа-яЁё])",
    re.I,
)
# the text says it announces several protests: "two rallies", "сразу две акции", "not the only protest"
_MANY = re.compile(
    r"\b(?:two|three|four|five|several|a number of|a series of|multiple|different|separate)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:(?:counter-?)?protests|rallies|demonstrations|demos|marches|vigils|pickets|actions|events|groups|gatherings)\b"
    r"|\bnot the only (?:protest|rally|demo|demonstration|march|event)\b"
    r"|(?<![А-Яа-яЁё])(?:две|два|три|четыре|пять|несколько|серия|серию|череда|череду)\s+(?:[А-Яа-яЁё-]+\s+){0,2}?"
    r"(?:акци[йи]|митинга|митингов|пикета|пикетов|демонстраци[ийя]|шестви[яй]|мероприяти[яй])(?![А-Яа-яЁё])",
    re.I,
)


def _same_day_others(base: ExtractedEvent, c: _Candidate, segs: list[Segment], kinds: list[set[str]],
                     seg_dates: dict[int, list[DateMention]],
                     seg_times: dict[int, list[TimeMention]], seg_places: dict[int, list[PlaceMention]],
                     city_hits: list[CityHit], title_ids: set[int], published: date | None,
                     weak_hits: list[CityHit] | None, text: str = "") -> list[ExtractedEvent]:
    """Two protests on one day named in two sentences ("On 1 May the union rallies at A at 10:00.
    The same day the party pickets B at 12:00."): each other sentence that names the day, a
    protest, its own clock time and its own place is one more event. In a text that says it
    announces several protests (_announced), a later dateless sentence with a protest and a time of
    its own is one too, even at the first one's place ("На этой же площади в 14:00 …")."""
    out: list[ExtractedEvent] = []
    if base.all_day:
        return out  # the first protest has no time of its own: a timed sentence is more likely its time
    seen = {(base.start.hour, base.start.minute)}
    seen_places = {base.venue.casefold()} if base.venue else {base.address.casefold()} if base.address else set()
    # sentences naming the day, and dateless ones that add another protest ("A unity march is also
    # scheduled in Scarborough at Malvern Town Centre at 12:30 p.m.")
    # (a dateless sentence after the next day's sentence belongs to that day; the count must come
    # before the sentence it covers: "a number of marches" at a text's end is not an announcement)
    first = c.seg_ids[0]
    stop = next((si for si in range(first + 1, len(segs)) if any(
        d.day and d.day != c.day and (published is None or d.day >= published) for d in seg_dates.get(si, ()))), len(segs))
    # (in a text that announces several, people gathering somewhere at a time are one of them: "около
    # 10.30 у цирка соберутся сторонники КПРФ")
    also = [si for si in range(len(segs)) if si not in c.seg_ids and not seg_dates.get(si)
            and ("protest" in kinds[si] or first < si < stop and _ASSEMBLY_WORD.search(segs[si].text) and _announced(text) < segs[si].start)
            and (_ALSO.search(segs[si].text) or first < si < stop and (
                _adds_another(segs[si].text) or _announced(text) < segs[si].start))]
    for si in c.seg_ids + also:
        k = kinds[si]
        if "protest" not in k and si not in also or "past" in k or _REFUSED.search(segs[si].text) or _ELSEWHERE.search(segs[si].text):
            continue
        days = [d for d in seg_dates.get(si, ()) if d.day == c.day]
        if days and all(d.kind == "weekday" and _EVERY_BEFORE.search(segs[si].text[: d.start - segs[si].start][-12:]) for d in days):
            continue  # "выходить на площади каждое воскресенье в 14:00": a habit, not one more protest that day
        times = [t for t in seg_times.get(si, ()) if not t.other_zone]
        places = [p for p in seg_places.get(si, ()) if p.kind in ("venue", "address")]
        if not places and si > 0 and _WHERE_LINE.match(segs[si - 1].text):
            places = [p for p in seg_places.get(si - 1, ()) if p.kind in ("venue", "address")]  # "Location 3: … / Event: …"
        same_place = bool(_SAME_PLACE.search(segs[si].text))
        if times and not places and si + 1 < len(segs) and not seg_dates.get(si + 1) and "protest" in kinds[si + 1]:
            # "Our branch in Bizana will also be marching on the same Monday from 10:00am. The march
            # will start from the bus stop …": the place in the next sentence
            places = [p for p in seg_places.get(si + 1, ()) if p.kind in ("venue", "address", "named")]
        if not times or not places and not same_place:
            continue
        t = times[0]
        if _SIDE_EVENT.search(segs[si].text[: t.start - segs[si].start][-40:]):
            continue  # "a pre-march 10:15 a.m. service", "после митинга в 16:00": around the protest, not one
        # (at the first protest's own venue without a word of a new one it is that protest's next
        # step; its address may have been taken from this very sentence)
        if (t.hour % 24, t.minute) in seen or not same_place and not _adds_another(segs[si].text) and any(
                p.text.casefold() in seen_places for p in places):
            continue
        venue = next((p.text for p in places if p.kind in ("venue", "named")), None if places else base.venue)
        address = next((p.text for p in places if p.kind == "address"), None if places else base.address)
        place = _pick_city([si], segs, city_hits, None, title_ids, c, published, weak_hits or []) or None
        zone = place.timezone if place else base.timezone
        tz = ZoneInfo(zone)
        start = datetime.combine(c.day, time(t.hour % 24, t.minute), tz)
        end = datetime.combine(c.day, time(t.end_hour % 24, t.end_minute or 0), tz) if t.end_hour is not None else None
        out.append(ExtractedEvent(
            start=start, end=end, all_day=False, venue=venue, address=address,
            city=place.name if place else base.city, country=place.country if place else base.country,
            timezone=zone, lat=place.lat if place else base.lat, lon=place.lon if place else base.lon,
            confidence=base.confidence, cancelled=bool(_CANCELLED.search(segs[si].text)),
        ))
        seen.add((t.hour % 24, t.minute))
        seen_places.update(p.text.casefold() for p in places)
    return out


def _time_place_pairs(c: _Candidate, segs: list[Segment], starts: list[int],
                      seg_times: dict[int, list[TimeMention]],
                      seg_places: dict[int, list[PlaceMention]],
                      text: str = "") -> list[tuple[TimeMention, PlaceMention | None]]:
    """'The first picket 12:00-14:00 at A, the second 18:00-19:00 at B': each time with the
    place that follows it, when one sentence (of the event's day) lists several. In a text that
    has said it announces several protests, single times at venues are protests too ("В 11.00 …
    у Совета Федерации, а в 19.00 … в Александровский сад"), and sessions given as ranges with no
    place of their own share the day's place (None: "С 8.15 до 10.30 пикет …, а с 11 до 15 часов
    … шествие")."""
    for si in dict.fromkeys(c.seg_ids + [j + k for j in c.seg_ids for k in (1, 2, 3)]):
        times = [t for t in seg_times.get(si, ()) if not t.other_zone]
        if len(times) < 2:
            continue
        places = [p for p in seg_places.get(si, ()) if p.kind == "address"]
        ranges = all(t.end_hour is not None for t in times)
        elsewhere = bool(_ELSEWHERE.search(segs[si].text))
        announced = not elsewhere and _announced(text) < segs[si].end
        if ranges and not elsewhere or announced:
            # sessions given as ranges, each at its own venue ("с 13.00 до 14.00 на площадке …, с
            # 15.00 до 16.00 на площади …"); otherwise single times at venues are a programme's stops
            places = [p for p in seg_places.get(si, ()) if p.kind in ("address", "venue", "named")]
        shared = ranges and announced and not places
        if len(places) < 2 and not shared:
            continue
        pairs: list[tuple[TimeMention, PlaceMention | None]] = []
        for n, t in enumerate(times):
            limit = times[n + 1].start if n + 1 < len(times) else segs[si].end
            following = [p for p in places if t.end <= p.start < limit]
            if following or shared:
                pairs.append((t, following[0] if following else None))
        if len(pairs) >= 2 and len({(t.hour, t.minute) for t, _ in pairs}) == len(pairs):
            return pairs
    return []


def _session_lines(c: _Candidate, segs: list[Segment], kinds: list[set[str]], seg_dates: dict[int, list[DateMention]],
                   seg_times: dict[int, list[TimeMention]],
                   seg_places: dict[int, list[PlaceMention]]) -> list[tuple[TimeMention, PlaceMention | None]]:
    """A day's programme of separate protests, a line each with its own span of time ("Собрание … на
    Театральной площади — с 13:00 до 13:30 / Митинг … около Камня — с 12:00 до 14:30"): one event a
    line. Lines with single times are one protest's stops and stay one event."""
    best_si = c.seg_ids[0]
    run: list[tuple[TimeMention, PlaceMention | None]] = []
    protests = 0
    for si in range(best_si + 1, min(len(segs), best_si + 8)):
        times = [t for t in seg_times.get(si, ()) if not t.other_zone]
        if len(times) == 1 and times[0].end_hour is not None and not seg_dates.get(si) and "\n" not in segs[si].text.strip():
            places = [p for p in seg_places.get(si, ()) if p.kind in ("venue", "address", "named", "weak")]
            run.append((times[0], places[0] if places else None))
            protests += "protest" in kinds[si]
        elif run:
            break
    distinct = len({(t.hour, t.minute) for t, _ in run}) == len(run)
    return run if len(run) >= 2 and protests >= 2 and distinct else []


def _variant(base: ExtractedEvent, day: date, t: TimeMention, p: PlaceMention | None) -> ExtractedEvent:
    tz = base.start.tzinfo
    start = datetime.combine(day, time(t.hour % 24, t.minute), tz)
    end = None
    if t.end_hour is not None:
        end = datetime.combine(day, time(t.end_hour % 24, t.end_minute or 0), tz)
    venue, address = (None, None) if p is None else (None, p.text) if p.kind == "address" else (p.text, None)
    return ExtractedEvent(
        start=start, end=end, all_day=False, venue=venue, address=address, city=base.city,
        country=base.country, timezone=base.timezone, lat=base.lat, lon=base.lon,
        confidence=base.confidence, cancelled=base.cancelled,
    )


_ENDS_AT = re.compile(r"\b(?:to end|will end|would end|ends|ending|to finish|will finish|finishes|to conclude|will conclude|concludes)\s+(?:at|by|around|about)\s+$"
                     r"|(?<![А-Яа-яЁё])(?:закончится|завершится|окончание)\s+(?:в|к)\s+$", re.I)
_END_CUE = re.compile(
    r"\b(?:conclude|concludes|end|ends|finish|finishes|until|окончание|закончится|завершится|продлится до)\b[^.\n]{0,25}?$",
    re.I,
)


def _end_time(t: TimeMention, segs: list[Segment], group: list[int], seg_times: dict[int, list[TimeMention]],
              text: str) -> tuple[int, int] | None:
    """An end stated apart from the start: 'The event is anticipated to conclude at 6:30 p.m.',
    'окончание в 21:30'."""
    for si in group:
        for other in seg_times.get(si, ()):
            if other is t or other.other_zone or other.end_hour is not None:
                continue
            before = text[max(segs[si].start, other.start - 40) : other.start]
            if _END_CUE.search(before) and (other.hour, other.minute) > (t.hour, t.minute):
                return other.hour, other.minute
    return None


def _calendar_entry(d: DateMention, segs: list[Segment], starts: list[int], kinds: list[set[str]],
                    seg_times: dict[int, list[TimeMention]], text: str) -> bool:
    """A date that opens its line with its time right after it, under a line that names a protest."""
    si = _seg_index(segs, starts, d.start)
    line_start = text.rfind("\n", 0, d.start) + 1
    if text[line_start : d.start].strip() or not any(_right_after_day(t, d.day, [d], text) for t in seg_times.get(si, ()) if d.day):
        return False
    return any("protest" in kinds[j] for j in (si - 1, si - 2) if j >= 0)


def _own_clause(d: DateMention, mentions: list[DateMention], seg_end: int, times: list[TimeMention],
                places: list[PlaceMention]) -> bool:
    """The words from a date to the next date of its sentence name a time or a place of their own."""
    end = min((m.start for m in mentions if m.start > d.start), default=seg_end)
    return any(not t.other_zone and d.end <= t.start < end for t in times) or any(
        p.kind in ("venue", "address") and d.end <= p.start < end for p in places
    )


def _names_other_place(own: list[PlaceMention], dated: list[PlaceMention]) -> bool:
    """The sentence of the start time names a venue or address the date's sentence does not
    ("… с требованием к заводской администрации. / Акция пройдет около городского рынка с 12:00"):
    it says where the protest is."""
    named = [p.text for p in own if p.kind in ("venue", "address")]
    return bool(named) and not any(n in q.text for n in named for q in dated)


_JOIN = re.compile(r"\b(?:to join|join (?:the|us)|and join)\b", re.I)


def _travel_start(sentence: str) -> int | None:
    """Where the usable part of a travel sentence starts: after 'to join' when people travel to
    join the protest ('members … travel down to Durban to join the masses in X Park at 8 am'), or
    None when all of it is about getting there."""
    m = _TRAVEL.search(sentence)
    if not m:
        return 0
    j = _JOIN.search(sentence, m.end())
    return j.end() if j else None


def _right_after_day(t: TimeMention, day: date, mentions: list[DateMention], text: str) -> bool:
    """A time written straight after a mention of the event's day: 'Saturday 22 Feb, 11am'."""
    return any(d.day == day and 0 <= t.start - d.end <= 16 and _DAY_TO_TIME.fullmatch(text[d.end : t.start]) for d in mentions)


_DAY_TO_TIME = re.compile(r"[\s,]*(?:(?:at|from|between|starting at|в|с)\s*)?", re.I)


def _assembles(t: TimeMention, seg_start: int, text: str) -> bool:
    """The time is when people assemble: a gathering word shortly before it in its sentence
    ("flowers are laid at 9.00, assembly at 10.00", "urged to gather at Guildhall Square at 1.20pm")."""
    return bool(_ASSEMBLY.search(text[max(seg_start, t.start - 30) : t.start]))


_ASSEMBLY_WORDS = r"\b(?:assembl\w+|gather\w*|convene\w*|muster\w*|сбор\w*|собира\w+|соберут\w*)"
_ASSEMBLY_WORD = re.compile(_ASSEMBLY_WORDS, re.I)
_ASSEMBLY = re.compile(_ASSEMBLY_WORDS + r"\b[^,;!?\n]{0,25}$", re.I)


def _pick_time(c: _Candidate, segs: list[Segment], kinds: list[set[str]], seg_dates: dict[int, list[DateMention]],
               seg_times: dict[int, list[TimeMention]], multi: bool, text: str) -> TimeMention | None:
    best_si = next(i for i in c.seg_ids if segs[i].start <= c.mention.start < segs[i].end + 1)
    order = [best_si] + [i for i in c.seg_ids if i != best_si]
    # "время сбора было перенесено на 18.00", "would now begin … at 10am": a changed plan's time
    for si in dict.fromkeys(order + list(range(best_si + 1, min(len(segs), best_si + 4)))) if _CHANGE_WORD.search(text) else ():
        if any(d.day and d.day != c.day for d in seg_dates.get(si, ())):
            continue
        for t in seg_times.get(si, ()):
            if not t.other_zone and _CHANGED.search(text, max(segs[si].start, t.start - 80), t.start):
                return t
    for si in order:
        options = [t for t in seg_times.get(si, ()) if not t.other_zone]
        if si != best_si and not ({"protest", "call"} & kinds[si] or _START_CUE.search(segs[si].text) and not _OTHER_START.search(segs[si].text)):
            # another mention of the day on a bare line (a page stamp "15 марта, 08:00") gives no
            # start, unless the time comes right after the day ("on Saturday, February 22 between
            # 11am and 3pm")
            options = [t for t in options if _right_after_day(t, c.day, seg_dates.get(si, []), text)]
            if not options:
                continue
        usable = _travel_start(segs[si].text)
        if usable is None:
            continue
        options = [t for t in options if t.start >= segs[si].start + usable]
        if options:
            cued = [t for t in options if _assembles(t, segs[si].start, text)]
            if cued:
                return cued[0]  # "Сбор в 14.00 12 июня …, начало шествия — в 15.00"
            after = [t for t in options if t.start >= c.mention.start] if si == best_si else []
            chosen = (after or options)[0]
            if si == best_si:
                # "сегодня в 13.00 коммунисты выйдут на митинг … / Сбор участников назначен на 12.30":
                # people assemble, a line on, before the protest's own hour
                for j in (si + 1, si + 2):
                    if j >= len(segs) or any(d.day and d.day != c.day for d in seg_dates.get(j, ())):
                        break
                    early = [t for t in seg_times.get(j, ()) if not t.other_zone and _assembles(t, segs[j].start, text)
                             and 0 < (chosen.hour * 60 + chosen.minute) - (t.hour * 60 + t.minute) <= 180]
                    if early:
                        return early[0]
            return chosen
        if si == best_si or "protest" in kinds[si]:
            # "На сегодня запланирована акция … / Начало акции … на 9:30": the protest's own next
            # line before another sentence that names the day for something else
            starting: list[TimeMention] = []
            for j in (si + 1, si + 2, si + 3):
                if j >= len(segs) or seg_dates.get(j) or _TRAVEL.search(segs[j].text):
                    continue
                own = [t for t in seg_times.get(j, ()) if not t.other_zone]
                gathering = [t for t in own if _assembles(t, segs[j].start, text)]
                if gathering:
                    return gathering[0]  # "urged to gather at Guildhall Square at 1.20pm"
                if own and "protest" in kinds[j] and _START_CUE.search(segs[j].text):
                    starting.append(own[0])
            if starting:
                return starting[0]
    # structured announcements put the time on the next lines: a programme ("flowers at 09.00,
    # assembly at 10.00, march at 10.30") starts when people assemble, not at its first item
    for si in order:
        listed: list[tuple[int, TimeMention]] = []
        for j in range(si + 1, si + 5):
            if j >= len(segs):
                break
            usable = _travel_start(segs[j].text)
            if any(d.day and d.day != c.day for d in seg_dates.get(j, ())) or _STAMP.search(segs[j].text) or usable is None:
                continue
            listed.extend((j, t) for t in seg_times.get(j, ()) if not t.other_zone and t.start >= segs[j].start + usable)
        near_lines = [(j, t) for j, t in listed if j <= si + 2 or (j == si + 3 and {"protest", "call"} & kinds[j])]
        cued = [t for j, t in listed if _assembles(t, segs[j].start, text)]
        if cued and near_lines:
            return cued[0]
        if near_lines:
            return near_lines[0][1]
    if multi:
        return None
    for si in range(len(segs)):
        k = kinds[si]
        if "nonprotest" in k and "protest" not in k:
            continue
        if any(d.day and d.day != c.day for d in seg_dates.get(si, ())):
            continue
        travel = _TRAVEL.search(segs[si].text)
        # ("We expect people to gather on College Green for 11am and … as groups travel to and from the
        # event": the gathering's time comes before the journey's words)
        before = segs[si].start + travel.start() if travel else segs[si].end
        cue = _START_CUE.search(segs[si].text)
        if travel and not (cue and segs[si].start + cue.end() < before):
            continue
        if "protest" in k or cue:
            options = [t for t in seg_times.get(si, ()) if not t.other_zone and t.end <= before]
            if options:
                return options[0]
    # "It's happening at the intersection of Broadway and Commercial Drive, from 5 to 7 p.m.": the
    # one clock time a few sentences from the day, in no sentence about another day or the journey
    lone = [t for si in range(best_si, min(len(segs), best_si + 12)) for t in seg_times.get(si, ())
            if not t.other_zone and not _TRAVEL.search(segs[si].text) and "nonprotest" not in kinds[si]
            and not any(d.day and d.day != c.day for d in seg_dates.get(si, ()))]
    if len({(t.hour, t.minute) for t in lone}) == 1 and len(
        {(t.hour, t.minute) for ts in seg_times.values() for t in ts if not t.other_zone}
    ) == 1:
        return lone[0]
    return None


_NAME_LINE = re.compile(r"(?P<v>(?:The )?[A-Z][\w'\u2019-]+(?: [A-Z][\w'\u2019-]+){0,4}), (?P<town>[A-Z][\w-]+(?: [A-Z][\w-]+)?)")


@lru_cache(maxsize=4096)
def _is_known_place(name: str) -> bool:
    """A town, a country, a region or an hour: a bare name that is none of these may be a venue."""
    from .gazetteer import find_countries, lookup_city
    from .regions import find_regions

    return lookup_city(name) is not None or bool(find_countries(name)) or bool(find_regions(name)) \
        or name.strip().lower() in ("noon", "midday", "midnight", "nightfall", "dawn", "dusk")


def _clean_venue(v: str, cities: set[str]) -> tuple[str, str | None]:
    city = None
    m = _POSSESSIVE.match(v)
    if m and m.group(1) in cities:
        city = m.group(1)
        v = v[m.end() :]
    first = v.split(" ", 1)
    if len(first) == 2 and first[0] in cities:
        city = first[0]
        v = first[1]
    return v.strip(), city


def _build(c: _Candidate, text: str, segs: list[Segment], starts: list[int], kinds: list[set[str]],
           seg_dates: dict[int, list[DateMention]], seg_times: dict[int, list[TimeMention]],
           seg_places: dict[int, list[PlaceMention]], city_hits: list[CityHit], zone_name: str,
           multi: bool, title_ids: set[int], published: date | None = None,
           weak_hits: list[CityHit] | None = None) -> ExtractedEvent:
    # ("The march is estimated to end at 11am": an end is no start)
    starting = {si: [t for t in ts if not _ENDS_AT.search(text, max(0, t.start - 30), t.start)] for si, ts in seg_times.items()}
    t = _pick_time(c, segs, kinds, seg_dates, starting, multi, text)
    best_si = _seg_index(segs, starts, c.mention.start)
    group = [best_si] + [i for i in c.seg_ids if i != best_si]
    tsi = _seg_index(segs, starts, t.start) if t is not None else -1
    if t is not None and tsi not in group:
        group.insert(1, tsi)
    near = list(group)
    if not multi:
        for si in list(group):
            for j in (si + 1, si + 2, si + 3):
                if j < len(segs) and j not in near and not any(d.day and d.day != c.day for d in seg_dates.get(j, ())):
                    near.append(j)
    else:
        if best_si > 0 and _THERE.search(segs[best_si].text) and seg_places.get(best_si - 1):
            near.append(best_si - 1)  # "Именно там 5 июля пройдет митинг": the place of the sentence before
        # one of several events: the lines after its date, up to the next event's date
        for j in range(best_si + 1, min(len(segs), best_si + 4)):
            if any(d.day and d.day != c.day for d in seg_dates.get(j, ())) or "protest" in kinds[j] and not seg_places.get(j):
                break
            if j not in near:
                near.append(j)
    city_names = {h.place.name for h in city_hits} | {text[h.start:h.end] for h in city_hits}
    venue = address = None
    venue_city = None
    venue_end = -1
    venue_seg = -1
    # "Where:" / "Место проведения" lines say where, whatever else the date line names
    street = None
    along = None  # a street walked along ('по улице Шакарима'): where, only when nothing else is
    time_first = tsi != best_si and tsi in near and "protest" in kinds[tsi] and _names_other_place(
        seg_places.get(tsi, []), seg_places.get(best_si, []))
    where_lines = [si for si in near if _WHERE_LINE.match(segs[si].text)]
    if not where_lines and not multi:
        # "Time: 5:30 p.m. / Where: Abyssinian Baptist Church, 132 W. 138th St." further down a notice
        ahead = [j for j in range(best_si + 1, min(len(segs), best_si + 9))
                 if _WHERE_LINE.match(segs[j].text) and not any(d.day and d.day != c.day for d in seg_dates.get(j, ()))]
        where_lines = ahead[:1]
    if best_si > 0 and _WHERE_LINE.match(segs[best_si - 1].text) and not seg_dates.get(best_si - 1) \
            and _EVENT_LINE.match(segs[best_si].text):
        # "Location 2: Piazza dei Santi Apostoli / Event: On Saturday, June 6, from 10:00am …": the line
        # above the event's own line says where, not the next event's below it
        where_lines = [best_si - 1]
    if not where_lines:
        # "WHERE: Allan Gardens, Toronto / WHEN: 1:00 pm - 3:00 pm on Saturday, January 26": a notice's
        # own lines beside the day's "When:" line, however far down from the sentence that won the day
        where_lines = [j for si in c.seg_ids if _DATE_LINE.match(segs[si].text) for j in (si - 2, si - 1, si + 1, si + 2)
                       if 0 <= j < len(segs) and _WHERE_LINE.match(segs[j].text)][:1]
    near = where_lines + [si for si in near if si not in where_lines]
    # the venue is looked for in the sentence of the start time first when it names its own place
    venue_order = ([tsi] if time_first else []) + [si for si in near if not (time_first and si == tsi)]
    for si in venue_order:
        if (_REFUSED.search(segs[si].text) or _ELSEWHERE.search(segs[si].text) and si != tsi) and si != best_si:
            continue  # (the start time's own sentence keeps its places before "and end at …")
        usable = _travel_start(segs[si].text)
        if usable is None:
            continue
        seg_options = [p for p in seg_places.get(si, []) if p.start >= segs[si].start + usable]
        held = _HELD_AT.search(segs[si].text) if len(seg_options) > 1 else None
        if held:
            # "Митинг против закрытия школы на Ленской улице пройдет сегодня у здания администрации":
            # the place after "пройдет" is where; one before it belongs to what the protest is about
            cut = segs[si].start + held.end()
            seg_options = [p for p in seg_options if p.start >= cut] + [p for p in seg_options if p.start < cut]
        gathering = _ASSEMBLY_WORD.search(text, segs[si].start, t.start) if t is not None and si == tsi else None
        if gathering and t is not None and venue is None and address is None:
            # "Участники начнут собираться перед ТЮЗом в 13.00": where people assemble, even by a bare name
            window = [p for p in seg_options if gathering.start() <= p.start < t.start]
            bare = [p for p in window if p.kind == "weak" and p.text not in city_names and not _is_known_place(p.text)]
            if bare and not any(p.kind in ("venue", "address", "named") for p in window):
                venue, venue_end, venue_seg = bare[0].text, bare[0].end, si
                continue
        if multi and si == best_si:
            seg_options = [p for p in seg_options if p.start >= c.mention.start] or seg_options
        onward = _ELSEWHERE.search(segs[si].text)
        if onward:
            # "begins at Hyde Park Corner and ends in Parliament Square": where it starts
            cut = segs[si].start + onward.start()
            seg_options = [p for p in seg_options if p.start < cut] or seg_options
        for p in seg_options:
            if p.kind == "street":
                street = street or p.text
                continue
            if p.kind == "along":
                along = along or p.text
                continue
            if p.kind == "named":
                if venue is None and p.text not in city_names and not _is_known_place(p.text):
                    venue, venue_end, venue_seg = p.text, p.end, si
                continue
            if p.kind == "venue" and venue is None and _STREET_END.search(p.text) and any(
                q.kind == "venue" and q.start > p.start and not _STREET_END.search(q.text) for q in seg_options
            ):
                # "at Paragon Lane at the Islamic Center": the building is the venue, the lane its address
                address = address or p.text
                continue
            if p.kind == "venue" and venue is None:
                v, vc = _clean_venue(p.text, city_names)
                if v and v not in city_names:
                    venue, venue_city = v, vc
                    venue_end = p.end
                    venue_seg = si
            elif p.kind == "address" and address is None:
                address = p.text
            elif p.kind == "venue" and venue is not None and address is None and _STREETLIKE.match(p.text) and venue_seg == si:
                address = p.text
        if venue and address:
            break
    if venue is None and address is None:
        # a bare name after "at" in the date's own sentence, or in the start time's ("will start at
        # 10 am at Freedom Corner"), when it is not a town or country
        for si in (best_si, tsi) if tsi >= 0 else (best_si,):
            venue = next((p.text for p in seg_places.get(si, ()) if p.kind == "weak" and p.text not in city_names
                          and not _is_known_place(p.text) and (si == best_si or text.endswith("at ", 0, p.start))), None)
            if venue is not None:
                break
    if venue is None and address is None and not multi and len(segs[best_si].text) <= 60 and _own_line(text, segs[best_si]):
        # an event page: "Belmore Park / Hay St / Haymarket, NSW 2000 / April 05, 2020 at 2:00pm":
        # the lines just above the date line that are nothing but a place
        lines = {j: [p for p in seg_places.get(j, ()) if p.kind in ("venue", "address") and 2 * len(p.text) >= len(segs[j].text.strip())]
                 for j in range(max(0, best_si - 6), best_si) if len(segs[j].text.strip()) <= 60 and _own_line(text, segs[j])}
        venue = next((p.text for found in lines.values() for p in found if p.kind == "venue"), None)
        address = next((p.text for found in lines.values() for p in found if p.kind == "address"), None)
    if venue is None and address is None and not multi and best_si + 1 < len(segs) and len(segs[best_si].text) <= 60 \
            and _own_line(text, segs[best_si]) and _own_line(text, segs[best_si + 1]):
        # an event page's line under its date line: "12pm, Saturday, 9/11/19 / The Senedd, Cardiff Bay":
        # a short line of names whose last part is a town
        line = _NAME_LINE.fullmatch(segs[best_si + 1].text.strip())
        if line and _is_known_place(line.group("town").split()[0]):
            venue = line.group("v")
    if venue is None and not multi:
        for si, k in enumerate(kinds):
            # a sentence of the protest, or one that says it was approved ("администрация
            # согласовала мирное собрание в сквере …")
            if ("protest" in k or "call" in k) and "nonprotest" not in k and not _REFUSED.search(segs[si].text) and not any(d.day and d.day != c.day for d in seg_dates.get(si, ())):
                vs = [p for p in seg_places.get(si, ()) if p.kind == "venue"]
                if vs:
                    venue, venue_city = _clean_venue(vs[0].text, city_names)
                    break
    if venue is None and address is None and not multi:
        # "the dharna will take place at Rajghat", "protests at Delhi's Jantar Mantar": a bare name
        # where a sentence of the protest says it is held, when nothing better names the place
        for si in sorted(range(len(segs)), key=lambda j: (abs(j - best_si), j)):
            if {"protest", "call"} <= kinds[si] and not any(d.day and d.day != c.day for d in seg_dates.get(si, ())):
                held_at = next((p.text for p in seg_places.get(si, ()) if p.kind in ("named", "weak") and p.text not in city_names
                                and not _is_known_place(p.text)), None)
                if held_at is not None:
                    venue = held_at
                    break
    address = address or street or (along if venue is None else None)
    if venue and address is None and venue_end >= 0:
        after = _STREET_AFTER.match(text[venue_end : venue_end + 80])
        if after:
            address = after.group(1)
    if venue and address:
        m = re.match(r"^(.*?) on (.+)$", venue)
        if m and m.group(2) in address:
            venue = m.group(1)
        if venue in address or address in venue and not re.search(r"\d", address):
            if re.search(r"\d", address):
                pass
            else:
                address = None if address in venue else address
    elif venue and not address:
        m = re.match(r"^(.*?) on (.+ (?:Street|Road|Avenue|Lane|Way))$", venue)
        if m:
            venue, address = m.group(1), m.group(2)
    elif address and not venue and not re.search(r"\d|\b(?:and|&)\b", address):
        venue, address = address, None
    place = _pick_city(near, segs, city_hits, venue_city, title_ids, c, published, weak_hits or [], zone_name)
    if place is not None and venue is not None and venue.endswith(", " + place.name):
        venue = venue[: -len(place.name) - 2]  # "Federation Square, Melbourne": the city is said apart
    zone = place.timezone if place else zone_name
    tz = ZoneInfo(zone)
    if t is not None:
        start = datetime.combine(c.day, time(t.hour % 24, t.minute), tz)
        end = None
        if t.end_hour is not None:
            end_day = c.day + timedelta(days=1) if (t.end_hour, t.end_minute or 0) <= (t.hour, t.minute) else c.day
            end = datetime.combine(end_day, time(t.end_hour % 24, t.end_minute or 0), tz)
        else:
            hours = duration_hours(segs[_seg_index(segs, starts, t.start)].text)
            stated = _end_time(t, segs, near, seg_times, text) or next(
                ((o.end_hour, o.end_minute or 0) for ts in seg_times.values() for o in ts
                 if o.end_hour is not None and (o.hour, o.minute) == (t.hour, t.minute) and not o.other_zone),
                None,
            )
            if hours:
                end = start + timedelta(hours=hours)
            elif stated:
                end = datetime.combine(c.day, time(stated[0], stated[1]), tz)
        all_day = False
    else:
        start = datetime.combine(c.day, time(0, 0), tz)
        end = None
        all_day = True
    confidence = 0.3 + (0.2 if c.mention.kind == "absolute" else 0.1)
    confidence += 0.2 if t is not None else 0.0
    confidence += 0.1 if (venue or address) else 0.0
    confidence += 0.1 if place else 0.0
    cancelled = bool(_CANCELLED.search(segs[best_si].text))
    return ExtractedEvent(
        start=start, end=end, all_day=all_day, venue=venue, address=address,
        city=place.name if place else None, country=place.country if place else None,
        timezone=zone, lat=place.lat if place else None, lon=place.lon if place else None,
        confidence=round(min(confidence, 0.9), 2), cancelled=cancelled,
    )


_YEAR_JUST_BEFORE = re.compile(r"\b(1[89]\d\d|20\d\d)\b(?=[^.;,\d]{0,25}$)")
_FOR_BEFORE = re.compile(r"(?:\b(?:for|over|against)|(?<![А-Яа-яЁё])(?:за|против))\s+(?:the\s+)?$", re.I)
_BACKGROUND = re.compile(
    r"(?:since|after|following|follows|followed|similar protests|wake of|version of|modeled on|modelled on|inspired by|solidarity with|support of|stand(?:s|ing)? with|protesting in|arrested in|"
    r"(?:war|conflict|genocide|bombing|siege|occupation|invasion|massacre|ceasefire|killings?|shootings?|deaths?) (?:in|on|of)|officers in|в поддержку|после|солидарност\w*)[^.!?\n\x22\u00bb;]{0,60}$",
    re.I,
)


_MAIN_VERB = re.compile(r"\b(?:will|shall|plans? to|(?:is|are) set to|to be held)\b|(?<![А-Яа-яЁё])(?:пройд[её]т|состоится|состоятся)(?![А-Яа-яЁё])", re.I)


def _pick_city(near: list[int], segs: list[Segment], hits: list[CityHit], venue_city: str | None,
               title_ids: set[int], c: _Candidate, published: date | None = None,
               weak_hits: list[CityHit] | None = None, zone_name: str = "UTC") -> Place | None:
    """The event's city: named in the event's own sentence, in the title, named often; a city
    in a background clause ('since the protests in X', 'solidarity with X') counts less. A
    city named only by an adjective or demonym ('Саратовского', 'Londoners') is the fallback
    when no town is named outright, or only in background clauses."""
    if venue_city:
        for h in hits:
            if h.place.name == venue_city or venue_city.lower() == h.place.name.lower():
                return h.place
    named = _score_cities(near, segs, hits, title_ids, published)
    sure = named is not None and named[1] >= 2
    weak = None if sure else _score_cities(near, segs, weak_hits or [], title_ids, published, weak=True)
    if named is not None and named[1] > 0 and not (weak is not None and weak[1] >= 4 and named[1] < 2):
        # (an adjective in the date's own sentence, 'Московское «Яблоко» проведет пикет 5 июня', beats
        # a town named once in passing further down)
        return named[0]
    if weak is not None and weak[1] > 0:
        return weak[0]
    if named is not None and named[1] <= 0 and zone_name != "UTC" and named[0].timezone != zone_name:
        return None  # named only in history or background ('Chicago in 1867'): the source's zone says more
    return named[0] if named is not None else None


def _score_cities(near: list[int], segs: list[Segment], hits: list[CityHit], title_ids: set[int],
                  published: date | None, weak: bool = False) -> tuple[Place, float] | None:
    """The best-scoring city of `hits` for an event whose own sentences are `near`."""
    if not hits:
        return None

    def seg_of(h: CityHit) -> int:
        for i, s in enumerate(segs):
            if s.start <= h.start < s.end:
                return i
        return -1

    best = near[0] if near else -1
    group = set(near)
    extended = {j for si in near for j in (si - 1, si + 1)}
    scores: dict[str, float] = {}
    places: dict[str, Place] = {}
    first: dict[str, int] = {}
    for h in hits:
        si = seg_of(h)
        name = h.place.name
        places.setdefault(name, h.place)
        first.setdefault(name, h.start)
        value = 0.5
        if si == best:
            value = 5.0  # the sentence that gives the date names the place, whatever else is named more
        elif si in group:
            value = 1.5
        elif si in extended:
            value = 1.0
        if si in title_ids:
            value = max(value, 2.0)
        if h.strong:
            value += 0.5
        seg = segs[si] if si >= 0 else None
        # the cue ends at most 60 characters before the name: look at no more than that
        if seg is not None and _FOR_BEFORE.search(seg.text, max(0, h.start - seg.start - 20), max(0, h.start - seg.start)):
            value = min(value - 3.5, -1.0)  # "the March on Washington for Gaza", "митинг за Донбасс"
        elif seg is not None and (bg := _BACKGROUND.search(seg.text[max(0, h.start - seg.start - 110) : max(0, h.start - seg.start)])) \
                and not _MAIN_VERB.search(bg.group(0)):
            # (the clause ends where the sentence's own verb comes: "those arrested in the raids will march in X")
            if weak:
                continue  # "в поддержку московского марша": an adjective in a background clause says nothing
            value = min(value - 3.5, -1.0)  # even in the date's own sentence: "against the war in Gaza on Saturday"
        elif seg is not None and published is not None and any(
            int(y) < published.year for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", seg.text)
        ) and (si != best or any(int(y) < published.year for y in _YEAR_JUST_BEFORE.findall(seg.text, max(0, h.start - seg.start - 30), max(0, h.start - seg.start)))):
            # "the Haymarket in Chicago in 1867", "the anniversary of the 1963 March on Washington": history
            value -= 3.5
        scores[name] = scores.get(name, 0.0) + value
    if not scores:
        return None
    top = max(scores.values())
    winner = min((n for n in scores if scores[n] == top), key=lambda n: first[n])
    return places[winner], top
