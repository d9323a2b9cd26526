"""Plain records the sandbox keeps: messages the bot sent, buttons, recorded requests."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiError",
    "Button",
    "CallbackAnswer",
    "Document",
    "RecordedRequest",
    "SimMessage",
    "SlidingWindow",
    "Venue",
]


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, Telegram's description."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class Document:
    """A file the bot uploaded with sendDocument (bytes kept)."""

    filename: str | None
    mime: str | None
    data: bytes
    file_id: str = ""


@dataclass
class Venue:
    """A venue or a bare location (title/address empty for sendLocation)."""

    latitude: float
    longitude: float
    title: str = ""
    address: str = ""


@dataclass
class SimMessage:
    """A message in a simulated chat, as the sandbox stores it (edits applied)."""

    message_id: int
    chat_id: int
    kind: str  # text | photo | document | venue | location
    text: str = ""
    thread_id: int | None = None
    from_bot: bool = True
    raw: str = ""  # the text or caption exactly as sent, markup included
    wire: dict[str, Any] = field(default_factory=dict)  # the Bot API Message object
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    document: Document | None = None
    venue: Venue | None = None
    photo_file_id: str | None = None
    forward_origin: dict[str, Any] | None = None
    disable_notification: bool = False
    pinned: bool = False
    edits: int = 0
    deleted: bool = False
    date: int = 0
    edit_date: int | None = None
    reply_to: int | None = None
    sender_id: int | None = None

    @property
    def caption(self) -> str:
        """The caption of a photo or document (same as ``text``)."""
        return self.text

    def button_texts(self) -> list[str]:
        """Every inline button's text, row by row."""
        return [b.text for row in self.buttons for b in row]

    def render(self) -> str:
        """A one-block readable form: kind marker, text, buttons as [text] [text]."""
        head = ""
        if self.kind == "photo":
            head = "[photo] "
        elif self.kind == "document" and self.document is not None:
            head = f"[document: {self.document.filename or 'file'}] "
        elif self.kind == "venue" and self.venue is not None:
            head = f"[venue: {self.venue.title}, {self.venue.address} @ {self.venue.latitude},{self.venue.longitude}] "
        elif self.kind == "location" and self.venue is not None:
            head = f"[location @ {self.venue.latitude},{self.venue.longitude}] "
        if self.forward_origin is not None:
            head = "[forwarded] " + head
        body = head if self.kind in ("venue", "location") else head + self.text
        lines = [body.rstrip()]
        for row in self.buttons:
            lines.append(" ".join(f"[{b.text}]" for b in row))
        if self.reply_keyboard:
            for krow in self.reply_keyboard:
                lines.append(" ".join(f"({t})" for t in krow))
        flags = []
        if self.edits:
            flags.append("edited")
        if self.pinned:
            flags.append("pinned")
        if self.deleted:
            flags.append("deleted")
        if flags:
            lines[0] += f"  ({', '.join(flags)})"
        return "\n".join(lines)


@dataclass(frozen=True)
class RecordedRequest:
    """One Bot API call as the sandbox received it (files replaced by their names)."""

    method: str
    params: dict[str, Any]
    status: int
    at: float  # time.monotonic() at arrival

    @property
    def time(self) -> float:
        """Alias of ``at``."""
        return self.at


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None


class SlidingWindow:
    """At most ``capacity`` events in any ``window`` seconds, measured at arrival."""

    def __init__(self, capacity: int, window: float):
        self.capacity = capacity
        self.window = window
        self._times: deque[float] = deque()

    @classmethod
    def per_second(cls, rate: float) -> SlidingWindow:
        """A window for ``rate`` events a second (a rate below 1 widens the window instead)."""
        if rate >= 1:
            return cls(int(rate), 1.0)
        return cls(1, 1.0 / rate)

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0.0 if it fits now)."""
        times = self._times
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.capacity:
            return 0.0
        return times[len(times) - self.capacity] + self.window - now

    def add(self, now: float) -> None:
        """Count one event at ``now``."""
        self._times.append(now)


def retry_after_seconds(wait: float) -> int:
    """Whole seconds until the window frees, at least 1 (Telegram never says 0)."""
    return max(1, math.ceil(wait))
