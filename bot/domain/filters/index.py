"""The matching engine: every filter's terms in one Aho–Corasick automaton, expressions over hits.

How it works, briefly:
- Each distinct term ("atom": a word, a prefix, a phrase, a regex, a qualifier) is registered
  once, however many filters use it; identical filters share one compiled expression.
- Text atoms become patterns over the item's words joined by single spaces, padded with a space
  on each side: `" word "` for a whole word, `" pre"` for a `pre*` prefix or a Russian stem (then
  checked against the inflection rule), a phrase through the pattern of one of its words (then
  checked in place). Regexes run together in one RE2 set; qualifiers are looked up in a dict.
- Each expression is filed under "trigger" atoms, chosen so that it can only be true when one of
  them is present; an item's present atoms give the candidate expressions, and only those are
  evaluated (a conjunction by a subset test, anything else by a compiled closure).
- Adding a filter puts its new patterns in a small delta automaton, rebuilt lazily before the
  next match; when the delta grows past an eighth of the main automaton (or dead patterns pile
  up), both are merged into a new main automaton. Removing a filter only drops table entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick
import re2

from bot.domain.filters.reference import MatchableItem, qualifier_values
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
    label,
    parse_filter,
    positive_atoms,
    regex_options,
)
from bot.domain.filters.text import BOUNDARY, inflected_match, normalize, word_anchor, words_of


class FilterHit(NamedTuple):
    """One filter that matched an item, and the terms that made it match."""

    filter_id: int
    subscriber_id: int
    terms: list[str]


@dataclass
class _Expr:
    key: str
    check: Callable[[set[int]], bool] | None  # None: `conj` decides
    conj: frozenset[int] | None
    atoms: tuple[int, ...]  # every atom, for releasing them
    positive: tuple[int, ...]  # atoms that count in favour, in written order, for explanations
    positive_quals: tuple[int, ...]
    triggers: tuple[int, ...] | None  # None: evaluated for every item
    filters: dict[int, int] = field(default_factory=dict)  # filter id -> subscriber id


@dataclass
class _AtomInfo:
    atom: Atom
    key: tuple[object, ...]
    refs: int
    label: str
    pattern: int | None = None  # pattern id for text atoms
    # for phrases: (anchor part index, parts as (kind, text/anchor, inflects))
    phrase: tuple[int, tuple[tuple[str, str, bool], ...]] | None = None
    anchor: str = ""  # stem of an inflecting word


def _atom_key(atom: Atom) -> tuple[object, ...]:
    if isinstance(atom, Word):
        return ("w", atom.kind, atom.text)
    if isinstance(atom, Phrase):
        return ("ph", tuple((p.kind, p.text) for p in atom.parts))
    if isinstance(atom, Regex):
        return ("re", atom.pattern)
    return ("q", atom.name, atom.values)


def _part_pattern(kind: str, text: str) -> tuple[str, str, bool]:
    """The automaton pattern for one filter word, its anchor, and whether it inflects."""
    if kind == "prefix":
        return " " + text, text, False
    anchor, inflects = word_anchor(text)
    if inflects:
        return " " + anchor, anchor, True
    return " " + text + " ", text, False


def _trigger_cost(info: _AtomInfo) -> float:
    """How often an atom is expected to be present; the cheapest trigger is chosen."""
    atom = info.atom
    if isinstance(atom, Phrase):
        return 1.0
    if isinstance(atom, Word):
        # Longer words are rarer in text; prefixes match more than whole words.
        return (3.0 if atom.kind == "prefix" else 2.0) - min(len(atom.text), 12) / 12
    if isinstance(atom, Regex):
        return 5.0
    assert isinstance(atom, Qualifier)
    return {"city": 8.0, "source": 8.0, "country": 12.0, "lang": 30.0}.get(atom.name, 60.0)


class MatcherIndex:
    """All subscribers' filters, matched together against one item at a time."""

    def __init__(self, merge_ratio: float = 0.125, min_delta: int = 256) -> None:
        self._merge_ratio = merge_ratio
        self._min_delta = min_delta
        self._filters: dict[int, tuple[int, int]] = {}  # filter id -> (subscriber id, expr id)
        self._exprs: dict[int, _Expr] = {}
        self._expr_ids: dict[str, int] = {}
        self._next_expr = 0
        self._atoms: dict[int, _AtomInfo] = {}
        self._atom_ids: dict[tuple[object, ...], int] = {}
        self._next_atom = 0
        self._postings: dict[int, set[int]] = {}  # atom id -> expr ids it triggers
        self._always: set[int] = set()
        # patterns: id -> string, and what a hit on each pattern means
        self._patterns: dict[int, str] = {}
        self._pattern_ids: dict[str, int] = {}
        self._next_pattern = 0
        self._direct: dict[int, set[int]] = {}  # pattern -> atoms present on any hit
        self._inflected: dict[int, set[int]] = {}  # pattern -> atoms needing the ending check
        self._phrases: dict[int, set[int]] = {}  # pattern -> phrase atoms to check in place
        self._main: ahocorasick.Automaton | None = None
        self._main_pids: set[int] = set()
        self._delta: ahocorasick.Automaton | None = None
        self._delta_pids: set[int] = set()
        self._delta_dirty = False
        self._dead = 0
        self._quals: dict[tuple[str, str], set[int]] = {}
        self._regexes: dict[int, str] = {}  # atom id -> pattern
        self._regex_set: re2.Set | None = None
        self._regex_atoms: list[int] = []
        self._regex_dirty = False
        self.merges = 0

    # --- adding and removing ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._filters)

    def __contains__(self, filter_id: object) -> bool:
        return filter_id in self._filters

    def filter_ids(self) -> set[int]:
        """The ids of the filters in the index."""
        return set(self._filters)

    def add(self, filter_id: int, subscriber_id: int, query: str | FilterQuery) -> None:
        """Add (or replace) one filter; raises FilterSyntaxError when the query does not parse."""
        parsed = query if isinstance(query, FilterQuery) else parse_filter(query)
        if filter_id in self._filters:
            self.remove(filter_id)
        key = repr(parsed.effective)
        expr_id = self._expr_ids.get(key)
        if expr_id is None:
            expr_id = self._make_expr(key, parsed)
        self._exprs[expr_id].filters[filter_id] = subscriber_id
        self._filters[filter_id] = (subscriber_id, expr_id)

    def add_many(self, rows: Iterable[tuple[int, int, str]]) -> list[tuple[int, Exception]]:
        """Add many filters; returns (filter id, error) for the ones that do not parse."""
        failed: list[tuple[int, Exception]] = []
        for filter_id, subscriber_id, query in rows:
            try:
                self.add(filter_id, subscriber_id, query)
            except ValueError as exc:
                failed.append((filter_id, exc))
        return failed

    def remove(self, filter_id: int) -> bool:
        """Remove one filter; False when it was not there."""
        entry = self._filters.pop(filter_id, None)
        if entry is None:
            return False
        expr = self._exprs[entry[1]]
        del expr.filters[filter_id]
        if not expr.filters:
            self._drop_expr(entry[1])
        return True

    def _make_expr(self, key: str, parsed: FilterQuery) -> int:
        expr_id = self._next_expr
        self._next_expr += 1
        ids: dict[int, int] = {}  # id(atom object) -> atom id, for code generation

        def atom_id(atom: Atom) -> int:
            found = ids.get(id(atom))
            if found is None:
                found = self._acquire(atom)
                ids[id(atom)] = found
            return found

        def compile_node(node: Node) -> str:
            if isinstance(node, Not):
                return f"(not {compile_node(node.child)})"
            if isinstance(node, And | Or):
                joiner = " and " if isinstance(node, And) else " or "
                return "(" + joiner.join(compile_node(c) for c in node.children) + ")"
            if isinstance(node, Qualifier) and "any" in node.values:
                return "True"
            return f"({atom_id(node)} in p)"

        source = compile_node(parsed.effective)
        conj = self._conjunction(parsed.effective, atom_id)
        check = None if conj is not None else eval("lambda p: " + source, {})  # noqa: S307
        atoms = tuple(dict.fromkeys(ids.values()))
        positive_nodes = [a for a in positive_atoms(parsed.root) if id(a) in ids]
        positive = tuple(
            dict.fromkeys(ids[id(a)] for a in positive_nodes if not isinstance(a, Qualifier))
        )
        quals = tuple(dict.fromkeys(ids[id(a)] for a in positive_nodes if isinstance(a, Qualifier)))
        triggers = self._triggers(parsed.effective, ids)
        expr = _Expr(key, check, conj, atoms, positive, quals, None)
        if triggers is None:
            self._always.add(expr_id)
        elif triggers[1]:
            expr.triggers = tuple(triggers[1])
            for atom in expr.triggers:
                self._postings.setdefault(atom, set()).add(expr_id)
        else:
            expr.triggers = ()  # can never be true (not reachable with the grammar)
        self._exprs[expr_id] = expr
        self._expr_ids[key] = expr_id
        return expr_id

    @staticmethod
    def _conjunction(node: Node, atom_id: Callable[[Atom], int]) -> frozenset[int] | None:
        """The atom set when the expression is a plain AND of atoms (the common case)."""
        children = node.children if isinstance(node, And) else (node,)
        if isinstance(node, Or | Not):
            return None
        if any(
            isinstance(c, And | Or | Not) or (isinstance(c, Qualifier) and "any" in c.values)
            for c in children
        ):
            return None
        return frozenset(atom_id(c) for c in children)  # type: ignore[arg-type]

    def _triggers(self, node: Node, ids: dict[int, int]) -> tuple[float, set[int]] | None:
        """Atoms of which at least one must be present for the expression to be true.

        None means the expression can be true with no atom present (e.g. `category:any -x`).
        """
        if isinstance(node, Not):
            return None
        if isinstance(node, And):
            options = [t for t in (self._triggers(c, ids) for c in node.children) if t is not None]
            return min(options, key=lambda t: t[0]) if options else None
        if isinstance(node, Or):
            total, union = 0.0, set()
            for child in node.children:
                found = self._triggers(child, ids)
                if found is None:
                    return None
                total += found[0]
                union |= found[1]
            return total, union
        if isinstance(node, Qualifier) and "any" in node.values:
            return None
        atom = ids[id(node)]
        return _trigger_cost(self._atoms[atom]), {atom}

    def _drop_expr(self, expr_id: int) -> None:
        expr = self._exprs.pop(expr_id)
        del self._expr_ids[expr.key]
        self._always.discard(expr_id)
        for atom in expr.triggers or ():
            posting = self._postings.get(atom)
            if posting is not None:
                posting.discard(expr_id)
                if not posting:
                    del self._postings[atom]
        for atom in expr.atoms:
            self._release(atom)

    def _pattern(self, text: str) -> int:
        pid = self._pattern_ids.get(text)
        if pid is None:
            pid = self._next_pattern
            self._next_pattern += 1
            self._pattern_ids[text] = pid
            self._patterns[pid] = text
            self._delta_pids.add(pid)
            self._delta_dirty = True
        return pid

    def _acquire(self, atom: Atom) -> int:
        key = _atom_key(atom)
        found = self._atom_ids.get(key)
        if found is not None:
            self._atoms[found].refs += 1
            return found
        atom_id = self._next_atom
        self._next_atom += 1
        info = _AtomInfo(atom, key, 1, label(atom))
        if isinstance(atom, Word):
            pattern, anchor, inflects = _part_pattern(atom.kind, atom.text)
            info.pattern = self._pattern(pattern)
            info.anchor = anchor
            table = self._inflected if inflects else self._direct
            table.setdefault(info.pattern, set()).add(atom_id)
        elif isinstance(atom, Phrase):
            parts = tuple(_part_pattern(p.kind, p.text) for p in atom.parts)
            # The longest anchor is the rarest; its pattern finds the places to check.
            at = max(range(len(parts)), key=lambda i: len(parts[i][1]))
            info.pattern = self._pattern(parts[at][0])
            info.phrase = (
                at,
                tuple(
                    (p.kind, anchor, inf)
                    for p, (_, anchor, inf) in zip(atom.parts, parts, strict=True)
                ),
            )
            self._phrases.setdefault(info.pattern, set()).add(atom_id)
        elif isinstance(atom, Regex):
            self._regexes[atom_id] = atom.pattern
            self._regex_dirty = True
        else:
            for value in atom.values:
                self._quals.setdefault((atom.name, value), set()).add(atom_id)
        self._atoms[atom_id] = info
        self._atom_ids[key] = atom_id
        return atom_id

    def _release(self, atom_id: int) -> None:
        info = self._atoms[atom_id]
        info.refs -= 1
        if info.refs > 0:
            return
        del self._atoms[atom_id]
        del self._atom_ids[info.key]
        atom = info.atom
        if info.pattern is not None:
            pid = info.pattern
            for table in (self._direct, self._inflected, self._phrases):
                users = table.get(pid)
                if users is not None and atom_id in users:
                    users.discard(atom_id)
                    if not users:
                        del table[pid]
            if not (pid in self._direct or pid in self._inflected or pid in self._phrases):
                self._dead += 1
        elif isinstance(atom, Regex):
            del self._regexes[atom_id]
            self._regex_dirty = True
        elif isinstance(atom, Qualifier):
            for value in atom.values:
                users = self._quals[(atom.name, value)]
                users.discard(atom_id)
                if not users:
                    del self._quals[(atom.name, value)]

    # --- automata -----------------------------------------------------------------------------

    def _live(self, pid: int) -> bool:
        return pid in self._direct or pid in self._inflected or pid in self._phrases

    @staticmethod
    def _automaton(pids: Iterable[int], patterns: dict[int, str]) -> ahocorasick.Automaton | None:
        automaton = ahocorasick.Automaton()
        for pid in pids:
            automaton.add_word(patterns[pid], pid)
        if len(automaton) == 0:
            return None
        automaton.make_automaton()
        return automaton

    def compact(self) -> None:
        """Merge the delta into a fresh main automaton and forget dead patterns."""
        live = [pid for pid in self._patterns if self._live(pid)]
        for pid in [pid for pid in self._patterns if not self._live(pid)]:
            del self._pattern_ids[self._patterns.pop(pid)]
        self._main = self._automaton(live, self._patterns)
        self._main_pids = set(live)
        self._delta, self._delta_pids, self._delta_dirty = None, set(), False
        self._dead = 0
        self.merges += 1

    def refresh(self) -> None:
        """Bring the automata and the regex set up to date (done before each match anyway)."""
        main_size = len(self._main_pids)
        if len(self._delta_pids) > max(self._min_delta, main_size * self._merge_ratio) or (
            self._dead > max(self._min_delta, main_size // 4)
        ):
            self.compact()
        elif self._delta_dirty:
            self._delta = self._automaton(self._delta_pids, self._patterns)
            self._delta_dirty = False
        if self._regex_dirty:
            self._build_regex_set()

    def _build_regex_set(self) -> None:
        self._regex_dirty = False
        self._regex_atoms = list(self._regexes)
        if not self._regex_atoms:
            self._regex_set = None
            return
        options = regex_options()
        options.max_mem = 64 << 20
        regex_set = re2.Set.SearchSet(options)
        for atom in self._regex_atoms:
            regex_set.Add(self._regexes[atom])
        regex_set.Compile()
        self._regex_set = regex_set

    # --- matching -----------------------------------------------------------------------------

    def match(self, item: MatchableItem) -> list[FilterHit]:
        """Every filter that matches the item, with the terms that made it match."""
        self.refresh()
        present = self._present(item)
        hits: list[FilterHit] = []
        exprs = self._exprs
        for expr_id in self._candidates(present):
            expr = exprs[expr_id]
            if expr.conj is not None:
                if not expr.conj <= present:
                    continue
            elif not expr.check(present):  # type: ignore[misc]
                continue
            terms = self._terms(expr, present)
            hits.extend(FilterHit(fid, sid, terms) for fid, sid in expr.filters.items())
        hits.sort()
        return hits

    def match_ids(self, item: MatchableItem) -> list[int]:
        """The ids of the filters that match the item (no explanations; for counting)."""
        return [hit.filter_id for hit in self.match(item)]

    def _terms(self, expr: _Expr, present: set[int]) -> list[str]:
        atoms = self._atoms
        terms = [atoms[a].label for a in expr.positive if a in present]
        if not terms:
            terms = [atoms[a].label for a in expr.positive_quals if a in present]
        return terms

    def _candidates(self, present: set[int]) -> set[int]:
        candidates = set(self._always)
        postings = self._postings
        for atom in present:
            posting = postings.get(atom)
            if posting:
                candidates |= posting
        return candidates

    def _present(self, item: MatchableItem) -> set[int]:
        """The atoms that hold for the item."""
        title = normalize(item.title)
        body = normalize(item.text)
        tokens = [*words_of(title), BOUNDARY, *words_of(body)]
        stream = " " + " ".join(tokens) + " "
        pids: set[int] = set()
        for automaton in (self._main, self._delta):
            if automaton is not None:
                pids.update(value for _, value in automaton.iter(stream))
        present: set[int] = set()
        direct, inflected, phrases = self._direct, self._inflected, self._phrases
        for pid in pids:
            found = direct.get(pid)
            if found:
                present |= found
            found = inflected.get(pid)
            if found and self._inflection_holds(stream, self._patterns[pid]):
                present |= found
            found = phrases.get(pid)
            if found:
                for atom in found:
                    if self._phrase_holds(stream, tokens, self._patterns[pid], atom):
                        present.add(atom)
        if self._regex_set is not None:
            text = title + "\n" + body
            for index in self._regex_set.Match(text) or ():
                present.add(self._regex_atoms[index])
        quals = self._quals
        for name, values in qualifier_values(item).items():
            for value in values:
                found = quals.get((name, value))
                if found:
                    present |= found
        return present

    @staticmethod
    def _inflection_holds(stream: str, pattern: str) -> bool:
        """Whether some token starting with the stem is an inflected form of it."""
        stem = pattern[1:]
        at = stream.find(pattern)
        while at >= 0:
            end = stream.index(" ", at + 1)
            if inflected_match(stem, stream[at + 1 : end]):
                return True
            at = stream.find(pattern, at + 1)
        return False

    def _phrase_holds(self, stream: str, tokens: list[str], pattern: str, atom_id: int) -> bool:
        """Whether the phrase occurs around one of the places its anchor word was found."""
        spec = self._atoms[atom_id].phrase
        assert spec is not None
        anchor_index, parts = spec
        at = stream.find(pattern)
        while at >= 0:
            start = stream.count(" ", 0, at) - anchor_index
            if start >= 0 and start + len(parts) <= len(tokens):
                for offset, (kind, anchor, inflects) in enumerate(parts):
                    token = tokens[start + offset]
                    if kind == "prefix":
                        ok = token.startswith(anchor)
                    elif inflects:
                        ok = token.startswith(anchor) and inflected_match(anchor, token)
                    else:
                        ok = token == anchor
                    if not ok:
                        break
                else:
                    return True
            at = stream.find(pattern, at + 1)
        return False

    def stats(self) -> dict[str, int]:
        """Sizes, for logs and the benchmark."""
        return {
            "filters": len(self._filters),
            "expressions": len(self._exprs),
            "atoms": len(self._atoms),
            "patterns_main": len(self._main_pids),
            "patterns_delta": len(self._delta_pids),
            "regexes": len(self._regexes),
            "always": len(self._always),
            "merges": self.merges,
        }
