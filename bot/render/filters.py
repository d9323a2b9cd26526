"""Texts about filters: /help filters, syntax errors, "why it matched", /test results.

Telegram HTML; every interpolated value is escaped here; every text goes through the catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from bot.domain.filters import MAX_REGEX_PER_SUBSCRIBER, FilterSyntaxError
from bot.domain.filters.syntax import DEFAULT_CATEGORIES
from bot.i18n import tr

# (example, English explanation): the examples are the language itself and stay as they are.
_HELP_LINES: list[tuple[str, str]] = [
    ("Kazakhstan", "whole words, in any case; Kazakh does not match Kazakhstan"),
    ("oil workers", "all of the words, anywhere in the item"),
    ('"oil workers"', "the exact phrase"),
    ("Kazakh*", "words that start with Kazakh"),
    ("zhanaozen OR жанаозен", "either word"),
    ("strike -police", "without a word (NOT police works too)"),
    ("(miners OR teachers) strike", "parentheses group alternatives"),
    (
        "/zhana\\w+/",
        "a regular expression (RE2) on the lower-cased text; at most {max} in all your filters",
    ),
]
_QUALIFIER_LINES: list[tuple[str, str]] = [
    (
        "category:strike|protest",
        "the kind of news: crackdown, strike, protest, other or any",
    ),
    ("city:London country:KZ", "where the item or its protest takes place"),
    ("lang:ru", "the language of the item"),
    ('source:"Radio Azattyq"', "the source's name"),
]

QUERY_SHOWN = 80  # characters of a filter shown in /test
TEXT_BUDGET = 3500  # of Telegram's 4096, leaving room for the header and the note


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CATEGORY_NAMES = {
    "crackdown": "crackdown",
    "strike": "strike",
    "protest_call": "call to protest",
    "other": "other news",
}


def help_filters(lang: str) -> str:
    """The `/help filters` text."""
    lines = [f"<b>{escape(tr(lang, 'How to write a filter'))}</b>", ""]
    for example, meaning in _HELP_LINES:
        text = (
            tr(lang, meaning, max=MAX_REGEX_PER_SUBSCRIBER)
            if "{max}" in meaning
            else tr(lang, meaning)
        )
        lines.append(f"• <code>{escape(example)}</code> — {escape(text)}")
    lines += ["", f"<b>{escape(tr(lang, 'Qualifiers'))}</b>"]
    for example, meaning in _QUALIFIER_LINES:
        lines.append(f"• <code>{escape(example)}</code> — {escape(tr(lang, meaning))}")
    lines += [
        "",
        escape(
            tr(
                lang,
                "Without category:, a filter matches crackdowns, strikes and calls to protest; "
                "category:any widens it to all news.",
            )
        ),
        escape(
            tr(
                lang,
                "Russian words match their other forms: Жанаозен also finds Жанаозене and "
                "Жанаозена. Accents do not matter, and ё is the same as е.",
            )
        ),
        escape(tr(lang, "A filter may be up to 300 characters long.")),
        escape(tr(lang, "Try your filters on any text: /test followed by the text.")),
    ]
    return "\n".join(lines)


def syntax_error(lang: str, err: FilterSyntaxError) -> str:
    """The answer to a filter that does not parse: what is wrong and where."""
    params = {k: escape(str(v)) for k, v in err.params.items()}
    message = tr(lang, err.msgid, **params) if params else tr(lang, err.msgid)
    head = escape(tr(lang, "This filter cannot be saved:"))
    hint = escape(tr(lang, "See /help filters for how to write one."))
    return f"{head} {message}\n{hint}"


def _terms_of(hit: Any) -> list[str]:
    if isinstance(hit, Mapping):
        return [str(t) for t in hit.get("terms") or []]
    return [str(t) for t in getattr(hit, "terms", []) or []]


def explain_hit(lang: str, hit: Any, query: str) -> str:
    """The "why it matched" line of an alert (hit: a FilterHit or an alert payload dict)."""
    terms = _terms_of(hit)
    if terms:
        return tr(
            lang,
            "Matched your filter {filter}: {terms}",
            filter=f"<code>{escape(query)}</code>",
            terms=", ".join(f"<i>{escape(t)}</i>" for t in terms),
        )
    return tr(lang, "Matched your filter {filter}", filter=f"<code>{escape(query)}</code>")


@dataclass(frozen=True)
class TriedFilter:
    """One of the subscriber's filters tried on a text."""

    query: str
    matched: bool
    terms: Sequence[str] = ()
    error: bool = False


def try_usage(lang: str) -> str:
    """/test with no text."""
    return escape(
        tr(lang, "Send /test followed by a text, and I will show which of your filters match it.")
    )


def try_no_filters(lang: str) -> str:
    """/test from someone with no filters."""
    return escape(tr(lang, "You have no filters yet. Add one with /subscribe."))


def category_name(lang: str, category: str) -> str:
    """A category as people call it."""
    return tr(lang, CATEGORY_NAMES.get(category, category))


def try_result(lang: str, category: str, text_lang: str, results: Sequence[TriedFilter]) -> str:
    """/test: how the text was read, and each filter with the terms that matched."""
    lines = [
        "<b>"
        + escape(
            tr(
                lang,
                "Read as: {category}, language {language}",
                category=category_name(lang, category),
                language=text_lang,
            )
        )
        + "</b>"
    ]
    rendered: list[tuple[bool, str]] = []  # (matched or broken, line), in the filters' order
    for result in results:
        query = f"<code>{escape(_short(result.query, QUERY_SHOWN))}</code>"
        if result.error:
            rendered.append((True, f"⚠️ {query} — {escape(tr(lang, 'does not parse any more'))}"))
        elif result.matched:
            terms = ", ".join(f"<i>{escape(_short(t, 40))}</i>" for t in result.terms[:6])
            rendered.append((True, f"✅ {query}" + (f" — {terms}" if terms else "")))
        else:
            rendered.append((False, f"▫️ {query} — {escape(tr(lang, 'no match'))}"))
    if sum(len(line) + 1 for _, line in rendered) <= TEXT_BUDGET:
        lines += [line for _, line in rendered]
    else:
        # Fifty long filters do not fit in one message: keep the ones that matched.
        lines += [line for shown, line in rendered if shown]
        missed = sum(1 for shown, _ in rendered if not shown)
        lines.append(escape(tr(lang, "Filters without a match: {n}", n=missed)))
    if category not in DEFAULT_CATEGORIES:
        lines += [
            "",
            escape(
                tr(
                    lang,
                    "Filters without category: skip news read as {category}; add category:any to "
                    "include it.",
                    category=category_name(lang, category),
                )
            ),
        ]
    return "\n".join(lines)
