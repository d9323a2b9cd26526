"""Texts about filters in both languages: /help filters, syntax errors, why an alert matched."""

from __future__ import annotations

import re

import pytest

from bot.domain.filters import FilterHit, FilterSyntaxError, parse_filter
from bot.i18n import tr
from bot.render.filters import TriedFilter, explain_hit, help_filters, syntax_error, try_result

TAG = re.compile(r"</?(b|i|code)>")


def plain(html: str) -> str:
    """The text without our tags, to check that nothing else looks like HTML."""
    return TAG.sub("", html)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_help_filters_covers_the_language(lang: str) -> None:
    text = help_filters(lang)
    for example in (
        "Kazakh*",
        "&quot;oil workers&quot;",
        "zhanaozen OR жанаозен",
        "strike -police",
        "category:strike|protest",
        "city:London country:KZ",
        "lang:ru",
        "/zhana\\w+/",
    ):
        assert example in text
    assert "<" not in plain(text).replace("&lt;", "")
    if lang == "ru":
        assert "Как написать фильтр" in text and "Жанаозене" in text


def test_every_syntax_error_has_a_russian_translation() -> None:
    import bot.domain.filters.syntax as syntax_module

    source = open(syntax_module.__file__, encoding="utf-8").read()
    msgids = set(re.findall(r'FilterSyntaxError\(\s*"([^"]+)"', source))
    assert len(msgids) > 20
    missing = [m for m in msgids if tr("ru", m) == m]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_syntax_error_is_escaped_and_translated(lang: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter('strike "<b>oil')
    text = syntax_error(lang, caught.value)
    assert "&quot;&lt;b&gt;oil" in text
    assert "<b>oil" not in text
    expected = "Не хватает закрывающей кавычки" if lang == "ru" else "Missing closing quote after"
    assert expected in text


def test_explain_hit_names_the_filter_and_terms() -> None:
    hit = FilterHit(1, 2, ["kazakhstan", '"oil workers"'])
    assert explain_hit("en", hit, "Kazakhstan <3") == (
        "Matched your filter <code>Kazakhstan &lt;3</code>: "
        "<i>kazakhstan</i>, <i>&quot;oil workers&quot;</i>"
    )
    payload = {"filter_id": 1, "filter": "Kazakhstan", "terms": ["kazakhstan"]}
    assert explain_hit("ru", payload, "Kazakhstan").startswith("Совпало с вашим фильтром")
    assert explain_hit("en", {"terms": []}, "-police") == "Matched your filter <code>-police</code>"


def test_try_result_lists_each_filter() -> None:
    text = try_result(
        "en",
        "other",
        "en",
        [
            TriedFilter("Kazakhstan", True, ("kazakhstan",)),
            TriedFilter("miners", False),
            TriedFilter('"x', False, (), True),
        ],
    )
    assert "Read as: other news, language en" in text
    assert "✅ <code>Kazakhstan</code> — <i>kazakhstan</i>" in text
    assert "▫️ <code>miners</code> — no match" in text
    assert "category:any" in text


def test_try_result_fits_in_one_message_with_fifty_long_filters() -> None:
    long = "x" * 290
    results = [
        TriedFilter(f"{n} {long}", n % 10 == 0, ("kazakhstan",) if n % 10 == 0 else ())
        for n in range(50)
    ]
    text = try_result("ru", "strike", "ru", results)
    assert len(text) < 4096
    assert text.count("✅") == 5
    assert "Фильтров без совпадений: 45" in text
    short = try_result("en", "strike", "en", results[:3])
    assert [line[:2] for line in short.splitlines()[1:]] == ["✅ ", "▫️", "▫️"]
