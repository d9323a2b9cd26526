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


def test_page_stamps_are_not_the_event_day_or_time() -> None:
    text = (
        "Марш мира в Петербурге\n25 сентября 2015 | 15:25 Администрация Петербурга не согласовала "
        "проведение в воскресенье в городе Марша мира. Марш начнется у станции метро «Горьковская»."
    )
    (event,) = understand(text, published=datetime(2015, 9, 25, 12, 0, tzinfo=UTC)).events
    assert event.start.date().isoformat() == "2015-09-27"
    assert event.all_day
    assert event.venue == "станция метро «Горьковская»"


def test_travel_arrangements_give_no_start_or_place() -> None:
    text = (
        "Members will join a national demonstration in London this Saturday. Coach places are still "
        "available - pick up from Leeds City Train Station at 6.00am. Marchers will gather at Victoria "
        "Embankment from 11.00am."
    )
    (event,) = understand(text, published=datetime(2011, 3, 22, tzinfo=UTC)).events
    assert (event.start.hour, event.city) == (11, "London")
    assert event.venue == "Victoria Embankment"


@pytest.mark.parametrize(
    ("text", "venue", "hour"),
    [
        ("The rally will be held on Wednesday at noon on the front steps of the Capitol in Jefferson City.", "Capitol", 12),
        ("Rally: join us Wednesday at 4:30 at City Hall in Rochester to stand with working people.", "City Hall", 16),
        ("Demo this Wednesday: meet at 4pm outside the Town hall in Worthing.", "Town hall", 16),
    ],
)
def test_english_venue_and_time_forms(text: str, venue: str, hour: int) -> None:
    (event,) = understand(text, published=datetime(2014, 3, 24, tzinfo=UTC)).events
    assert (event.venue, event.start.hour) == (venue, hour)


def test_st_is_saint_and_dc_is_washington() -> None:
    events = understand("Union rally on Tuesday at 4pm at the State Capitol in St. Paul.", published=PUBLISHED).events
    assert events[0].timezone == "America/Chicago"
    events = understand("Protest on Tuesday at 4pm outside the embassy, Washington, D.C.", published=PUBLISHED).events
    assert events[0].timezone == "America/New_York"


@pytest.mark.parametrize(
    "text",
    [
        "Сегодня в Иркутске пройдет акция \"Бессмертный полк\". Сбор участников акции начнется в 9.30 на ул. Советской.",
        "В Иркутске пройдет акция Минута тишины. 22 июня в 10 часов состоится акция «Минута тишины».",
    ],
)
def test_commemorations_are_not_protest_calls(text: str) -> None:
    assert understand(text, published=datetime(2017, 5, 9, tzinfo=UTC)).category == "other"


def test_who_was_asked_is_not_the_venue() -> None:
    text = (
        "Два митинга планируется провести 12 июня, сообщили в мэрии Иркутска. "
        "Митинг пройдет 12 июня на сквере имени Кирова."
    )
    events = understand(text, published=datetime(2017, 5, 31, tzinfo=UTC)).events
    assert events and events[0].venue != "мэрия"
