"""The understand step on the seed case, the contract shape, and table-driven pieces."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.understand import to_contract, understand
from bot.domain.understand.when import find_dates, find_times

FIXTURES = Path(__file__).parent / "fixtures" / "understand"

SEED_EXPECTED = {
    "category": "crackdown",
    "figures": {"killed": 10, "injured": 70, "arrested": 70},
    "events": [
        {
            "start": "2011-12-21T12:00:00+00:00",
            "end": None,
            "all_day": False,
            "venue": "Kazakh-British Chamber of Commerce",
            "address": "62 South Audley Street, Mayfair",
            "city": "London",
            "timezone": "Europe/London",
            "confidence": 0.9,
        }
    ],
}


def seed_text() -> str:
    return (FIXTURES / "seed-zhanaozen.md").read_text(encoding="utf-8")


def test_seed_gives_the_design_example() -> None:
    u = understand(
        seed_text(),
        title="Stop police violence against strikers",
        published=datetime(2011, 12, 19, tzinfo=UTC),
    )
    assert to_contract(u) == SEED_EXPECTED
    assert u.lang == "en"
    assert "London" in u.cities and "KZ" in u.countries
    assert u.events[0].country == "GB"
    assert u.events[0].lat == pytest.approx(51.5, abs=0.1)
    assert u.debug["cues"]["crackdown"]


def test_seed_without_title_is_the_same() -> None:
    u = understand(seed_text(), published=datetime(2011, 12, 19, tzinfo=UTC))
    assert to_contract(u) == SEED_EXPECTED


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("on Wednesday, 21st of December 2011", date(2011, 12, 19), date(2011, 12, 21)),
        ("this Saturday", date(2019, 6, 27), date(2019, 6, 29)),
        ("tomorrow", date(2019, 6, 28), date(2019, 6, 29)),
        ("next Friday", date(2019, 6, 28), date(2019, 7, 5)),
        ("Dec. 21", date(2011, 12, 19), date(2011, 12, 21)),
        ("21.12", date(2011, 12, 19), date(2011, 12, 21)),
        ("21 декабря", date(2011, 12, 19), date(2011, 12, 21)),
        ("в субботу", date(2019, 2, 21), date(2019, 2, 23)),
        ("Saturday, January 14", date(2016, 11, 30), date(2017, 1, 14)),
        ("January 3", date(2016, 12, 30), date(2017, 1, 3)),
    ],
)
def test_dates_resolve_against_publication(text: str, published: date, expected: date) -> None:
    found = [d for d in find_dates(text, published) if d.day]
    assert found and found[0].day == expected


def test_a_date_that_does_not_exist_is_not_a_date() -> None:
    assert not [d for d in find_dates("31 February 2020", date(2020, 1, 1)) if d.day]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("12 noon", (12, 0), None),
        ("6.30pm", (18, 30), None),
        ("18:00", (18, 0), None),
        ("from 11am to 2pm", (11, 0), (14, 0)),
        ("с 12 до 14 часов", (12, 0), (14, 0)),
        ("в полдень", (12, 0), None),
        ("5-6pm", (17, 0), (18, 0)),
        ("с 15:00 до 17:00", (15, 0), (17, 0)),
        ("1 PM – 2:30 PM", (13, 0), (14, 30)),
    ],
)
def test_times(text: str, start: tuple[int, int], end: tuple[int, int] | None) -> None:
    t = find_times(text)[0]
    assert (t.hour, t.minute) == start
    assert (None if t.end_hour is None else (t.end_hour, t.end_minute)) == end


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("A lightning strike killed two hikers on the mountain during a thunderstorm.", "other"),
        ("Air strikes by the coalition killed 40 civilians in the town.", "other"),
        ("A protest vote is a vote cast to show dissatisfaction with the candidates.", "other"),
        ("Tube drivers walked out on Monday in a 24-hour strike over pay, the RMT union said.", "strike"),
        ("Riot police fired tear gas and arrested 50 protesters at the rally in Minsk.", "crackdown"),
    ],
)
def test_categories(text: str, category: str) -> None:
    u = understand(text, published=datetime(2024, 5, 1, tzinfo=UTC))
    assert u.category == category, u.debug


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Ten people were shot dead by police during the strike.", "killed", 10),
        ("Police dispersed the rally; more than 70 wounded.", "injured", 70),
        ("На акции протеста 3 человека погибли, полиция разогнала митинг.", "killed", 3),
        ("Полиция разогнала митинг, десятки задержанных.", "arrested", None),
    ],
)
def test_figures(text: str, field: str, value: int | None) -> None:
    u = understand(text, published=datetime(2024, 5, 1, tzinfo=UTC))
    assert getattr(u, field) == value


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00\x01\x02\xff" * 100, "12:00", "Митинг rally 21 декабря at noon на площади Square", "31 February protest rally"],
)
def test_bad_input_never_raises(text: str) -> None:
    u = understand(text, published=datetime(2024, 12, 30, tzinfo=UTC))
    assert u.category in ("crackdown", "strike", "protest_call", "other")
    assert "error" not in u.debug


def test_the_event_sentence_names_the_city_even_when_another_is_named_more() -> None:
    text = (
        "Riot police fired on striking miners in Karaganda on Monday; 4 people were killed.\n"
        "Miners in Karaganda have been on strike since March.\n"
        "In Berlin, supporters will gather on Friday 8 March at 5pm outside the Kazakh Embassy."
    )
    u = understand(text, title="Miners shot in Karaganda", published=datetime(2024, 3, 5, tzinfo=UTC))
    assert u.category == "crackdown" and u.killed == 4
    assert [(e.city, e.timezone, e.venue) for e in u.events] == [("Berlin", "Europe/Berlin", "Kazakh Embassy")]
    assert u.events[0].start.isoformat() == "2024-03-08T17:00:00+01:00"


def test_a_weekday_in_a_report_points_back() -> None:
    u = understand(
        "Police arrested 49 protesters Thursday after they blocked the steps of the Capitol.",
        published=datetime(2003, 2, 28, tzinfo=UTC),
    )
    assert u.category == "crackdown" and u.arrested == 49
    assert u.events == []
