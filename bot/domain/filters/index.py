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

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
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
    node_key,
    parse_filter,
    positive_atoms,
    regex_options,
)
from bot.domain.filters.text import BOUNDARY, inflected_match, normalize, word_anchor


@lru_cache(maxsize=16384)
def _parse(query: str) -> FilterQuery:
    """Parse with a cache: many subscribers write the same filter ("Kazakhstan")."""
    return parse_filter(query)


_NON_WORD = re.compile(r"\W+")


class FilterHit(NamedTuple):
    """One filter that matched an item, and the terms that made it match."""

    filter_id: int
    subscriber_id: int
    terms: list[str]


# An expression over atom ids: an atom id, True (category:any), ("not", s), ("and"|"or", (s, ...)).
Shape = int | bool | tuple


def _source(shape: Shape, args: list[int]) -> str:
    """Python source evaluating a shape over `p`, the atom ids replaced by parameters a0, a1, …"""
    if shape is True:
        return "True"
    if isinstance(shape, int):
        args.append(shape)
        return f"(a{len(args) - 1} in p)"
    if shape[0] == "not":
        return f"(not {_source(shape[1], args)})"
    joiner = " and " if shape[0] == "and" else " or "
    return "(" + joiner.join(_source(c, args) for c in shape[1]) + ")"


_MAKERS: dict[str, Callable[..., Callable[[set[int]], bool]]] = {}


def _evaluator(shape: Shape) -> Callable[[set[int]], bool]:
    """A compiled check for a shape; expressions of the same form share one compiled template.

    The source is generated from operators and parameter names only, never from filter text.
    """
    args: list[int] = []
    source = _source(shape, args)
    maker = _MAKERS.get(source)
    if maker is None:
        params = ", ".join(f"a{i}" for i in range(len(args)))
        maker = _MAKERS[source] = eval(f"lambda {params}: lambda p: {source}", {})  # noqa: S307
    return maker(*args)


def _conjunction(shape: Shape) -> frozenset[int] | None:
    """The atom set when the expression is a plain AND of atoms (the common case)."""
    if isinstance(shape, int) and shape is not True:
        return frozenset((shape,))
    if isinstance(shape, tuple) and shape[0] == "and":
        if all(isinstance(c, int) and not isinstance(c, bool) for c in shape[1]):
            return frozenset(shape[1])
    return None


@dataclass
class _Expr:
    key: str
    check: Callable[[set[int]], bool]
    conj: frozenset[int] | None
    atoms: tuple[int, ...]  # every atom, for releasing them
    positive: tuple[int, ...]  # atoms that count in favour, in written order, for explanations
    positive_quals: tuple[int, ...]
    shape: Shape  # the expression over atom ids, for choosing triggers
    triggers: tuple[int, ...] | None  # None: evaluated for every item
    filters: dict[int, int] = field(default_factory=dict)  # filter id -> subscriber id
    # A conjunction explains itself the same way every time: its hits are built once and reused
    # until a filter joins or leaves (most hits of a busy item come from these lists).
    hits: list[FilterHit] | None = None
    hit_cache: dict[frozenset[int], list[FilterHit]] | None = None  # the same for the others
    eid: int = -1  # its id in the index
    atomset: frozenset[int] = frozenset()


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
    """A prior for how often an atom is present in items; triggers minimise the sum.

    Without statistics of the news, a term that many filters share is taken to be a common
    word ("workers" in "Almaty workers", "Aktau workers", ...), so the name is the better
    trigger; longer words are rarer than short ones, prefixes and regexes commoner than words,
    and qualifiers commoner still (a language or a category covers a large share of items).
    """
    atom = info.atom
    shared = 1 + info.refs
    if isinstance(atom, Phrase):
        return 0.5 * shared
    if isinstance(atom, Word):
        return (3.0 if atom.kind == "prefix" else 1.5 - min(len(atom.text), 12) / 24) * shared
    if isinstance(atom, Regex):
        return 5.0 * shared
    assert isinstance(atom, Qualifier)
    return {"city": 5.0, "source": 5.0, "country": 20.0, "lang": 200.0}.get(
        atom.name, 1000.0
    ) * shared


class MatcherIndex:
    """All subscribers' filters, matched together against one item at a time."""

    LEARN_AFTER = 2000  # items seen before term frequencies replace the prior

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
        # atom id -> the conjunctions it triggers, with their atom sets
        self._conj_postings: dict[int, list[tuple[frozenset[int], _Expr]]] = {}
        self._always: set[int] = set()
        self._unfiled: set[int] = set()  # added since the last refresh
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
        self._regex_list: list[re2._Regexp] = []  # used when the set cannot be built
        self._regex_atoms: list[int] = []
        self._regex_dirty = False
        self.merges = 0
        # how often each atom was present in the items matched so far, to choose triggers
        self._seen: Counter[int] = Counter()
        self._observed = 0
        self._next_learn = self.LEARN_AFTER
        self._costs: dict[int, float] = {}

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
        parsed = query if isinstance(query, FilterQuery) else _parse(query)
        if filter_id in self._filters:
            self.remove(filter_id)
        key = node_key(parsed.effective)
        expr_id = self._expr_ids.get(key)
        if expr_id is None:
            expr_id = self._make_expr(key, parsed)
        expr = self._exprs[expr_id]
        expr.filters[filter_id] = subscriber_id
        expr.hits = expr.hit_cache = None
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
        expr.hits = expr.hit_cache = None
        if not expr.filters:
            self._drop_expr(entry[1])
        return True

    def _make_expr(self, key: str, parsed: FilterQuery) -> int:
        expr_id = self._next_expr
        self._next_expr += 1
        ids: dict[int, int] = {}  # id(atom object) -> atom id

        def shape_of(node: Node) -> Shape:
            if isinstance(node, Not):
                return ("not", shape_of(node.child))
            if isinstance(node, And | Or):
                return (
                    "and" if isinstance(node, And) else "or",
                    tuple(map(shape_of, node.children)),
                )
            if isinstance(node, Qualifier) and "any" in node.values:
                return True
            found = ids.get(id(node))
            if found is None:
                found = self._acquire(node)
                ids[id(node)] = found
            return found

        shape = shape_of(parsed.effective)
        conj = _conjunction(shape)
        check = conj.issubset if conj is not None else _evaluator(shape)
        positive_nodes = [a for a in positive_atoms(parsed.root) if id(a) in ids]
        positive = tuple(
            dict.fromkeys(ids[id(a)] for a in positive_nodes if not isinstance(a, Qualifier))
        )
        quals = tuple(dict.fromkeys(ids[id(a)] for a in positive_nodes if isinstance(a, Qualifier)))
        atoms = tuple(dict.fromkeys(ids.values()))
        self._exprs[expr_id] = _Expr(
            key,
            check,
            conj,
            atoms,
            positive,
            quals,
            shape,
            None,
            eid=expr_id,
            atomset=frozenset(atoms),
        )
        self._expr_ids[key] = expr_id
        # Filed at the next refresh: after a bulk load the term counts are known and one pass
        # files everything; otherwise a handful of new expressions are filed then.
        self._unfiled.add(expr_id)
        return expr_id

    def _file(self, expr_id: int) -> None:
        """File an expression under its cheapest trigger atoms (or evaluate it always).

        A conjunction has exactly one trigger, so it sits in one list and needs no de-duplication:
        those lists hold the expressions themselves, to check them with the fewest steps.
        """
        expr = self._exprs[expr_id]
        found = self._triggers(expr.shape)
        if found is None:
            expr.triggers = None
            self._always.add(expr_id)
            return
        expr.triggers = tuple(found[1])
        if expr.conj is not None and len(expr.triggers) == 1:
            self._conj_postings.setdefault(expr.triggers[0], []).append((expr.conj, expr))
            return
        for atom in expr.triggers:
            self._postings.setdefault(atom, set()).add(expr_id)

    def _unfile(self, expr_id: int) -> None:
        expr = self._exprs[expr_id]
        self._unfiled.discard(expr_id)
        self._always.discard(expr_id)
        if expr.conj is not None and expr.triggers is not None and len(expr.triggers) == 1:
            group = self._conj_postings.get(expr.triggers[0])
            if group is not None:
                group[:] = [entry for entry in group if entry[1] is not expr]
                if not group:
                    del self._conj_postings[expr.triggers[0]]
            return
        for atom in expr.triggers or ():
            posting = self._postings.get(atom)
            if posting is not None:
                posting.discard(expr_id)
                if not posting:
                    del self._postings[atom]

    def retrigger(self) -> None:
        """Choose every expression's triggers again with what is known now.

        Triggers are chosen when an expression is added, from what was known then; after a bulk
        load, and once items have shown how common each term really is, better ones exist.
        """
        self._costs.clear()
        self._postings = {}
        self._conj_postings = {}
        self._always = set()
        self._unfiled = set()
        for expr_id in self._exprs:
            self._file(expr_id)

    def refile_common(self, share: float = 0.02) -> int:
        """File again the expressions triggered by terms found in more than `share` of items.

        Only those can gain from a better trigger, so this costs a fraction of retrigger().
        Returns how many expressions were filed again.
        """
        if self._observed < self.LEARN_AFTER:
            return 0
        common = [a for a, n in self._seen.items() if n > share * self._observed]
        expr_ids: set[int] = set()
        for atom in common:
            expr_ids.update(expr.eid for _, expr in self._conj_postings.get(atom, ()))
            expr_ids.update(self._postings.get(atom, ()))
        self._costs.clear()
        for expr_id in expr_ids:
            self._unfile(expr_id)
            self._file(expr_id)
        return len(expr_ids)

    def _cost(self, atom_id: int) -> float:
        cost = self._costs.get(atom_id)
        if cost is None:
            info = self._atoms[atom_id]
            cost = _trigger_cost(info)
            if self._observed >= self.LEARN_AFTER:
                # Seen in items: how often it was really present, the prior only breaks ties.
                cost = self._seen.get(atom_id, 0) / self._observed + cost * 1e-9
            self._costs[atom_id] = cost
        return cost

    def _triggers(self, shape: Shape) -> tuple[float, set[int]] | None:
        """Atoms of which at least one must be present for the expression to be true.

        None means the expression can be true with no atom present (e.g. `category:any -x`).
        """
        if shape is True:
            return None
        if isinstance(shape, int):
            return self._cost(shape), {shape}
        kind = shape[0]
        if kind == "not":
            return None
        if kind == "and":
            options = [t for t in map(self._triggers, shape[1]) if t is not None]
            return min(options, key=lambda t: t[0]) if options else None
        total, union = 0.0, set()
        for child in shape[1]:
            found = self._triggers(child)
            if found is None:
                return None
            total += found[0]
            union |= found[1]
        return total, union

    def _drop_expr(self, expr_id: int) -> None:
        self._unfile(expr_id)
        expr = self._exprs.pop(expr_id)
        del self._expr_ids[expr.key]
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
        elif isinstance(atom, Phrase) and all(
            p.kind == "word" and not word_anchor(p.text)[1] for p in atom.parts
        ):
            # Whole words that do not inflect: the phrase itself is a pattern, nothing to check.
            info.pattern = self._pattern(" " + " ".join(p.text for p in atom.parts) + " ")
            self._direct.setdefault(info.pattern, set()).add(atom_id)
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
        self._seen.pop(atom_id, None)
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
        self.retrigger()

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
        if self._unfiled:
            self._costs.clear()
            for expr_id in self._unfiled:
                self._file(expr_id)
            self._unfiled = set()
        if self._regex_dirty:
            self._build_regex_set()

    def _build_regex_set(self) -> None:
        self._regex_dirty = False
        self._regex_atoms = list(self._regexes)
        self._regex_list = []
        self._regex_set = None
        if not self._regex_atoms:
            return
        options = regex_options()
        options.max_mem = 64 << 20
        try:
            regex_set = re2.Set.SearchSet(options)
            for atom in self._regex_atoms:
                regex_set.Add(self._regexes[atom])
            regex_set.Compile()
            self._regex_set = regex_set
        except Exception:  # noqa: BLE001 - RE2 reports a set over its memory budget this way
            # One regex at a time: slower, but each was checked when its filter was parsed.
            self._regex_list = [
                re2.compile(self._regexes[a], regex_options()) for a in self._regex_atoms
            ]

    # --- matching -----------------------------------------------------------------------------

    def match(self, item: MatchableItem) -> list[FilterHit]:
        """Every filter that matches the item (in no particular order), with the terms that matched.

        Hits (and their `terms` lists) may be shared between calls: read them, do not modify them.
        """
        self.refresh()
        present = self._present(item)
        self._seen.update(present)
        self._observed += 1
        if self._observed >= self._next_learn:
            # Learn which terms are common, early and then rarely.
            self._next_learn *= 8
            self.refile_common()
        hits: list[FilterHit] = []
        conj_postings = self._conj_postings
        for atom in present:
            group = conj_postings.get(atom)
            if group is not None:
                for conj, expr in group:
                    if conj <= present:
                        hits += expr.hits or self._conjunction_hits(expr, present)
        exprs = self._exprs
        postings = self._postings
        for expr_id in self._always.union(*[postings[a] for a in present if a in postings]):
            expr = exprs[expr_id]
            if expr.check(present):
                # the cache look-up inline: this loop runs for every candidate of every item
                cache = expr.hit_cache
                found = cache.get(expr.atomset.intersection(present)) if cache else None
                hits += found if found is not None else self._other_hits(expr, present)
        return hits

    def _conjunction_hits(self, expr: _Expr, present: set[int]) -> list[FilterHit]:
        terms = self._terms(expr, present)
        expr.hits = [FilterHit(f, s, terms) for f, s in expr.filters.items()]
        return expr.hits

    def _other_hits(self, expr: _Expr, present: set[int]) -> list[FilterHit]:
        """Hits of a non-conjunctive expression, cached by which of its terms were present."""
        key = expr.atomset.intersection(present)
        cache = expr.hit_cache
        if cache is None:
            cache = expr.hit_cache = {}
        found = cache.get(key)
        if found is None:
            if len(cache) >= 8:
                cache.clear()
            terms = self._terms(expr, present)
            found = cache[key] = [FilterHit(f, s, terms) for f, s in expr.filters.items()]
        return found

    def match_ids(self, item: MatchableItem) -> list[int]:
        """The ids of the filters that match the item (no explanations; for counting)."""
        return sorted(hit.filter_id for hit in self.match(item))

    def _terms(self, expr: _Expr, present: set[int]) -> list[str]:
        atoms = self._atoms
        terms = [atoms[a].label for a in expr.positive if a in present]
        if not terms:
            terms = [atoms[a].label for a in expr.positive_quals if a in present]
        return terms

    def _candidates(self, present: set[int]) -> set[int]:
        postings = self._postings
        return self._always.union(*[postings[a] for a in present if a in postings])

    def _present(self, item: MatchableItem) -> set[int]:
        """The atoms that hold for the item."""
        title = normalize(item.title)
        body = normalize(item.text)
        # The words joined by single spaces, in one regex pass per part (same words as \w+).
        parts = [_NON_WORD.sub(" ", title).strip(), BOUNDARY, _NON_WORD.sub(" ", body).strip()]
        stream = " " + " ".join(p for p in parts if p) + " "
        tokens: list[str] | None = None
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
                places = self._token_places(stream, self._patterns[pid])
                if tokens is None:
                    tokens = stream.split(" ")[1:-1]
                for atom in found:
                    if self._phrase_holds(tokens, places, atom):
                        present.add(atom)
        if self._regex_set is not None:
            text = title + "\n" + body
            for index in self._regex_set.Match(text) or ():
                present.add(self._regex_atoms[index])
        elif self._regex_list:
            text = title + "\n" + body
            for index, regex in enumerate(self._regex_list):
                if regex.search(text) is not None:
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

    @staticmethod
    def _token_places(stream: str, pattern: str) -> list[int]:
        """The token indexes where a pattern starts (the pattern begins with the space before)."""
        places = []
        at = stream.find(pattern)
        while at >= 0:
            places.append(stream.count(" ", 0, at))
            at = stream.find(pattern, at + 1)
        return places

    def _phrase_holds(self, tokens: list[str], places: list[int], atom_id: int) -> bool:
        """Whether the phrase occurs around one of the places its anchor word was found."""
        spec = self._atoms[atom_id].phrase
        assert spec is not None
        anchor_index, parts = spec
        for place in places:
            start = place - anchor_index
            if start < 0 or start + len(parts) > len(tokens):
                continue
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
