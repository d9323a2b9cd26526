"""The filter language: parsing, errors that point at the spot, and what words match."""

from __future__ import annotations

import pytest

from bot.domain.filters import FilterSyntaxError, MatchableItem, evaluate, parse_filter
from bot.domain.filters.text import normalize


def item(
    title: str, text: str = "", category: str | None = "crackdown", **kw: object
) -> MatchableItem:
    return MatchableItem(title=title, text=text, category=category, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("Kazakhstan", "Strike in Kazakhstan", True),
        ("kazakhstan", "STRIKE IN KAZAKHSTAN", True),
        ("Kazakh", "Strike in Kazakhstan", False),
        ("Kazakh*", "Strike in Kazakhstan", True),
        ("oil workers", "Workers of the oil field", True),
        ('"oil workers"', "Workers of the oil field", False),
        ('"oil workers"', "Oil workers walk out", True),
        ("oil-workers", "Oil workers walk out", True),
        ("zhanaozen OR жанаозен", "Жанаозен помнит", True),
        ("zhanaozen OR жанаозен", "Zhanaozen remembers", True),
        ("zhanaozen or жанаозен", "Zhanaozen remembers", True),
        ("strike -police", "Strike ends quietly", True),
        ("strike -police", "Police break up strike", False),
        ("strike NOT police", "Police break up strike", False),
        ("(miners OR teachers) strike", "Teachers strike", True),
        ("(miners OR teachers) strike", "Nurses strike", False),
        ("Жанаозен", "Забастовка в Жанаозене", True),
        ("Жанаозен", "Нефтяники Жанаозена", True),
        ("Жанаозене", "Город Жанаозен", True),
        ("рабочий", "Рабочие вышли на улицы", True),
        ("забастовк*", "Забастовками охвачены", True),
        ("Ёлка", "елка на площади", True),
        ("cafe", "Protest at the Café de Paris", True),
        ("Łódź", "Strike in Lodz", True),
        ("/zhana[a-z]+/", "Zhanaozen", True),
        ("/^oil/", "Oil workers", True),
        ('"нефтяники жанаозена"', "Нефтяникам Жанаозена обещали", True),
        ("1986", "Remember December 1986", True),
        ("ﬁne", "a fine for protesters", True),
    ],
)
def test_words_phrases_and_operators(query: str, title: str, expected: bool) -> None:
    assert evaluate(parse_filter(query), item(title)) is expected


def test_default_categories_and_category_qualifier() -> None:
    other = item("Kazakhstan wins football match", category="other")
    assert not evaluate(parse_filter("Kazakhstan"), other)
    assert evaluate(parse_filter("Kazakhstan category:any"), other)
    assert evaluate(parse_filter("Kazakhstan category:other"), other)
    strike = item("Kazakhstan strike", category="strike")
    assert evaluate(parse_filter("Kazakhstan category:strike|protest"), strike)
    assert not evaluate(parse_filter("Kazakhstan category:crackdown"), strike)
    call = item("March for Kazakhstan", category="protest_call")
    assert evaluate(parse_filter("category:protest"), call)
    assert not evaluate(parse_filter("Kazakhstan"), item("Kazakhstan", category=None))


def test_place_language_and_source_qualifiers() -> None:
    london = item(
        "Picket at the embassy",
        cities=["London"],
        countries=["GB"],
        lang="en",
        source="Labour Start News",
    )
    assert evaluate(parse_filter("city:london"), london)
    assert evaluate(parse_filter('city:"London"'), london)
    assert not evaluate(parse_filter("city:Almaty"), london)
    assert evaluate(parse_filter("country:gb"), london)
    assert evaluate(parse_filter('country:"United Kingdom"'), london)
    assert evaluate(parse_filter("country:Великобритания|Казахстан"), london)
    assert evaluate(parse_filter("lang:en embassy"), london)
    assert not evaluate(parse_filter("lang:ru"), london)
    assert evaluate(parse_filter('source:labourstart OR source:"labour start"'), london)
    assert evaluate(parse_filter("source:start"), london)
    assert not evaluate(parse_filter("source:reuters"), london)
    assert evaluate(parse_filter("city:Almaty|London"), london)


@pytest.mark.parametrize(
    ("query", "msgid", "position"),
    [
        ("", "The filter is empty", 0),
        ("   ", "The filter is empty", 0),
        ("x" * 301, "The filter is longer than {max} characters", 300),
        ('"oil workers', "Missing closing quote after {fragment}", 0),
        ('strike "oil workers', "Missing closing quote after {fragment}", 7),
        ("(miners OR teachers", "Missing closing parenthesis for {fragment}", 0),
        ("miners)", "Unmatched ) at {fragment}", 6),
        ("miners OR", "{operator} needs a term after it", 7),
        ("OR miners", "{operator} needs a term before it", 0),
        ("miners OR OR teachers", "{operator} needs a term after it", 7),
        ("miners -", "{operator} needs a term after it", 7),
        ("miners NOT", "{operator} needs a term after it", 7),
        ("()", "Empty parentheses at {fragment}", 0),
        ('""', "Empty quotes at {fragment}", 0),
        ("a*", "Write at least {min} letters before * in {fragment}", 0),
        ("st*ike", "* goes only at the end of a word: {fragment}", 0),
        ("/(oil/", "Invalid /regex/ {fragment}: {reason}", 0),
        ("/oil", "Missing closing / after {fragment}", 0),
        ("/a/ /b/ /c/ /d/", "At most {max} /regex/ terms in one filter", 12),
        (
            "colour:red",
            "Unknown qualifier {name} — use category:, city:, country:, lang: or source:",
            0,
        ),
        (
            "category:sports",
            "Unknown category {value}: use crackdown, strike, protest, other or any",
            0,
        ),
        ("country:Atlantis", "country: takes a two-letter code such as KZ, not {value}", 0),
        ("lang:russian", "lang: takes a two-letter code such as ru, not {value}", 0),
        ("city:", "{name} needs a value, e.g. {example}", 0),
        ("!!!", "{fragment} has no letters or digits to look for", 0),
    ],
)
def test_malformed_filters_point_at_the_spot(query: str, msgid: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(query)
    err = caught.value
    assert err.msgid == msgid
    assert err.position == position
    assert str(err) == msgid.format(**err.params)


def test_missing_quote_message_quotes_the_fragment() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter('strike "oil workers')
    assert str(caught.value) == 'Missing closing quote after "oil workers'


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(FilterSyntaxError):
        parse_filter("(" * 40 + "a" + ")" * 40)


def test_normalisation() -> None:
    assert normalize("ЁЖ Crème Brûlée ŞİŞ") == "еж creme brulee şiş".translate({ord("ş"): "s"})
    assert normalize("Йошкар-Ола") == "йошкар-ола"
