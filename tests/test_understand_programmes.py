"""Texts that announce several protests on one day: a count said up front ("two rallies", "две
акции"), later sentences each with a protest, a time and a place, a shared square, sessions that
share the day's place, and a town-by-town list under a day given with its time. Texts are ours."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.understand import understand
from bot.domain.understand.model import ExtractedEvent
from bot.domain.understand.when import find_times

PUBLISHED = datetime(2021, 3, 1)  # a Monday


def _events(text: str, zone: str = "UTC") -> list[ExtractedEvent]:
    u = understand(text, published=PUBLISHED, default_tz=zone)
    assert "error" not in u.debug
    return u.events


def _starts(events: list[ExtractedEvent]) -> list[tuple[str, str]]:
    return [(e.start.date().isoformat(), e.start.strftime("%H:%M")) for e in events]


def test_two_rallies_announced_then_one_sentence_each() -> None:
    text = (
        "Two rallies are planned in Leeds on Saturday 6 March.\n\n"
        "The teachers' union will rally at 11am in Millennium Square.\n\n"
        "Another protest is set for 2pm at Park Square, where nurses will gather."
    )
    got = sorted((e.start.strftime("%H:%M"), e.venue) for e in _events(text, "Europe/London"))
    assert got == [("11:00", "Millennium Square"), ("14:00", "Park Square")]


@pytest.mark.parametrize(
    ("text", "zone", "starts"),
    [
        # a second protest on the same square at its own time
        ("В Казани 6 марта пройдут два митинга. Митинг профсоюзов состоится на площади Свободы с 12:00 до 13:00. "
         "На этой же площади в 15:00 пройдет пикет жильцов против застройки.", "Europe/Moscow",
         [("2021-03-06", "12:00"), ("2021-03-06", "15:00")]),
        # sessions as ranges share the day's place
        ("Завтра у здания городской думы в Самаре состоятся две акции протеста. С 9.00 до 10.30 пикет "
         "проведут учителя, а с 12 до 14 часов пройдет митинг врачей.", "Europe/Samara",
         [("2021-03-02", "09:00"), ("2021-03-02", "12:00")]),
    ],
)
def test_two_protests_at_one_place(text: str, zone: str, starts: list[tuple[str, str]]) -> None:
    events = _events(text, zone)
    assert _starts(events) == starts
    assert events[0].venue and events[1].venue == events[0].venue


@pytest.mark.parametrize(
    ("text", "start"),
    [
        # counted up front, but the later time is the same march arriving where it started from
        ("Three protests are planned in Leeds on Saturday 6 March. The climate march gathers at 11am at "
         "Millennium Square. The march will then move to Park Square, arriving at 1pm.", "11:00"),
        # a count after the sentence does not make the band's time a protest
        ("Residents will protest outside the town hall in Leeds on Saturday 6 March at 10am.\n\n"
         "A brass band will play at 12pm in Park Square for the festival.\n\n"
         "Later, a number of marches organised by the music society will pass through the centre.", "10:00"),
        # a pre-march service is no protest of its own
        ("Students will march on Saturday, March 6, starting at 11 a.m. in Hyde Park, Leeds.\n\n"
         "Saturday's march will offer a pre-march 10:15 a.m. service at St George's Church, 5 Great George St.", "11:00"),
    ],
)
def test_one_protest_with_other_times_around_it(text: str, start: str) -> None:
    assert _starts(_events(text, "Europe/London")) == [("2021-03-06", start)]


def test_towns_listed_under_a_day_given_with_its_time_keep_that_time() -> None:
    text = (
        "Пикеты против закрытия больниц пройдут по всей стране.\n\n"
        "6 марта.14:00 медики и пациенты выходят на улицы.\n\n"
        "Список городов:\n"
        "Москва: Минздрав (Рахмановский переулок, 3),\n"
        "Казань: площадь Свободы,\n"
        "Самара: 12:00, площадь Куйбышева\n"
        "Новосибирск: Красный проспект, 18"
    )
    events = _events(text, "Europe/Moscow")
    by_city = {e.city: (e.start.strftime("%H:%M"), e.timezone) for e in events}
    assert by_city == {
        "Moscow": ("14:00", "Europe/Moscow"),
        "Kazan": ("14:00", "Europe/Moscow"),
        "Samara": ("12:00", "Europe/Samara"),
        "Novosibirsk": ("14:00", "Asia/Novosibirsk"),
    }


def test_a_clock_time_right_after_a_stop() -> None:
    assert [(t.hour, t.minute) for t in find_times("6 марта.14:00 медики выходят")] == [(14, 0)]
    assert find_times("22.01.2005 и 1.12.30") == []


def test_a_guide_of_towns_each_with_its_time_and_place_under_a_strike_ahead() -> None:
    # published on a Monday; the walkout is on Friday; the 'as of' day is when the list was drawn up
    text = (
        "Pupils across Britain are expected to walk out of class on Friday over climate change.\n\n"
        "The walkouts are part of a global day of protest in 90 countries.\n\n"
        "As of Monday afternoon, strikes were planned in 40 towns.\n\n"
        "Leeds: 11am at Millennium Square\n\n"
        "Yorkshire map\n\n"
        "Bristol: 12 noon at College Green\n\n"
        "Cardiff: 1pm at the Senedd"
    )
    got = {e.city: (e.start.date().isoformat(), e.start.strftime("%H:%M"), e.venue) for e in _events(text, "Europe/London")}
    assert got == {
        "Leeds": ("2021-03-05", "11:00", "Millennium Square"),
        "Bristol": ("2021-03-05", "12:00", "College Green"),
        "Cardiff": ("2021-03-05", "13:00", "Senedd"),
    }


def test_the_day_a_statement_was_made_is_not_the_protests() -> None:
    # 1 March 2021 is a Monday: 'on Monday' is when the union spoke, 'Wednesday' the protest's day
    text = (
        "The union will hold a protest on Wednesday over unpaid wages.\n\n"
        "A statement from the union's office, Leeds, on Monday said the march will start from City Square at 9 am."
    )
    assert _starts(_events(text, "Europe/London")) == [("2021-03-03", "09:00")]
    text = ("The nurses' protest outside the hospital in Leeds will be held from 10 a.m. to 1 p.m., "
            "union leaders told a joint press conference here on Monday. The protest is on Thursday.")
    assert [d for d, _ in _starts(_events(text, "Europe/London"))] == ["2021-03-04"]


def test_a_clippings_own_date_is_not_the_rally_day() -> None:
    text = ("Leeds Gazette, March 1, 2021 Nurses at the General Infirmary will hold a protest rally on "
            "Friday March 12 about staffing. The rally will take place in Great George Street.")
    assert [d for d, _ in _starts(_events(text, "Europe/London"))] == ["2021-03-12"]


def test_a_peoples_assembly_on_a_square_is_a_protest() -> None:
    text = "В воскресенье, 7 марта, на Майдане Незалежности в Киеве состоится Народное вече. Начало в 12:00."
    u = understand(text, published=PUBLISHED, default_tz="Europe/Kyiv")
    assert u.category == "protest_call"
    assert _starts(u.events) == [("2021-03-07", "12:00")]


def test_a_shouted_venue_is_a_venue() -> None:
    text = "A demonstration will be happening SATURDAY MARCH 6 2PM, at the STATE LIBRARY in Melbourne."
    assert _events(text, "Australia/Melbourne")[0].venue == "State Library"


def test_a_notices_where_line_beside_its_when_line_on_the_day_of_publication() -> None:
    text = ("Thousands are expected at Monday's rally, organisers said.\n\n"
            "EVENT: Rally for Fair Pay\n\nWHERE: Millennium Square, Leeds\n\nWHEN: 1:00 pm on Monday, March 1, 2021")
    ev = _events(text, "Europe/London")[0]
    assert (ev.start.strftime("%H:%M"), ev.venue) == ("13:00", "Millennium Square")


def test_clocks_of_things_beside_the_protest_are_not_its_start() -> None:
    text = ("Завтра в центре Самары перекроют движение из-за митинга. Движение транспорта ограничат с 06:00 до 21:00. "
            "Сам митинг состоится в 18:00 на площади Славы.")
    assert _starts(_events(text, "Europe/Samara")) == [("2021-03-02", "18:00")]
    text = ("The party leader will land in Leeds at 7:00 am on Friday to lead a protest rally. "
            "The protest will be held at Millennium Square after Friday prayers.")
    assert [e.all_day for e in _events(text, "Europe/London")] == [True]


def test_a_month_day_before_a_dash_is_no_start_hour() -> None:
    times = find_times("WHEN: Monday, November 7 – 12:30 p.m.")
    assert [(t.hour, t.minute, t.end_hour) for t in times] == [(12, 30, None)]


def test_a_province_named_is_not_a_namesake_town() -> None:
    text = ("Union leaders will rally at Queen's Park in Toronto on Friday at noon. Education workers in Ontario "
            "began job action on Monday.")
    ev = _events(text, "UTC")[0]
    assert (ev.city, ev.timezone) == ("Toronto", "America/Toronto")
    text = "Education workers in Ontario will rally at Queen's Park on Friday at noon."
    assert _events(text, "UTC")[0].city != "Ontario"


def test_russian_places_after_from_along_and_before_a_where_clause() -> None:
    from bot.domain.understand.where import find_places

    def venues(text: str) -> list[str]:
        return [p.text for p in find_places(text)]

    assert "площадь Свободы" in venues("Шествие начнется с площади Свободы и пройдет до памятника.")
    assert "Невский проспект" in venues("Автопробег пройдет по Невскому проспекту с 13.00 до 15.00.")
    assert "Манежная площадь" in venues("Власти начали перекрывать Манежную площадь, на которой хотят провести сход.")
    # with whom, not from where; where a march ends, not where it meets
    assert venues("Митинг согласовали с администрацией города.") == []
    assert "Театральная площадь" not in venues("Маршрут проляжет до Театральной площади, где состоится митинг.")


def test_an_event_pages_name_line_under_its_date_line() -> None:
    text = "Rally for the Welsh language\n\n12pm, Saturday, 6/3/21\nThe Senedd, Cardiff Bay\nSpeakers to be announced\n\nCome and join us."
    assert _events(text, "Europe/London")[0].venue == "The Senedd"


def test_a_namesake_in_the_state_the_text_names_and_a_roll_of_towns_in_local_time() -> None:
    text = ("Three rallies are planned in Kentucky on Saturday, March 6:\n\n"
            "Bowling Green – 10 AM local time, Senator's office (sign up here)\n\n"
            "Lexington – Noon local time, Fayette County Courthouse (sign up here)\n\n"
            "Louisville – 11 AM local time, Metro Hall (sign up here)")
    got = {e.city: (e.start.strftime("%H:%M"), e.venue) for e in _events(text, "UTC")}
    assert got == {"Bowling Green": ("10:00", "Senator's office"), "Lexington": ("12:00", "Fayette County Courthouse"),
                   "Louisville": ("11:00", "Metro Hall")}


def test_a_day_of_the_month_with_no_month_is_the_next_such_day() -> None:
    text = "В последний день месяца — 28 числа, в Казани состоится пикет. Пикет пройдёт с 10 до 11 утра около мэрии."
    u = understand(text, published=datetime(2022, 2, 25), default_tz="Europe/Moscow")
    assert _starts(u.events) == [("2022-02-28", "10:00")]


def test_a_security_briefs_clock_and_an_order_of_service() -> None:
    assert [(t.hour, t.minute) for t in find_times("a rally at Durbar Square 1130 Mar. 6 amid protests")] == [(11, 30)]
    assert [(t.hour, t.minute, t.end_hour) for t in find_times("protests 1000-1400 Mar. 6 in Lagos")] == [(10, 0, 14)]
    assert [(t.hour, t.minute) for t in find_times("Order of service\n\n1800: Choir\n\n1805: Address")] == [(18, 0), (18, 5)]
    assert find_times("elections held in 2021 Jan. 5") == []


def test_fairs_bands_and_laying_flowers_are_no_protest_calls() -> None:
    for text in (
        "В эту субботу, 6 марта, в Заводском районе Саратова откроется новая ярмарка. Шествие ростовых кукол начнется в 10:00.",
        "Завтра, 2 марта, коммунисты возложат цветы к памятнику Ленину на площади Революции. Сбор в 11:00.",
        "Марш-парад духовых оркестров пройдет в Мелитополе 6 марта в 10:00 на площади Победы.",
    ):
        assert understand(text, published=PUBLISHED, default_tz="Europe/Moscow").category == "other", text


def test_a_listing_of_days_each_with_its_protests_on_lines_under_it() -> None:
    text = ("Four rallies are planned in Leeds this weekend, police said.\n"
            "Saturday, March 6\n"
            "- Nurses for Fair Pay: Millennium Square at noon\n"
            "- Save Our Libraries: march from Park Square from 11 a.m. to 2 p.m.\n"
            "Sunday, March 7\n"
            "- Stop the Cuts: Victoria Gardens from 1 to 2 p.m.\n"
            "- Rally Against Hate: City Square from 2 to 4 p.m.")
    got = [(e.start.date().isoformat(), e.start.strftime("%H:%M"), e.venue) for e in _events(text, "Europe/London")]
    assert got == [("2021-03-06", "12:00", "Millennium Square"), ("2021-03-06", "11:00", "Park Square"),
                   ("2021-03-07", "13:00", "Victoria Gardens"), ("2021-03-07", "14:00", "City Square")]


def test_prose_under_a_pages_date_line_is_no_listing() -> None:
    text = ("Monday, March 1, 2021\n\nSeveral groups plan to rally outside the Town Hall in Leeds this morning.\n\n"
            "First up, the anti-tax protest. That's at 10 a.m.\n\nThen, at 11 a.m., there's a rally for choice.\n\n"
            "As for other events today, expect the mayor's speech to start around 1 p.m.")
    events = _events(text, "Europe/London")
    assert "day_listing" not in understand(text, published=PUBLISHED, default_tz="Europe/London").debug["events"]
    assert events and events[0].start.strftime("%H:%M") == "10:00"


def test_a_towns_sentence_with_a_time_or_a_place_but_not_both() -> None:
    text = ("A nationwide protest is set to take place on Friday, March 5, with marches planned across the country.\n\n"
            "In Leeds, protesters will gather from 9:00 a.m. at Millennium Square and march to the Town Hall.\n\n"
            "In Bristol, demonstrators will begin their march at College Green.\n\n"
            "In Cardiff, protests will begin at 10:00 a.m.")
    got = {e.city: (None if e.all_day else e.start.strftime("%H:%M"), e.venue) for e in _events(text, "Europe/London")}
    assert got == {"Leeds": ("09:00", "Millennium Square"), "Bristol": (None, "College Green"), "Cardiff": ("10:00", None)}


def test_a_roll_of_towns_in_the_state_the_text_names() -> None:
    text = ("Protests are set to take place across Idaho on Saturday, March 6.\n\nIdaho protest locations:\n"
            "  • Boise — 11:30 a.m. to 3 p.m., Idaho State Capitol\n"
            "  • Pocatello — 11:30 a.m. to 1 p.m., Caldwell Park\n"
            "  • Idaho Falls — 4 to 6 p.m., Japanese Friendship Garden\n"
            "  • Twin Falls — 11 a.m. to 2 p.m., Twin Falls Courthouse")
    got = {e.city: (e.start.strftime("%H:%M"), e.timezone) for e in _events(text, "America/Boise")}
    assert got == {"Boise": ("11:30", "America/Boise"), "Pocatello": ("11:30", "America/Boise"),
                   "Idaho Falls": ("16:00", "America/Boise"), "Twin Falls": ("11:00", "America/Boise")}


def test_a_roll_of_vigils_named_town_by_town() -> None:
    text = ("Vigils will be held around the world on Monday 1 March.\n\nVigils around the world:\n\n"
            "London Vigil: Outside Malta High Commission, Piccadilly, at 13:00\n\n"
            "Berlin Vigil: Outside the Malta Embassy, Klingelhöferstraße 7, at 17:30\n\n"
            "Brussels Vigil: Rond-Point Robert Schuman at 13:00")
    got = {e.city: (e.start.strftime("%H:%M"), e.timezone, e.venue) for e in _events(text, "UTC")}
    assert got["London"] == ("13:00", "Europe/London", "Malta High Commission, Piccadilly")
    assert got["Berlin"][:2] == ("17:30", "Europe/Berlin") and got["Brussels"][:2] == ("13:00", "Europe/Brussels")


def test_a_table_of_days_times_and_places() -> None:
    text = ("Demonstrations in Leeds planned for March 5-6\n\nDATE\n\nDURATION\n\nPURPOSE\n\nLOCATION\n\n"
            "March 5, 2021\n\n1100-1300\n\nMortgage Matters\n\nPark Square 10\n\n"
            "March 6, 2021\n\n1230-1530\n\nAnimal cruelty\n\nBriggate 23")
    got = [(e.start.isoformat()[:16], e.end.strftime("%H:%M") if e.end else None, e.venue) for e in _events(text, "Europe/London")]
    assert got == [("2021-03-05T11:00", "13:00", "Park Square 10"), ("2021-03-06T12:30", "15:30", "Briggate 23")]
    assert find_times("Timeline\n2010-2015\n") == []


def test_a_russian_roll_of_towns_with_v_before_the_time() -> None:
    text = ("Сегодня в регионах пройдут акции протеста. Расписание акций:\n\n"
            "Казань – в 17:00 перед зданием мэрии состоится митинг;\n\n"
            "Самара – в 18:00 у памятника Ленину состоится митинг;\n\n"
            "Пермь – в 19:00 у здания Законодательного собрания состоится пикет.")
    got = {e.city: e.start.strftime("%H:%M") for e in _events(text, "Europe/Moscow")}
    assert got == {"Kazan": "17:00", "Samara": "18:00", "Perm": "19:00"}


def test_russian_may_day_rallies_are_on_the_first_of_may() -> None:
    text = "Первыми на первомайский митинг выйдут коммунисты. Их колонна стартует в 9:30 от площади Победы в Благовещенске."
    u = understand(text, published=datetime(2010, 4, 30), default_tz="Asia/Yakutsk")
    assert _starts(u.events) == [("2010-05-01", "09:30")]


def test_a_notices_location_lines_above_its_event_lines() -> None:
    text = ("Demonstration Alert: Leeds, March 6, 2021\n\n"
            "Location 1: Near the Civic Hall\n\n"
            "Event: On Saturday, March 6, 2021, beginning at 11:00am, a sit-in is scheduled near the Civic Hall to protest racism.\n\n"
            "Location 2: Victoria Gardens\n\n"
            "Event: On Saturday, March 6, 2021, beginning at 3:00pm, several groups are planning to protest the cuts.")
    got = sorted((e.start.strftime("%H:%M"), e.venue) for e in _events(text, "Europe/London"))
    assert got == [("11:00", "Civic Hall"), ("15:00", "Victoria Gardens")]


def test_a_roll_entry_whose_place_names_its_town_again() -> None:
    text = ("Protests are planned across Idaho on Saturday, March 6.\n\n"
            "  • Boise — 11:30 a.m. to 3 p.m., Idaho State Capitol\n"
            "  • Nampa — 5:30 to 7:30 p.m., Nampa City Hall\n"
            "  • Weiser — 10 a.m. to noon, Memorial Park\n"
            "  • McCall — 10 a.m. to noon, Veteran's Park\n"
            "  • Pocatello — 11:30 a.m. to 1 p.m., Caldwell Park")
    got = {e.city: e.venue for e in _events(text, "America/Boise")}
    assert got["Boise"] == "Idaho State Capitol" and got["Nampa"] == "Nampa City Hall" and got["Pocatello"] == "Caldwell Park"


def test_a_bare_name_where_the_protest_sentence_says_it_is_held() -> None:
    text = ("The party's leader is set to lead a dharna in New Delhi on Monday. Sources said that the dharna will "
            "take place at Rajghat and that other parties will also be part of the protest.")
    ev = _events(text, "Asia/Kolkata")[0]
    assert (ev.start.date().isoformat(), ev.venue) == ("2021-03-01", "Rajghat")


def test_a_call_against_police_violence_stays_a_call() -> None:
    text = ("Students will march on Saturday, March 6, at 11am from Millennium Square in Leeds against police violence. "
            "Police beat and injured students at the campus last week and arrested three of them. "
            "Organisers invite everyone to join the march and rally outside the Civic Hall.")
    u = understand(text, published=PUBLISHED, default_tz="Europe/London")
    assert (u.category, _starts(u.events)) == ("protest_call", [("2021-03-06", "11:00")])


def test_with_a_decision_is_no_place_and_a_where_corner_stays_an_address() -> None:
    from bot.domain.understand.where import find_places

    assert [p.text for p in find_places("С решением столичной мэрии он не согласен и призывает выйти на Тверскую улицу.")] \
        == ["Тверская улица"]
    ev = _events("Call to action on Tuesday, March 2, 6 pm in Chicago.\n\nWhere: Jackson and LaSalle\nWhen: March 2nd, 6:00pm",
                 "America/Chicago")[0]
    assert (ev.venue, ev.address) == (None, "Jackson and LaSalle")


@pytest.mark.parametrize(
    ("text", "zone", "starts"),
    [
        # the day named in the sentence before a timed protest
        ("5 марта исполняется год со дня закрытия завода. В знак протеста в 16:30 у проходной завода "
            "на улице Ленина пройдёт пикет.", "Europe/Moscow", [("2021-03-05", "16:30")]),
        # a date glossing the weekday a statement was made points back
        ("The march planned for Saturday (March 6) will go ahead, the organiser told reporters here on "
            "Monday (March 1). He added that the march is scheduled to begin at 4pm at the car park across "
            "from City Hall in Leeds.", "Europe/London", [("2021-03-06", "16:00")]),
        # the gathering time before words about travel
        ("A youth climate protest is due to take place in Bristol on Friday 5 March.\n\n"
            "Officers are in touch with the organisers.\n\n"
            "We expect people to gather on College Green for 11am and roads may be busy as groups travel to the event.", "Europe/London", [("2021-03-05", "11:00")]),
        # a habit every sunday does not give the day its time
        ("В воскресенье вечером на площади Свободы пройдет митинг солидарности. Митинг начнется в воскресенье в 17:30. "
            "В других городах активисты призывают выходить на площади каждое воскресенье в 14:00.", "Europe/Moscow", [("2021-03-07", "17:30")]),
        # a match's kick-off is not the protest's start
        ("Officers will police protests in London on Saturday, March 6. The Cup Final, between Leeds and Bristol, "
         "kicks off at Wembley at 20:00hrs.\n\nEarlier in the day, protesters will gather at Victoria at 1pm.",
         "Europe/London", [("2021-03-06", "13:00")]),
        # an end is no start
        ("The march will be held on Friday, March 5. Marchers must be at Millennium Square by 9.30am. "
         "The march is estimated to end at 11am.", "Europe/London", [("2021-03-05", "09:30")]),
        # a series announced, then people gathering at their own place and time ("около 10.30")
        ("6 марта в Саратове пройдет серия митингов и шествий. Участники первой акции соберутся в 9.00 на проспекте "
         "Кирова у «Дома книги». Так, около 10.30 у цирка соберутся сторонники КПРФ.", "Europe/Saratov",
         [("2021-03-06", "09:00"), ("2021-03-06", "10:30")]),
        # a police orders hours are not the protests
        ("A policing operation will take place in Leeds due to a planned protest tomorrow (Tuesday 2 March). "
            "We expect the city centre to be busy around Millennium Square from about 11am. "
            "A dispersal zone will be in place from 7am tomorrow until 7am on Wednesday.", "Europe/London", [("2021-03-02", "11:00")]),
    ],
)
def test_the_protests_day_and_start(text: str, zone: str, starts: list[tuple[str, str]]) -> None:
    assert _starts(_events(text, zone)) == starts


def test_a_street_named_after_a_town_and_the_gates_of_parliament() -> None:
    ev = _events("Сегодня, 1 марта, в 19:00, напротив дома 19 по Сумскому проезду пройдет акция протеста против "
                 "строительства кафе.", "Europe/Moscow")[0]
    # (the dative "Сумскому" does not say whether the name ends in -ой or -ий)
    assert ev.timezone == "Europe/Moscow" and ev.address in ("Сумской проезд, 19", "Сумский проезд, 19")
    ev = _events("Protesters will march on Parliament in Wellington on Tuesday, March 2.\n\n"
                 "There are bollards set up at the gates of Parliament.", "Pacific/Auckland")[0]
    assert ev.venue == "Parliament"


def test_georgia_in_a_tbilisi_paper_and_st_johns_with_its_apostrophe() -> None:
    text = "Opposition parties in Georgia will rally outside the Parliament building on Friday, March 5, at 7pm."
    assert _events(text, "Asia/Tbilisi")[0].timezone == "Asia/Tbilisi"
    text = "Marchers will gather at St. John's City Hall on Saturday, March 6, at 11:30 a.m."
    ev = _events(text, "America/St_Johns")[0]
    assert ev.city.startswith("St. John") and ev.timezone == "America/St_Johns"


def test_pepper_spray_is_a_crackdown_and_a_rally_held_today_is_no_call() -> None:
    u = understand("Students at Leeds college are pepper sprayed by campus police during a protest against fees.",
                   published=PUBLISHED, default_tz="Europe/London")
    assert u.category == "crackdown"
    u = understand("1 марта 2021 года с 10.30 до 11.30 областной совет профсоюзов провёл пикет возле фабрики на улице "
                   "Ленина.", published=PUBLISHED, default_tz="Europe/Moscow")
    assert u.events == []
