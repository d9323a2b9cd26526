"""The filter language and the matching engine (pure: no Telegram, no database)."""

from bot.domain.filters.index import FilterHit, MatcherIndex
from bot.domain.filters.reference import MatchableItem, evaluate, matched_terms
from bot.domain.filters.syntax import (
    DEFAULT_CATEGORIES,
    MAX_QUERY_LENGTH,
    MAX_REGEX_PER_FILTER,
    MAX_REGEX_PER_SUBSCRIBER,
    FilterQuery,
    FilterSyntaxError,
    parse_filter,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "MAX_QUERY_LENGTH",
    "MAX_REGEX_PER_FILTER",
    "MAX_REGEX_PER_SUBSCRIBER",
    "FilterHit",
    "FilterQuery",
    "FilterSyntaxError",
    "MatchableItem",
    "MatcherIndex",
    "evaluate",
    "matched_terms",
    "parse_filter",
]
