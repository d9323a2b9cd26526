"""How an admin's broadcast looks to subscribers: marked as from the organisers."""

from __future__ import annotations

from typing import Any

from bot.i18n import tr
from bot.render.message import Outgoing


def broadcast_header(lang: str, urgent: bool) -> str:
    """The line that marks a message as the organisers' own, not a news alert."""
    if urgent:
        return tr(lang, "📢 <b>Urgent, from the organisers</b>")
    return tr(lang, "📢 <b>From the organisers</b>")


def render_broadcast(lang: str, broadcast: Any) -> Outgoing:
    """The message one subscriber gets for a broadcast (a BroadcastView or a Broadcast row)."""
    # The body is the admin's own Telegram HTML (built by PTB from their entities, so already
    # escaped); only the header is ours.
    body = broadcast.text or ""
    text = broadcast_header(lang, broadcast.urgent)
    if body:
        text = f"{text}\n\n{body}"
    return Outgoing(
        kind="photo" if broadcast.photo_file_id else "text",
        text=text,
        photo=broadcast.photo_file_id,
        disable_notification=not broadcast.urgent,
        pin=bool(broadcast.urgent and broadcast.pin),
    )
