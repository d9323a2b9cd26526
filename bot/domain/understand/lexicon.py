"""The shape every per-language lexicon module fills in (lexicon_en, lexicon_ru, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from .text import lowered


@dataclass(frozen=True)
class Cue:
    """A weighted pattern: `kind` is a category it votes for or a signal such as "context".

    `literals`: lower-case strings of which a match must contain at least one (its first
    word), so a text holding none of them is skipped without running the pattern; None when
    the pattern can start with something that is not a plain word."""

    name: str
    kind: str
    weight: float
    pattern: re.Pattern[str]
    literals: tuple[str, ...] | None = None
    # the same pattern, case-sensitive with its letters in lower case, for lower-cased text
    # (a third faster than IGNORECASE on the original)
    lowered: re.Pattern[str] | None = None


_LETTER = re.compile(r"[a-zа-яё]", re.I)


def _walk(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each regex character outside escapes and [classes], with the group depth after it."""
    depth, i = 0, start
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = source.index("]", i + 1) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        yield i, ch, depth
        i += 1


def _split_top(source: str) -> list[str]:
    parts, last = [], 0
    for i, ch, depth in _walk(source):
        if ch == "|" and depth == 0:
            parts.append(source[last:i])
            last = i + 1
    parts.append(source[last:])
    return parts


def _closing(source: str, i: int) -> int:
    for j, ch, depth in _walk(source, i):
        if ch == ")" and depth == 0:
            return j
    raise ValueError("unbalanced")


def _first(alt: str) -> set[str] | None:
    j = 0
    while True:
        if alt.startswith("\\b", j):
            j += 2
        elif alt.startswith("^", j):
            j += 1
        elif alt.startswith(("\\s*", "\\s+"), j):
            j += 3
        elif alt.startswith(("(?<!", "(?<="), j):
            j = j + _closing(alt[j:], 0) + 1  # a look-behind consumes nothing: the word after it starts the match
        else:
            break
    alt = alt[j:]
    if not alt:
        return None
    if alt[0] == "(":
        close = _closing(alt, 0)
        inner = alt[1:close]
        if inner.startswith("?:"):
            inner = inner[2:]
        elif inner.startswith("?P<"):
            inner = inner[inner.index(">") + 1 :]
        elif inner.startswith("?"):
            return None
        found: set[str] = set()
        for part in _split_top(inner):
            sub = _first(part)
            if sub is None:
                return None
            found |= sub
        if alt[close + 1 : close + 2] in ("?", "*"):
            rest = _first(alt[close + 2 :])
            if rest is None:
                return None
            found |= rest
        return found
    word = ""
    k = 0
    while k < len(alt) and (_LETTER.match(alt[k]) or alt[k] in " -'"):
        word += alt[k]
        k += 1
    if alt[k : k + 1] in ("?", "*", "{"):
        word = word[:-1]
    word = word.strip().lower()
    return {word} if len(word) >= 2 else None


def starting_literals(source: str) -> tuple[str, ...] | None:
    """The words any match of `source` must begin with, or None when that cannot be told."""
    try:
        found: set[str] = set()
        for alt in _split_top(source):
            sub = _first(alt)
            if sub is None:
                return None
            found |= sub
    except ValueError:
        return None
    return tuple(sorted(found)) or None


def cue(name: str, kind: str, weight: float, pattern: str, needs: tuple[str, ...] | None = None) -> Cue:
    """Compile one cue, case-insensitive, with its starting literals for a quick skip; `needs`
    names words every match contains, for patterns whose first words cannot be told."""
    compiled = re.compile(pattern, re.IGNORECASE)
    return Cue(name, kind, weight, compiled, needs or starting_literals(pattern), lowered(compiled))


@dataclass(frozen=True)
class Lexicon:
    """Everything language-specific the understand step reads."""

    lang: str
    cues: tuple[Cue, ...]
    # lower-case word (or stem prefix for inflected languages) -> value
    months: dict[str, int]
    weekdays: dict[str, int]
    number_words: dict[str, int]
    # figure field -> pattern of words that say a count is of the killed / injured / arrested
    figure_words: dict[str, re.Pattern[str]]
    # words that, right after a number, say it is not a count of people (ages, years, money)
    not_people: re.Pattern[str]
    extra: dict[str, object] = field(default_factory=dict)

    # one automaton over every cue's starting literals, so a text is scanned for all at once
    automaton: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        automaton = ahocorasick.Automaton()
        for c in self.cues:
            for lit in c.literals or ():
                automaton.add_word(lit, lit)
        if len(automaton):
            automaton.make_automaton()
        object.__setattr__(self, "automaton", automaton)

    def literals_in(self, low: str) -> set[str]:
        """Which of the cues' starting literals occur in `low` (lower-cased text), in one pass."""
        if not len(self.automaton):
            return set()
        return {lit for _, lit in self.automaton.iter(low)}
