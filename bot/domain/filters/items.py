"""Items as the matcher sees them, from a text read the way the understand job reads it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.filters.reference import MatchableItem


def understood_matchable(
    text: str,
    *,
    title: str = "",
    now: datetime,
    lang: str | None = None,
    cities: Sequence[str] = (),
    countries: Sequence[str] = (),
    source: str | None = None,
) -> MatchableItem:
    """Understand a text (category, language, places, events) and wrap it for matching.

    Places given by the caller come first; the understood ones and those of the events the text
    announces are added after them.
    """
    from bot.domain.understand import understand

    found = understand(text, title=title, published=now, lang=lang)
    return MatchableItem(
        title=title,
        text=text,
        category=found.category,
        lang=lang or found.lang,
        cities=list(
            dict.fromkeys([*cities, *found.cities, *(e.city for e in found.events if e.city)])
        ),
        countries=list(dict.fromkeys([*countries, *found.countries])),
        source=source,
    )
