"""`tocsin match --filters FILE [ITEMS|-] [--json]`: the filter engine, offline."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.domain.filters import FilterSyntaxError, MatchableItem, MatcherIndex, parse_filter
from bot.domain.filters.items import understood_matchable

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """A filter or item line the command cannot use; the message names the line."""


def load_index(path: str) -> MatcherIndex:
    """An index of the file's filters, keyed by 0-based line number; blank lines are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the filters: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: the filters are not UTF-8 text") from None
    index = MatcherIndex()
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            parsed = parse_filter(line.strip())
        except FilterSyntaxError as err:
            raise BadInput(
                f"{path}:{number + 1}: filter {number} does not parse: {err} "
                f"(at character {err.position + 1})"
            ) from None
        index.add(number, 0, parsed)
    return index


def _understood(record: dict[str, Any], now: datetime) -> MatchableItem:
    """A matchable item from a JSON record; one without a category is understood first."""
    title = str(record.get("title") or "")
    text = str(record.get("text") or "")
    category = record.get("category")
    lang = record.get("lang")
    cities = [record["city"]] if record.get("city") else []
    countries = [record["country"]] if record.get("country") else []
    source = str(record["source"]) if record.get("source") else None
    if not category:
        return understood_matchable(
            text, title=title, now=now, lang=lang, cities=cities, countries=countries, source=source
        )
    return MatchableItem(
        title=title,
        text=text,
        category=str(category),
        lang=str(lang) if lang else None,
        cities=cities,
        countries=countries,
        source=source,
    )


def read_items(stream: TextIO, name: str, now: datetime) -> Iterator[MatchableItem]:
    """The items of a JSON Lines stream, in order; blank lines are skipped."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{name}:{number}: not a JSON object: {exc.msg}") from None
        if not isinstance(record, dict):
            raise BadInput(f"{name}:{number}: not a JSON object")
        yield _understood(record, now)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print, for each item in order, the 0-based line numbers of the filters that match it."""
    try:
        index = load_index(args.filters)
        now = datetime.now(UTC)
        if args.items in (None, "-"):
            _print_matches(index, read_items(sys.stdin, "<stdin>", now), args.json)
        else:
            try:
                with open(args.items, encoding="utf-8") as handle:
                    _print_matches(index, read_items(handle, args.items, now), args.json)
            except OSError as exc:
                raise BadInput(
                    f"{args.items}: cannot read the items: {exc.strerror or exc}"
                ) from None
    except BadInput as exc:
        print(f"tocsin match: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _print_matches(index: MatcherIndex, items: Iterator[MatchableItem], as_json: bool) -> None:
    out = sys.stdout
    for item in items:
        matches = index.match_ids(item)
        if as_json:
            out.write(json.dumps({"matches": matches}) + "\n")
        else:
            out.write(" ".join(map(str, matches)) + "\n")
        out.flush()
