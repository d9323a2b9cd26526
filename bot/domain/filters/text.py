"""Text normalisation and the word rules shared by the matcher and the reference evaluator."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# The boundary between title and body: a token no pattern can contain, so phrases never span it.
BOUNDARY = "\x1d"

_WORD = re.compile(r"\w+")


def _build_fold_table() -> dict[int, str | None]:
    """Map accented letters to their base and drop combining marks; keep й (a letter of its own)."""
    table: dict[int, str | None] = {}
    ranges = [(0x00C0, 0x2000), (0x20D0, 0x2100), (0xFE20, 0xFE30)]
    for start, stop in ranges:
        for code in range(start, stop):
            char = chr(code)
            if unicodedata.combining(char):
                table[code] = None
                continue
            if char in "йЙ":
                continue
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            if base and base != char:
                table[code] = base
    # Letters with strokes do not decompose in Unicode but readers treat them as plain letters.
    table.update({ord(k): v for k, v in {"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ħ": "h"}.items()})
    table[ord("ё")] = "е"
    table[ord("Ё")] = "е"
    return table


_FOLD = _build_fold_table()
# str.translate with a dict looks up every character (about 40 µs per KB of Cyrillic); a regex
# finds the few that need folding (ё, accented letters) and only those are replaced.
_FOLD_TEXT = {chr(code): value or "" for code, value in _FOLD.items()}
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(c) for c in sorted(_FOLD_TEXT)) + "]")


def _fold(match: re.Match[str]) -> str:
    return _FOLD_TEXT[match.group()]


def normalize(text: str) -> str:
    """NFKC, case folding, ё→е and diacritics folded: the form both filters and items are read in."""
    if text.isascii():
        # ASCII is already NFKC and has nothing to fold: skip both passes (most English news).
        return text.casefold()
    return _NEEDS_FOLD.sub(_fold, unicodedata.normalize("NFKC", text).casefold())


def tokenize(text: str) -> list[str]:
    """The normalised words of a text, in order."""
    return _WORD.findall(normalize(text))


def words_of(normalized: str) -> list[str]:
    """The words of an already normalised text."""
    return _WORD.findall(normalized)


def is_cyrillic(word: str) -> bool:
    """True when the word has a Cyrillic letter (Russian inflection rules apply to it)."""
    return any("\u0400" <= c <= "\u04ff" for c in word)


_STEMMER = snowballstemmer.stemmer("russian")


@lru_cache(maxsize=200_000)
def ru_stem(word: str) -> str:
    """The Snowball Russian stem of a normalised word (cached: the stemmer is pure Python)."""
    return str(_STEMMER.stemWord(word))


# Snowball's Russian endings (gerunds, adjectives, participles, reflexives, verbs, nouns,
# superlatives, derivationals). Snowball stems the same name differently by case
# (Жанаозен → жанаоз, Жанаозене → жанаозен), so a word matches a token that starts with the
# word's stem and continues with one or two of these endings.
_SNOWBALL_ENDINGS = """
в вши вшись ив ивши ившись ыв ывши ывшись
ее ие ые ое ими ыми ей ий ый ой ем им ым ом его ого ему ому их ых ую юю ая яя ою ею
нн вш ющ щ ивш ывш ующ
ся сь
ла на ете йте ли й л н ло но ет ют ны ть ешь нно
ила ыла ена ейте уйте ите или ыли уй ил ыл ен ило ыло ено ят ует уют ит ыт ены ить ыть ишь ю
а ев ов ье е иями ями ами еи ии и ией иям ям ием ам ах иях ях ы ь ию ью ия ья я о у
ейш ейше ост ость
""".split()
_SINGLE = set(_SNOWBALL_ENDINGS)
RU_ENDINGS: frozenset[str] = frozenset(
    {""} | _SINGLE | {a + b for a in _SINGLE for b in _SINGLE if len(a + b) <= 6}
)
MIN_STEM = 3


def word_anchor(word: str) -> tuple[str, bool]:
    """The prefix a token must start with to match `word`, and whether the inflection rule applies.

    Latin and other scripts match whole words exactly (anchor = the word, no inflection);
    Cyrillic words match tokens that start with their stem and end in a Russian ending.
    """
    if is_cyrillic(word):
        stem = ru_stem(word)
        if len(stem) >= MIN_STEM:
            return stem, True
    return word, False


def inflected_match(stem: str, token: str) -> bool:
    """Whether `token` (which starts with `stem`) is an inflected form of the word with that stem."""
    return token[len(stem) :] in RU_ENDINGS or ru_stem(token) == stem


def word_matches(word: str, token: str) -> bool:
    """Whether a filter word matches one normalised token of a text."""
    anchor, inflects = word_anchor(word)
    if not inflects:
        return token == anchor
    return token.startswith(anchor) and inflected_match(anchor, token)
