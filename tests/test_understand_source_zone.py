"""Place rules added in the source-timezone round: the source's zone settles shared town names,
a town's institutions name the town, Russian gate houses, entrances and ponds are venues."""

from __future__ import annotations

from datetime import datetime

from bot.domain.understand import understand
from bot.domain.understand.gazetteer import zone_country

PUBLISHED = datetime(2021, 3, 1)


def _event(text: str, zone: str = "UTC"):  # noqa: ANN202 - the event dataclass
    events = understand(text, published=PUBLISHED, default_tz=zone).events
    assert events, text
    return events[0]


def test_zone_country_of_a_source_zone() -> None:
    assert zone_country("Europe/London") == "GB"
    assert zone_country("UTC") is None


def test_a_shared_town_name_goes_to_the_sources_country() -> None:
    text = "Protest march in Richmond on Saturday at 10am, meet at the library."
    assert _event(text, "Europe/London").timezone == "Europe/London"
    assert _event(text, "America/New_York").timezone == "America/New_York"


def test_a_town_council_or_hall_names_its_town() -> None:
    ev = _event("Protest at Leeds City Council on Saturday at 2pm against the cuts.")
    assert (ev.city, ev.timezone) == ("Leeds", "Europe/London")
    ev = _event("Campaigners will protest outside Sheffield Town Hall on Wednesday at 5pm.")
    assert (ev.city, ev.timezone) == ("Sheffield", "Europe/London")


def test_a_city_named_only_in_history_yields_to_the_source_zone() -> None:
    text = "May Day rally on Saturday at 1pm in Guildhall Square. It began in Chicago in 1886."
    ev = _event(text, "Europe/London")
    assert ev.city is None and ev.timezone == "Europe/London"


def test_russian_gate_house_entrance_and_ponds_are_venues() -> None:
    ev = _event("5 марта в 12:30 у проходной Северного завода профсоюз проводит митинг протеста.", "Europe/Moscow")
    assert ev.venue == "проходная Северного завода"
    ev = _event('Пикет пройдет 5 марта у входа в "Горэлектротранс" в 17:00.', "Europe/Moscow")
    assert ev.venue == 'вход в "Горэлектротранс"'
    ev = _event("В субботу в 12:00 у Кировских прудов пройдет митинг против застройки.", "Europe/Moscow")
    assert ev.venue == "Кировские пруды"
    assert ev.city is None  # a pond named after a town is not the town


def test_a_monument_keeps_its_whole_name() -> None:
    ev = _event("Митинг пройдет 5 марта в 12:00 у памятника Народному Герою.", "Europe/Moscow")
    assert ev.venue == "памятник Народному Герою"


def test_steps_of_a_statehouse_and_a_house_of_culture() -> None:
    ev = _event("The vigil is planned for Thursday at 7 p.m. on the steps of the Statehouse in Boston.")
    assert (ev.venue, ev.timezone) == ("Statehouse", "America/New_York")
    ev = _event("Пикет пройдет 3 мая с 12 до 14 часов возле Дворца культуры «Металлург».", "Asia/Yekaterinburg")
    assert ev.venue == "Дворец культуры «Металлург»"
    assert _event("Митинг пройдет 3 мая в 12:00 у ДК «Металлург».", "Europe/Moscow").venue == "ДК «Металлург»"


def test_a_russian_route_starts_at_its_venue() -> None:
    ev = _event("В субботу в 12:00 пройдет шествие от площади Ленина до Театральной площади.", "Europe/Moscow")
    assert ev.venue == "площадь Ленина"
    ev = _event("Митинг в субботу в 12:00 в 100 метрах от здания администрации.", "Europe/Moscow")
    assert ev.venue is None  # a distance from a building is no route


def test_russian_proper_place_names_in_the_nominative_and_with_a_genitive() -> None:
    assert _event("Митинг пройдет в субботу в 12:00 в Парке строителей.", "Europe/Moscow").venue == "Парк строителей"
    text = "Пикет пройдет в субботу в 12:00, место – Сквер борцов."
    assert _event(text, "Europe/Moscow").venue == "Сквер борцов"
