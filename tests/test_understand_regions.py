"""Regions and one-clock countries: the timezone of an event whose town the text does not name,
and which of several same-named towns a region's name means."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.understand import understand
from bot.domain.understand.regions import area_zone, country_zone, find_regions

PUBLISHED = datetime(2021, 3, 1)  # a Monday


def _event_zone(text: str, zone: str = "UTC") -> tuple[str | None, str, str]:
    u = understand(text, published=PUBLISHED, default_tz=zone)
    assert u.events, text
    e = u.events[0]
    return e.city, e.timezone, e.start.strftime("%H:%M")


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Ukrainian Manitobans will rally outside the Legislature on Saturday at 5 p.m.", "America/Winnipeg"),
        ("A rally for Maui will be held at Ala Moana Beach Park in Hawaii on Saturday at 10 a.m.", "Pacific/Honolulu"),
        ("Митинг пройдет в субботу в 12:00 у здания правительства Башкирии.", "Asia/Yekaterinburg"),
        ("Жители Удмуртии выйдут на пикет в субботу в 14:00 у здания администрации.", "Europe/Samara"),
        ("Сбор участников марша в Беларуси — в субботу в 14:00 возле здания Академии наук.", "Europe/Minsk"),
    ],
)
def test_a_region_or_one_clock_country_gives_the_zone(text: str, zone: str) -> None:
    city, tz, start = _event_zone(text)
    assert city is None  # the region says the clock, not the town
    assert tz == zone
    assert start in ("10:00", "12:00", "14:00", "17:00")


def test_the_wall_clock_stays_when_the_zone_changes() -> None:
    u = understand("Ukrainian Manitobans will rally outside the Legislature on Saturday at 5 p.m.",
                   published=PUBLISHED)
    e = u.events[0]
    assert e.start.isoformat() == "2021-03-06T17:00:00-06:00"


def test_a_region_picks_its_own_namesake_town() -> None:
    # Murray, Utah is the larger; the Kentucky story means Murray, Kentucky (Central time)
    text = ("Murray State students will hold a vigil at 8:30 p.m. Monday at Roy Stewart Stadium in Murray. "
            "Organisers across Kentucky have called for justice.")
    city, tz, start = _event_zone(text)
    assert (city, tz, start) == ("Murray", "America/Chicago", "20:30")


def test_a_source_zone_is_not_overridden_by_a_country_named_in_passing() -> None:
    # a Moscow paper: a picket "in support of Ukraine" in a town it does not name stays on its clock
    text = "Пикет в поддержку Украины пройдет в субботу в 12:00 у здания администрации."
    _, tz, _ = _event_zone(text, zone="Europe/Moscow")
    assert tz == "Europe/Moscow"
    assert area_zone([], ["UA"], "Europe/Moscow") is None
    assert area_zone([], ["UA"], "UTC") == "Europe/Kyiv"


def test_a_named_town_beats_its_region() -> None:
    city, tz, _ = _event_zone("Rally at the State Capitol in Phoenix, Arizona on Saturday at noon. Hawaii sends greetings.")
    assert (city, tz) == ("Phoenix", "America/Phoenix")


@pytest.mark.parametrize(
    ("country", "zone"),
    [("BY", "Europe/Minsk"), ("UA", "Europe/Kyiv"), ("GB", "Europe/London"), ("PH", "Asia/Manila"),
     ("RU", None), ("US", None), ("CA", None), ("AU", None), ("BR", None)],
)
def test_countries_with_one_clock(country: str, zone: str | None) -> None:
    assert country_zone(country) == zone


def test_names_that_mean_something_else_are_no_region() -> None:
    # Georgia the country, Victoria Park, Washington the capital, New York the city
    text = "Rallies in Georgia, at Victoria Park, in Washington and New York."
    assert find_regions(text) == []
    names = [r.name for r in find_regions("From Wales to Northern Ireland, and Texans in Texas.")]
    assert names == ["Wales", "Northern Ireland", "Texas"]


@pytest.mark.parametrize(
    ("text", "venue"),
    [
        # a bare name after "at" in the start time's sentence when the date's sentence names none
        ("An anti-corruption march will be held in Nairobi on Tuesday.\n\nThe march will start at 10 am at Freedom Corner.",
         "Freedom Corner"),
        ("Protesters will gather outside parliament on Tuesday at 10am.", "parliament"),
        ("Protesters will rally at the Union Buildings in Pretoria on Tuesday at 6am.", "Union Buildings"),
    ],
)
def test_places_named_without_a_common_place_noun(text: str, venue: str) -> None:
    u = understand(text, published=PUBLISHED)
    assert [e.venue for e in u.events] == [venue]


def test_a_bare_name_in_the_time_sentence_needs_at() -> None:
    # "the Silence in Solidarity march at 10 a.m.": a word after "in" is no place
    text = "Groups planned marches in Denver on Saturday.\n\nThey organized the Silence in Solidarity march at 10 a.m."
    u = understand(text, published=PUBLISHED)
    assert u.events and u.events[0].venue != "Solidarity"


def test_another_day_announced_with_its_own_place_but_no_time() -> None:
    text = ("The opposition will rally on Saturday at 3 p.m. in Liberty Square. He said that a march will be "
            "conducted tomorrow and will launch from Circus Square.")
    u = understand(text, published=PUBLISHED)
    got = sorted((e.start.date().isoformat(), None if e.all_day else e.start.strftime("%H:%M"), e.venue) for e in u.events)
    assert got == [("2021-03-02", None, "Circus Square"), ("2021-03-06", "15:00", "Liberty Square")]


@pytest.mark.parametrize("country", ["Palestine", "Lebanon", "Jamaica", "Armenia"])
def test_a_country_name_is_not_a_town_of_that_name_abroad(country: str) -> None:
    u = understand(f"Solidarity with {country}: rally at City Hall on Saturday at 2pm.", published=PUBLISHED)
    assert u.events and u.events[0].city is None
    u = understand("Rally for Palestine in Palestine, Texas on Saturday at 2pm.", published=PUBLISHED)
    assert (u.events[0].city, u.events[0].timezone) == ("Palestine", "America/Chicago")


def test_russian_words_and_names_that_are_towns_abroad() -> None:
    from bot.domain.understand.gazetteer import find_cities

    # 'Более' is Bol in Chad; 'Сергей' before a surname is no town
    text = "Более 300 человек выйдут на митинг. Сергей Конбеевского поддержали жители Красноярска."
    assert [h.place.name for h in find_cities(text)] == ["Krasnoyarsk"]
    # a town in the genitive before a first name stays a town
    text = "Как заявил секретарь обкома Тюмени Александр Черепанов, митинг пройдет в субботу."
    assert [h.place.name for h in find_cities(text)] == ["Tyumen"]
    # a town abroad with "в" before it is still found
    assert [h.place.name for h in find_cities("Акция пройдет в Праге в субботу.")] == ["Prague"]


def test_regions_on_different_clocks_give_no_zone() -> None:
    text = "Marchers will rally against Arizona's new law on Saturday at 10 a.m. at Olympic Boulevard, California activists said."
    u = understand(text, published=PUBLISHED)
    assert u.events and u.events[0].timezone == "UTC"


@pytest.mark.parametrize(
    "text",
    ["Rally at Federal Plaza, Dearborn & Jackson, on Wednesday at 6 p.m.",
     "Vigil on Wednesday at 5:30 p.m. at the corner of Franklin and Grove Streets."],
)
def test_a_street_corner_is_not_a_town(text: str) -> None:
    u = understand(text, published=PUBLISHED)
    assert u.events and u.events[0].city is None and u.events[0].timezone == "UTC"


def test_an_event_pages_place_lines_above_its_date_line() -> None:
    text = ("Welcome Refugees - Peace Rally and March, Sydney\n\nBelmore Park\nHay St\nHaymarket, NSW 2000\n"
            "Google map and directions\nApril 05, 2020 at 2:00pm - 5pm\n\nSpeakers include: Craig Foster")
    e = understand(text, published=datetime(2020, 1, 20)).events[0]
    assert (e.venue, e.address, e.city, e.start.strftime("%H:%M")) == ("Belmore Park", "Hay St, Haymarket", "Sydney", "14:00")
    # a date inside a paragraph does not reach up to the lines above it
    text = "Belmore Park\n\nWe have marched before. On April 5 we will rally again at 2pm."
    e = understand(text, published=datetime(2020, 1, 20)).events[0]
    assert e.venue is None


@pytest.mark.parametrize(
    ("text", "venue"),
    [
        ("A Canadians Against Proroguing Parliament Rally is planned for Halifax on Saturday at 1 p.m. at Province House.",
         "Province House"),
        ("On 26 August on Friday 8am, behind Rainbow Towers, NERA is holding its march.", "Rainbow Towers"),
    ],
)
def test_an_events_own_name_is_no_place(text: str, venue: str) -> None:
    assert [e.venue for e in understand(text, published=datetime(2016, 8, 20)).events] == [venue]


def test_a_notices_military_clock_and_the_next_days_rally() -> None:
    text = ("Protest Rallies\n\nIt is to inform you that today, April 20, 2010 at 1700 hrs JI has planned to stage a "
            "protest demonstration and observe a sit in at Tibbet Centre.\n\nIn addition to the above, tomorrow Wednesday "
            "April 21,2010 at 1600 hrs Sind Peoples Youth will take out a protest rally from Do Talwar, Clifton up to "
            "Karachi Press Club. The planned route is Do Talwar, Dr. Ziauddin Road, PIDC House and Press Club.")
    u = understand(text, published=datetime(2010, 4, 20))
    assert [(e.start.strftime("%m-%d %H:%M")) for e in u.events] == ["04-20 17:00", "04-21 16:00"]


@pytest.mark.parametrize(
    ("text", "published", "day"),
    [
        # "posted online Monday", "said … late Saturday", "Earlier on Saturday": when something was done
        ("Occupy supporters plan to retake the plaza on Oct. 25.\n\nThe announcement posted online Monday calls for "
         "a noontime rally at Oscar Grant Plaza.", datetime(2012, 9, 25), "10-25 12:00"),
        ("Protesters will move forward with a march on Tuesday, the president warned.\n\nHe said in a televised "
         "address late Saturday that the protest was illegal.\n\nEarlier on Saturday, police informed organizers "
         "that they would not permit the planned protest.", datetime(2024, 7, 22), "07-23 00:00"),
    ],
)
def test_weekdays_of_things_already_done(text: str, published: datetime, day: str) -> None:
    assert [e.start.strftime("%m-%d %H:%M") for e in understand(text, published=published).events] == [day]


def test_people_convene_before_the_march_sets_off() -> None:
    text = ("Protesters are marching to the Presidential Villa today, Thursday the 22nd of May.\n\nThose who will join "
            "the protest are to convene by 2:30pm at Unity Fountain, from where the march will commence at 3:00 pm.")
    assert [e.start.strftime("%H:%M") for e in understand(text, published=datetime(2014, 5, 22)).events] == ["14:30"]


@pytest.mark.parametrize(
    ("text", "published", "when"),
    [
        ("В новогоднюю ночь на Руставели пройдет акция протеста. Митинг начнется в 23:00.", datetime(2025, 12, 29), "12-31 23:00"),
        ("Оппозиция в День России проведет митинг на площади Кирова в 14:00.", datetime(2017, 6, 8), "06-12 14:00"),
        ("Шествие пройдет 31 января.\nНачало акции назначено на 12 часов дня.", datetime(2021, 1, 27), "01-31 12:00"),
        # a Latin "c" inside a Russian word ("протеcтовать") is read as the Cyrillic letter
        ("4 октября Тверь будет протеcтовать\n\nВ 12 часов напротив здания Законодательного собрания жители "
         "проведут митинг.", datetime(2008, 10, 1), "10-04 12:00"),
    ],
)
def test_russian_days_and_hours(text: str, published: datetime, when: str) -> None:
    events = understand(text, published=published).events
    assert events and events[0].start.strftime("%m-%d %H:%M") == when


def test_a_duration_is_no_clock() -> None:
    from bot.domain.understand.when import find_times

    assert find_times("митинг продлится на 2 часа") == []


def test_the_page_stamp_line_and_a_listings_date_line() -> None:
    text = ("В Баку сегодня пройдет митинг оппозиции\n\n18 декабря 2005 в 13:23\nОппозиция намерена провести "
            "сегодня в Баку митинг, несмотря на запрет властей.")
    e = understand(text, published=datetime(2005, 12, 18)).events[0]
    assert e.all_day and e.city == "Baku"
    text = "Митинг за честные выборы\n4 февраля 2012 года в 15:00\nПлощадь Ленина, Пермь"
    e = understand(text, published=datetime(2012, 2, 1)).events[0]
    assert (e.start.strftime("%m-%d %H:%M"), e.venue, e.city) == ("02-04 15:00", "Площадь Ленина", "Perm")


def test_the_towns_main_square_names_the_town() -> None:
    text = "Как сообщили организаторы, митинг 20 марта в 13.00 пройдёт на Центральной площади Владивостока."
    e = understand(text, published=datetime(2010, 3, 18)).events[0]
    assert (e.city, e.timezone) == ("Vladivostok", "Asia/Vladivostok")


def test_the_country_a_story_puts_the_protest_in() -> None:
    text = ("Русский союз Латвии организует митинг\n\nЗавтра в Латвии возле здания МИД состоится акция протеста против "
            "политики, которая привела к конфликту с Россией и санкциям со стороны российских властей.")
    e = understand(text, published=datetime(2014, 8, 14)).events[0]
    assert (e.city, e.timezone) == (None, "Europe/Riga")  # not Moscow from "российских"
    from bot.domain.understand.gazetteer import country_mentions

    assert country_mentions("Rallies in Belarus and across Ukraine; a deal with Russia") == (["BY", "UA", "RU"], ["BY", "UA"])


def test_belarusian_towns_under_their_english_names() -> None:
    from bot.domain.understand.gazetteer import find_cities

    assert [h.place.name for h in find_cities("Митинги пройдут в Гродно, Гомеле и Могилеве.")] == ["Grodno", "Gomel", "Mogilev"]


@pytest.mark.parametrize(
    ("text", "published", "start", "end"),
    [
        ("Акция пройдет 25-го марта с 12 до 14.30 в Каложском парке.", datetime(2018, 3, 19), "12:00", "14:30"),
        ("Сегодня в 13.00 коммунисты выйдут на митинг против закрытия аэропорта.\nСбор участников назначен на 12.30 "
         "на площади Ленина.", datetime(2016, 4, 12), "12:30", None),
        ("Митинг, намеченный на три часа дня, пройдет завтра на бульваре Кокуй.", datetime(2012, 2, 3), "15:00", None),
    ],
)
def test_russian_clock_phrases(text: str, published: datetime, start: str, end: str | None) -> None:
    e = understand(text, published=published).events[0]
    assert (e.start.strftime("%H:%M"), e.end.strftime("%H:%M") if e.end else None) == (start, end)


def test_the_same_protest_in_a_list_of_towns_a_few_sentences_on() -> None:
    text = ("A protest for Canada's sovereignty is happening in Montreal on March 24.\n\nThe event is one of eight to be "
            "held simultaneously, with demonstrations outside every U.S. Consulate in the country — in Quebec City, "
            "Ottawa, Toronto, Halifax and Vancouver as well as Montreal.")
    got = [(e.city, e.timezone, e.start.date().isoformat()) for e in understand(text, published=datetime(2025, 3, 20)).events]
    assert got[0][0] == "Montréal"
    assert {c for c, _, _ in got[1:]} == {"Québec", "Ottawa", "Toronto", "Halifax", "Vancouver"}
    assert ("Halifax", "America/Halifax", "2025-03-24") in got
    # towns named as where earlier protests were held make no events
    text = ("A rally will be held in Leeds on Saturday at noon.\n\nIt follows protests in York, Hull and Bradford.")
    assert [e.city for e in understand(text, published=datetime(2021, 3, 1)).events] == ["Leeds"]


@pytest.mark.parametrize(
    ("text", "zone", "city", "tz"),
    [
        # a Kansas paper's Manhattan is the Kansas town
        ("Juneteenth rally at Triangle Park in Manhattan on Friday at 9 a.m., organisers in the US said.",
         "America/Chicago", "Manhattan", "America/Chicago"),
        # a state as US papers abbreviate it
        ("Students will march on Saturday at noon in Parkland, Fla.", "UTC", "Parkland", "America/New_York"),
        # a town named like a word, made sure by its state
        ("A vigil will be held in Jackson, Miss., on Saturday at 6 p.m. at the State Capitol.", "UTC", "Jackson", "America/Chicago"),
    ],
)
def test_us_towns_told_apart(text: str, zone: str, city: str, tz: str) -> None:
    e = understand(text, published=PUBLISHED, default_tz=zone).events[0]
    assert (e.city, e.timezone) == (city, tz)


def test_a_day_something_was_announced_and_a_wire_dateline() -> None:
    text = ("Two demonstrations are being held in Limassol on Thursday afternoon.\n\nThe first protest was announced "
            "publicly on July 25 and will begin at 6.30pm in the Molos seafront area.")
    e = understand(text, published=datetime(2025, 7, 31)).events[0]
    assert e.start.strftime("%Y-%m-%d %H:%M") == "2025-07-31 18:30"
    text = ("UPS TEAMSTERS TO RALLY IN DES MOINES JUNE 30\n\nDES MOINES, Iowa, June 29, 2023 /PRNewswire/ -- UPS "
            "Teamsters will rally in Des Moines on Friday, June 30, as negotiations enter the final month.")
    e = understand(text, published=datetime(2023, 6, 29)).events[0]
    assert (e.start.date().isoformat(), e.venue) == ("2023-06-30", None)  # "Iowa" is no venue


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("Первая манифестация у памятника Освободителям пройдет 1 мая в 12.00.", datetime(2004, 4, 28)),
        ("GUWAHATI, Jan 8: The students union will sound the war bugle as a part of its agitation against the law "
         "on Thursday.\n\nIn Guwahati the programme will be held near the statue near Guwahati Club at 11 am.", datetime(2020, 1, 8)),
    ],
)
def test_more_words_for_a_protest(text: str, published: datetime) -> None:
    u = understand(text, published=published)
    assert u.category == "protest_call" and u.events


@pytest.mark.parametrize(
    ("text", "published", "venue"),
    [
        ("Email: Save Fiji Movement planning march on Friday.\n\nThe march is planned for Sukuna Park in Suva at noon.",
         datetime(2010, 12, 6), "Sukuna Park"),
        ("На акцию протеста зазывают горожан. Уже назначены время и место: площадь Ленина, 11 июля в 12:00.",
         datetime(2020, 7, 9), "площадь Ленина"),
    ],
)
def test_a_place_planned_for_or_given_inline(text: str, published: datetime, venue: str) -> None:
    assert understand(text, published=published).events[0].venue == venue


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("ROCHESTER, Minn. - Hundreds of people gathered at the park before marching to the Government Center.\n\n"
         "Demonstrators began to gather at noon and started the march at about 1 p.m. on Saturday.", datetime(2020, 5, 31)),
        ("4,500 Protest Government At Austurvöllur\n\nAround 4,500 people attended a general protest against the "
         "government this afternoon, almost completely filling the parliamentary square.", datetime(2014, 11, 3)),
    ],
)
def test_a_report_of_a_protest_already_held_is_no_call(text: str, published: datetime) -> None:
    u = understand(text, published=published)
    assert u.category == "other" and u.events == []


def test_a_region_on_the_sources_own_clock_keeps_the_sources_zone() -> None:
    text = "Alaska students will rally at the Capitol on Saturday at 10 a.m."
    assert understand(text, published=PUBLISHED, default_tz="America/Juneau").events[0].timezone == "America/Juneau"
    assert understand(text, published=PUBLISHED).events[0].timezone == "America/Anchorage"
    # a region on another clock than the source's still gives its own
    assert understand(text, published=PUBLISHED, default_tz="America/New_York").events[0].timezone == "America/Anchorage"


def test_a_clock_off_the_five_minute_marks_is_a_page_stamp() -> None:
    text = ("В Москве пройдет митинг за сохранение лесов\n12 декабря, 2009 - 10:27 - smash13 декабря, в 15:00, у "
            "памятника Грибоедову на Чистопрудном бульваре в Москве состоится митинг.")
    e = understand(text, published=datetime(2009, 12, 12)).events[0]
    assert e.start.strftime("%m-%d %H:%M") == "12-13 15:00"
    text = "07.11.2009 04:13\nОппозиция проведет митинг на проспекте Руставели в субботу."
    e = understand(text, published=datetime(2009, 11, 5)).events[0]
    assert e.all_day and e.start.strftime("%m-%d") == "11-07"


@pytest.mark.parametrize(
    ("text", "published", "venue"),
    [
        ("В Тбилиси во вторник, 3 февраля, в 12:00 запланирована акция протеста за зданием парламента.",
         datetime(2026, 2, 1), "здание парламента"),
        ("Оппозиция сегодня в 19:00 проведет митинг на Майдане Независимости в Киеве.", datetime(2013, 12, 10),
         "Майдан Независимости"),
        ("Митинг начнется 31 марта в 12:00 в Челябинске на Алом поле.", datetime(2019, 3, 27), "Алое поле"),
        ("Injured Workers' Day- June 1, 2018, 11:30 a.m. Queen's Park\n\nThis year is special: join the rally.",
         datetime(2018, 4, 20), "Queen's Park"),
    ],
)
def test_more_place_words(text: str, published: datetime, venue: str) -> None:
    assert understand(text, published=published).events[0].venue == venue


def test_a_field_in_the_figurative_sense_is_no_place() -> None:
    from bot.domain.understand.where import find_places

    assert find_places("Митинг пройдет в правовом поле, сказали организаторы.") == []


def test_a_word_that_starts_like_a_region_is_none() -> None:
    # "Комитет" starts like "Коми", "Крымская" is an adjective (read elsewhere)
    assert find_regions("Комитет солдатских матерей проведет пикет") == []
    assert [r.name for r in find_regions("в Республике Коми и в Крыму")] == ["коми", "крым"]
