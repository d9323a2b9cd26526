"""The matching engine agrees with the plain reference evaluator, and adds/removes incrementally."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.filters import (
    FilterHit,
    FilterSyntaxError,
    MatchableItem,
    MatcherIndex,
    evaluate,
    matched_terms,
    parse_filter,
)

WORDS = [
    "oil",
    "workers",
    "oilworkers",
    "strike",
    "strikes",
    "police",
    "kazakh",
    "kazakhstan",
    "zhanaozen",
    "Жанаозен",
    "Жанаозене",
    "Жанаозена",
    "рабочие",
    "рабочих",
    "забастовка",
    "забастовки",
    "нефтяники",
    "café",
    "cafe",
    "1986",
    "Ёлка",
    "елки",
]
PREFIXES = ["kaz*", "strike*", "забаст*", "жанаоз*", "oil*", "рабоч*"]
QUALIFIERS = [
    "category:strike",
    "category:any",
    "category:protest|crackdown",
    "category:other",
    "city:London",
    "city:almaty",
    "country:KZ",
    "country:gb",
    "lang:ru",
    "lang:en",
    "source:reuters",
    'source:"labour start"',
]
REGEXES = ["/oil\\w*/", "/^strike/", "/жанаоз[а-я]+/", "/\\d{4}/"]


def leaf() -> st.SearchStrategy[str]:
    phrase = st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(
        lambda w: '"' + " ".join(w) + '"'
    )
    return st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(WORDS),
        st.sampled_from(PREFIXES),
        phrase,
        st.sampled_from(QUALIFIERS),
        st.sampled_from(REGEXES),
    )


def expression() -> st.SearchStrategy[str]:
    return st.recursive(
        leaf(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(" ".join),
            st.lists(inner, min_size=2, max_size=3).map(" OR ".join),
            inner.map(lambda e: "(" + e + ")"),
            inner.map(lambda e: "NOT (" + e + ")"),
            leaf().map(lambda e: "-" + e),
        ),
        max_leaves=6,
    )


texts = st.lists(
    st.sampled_from(WORDS + ["the", "in", "at", "Жанаозеном", "oil-workers", "Strike!"]),
    max_size=14,
).map(" ".join)
items = st.builds(
    MatchableItem,
    title=texts,
    text=texts,
    category=st.sampled_from([None, "crackdown", "strike", "protest_call", "other"]),
    lang=st.sampled_from([None, "ru", "en"]),
    cities=st.lists(st.sampled_from(["London", "Almaty", "Aktau"]), max_size=2),
    countries=st.lists(st.sampled_from(["KZ", "GB"]), max_size=2),
    source=st.sampled_from([None, "Reuters World", "Labour Start", "Азаттык"]),
)


def parsed_or_none(query: str):  # noqa: ANN201 - test helper
    try:
        return parse_filter(query)
    except FilterSyntaxError:
        return None


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    queries=st.lists(expression(), min_size=1, max_size=12),
    batch=st.lists(items, min_size=1, max_size=4),
    drop=st.sets(st.integers(0, 11)),
)
def test_engine_agrees_with_reference(
    queries: list[str], batch: list[MatchableItem], drop: set[int]
) -> None:
    index = MatcherIndex(min_delta=4)
    parsed = {}
    for filter_id, query in enumerate(queries):
        result = parsed_or_none(query)
        if result is not None:
            index.add(filter_id, 1000 + filter_id % 3, query)
            parsed[filter_id] = result
    for item in batch[:1]:
        assert sorted(index.match_ids(item)) == sorted(
            f for f, q in parsed.items() if evaluate(q, item)
        )
    # remove some, add them back under new ids: exercises the delta and the merge
    for filter_id in drop:
        if filter_id in parsed:
            assert index.remove(filter_id)
            query = parsed.pop(filter_id)
            if filter_id % 2:
                index.add(filter_id + 100, 7, query.text)
                parsed[filter_id + 100] = query
    for item in batch:
        hits = index.match(item)
        expected = {f for f, q in parsed.items() if evaluate(q, item)}
        assert {h.filter_id for h in hits} == expected
        for hit in hits:
            assert hit.terms == matched_terms(parsed[hit.filter_id], item)


def test_hits_carry_subscriber_and_terms() -> None:
    index = MatcherIndex()
    index.add(1, 10, "Kazakhstan")
    index.add(2, 10, "zhanaozen OR жанаозен")
    index.add(3, 11, '"oil workers" -police')
    index.add(4, 12, "Kazakh")
    item = MatchableItem("Oil workers strike in Kazakhstan", "Zhanaozen remembers.", "strike")
    assert index.match(item) == [
        FilterHit(1, 10, ["kazakhstan"]),
        FilterHit(2, 10, ["zhanaozen"]),
        FilterHit(3, 11, ['"oil workers"']),
    ]


def test_add_remove_and_merge_without_full_rebuild_per_change() -> None:
    index = MatcherIndex(min_delta=8)
    for n in range(50):
        index.add(n, n, f"word{n}")
    item = MatchableItem("word3 word40", "", "strike")
    assert index.match_ids(item) == [3, 40]
    merges = index.merges
    index.add(100, 1, "word41")  # goes to the delta, no merge
    assert index.match_ids(MatchableItem("word41", "", "strike")) == [41, 100]
    assert index.merges == merges
    assert index.remove(41)
    assert not index.remove(41)
    assert index.match_ids(MatchableItem("word41", "", "strike")) == [100]
    index.remove(100)
    assert index.match_ids(MatchableItem("word41", "", "strike")) == []
    for n in range(50):
        index.remove(n)
    assert len(index) == 0
    assert index.match_ids(item) == []
    assert index.stats()["atoms"] == 0


def test_same_filter_text_shares_one_expression() -> None:
    index = MatcherIndex()
    for n in range(20):
        index.add(n, n, "Zhanaozen strike")
    assert index.stats()["expressions"] == 1
    assert len(index.match(MatchableItem("Zhanaozen strike", "", "strike"))) == 20


def test_qualifiers_against_classified_items_and_events() -> None:
    index = MatcherIndex()
    index.add(1, 1, "city:London")
    index.add(2, 1, "country:KZ strike")
    index.add(3, 1, "category:protest lang:ru")
    index.add(4, 1, "category:any source:reuters")
    index.add(5, 1, "category:any -police")
    # a protest call whose extracted event is in London, from a Russian-language source
    call = MatchableItem(
        "Пикет у посольства",
        "Приходите в среду",
        "protest_call",
        "ru",
        ["London"],
        ["GB"],
        "Азаттык",
    )
    assert index.match_ids(call) == [1, 3, 5]
    strike = MatchableItem(
        "Oil strike", "Police watch", "strike", "en", [], ["KZ"], "Reuters World"
    )
    assert index.match_ids(strike) == [2, 4]


def test_learning_term_frequencies_keeps_results_exact() -> None:
    queries = [
        "almaty strike",
        "aktau strike",
        "strike -police",
        "(almaty OR aktau) strike",
        '"oil workers" strike',
        "strike* country:KZ",
        "category:any workers",
    ]
    index = MatcherIndex()
    index.LEARN_AFTER = 10
    index._next_learn = 10
    for n, query in enumerate(queries):
        index.add(n, n, query)
    towns = ["almaty", "aktau", "astana"]
    batch = [
        MatchableItem(
            f"Strike in {towns[n % 3]}",
            "oil workers strike " + ("police" if n % 4 == 0 else "today"),
            ["strike", "crackdown", "other"][n % 3],
            countries=["KZ"] if n % 2 else [],
        )
        for n in range(60)
    ]
    parsed = [parse_filter(q) for q in queries]
    for item in batch:
        assert index.match_ids(item) == [n for n, q in enumerate(parsed) if evaluate(q, item)]
    assert index.refile_common() > 0  # "strike" is in every item: its filters found better triggers
    for item in batch[:10]:
        assert index.match_ids(item) == [n for n, q in enumerate(parsed) if evaluate(q, item)]


def test_regexes_still_match_when_the_set_cannot_be_built(monkeypatch: pytest.MonkeyPatch) -> None:
    import re2

    def refuse(*args: object) -> object:
        raise re2.error("set over its memory budget")

    monkeypatch.setattr(re2.Set, "SearchSet", staticmethod(refuse))
    index = MatcherIndex()
    index.add(1, 1, "/zhana\\w+/")
    index.add(2, 1, "/^oil/ category:any")
    assert index.match_ids(MatchableItem("Oil in Zhanaozen", "", "strike")) == [1, 2]
    assert index.match_ids(MatchableItem("Gas", "", "other")) == []
    assert index.stats()["regexes"] == 2 and index._regex_set is None  # the fallback ran
