"""Qualifiers against items as the understand step reads them: category, places, events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.filters import MatcherIndex, evaluate, parse_filter
from bot.domain.filters.items import understood_matchable

NOW = datetime(2011, 12, 18, 9, 0, tzinfo=UTC)
CALL_EN = (
    "Join us in protest outside the Kazakh embassy, 125 Pall Mall, London, on Wednesday "
    "21 December at 12:00 to demand justice for the Zhanaozen oil workers shot by police."
)
CALL_RU = "Митинг в поддержку нефтяников Жанаозена состоится в Алматы 21 декабря в 12:00 у памятника Абаю."


@pytest.fixture(scope="module")
def items() -> dict[str, object]:
    return {
        "en": understood_matchable(CALL_EN, now=NOW),
        "ru": understood_matchable(CALL_RU, now=NOW),
    }


@pytest.mark.parametrize(
    ("query", "en", "ru"),
    [
        ("category:protest", True, True),
        ("category:strike", False, False),
        ("city:London", True, False),
        ("city:Лондон", True, False),  # the gazetteer's English name is looked for too
        ("city:Алматы", False, True),
        ("city:almaty", False, True),
        ("country:KZ", True, True),
        ("country:GB", True, False),
        ("lang:ru", False, True),
        ("zhanaozen OR жанаозен", True, True),
        ("нефтяник*", False, True),
        ("Жанаозен city:Almaty", False, True),
        ('"oil workers" city:London -football', True, False),
    ],
)
def test_qualifiers_on_understood_items(
    items: dict[str, object], query: str, en: bool, ru: bool
) -> None:
    index = MatcherIndex()
    index.add(1, 1, query)
    for key, expected in (("en", en), ("ru", ru)):
        item = items[key]
        assert evaluate(parse_filter(query), item) is expected  # type: ignore[arg-type]
        assert bool(index.match(item)) is expected  # type: ignore[arg-type]
