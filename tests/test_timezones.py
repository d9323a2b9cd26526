"""Finding a timezone from what people type: zones, offsets, cities in English and Russian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.timezones import (
    MAX_QUERY,
    is_zone,
    local_time,
    normalise,
    resolve_timezone,
    utc_offset_label,
)


@pytest.mark.parametrize(
    ("query", "zone"),
    [
        ("Asia/Almaty", "Asia/Almaty"),
        ("asia/almaty", "Asia/Almaty"),
        ("  Europe/London ", "Europe/London"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("america/new york", "America/New_York"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+5", "Etc/GMT-5"),
        ("utc-03:00", "Etc/GMT+3"),
        ("+3", "Etc/GMT-3"),
        ("UTC+0", "UTC"),
    ],
)
def test_zone_names_and_offsets(query: str, zone: str) -> None:
    found = resolve_timezone(query)
    assert found.place is not None and found.place.zone == zone
    assert found.place.city is None


@pytest.mark.parametrize(
    ("query", "zone", "country"),
    [
        ("Almaty", "Asia/Almaty", "KZ"),
        ("almaty", "Asia/Almaty", "KZ"),
        ("Алматы", "Asia/Almaty", "KZ"),
        ("Алма-Ата", "Asia/Almaty", "KZ"),
        ("Zhanaozen", "Asia/Aqtau", "KZ"),
        ("Жанаозен", "Asia/Aqtau", "KZ"),
        ("London", "Europe/London", "GB"),
        ("Лондон", "Europe/London", "GB"),
        ("New York", "America/New_York", "US"),
        ("Нью-Йорк", "America/New_York", "US"),
        ("Москва", "Europe/Moscow", "RU"),
        ("Санкт-Петербург", "Europe/Moscow", "RU"),
        ("Київ", "Europe/Kyiv", "UA"),
        ("Киев", "Europe/Kyiv", "UA"),
        ("Минск", "Europe/Minsk", "BY"),
        ("São Paulo", "America/Sao_Paulo", "BR"),
        ("sao paulo", "America/Sao_Paulo", "BR"),
        ("Орёл", "Europe/Moscow", "RU"),
        ("Орел", "Europe/Moscow", "RU"),
    ],
)
def test_cities_in_english_and_russian(query: str, zone: str, country: str) -> None:
    found = resolve_timezone(query)
    assert found.place is not None, query
    assert (found.place.zone, found.place.country) == (zone, country)
    assert found.place.city is not None


def test_namesakes_elsewhere_are_offered_but_small_ones_are_not() -> None:
    london = resolve_timezone("London")
    assert london.place is not None and london.place.zone == "Europe/London"
    assert "America/Toronto" in [p.zone for p in london.others]
    moscow = resolve_timezone("Moscow")
    assert moscow.place is not None and moscow.place.zone == "Europe/Moscow"
    assert moscow.others == []  # Moscow, Idaho is too small to be meant


@pytest.mark.parametrize(
    ("typo", "zone"),
    [
        ("Almatty", "Asia/Almaty"),
        ("Almatu", "Asia/Almaty"),
        ("Europe/Londn", "Europe/London"),
        ("Bishkel", "Asia/Bishkek"),
        ("Новосибирк", "Asia/Novosibirsk"),
    ],
)
def test_near_misses_are_suggested(typo: str, zone: str) -> None:
    found = resolve_timezone(typo)
    assert found.place is None
    assert zone in [p.zone for p in found.suggestions]
    assert len(found.suggestions) <= 3
    assert len({p.zone for p in found.suggestions}) == len(found.suggestions)


@pytest.mark.parametrize("query", ["", "   ", "Qwxzzqj", "x" * (MAX_QUERY + 1), "<b>&", "../../etc/passwd", "UTC+99"])
def test_nonsense_finds_nothing(query: str) -> None:
    found = resolve_timezone(query)
    assert found.place is None
    assert all(is_zone(p.zone) for p in found.suggestions)


def test_is_zone_rejects_paths_and_unknowns() -> None:
    assert is_zone("Asia/Almaty")
    assert is_zone("Etc/GMT-5")
    for bad in ("", "Asia/Nowhere", "../etc/passwd", "/etc/localtime", "a" * 80):
        assert not is_zone(bad)


def test_normalise_folds_case_accents_yo_and_separators() -> None:
    assert normalise("São_Paulo") == "sao paulo"
    assert normalise("ОРЁЛ") == "орел"
    assert normalise("Йошкар-Ола") == "йошкар ола"  # й is a letter of its own, not и + accent
    assert normalise("  New   York ") == "new york"


def test_offset_labels_follow_daylight_saving() -> None:
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert utc_offset_label("Europe/London", winter) == "UTC"
    assert utc_offset_label("Europe/London", summer) == "UTC+01:00"
    assert utc_offset_label("Asia/Almaty", summer) == "UTC+05:00"
    assert utc_offset_label("America/St_Johns", winter) == "UTC-03:30"
    assert local_time("Asia/Almaty", summer).hour == 17
