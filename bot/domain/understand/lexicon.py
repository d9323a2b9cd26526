"""The shape every per-language lexicon module fills in (lexicon_en, lexicon_ru, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cue:
    """A weighted pattern: `kind` is a category it votes for or a signal such as "context"."""

    name: str
    kind: str
    weight: float
    pattern: re.Pattern[str]


def cue(name: str, kind: str, weight: float, pattern: str) -> Cue:
    """Compile one cue, case-insensitive."""
    return Cue(name, kind, weight, re.compile(pattern, re.IGNORECASE))


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
