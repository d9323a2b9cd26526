"""Understanding items: category, casualty figures and protest events, in English and Russian.

Pure Python: no Telegram, no database; the publication time is passed in."""

from .core import understand
from .model import CATEGORIES, ExtractedEvent, Understanding, event_to_contract, to_contract

__all__ = [
    "CATEGORIES",
    "ExtractedEvent",
    "Understanding",
    "event_to_contract",
    "to_contract",
    "understand",
]
