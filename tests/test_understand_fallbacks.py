"""City from adjectives and demonyms, bare Russian place names, spoken clock times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.understand import understand
from bot.domain.understand.gazetteer import find_adjective_cities
from bot.domain.understand.when import find_times

PUBLISHED = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Londoners will march", "London"),
        ("San Diegans are invited", "San Diego"),
        ("New Yorkers rallied", "New York"),
        ("members of the Саратовского объединения", "Saratov"),
        ("новокузнецких рабочих", "Novokuznetsk"),
        ("the Kazakh regime", "Astana"),
    ],
)
def test_adjectives_and_demonyms_name_a_city(text: str, city: str) -> None:
    assert [h.place.name for h in find_adjective_cities(text)][:1] == [city]


def test_an_adjective_city_is_used_only_when_no_town_is_named() -> None:
    text = "Rally this Saturday at 2pm outside the Kazakh embassy in London."
    (event,) = understand(text, published=PUBLISHED).events
    assert (event.city, event.timezone) == ("London", "Europe/London")


def test_an_adjective_city_gives_the_zone_when_nothing_else_does() -> None:
    text = (
        "Митинг пройдет 7 марта с 12.00 до 14.00 у кинотеатра «Пионер». "
        "Среди заявителей двое членов Саратовского объединения избирателей."
    )
    (event,) = understand(text, published=PUBLISHED).events
    assert (event.city, event.timezone) == ("Saratov", "Europe/Saratov")


def test_a_background_adjective_does_not_name_the_city() -> None:
    text = (
        "Митинг в поддержку московского марша пройдет 7 марта с 12.00 до 14.00 у кинотеатра «Пионер». "
        "Среди заявителей члены Саратовского объединения."
    )
    (event,) = understand(text, published=PUBLISHED).events
    assert event.city == "Saratov"


def test_a_bare_russian_place_name_is_the_venue_in_the_nominative() -> None:
    text = "Акция протеста: граждан приглашают собраться на Лубянке 7 марта с 14 до 16 часов без плакатов."
    (event,) = understand(text, published=PUBLISHED).events
    assert event.venue == "Лубянка"
    assert (event.start.hour, event.end.hour if event.end else None) == (14, 16)


@pytest.mark.parametrize(
    ("text", "hm"),
    [
        ("starts 18h", (18, 0)),
        ("rendez-vous 18h30 place", (18, 30)),
        ("beginning at 10A at the corner", (10, 0)),
        ("This Friday evening at 8, there will be a vigil", (20, 0)),
        ("at 7 in the evening", (19, 0)),
        ("в 7 вечера", (19, 0)),
        ("в два часа дня", (14, 0)),
        ("в 10 утра", (10, 0)),
    ],
)
def test_spoken_and_shorthand_times(text: str, hm: tuple[int, int]) -> None:
    assert [(t.hour, t.minute) for t in find_times(text)] == [hm]


@pytest.mark.parametrize("text", ["for 5h", "24h news", "3h later"])
def test_durations_are_not_clock_times(text: str) -> None:
    assert find_times(text) == []


def test_two_protests_on_one_day_in_two_sentences_are_two_events() -> None:
    text = (
        "Митинг профсоюзов пройдет 1 мая в 10:00 у памятника Ленину в Казани. "
        "Также 1 мая в 12:00 на площади Тукая пройдет пикет КПРФ."
    )
    events = understand(text, published=datetime(2025, 4, 28, tzinfo=UTC)).events
    assert [(e.start.hour, e.venue) for e in events] == [(10, "памятник Ленину"), (12, "площадь Тукая")]


def test_one_protest_restated_is_still_one_event() -> None:
    text = "Join the rally on Saturday 3 May at 11am at Victoria Park in Leeds. The rally on 3 May starts at 11am at Victoria Park."
    events = understand(text, published=datetime(2025, 4, 28, tzinfo=UTC)).events
    assert len(events) == 1


def test_a_past_report_is_not_a_call() -> None:
    text = "Yesterday around 200 people protested outside the town hall in Leeds. The rally took place at 2pm."
    assert understand(text, published=datetime(2025, 4, 28, tzinfo=UTC)).category != "protest_call"


def test_lower_case_street_names_are_places() -> None:
    text = "Protest: supporters are welcome outside the court from 9.30 tomorrow, at horseferry road near victoria."
    (event,) = understand(text, published=datetime(2025, 4, 28, tzinfo=UTC)).events
    assert "horseferry road" in (event.venue or "") + (event.address or "")
