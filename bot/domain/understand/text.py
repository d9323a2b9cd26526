"""Text clean-up, language guess and sentence segments shared by the extractors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# Longer texts are cut: announcements put the when and where near the top, and a 1 MB page
# must not cost more than a normal one.
MAX_CHARS = 20_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CYR = re.compile(r"[а-яё]", re.I)
_LAT = re.compile(r"[a-z]", re.I)
# a minus sign, figure dash or non-breaking hyphen between times ("11.00\u221212.00") is a dash;
# curly quotes and primes are plain ones
_PLAIN_MARKS = {"\u2212": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2019": "'", "\u2018": "'",
                "\u2032": "'", "\u201c": '"', "\u201d": '"'}
_KK = re.compile(r"[әғқңөұүһі]", re.I)
# Latin letters that look Cyrillic, typed or pasted inside a Russian word ("протеcтовать" with a Latin c)
_LOOKALIKE = "aceopxyACEHKMOPTXB"
_HOMOGLYPHS = str.maketrans(_LOOKALIKE, "асеорхуАСЕНКМОРТХВ")
_MIXED_PAIR = re.compile("[А-Яа-яЁё][" + _LOOKALIKE + "]|[" + _LOOKALIKE + "][А-Яа-яЁё]")
_MIXED_WORD = re.compile(
    "[А-Яа-яЁё" + _LOOKALIKE + "]*(?:[А-Яа-яЁё][" + _LOOKALIKE + "]|[" + _LOOKALIKE + "][А-Яа-яЁё])[А-Яа-яЁё" + _LOOKALIKE + "]*"
)


def clean(text: str) -> str:
    """Drop control characters and odd spaces, unify quotes and dashes, keep line breaks."""
    if not text:
        return ""
    text = text[:MAX_CHARS]
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    for odd, plain in _PLAIN_MARKS.items():
        # (str.translate walks a non-Latin text a character at a time; replace is a C loop per mark)
        if odd in text:
            text = text.replace(odd, plain)
    if _CYR.search(text) and _MIXED_PAIR.search(text):
        text = _MIXED_WORD.sub(lambda m: m.group(0).translate(_HOMOGLYPHS), text)
    return text


def guess_lang(text: str) -> str:
    """A two-letter language guess from the script: kk, ru or en."""
    sample = text[:2000]  # the script of the first paragraphs is the text's
    cyr = len(_CYR.findall(sample))
    lat = len(_LAT.findall(sample))
    if cyr > lat:
        return "kk" if len(_KK.findall(sample)) * 50 > cyr else "ru"
    return "en"


@dataclass(frozen=True)
class Segment:
    """A sentence or a line, with its offsets in the cleaned text."""

    start: int
    end: int
    text: str


# A sentence ends at . ! ? followed by a space and a capital/quote/digit, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'«(\[A-ZА-ЯЁ0-9])|\n+")
_ABBREV = re.compile(r"(?:\b(?:St|Dr|Mr|Mrs|Ms|No|Nr|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Prof|Rev|Hon|Jr|Sr|Cllr|Supt|Ave|Rd|ул|пр|просп|пл|пер|наб|ш|д|г|им|п|Dec|Nov|Oct|Sept|Sep|Aug|Jan|Feb|Mar|Apr|Jun|Jul|a\.m|p\.m|[A-ZА-Я])\.)$")


def segments(text: str) -> list[Segment]:
    """Split into sentences and lines, not breaking after common abbreviations."""
    out: list[Segment] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group(0) and _ABBREV.search(text[max(0, m.start() - 8) : m.start()]):
            continue
        if "\n" not in m.group(0) and text.count("«", start, m.start()) > text.count("»", start, m.start()):
            continue  # a full stop inside «…» does not end the sentence around it
        piece = text[start : m.start()]
        if piece.strip():
            out.append(Segment(start, m.start(), piece))
        start = m.end()
    if text[start:].strip():
        out.append(Segment(start, len(text), text[start:]))
    return out


# four year digits: a cheap test before a costly pattern that looks for a year
YEAR_DIGITS = re.compile(r"(?:19|20)\d\d")
_NUM = re.compile(r"\d{1,3}(?:[ ,\u00a0]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")


def parse_number(token: str) -> int | None:
    """An integer from '3 711', '1,500', '70' or '1,5'; None if it is not one."""
    token = token.strip()
    if re.fullmatch(r"\d{1,3}(?:[ ,\u00a0]\d{3})+", token):
        return int(re.sub(r"\D", "", token))
    if re.fullmatch(r"\d+", token):
        return int(token)
    return None


def lower_literals(source: str) -> str:
    """A regex source with its literal letters in lower case; escapes (\\b, \\w, \\S ...) and
    group names are kept as they are."""
    out = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if source.startswith("(?P<", i):
            close = source.index(">", i)
            out.append(source[i : close + 1])
            i = close + 1
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def lowered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The case-sensitive twin of a case-insensitive pattern, for lower-cased text: IGNORECASE
    costs about a third more on every scan."""
    return re.compile(lower_literals(pattern.pattern), pattern.flags & ~re.IGNORECASE)


def scan(pattern: re.Pattern[str], text: str, low: str) -> Iterator[re.Match[str]]:
    """pattern.finditer(text) for a case-insensitive pattern, run on `low` (text.lower()) when
    lowering kept every offset; the matches' groups are lower case then."""
    if len(low) == len(text):
        return lowered(pattern).finditer(low)
    return pattern.finditer(text)
