"""Texts and keyboards of the admin source commands: /sources, /addsource, /removesource."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import tr, trn

PAGE = 8
CB = "src"  # callback data prefix: src:<action>:<argument>


def _when(lang: str, value: datetime | None, now: datetime) -> str:
    if value is None:
        return tr(lang, "never")
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 1:
        return tr(lang, "just now")
    if minutes < 60:
        return trn(lang, "{n} minute ago", "{n} minutes ago", minutes)
    hours = minutes // 60
    if hours < 48:
        return trn(lang, "{n} hour ago", "{n} hours ago", hours)
    return trn(lang, "{n} day ago", "{n} days ago", hours // 24)


def _label(source: object) -> str:
    label = getattr(source, "label", "")
    return escape(label if len(label) <= 80 else label[:79] + "…")


def source_block(lang: str, health: object, now: datetime) -> str:
    """One source with its health: state, last success, last error, items in the last 7 days."""
    s = health.source  # type: ignore[attr-defined]
    mark = "🟢" if s.enabled and not s.error_count else ("🟡" if s.enabled else "⏸")
    lines = [f"{mark} <b>#{s.id} {_label(s)}</b> ({escape(s.kind)})"]
    if not s.enabled:
        reason = escape(s.disabled_reason) if s.disabled_reason else tr(lang, "paused by an admin")
        lines.append(tr(lang, "Paused: {reason}", reason=reason))
    lines.append(
        tr(
            lang,
            "Last success: {when} · items in 7 days: {count}",
            when=_when(lang, s.last_success_at, now),
            count=health.items_7d,  # type: ignore[attr-defined]
        )
    )
    if s.last_error:
        lines.append(
            tr(
                lang,
                "Last error: {error} ({count} in a row)",
                error=escape(s.last_error[:120]),
                count=s.error_count,
            )
        )
    return "\n".join(lines)


def sources_page(
    lang: str, rows: Sequence[object], now: datetime, offset: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of /sources: each source's health, with pause/resume and remove buttons."""
    if not rows:
        return tr(lang, "No sources yet. Add one with /addsource URL."), None
    offset = max(0, min(offset, (len(rows) - 1) // PAGE * PAGE))
    page = rows[offset : offset + PAGE]
    header = trn(lang, "{n} source", "{n} sources", len(rows))
    blocks = [f"<b>{header}</b>"] + [source_block(lang, h, now) for h in page]
    keyboard: list[list[InlineKeyboardButton]] = []
    for health in page:
        s = health.source  # type: ignore[attr-defined]
        toggle = (
            InlineKeyboardButton(tr(lang, "Pause #{id}", id=s.id), callback_data=f"{CB}:p:{s.id}")
            if s.enabled
            else InlineKeyboardButton(
                tr(lang, "Resume #{id}", id=s.id), callback_data=f"{CB}:u:{s.id}"
            )
        )
        remove = InlineKeyboardButton(
            tr(lang, "Remove #{id}", id=s.id), callback_data=f"{CB}:d:{s.id}"
        )
        keyboard.append([toggle, remove])
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton("‹", callback_data=f"{CB}:pg:{offset - PAGE}"))
    if offset + PAGE < len(rows):
        nav.append(InlineKeyboardButton("›", callback_data=f"{CB}:pg:{offset + PAGE}"))
    if nav:
        keyboard.append(nav)
    return "\n\n".join(blocks), InlineKeyboardMarkup(keyboard)


def addsource_usage(lang: str) -> str:
    """/addsource without an address."""
    return tr(
        lang,
        "Send /addsource followed by the address of a feed (RSS, Atom or iCalendar) or of a web "
        "page that announces one, e.g. /addsource https://example.org/feed.xml",
    )


def fetching(lang: str) -> str:
    """Shown while the feed is fetched."""
    return tr(lang, "Fetching the feed…")


def bad_address(lang: str) -> str:
    """Not an http(s) address, or one we do not fetch."""
    return tr(lang, "That is not an address I can fetch: use an http:// or https:// address.")


def preview_failed(lang: str, error: str) -> str:
    """The address did not give a usable feed."""
    return tr(
        lang,
        "I could not read a feed there ({error}). Nothing was added.",
        error=escape(error[:150]),
    )


def preview(
    lang: str, title: str | None, kind: str, items: int, url: str, token: str, discovered: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """What the feed is, before saving it, with Add and Cancel buttons."""
    lines = [
        tr(lang, "Found <b>{title}</b>", title=escape(title or tr(lang, "(untitled)"))),
        trn(lang, "{n} item now", "{n} items now", items) + f" · {escape(kind)}",
        escape(url),
    ]
    if discovered:
        lines.append(tr(lang, "(the page you gave announces this feed)"))
    lines.append(tr(lang, "Add it? Its current items will not be sent as alerts."))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "Add"), callback_data=f"{CB}:a:{token}"),
                InlineKeyboardButton(tr(lang, "Cancel"), callback_data=f"{CB}:x:{token}"),
            ]
        ]
    )
    return "\n".join(lines), keyboard


def added(lang: str, source_id: int, label: str) -> str:
    """The source was saved."""
    return tr(
        lang,
        "Added source #{id} {label}. It is polled within seconds.",
        id=source_id,
        label=escape(label),
    )


def already_there(lang: str, source_id: int) -> str:
    """The address is already a source."""
    return tr(lang, "That feed is already source #{id}.", id=source_id)


def expired(lang: str) -> str:
    """A confirm button from an old preview."""
    return tr(lang, "This preview has expired. Send /addsource again.")


def cancelled(lang: str) -> str:
    """The admin pressed Cancel."""
    return tr(lang, "Cancelled. Nothing was added.")


def confirm_remove(lang: str, source_id: int, label: str) -> tuple[str, InlineKeyboardMarkup]:
    """Ask before removing a source and its items."""
    text = tr(
        lang,
        "Remove source #{id} {label} and the items it gave?",
        id=source_id,
        label=escape(label),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "Yes, remove"), callback_data=f"{CB}:dd:{source_id}"),
                InlineKeyboardButton(tr(lang, "Keep"), callback_data=f"{CB}:pg:0"),
            ]
        ]
    )
    return text, keyboard


def removed(lang: str, source_id: int) -> str:
    """The source is gone."""
    return tr(lang, "Removed source #{id}.", id=source_id)


def no_such_source(lang: str, source_id: int) -> str:
    """The id names no source."""
    return tr(lang, "There is no source #{id}. See /sources.", id=source_id)


def removesource_usage(lang: str) -> str:
    """/removesource with a bad argument."""
    return tr(
        lang, "Send /removesource ID (the number /sources shows), or use the buttons in /sources."
    )


def paused(lang: str, source_id: int) -> str:
    """The source was paused."""
    return tr(lang, "Paused source #{id}.", id=source_id)


def resumed(lang: str, source_id: int) -> str:
    """The source was resumed."""
    return tr(lang, "Resumed source #{id}; it is polled within seconds.", id=source_id)


def source_disabled_notice(lang: str, source: str, count: int, error: str) -> str:
    """The notice admins get once when a source is paused after repeated failures."""
    from jobs.poll import DISABLED_MSGID

    return tr(lang, DISABLED_MSGID, source=escape(source), count=count, error=escape(error))
