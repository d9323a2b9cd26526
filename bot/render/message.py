"""What the sender sends: one rendered message, independent of how it was decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outgoing:
    """One message for one chat; `then` holds follow-ups sent right after (e.g. a venue)."""

    kind: str = "text"  # text | photo | document | venue
    text: str = ""  # Telegram HTML; the caption for photo and document
    reply_markup: Any = None  # telegram.InlineKeyboardMarkup or None
    photo: str | None = None  # a Telegram file_id
    document: tuple[str, bytes] | None = None  # (file name, content)
    venue: dict[str, Any] | None = None  # latitude, longitude, title, address
    disable_notification: bool = False
    pin: bool = False
    then: list[Outgoing] = field(default_factory=list)
