"""Plain result types of the understand step and the `extract --json` contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CATEGORIES = ("crackdown", "strike", "protest_call", "other")


@dataclass
class ExtractedEvent:
    """One protest: when (aware, in the event's own zone) and where."""

    start: datetime
    end: datetime | None = None
    all_day: bool = False
    venue: str | None = None
    address: str | None = None
    city: str | None = None
    country: str | None = None
    timezone: str = "UTC"
    lat: float | None = None
    lon: float | None = None
    confidence: float = 0.0
    cancelled: bool = False


@dataclass
class Understanding:
    """What the understand step learned from one text."""

    category: str = "other"
    killed: int | None = None
    injured: int | None = None
    arrested: int | None = None
    events: list[ExtractedEvent] = field(default_factory=list)
    lang: str = "en"
    cities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    debug: dict[str, Any] = field(default_factory=dict)


def event_to_contract(event: ExtractedEvent) -> dict[str, Any]:
    """One event as DESIGN.md's `extract --json` shows it."""
    return {
        "start": event.start.isoformat(),
        "end": event.end.isoformat() if event.end is not None else None,
        "all_day": event.all_day,
        "venue": event.venue,
        "address": event.address,
        "city": event.city,
        "timezone": event.timezone,
        "confidence": round(event.confidence, 2),
    }


def to_contract(u: Understanding) -> dict[str, Any]:
    """The exact `tocsin extract --json` object of DESIGN.md."""
    return {
        "category": u.category,
        "figures": {"killed": u.killed, "injured": u.injured, "arrested": u.arrested},
        "events": [event_to_contract(e) for e in u.events],
    }
