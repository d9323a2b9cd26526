"""Bad input never raises: empty, huge, binary, mixed scripts, impossible dates; plus hypothesis."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.understand import CATEGORIES, to_contract, understand


def _check(text: str, published: datetime | None) -> None:
    u = understand(text, published=published, default_tz="Europe/London")
    assert u.category in CATEGORIES
    assert "error" not in u.debug, u.debug
    json.dumps(to_contract(u))
    json.dumps(u.debug)
    for e in u.events:
        assert e.start.tzinfo is not None
        assert e.end is None or e.end.tzinfo is not None
        assert 0.0 <= e.confidence <= 1.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=600), st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))))
def test_any_text_never_raises(text: str, published: datetime | None) -> None:
    _check(text, published)


_WORDS = st.sampled_from(
    ["rally", "at", "noon", "12:00", "31", "February", "29.02", "Saturday", "tomorrow", "митинг",
     "31 февраля", "в", "на площади", "Square", "London", "Москве", "5-6pm", "с 25:00 до 26:00",
     "99.99.9999", "Street", "62", "strike", "killed", "десятки", "\n", "·", "«", "»", "0"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, max_size=40), st.datetimes(timezones=st.just(UTC)))
def test_word_salad_never_raises(words: list[str], published: datetime) -> None:
    _check(" ".join(words), published)


def test_big_and_binary_input() -> None:
    _check("rally at noon on Saturday in London. " * 30_000, datetime(2024, 1, 1, tzinfo=UTC))
    _check(bytes(range(256)).decode("latin-1") * 4000, datetime(2024, 1, 1, tzinfo=UTC))
    _check("", None)


def test_a_date_that_does_not_exist_gives_no_event() -> None:
    u = understand("Join the rally on 31 February at noon in London!", published=datetime(2024, 1, 5, tzinfo=UTC))
    assert all(not (e.start.month == 2 and e.start.day == 31) for e in u.events)
    assert u.events == []


def test_time_without_date_gives_no_event() -> None:
    u = understand("Join the rally at 12:00 outside the town hall!", published=datetime(2024, 1, 5, tzinfo=UTC))
    assert u.events == []


def test_year_less_date_near_new_year_goes_forward() -> None:
    u = understand(
        "Join the rally on January 3 at noon in Trafalgar Square, London!",
        published=datetime(2016, 12, 30, tzinfo=UTC),
    )
    assert [e.start.date() for e in u.events] == [date(2017, 1, 3)]


def test_mixed_scripts() -> None:
    u = understand(
        "Митинг пройдет 21 декабря в 12:00 на площади Республики в Алматы. Join us!",
        published=datetime(2021, 12, 15, tzinfo=UTC),
    )
    assert u.category == "protest_call"
    assert u.events and u.events[0].timezone == "Asia/Almaty"
    assert u.events[0].start.isoformat() == "2021-12-21T12:00:00+06:00"
