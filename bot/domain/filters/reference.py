"""A plain evaluator of one filter on one item: the definition the fast engine must agree with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import re2

from bot.domain.filters.syntax import (
    And,
    Atom,
    FilterQuery,
    Node,
    Not,
    Or,
    Phrase,
    Qualifier,
    Regex,
    Word,
    country_code,
    label,
    positive_atoms,
    regex_options,
)
from bot.domain.filters.text import BOUNDARY, normalize, word_matches, words_of


@dataclass(frozen=True)
class MatchableItem:
    """What the matcher sees of an item: its text and its qualifiers."""

    title: str
    text: str
    category: str | None = None
    lang: str | None = None
    cities: Sequence[str] = ()
    countries: Sequence[str] = ()
    source: str | None = None


@dataclass
class ReadItem:
    """An item read once for matching: normalised text, words and qualifier values."""

    normalized: str
    tokens: list[str]
    qualifiers: dict[str, set[str]]


def qualifier_values(item: MatchableItem) -> dict[str, set[str]]:
    """The normalised qualifier values of an item (source: every run of words of its name)."""
    values: dict[str, set[str]] = {
        name: set() for name in ("category", "city", "country", "lang", "source")
    }
    if item.category:
        values["category"].add(item.category)
    for city in item.cities:
        if city:
            values["city"].add(" ".join(words_of(normalize(city))))
    for country in item.countries:
        code = country_code(country) if country else None
        if code:
            values["country"].add(code)
    if item.lang:
        values["lang"].add(item.lang[:2].lower())
    if item.source:
        values["source"].update(source_values(item.source))
    return values


@lru_cache(maxsize=4096)
def source_values(name: str) -> frozenset[str]:
    """Every run of words of a source's name: source:start matches "Labour Start"."""
    words = words_of(normalize(name))
    return frozenset(
        " ".join(words[start:stop])
        for start in range(len(words))
        for stop in range(start + 1, min(len(words), start + 8) + 1)
    )


def read_item(item: MatchableItem) -> ReadItem:
    """Normalise an item once; the title and body are separated so phrases do not span them."""
    normalized = normalize(item.title) + "\n" + normalize(item.text)
    title_words = words_of(normalize(item.title))
    body_words = words_of(normalize(item.text))
    return ReadItem(normalized, [*title_words, BOUNDARY, *body_words], qualifier_values(item))


def part_matches(part: Word, token: str) -> bool:
    """Whether one word of a filter matches one token."""
    if part.kind == "prefix":
        return token.startswith(part.text)
    return word_matches(part.text, token)


def atom_true(atom: Atom, read: ReadItem) -> bool:
    """Whether one term or qualifier holds for an item."""
    if isinstance(atom, Word):
        return any(part_matches(atom, t) for t in read.tokens)
    if isinstance(atom, Phrase):
        size = len(atom.parts)
        return any(
            all(part_matches(p, read.tokens[i + k]) for k, p in enumerate(atom.parts))
            for i in range(len(read.tokens) - size + 1)
        )
    if isinstance(atom, Regex):
        return re2.compile(atom.pattern, regex_options()).search(read.normalized) is not None
    if "any" in atom.values:
        return True
    return bool(read.qualifiers[atom.name].intersection(atom.values))


def evaluate_node(node: Node, read: ReadItem) -> bool:
    """Evaluate an expression tree on a read item."""
    if isinstance(node, Not):
        return not evaluate_node(node.child, read)
    if isinstance(node, And):
        return all(evaluate_node(c, read) for c in node.children)
    if isinstance(node, Or):
        return any(evaluate_node(c, read) for c in node.children)
    return atom_true(node, read)


def evaluate(query: FilterQuery, item: MatchableItem) -> bool:
    """Whether the filter matches the item."""
    return evaluate_node(query.effective, read_item(item))


def matched_terms(query: FilterQuery, item: MatchableItem) -> list[str]:
    """The written terms that hold for the item and count in its favour, in written order."""
    read = read_item(item)
    terms = [
        label(a)
        for a in positive_atoms(query.root)
        if not isinstance(a, Qualifier) and atom_true(a, read)
    ]
    if not terms:
        terms = [
            label(a)
            for a in positive_atoms(query.root)
            if "any" not in getattr(a, "values", ()) and atom_true(a, read)
        ]
    return list(dict.fromkeys(terms))
