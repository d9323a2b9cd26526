"""Texts and keyboards admins see: broadcasts, hand-made events, admins, audit, stats, channels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import tr, trn

# Telegram refuses messages over 4096 characters; lists stop short of that, with a marker.
_ROOM = 3800


def _fit(lines: list[str]) -> str:
    """Join lines, dropping the tail (marked with …) when the text would be too long."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > _ROOM:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _short(text: str | None, limit: int = 100) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------- broadcasts


def audience_label(lang: str, audience: dict[str, Any]) -> str:
    """A short description of an audience, e.g. "subscribers in Almaty"."""
    kind = audience.get("kind", "all")
    value = escape(str(audience.get("value", "")))
    if kind == "keywords":
        return tr(lang, "subscribers whose filters match “{value}”", value=value)
    if kind == "language":
        return tr(lang, "subscribers reading in {value}", value=value)
    if kind == "city":
        return tr(lang, "subscribers in {value}", value=value)
    return tr(lang, "everyone")


def mode_label(lang: str, urgent: bool, pin: bool) -> str:
    """Urgent (with sound, maybe pinned) or quiet."""
    if not urgent:
        return tr(lang, "quiet (no sound)")
    if pin:
        return tr(lang, "urgent, with sound, pinned")
    return tr(lang, "urgent, with sound")


def broadcast_ask_message(lang: str) -> str:
    """The first step of /broadcast."""
    return tr(
        lang,
        "Send me the message to broadcast: text (your formatting is kept), a photo with a "
        "caption, or forward a message here. /cancel stops.",
    )


def broadcast_unsupported(lang: str) -> str:
    """A message type broadcasts cannot carry."""
    return tr(lang, "I can broadcast text or a photo with a caption. Send one of those, or /cancel.")


def broadcast_audience_menu(lang: str, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Step two: who gets it."""
    b = broadcast_id
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "Everyone"), callback_data=f"bc:a:{b}:all"),
                InlineKeyboardButton(tr(lang, "By keywords"), callback_data=f"bc:ask:{b}:kw"),
            ],
            [
                InlineKeyboardButton(tr(lang, "By language"), callback_data=f"bc:lang:{b}"),
                InlineKeyboardButton(tr(lang, "By city"), callback_data=f"bc:ask:{b}:city"),
            ],
            [InlineKeyboardButton(tr(lang, "Discard"), callback_data=f"bc:no:{b}")],
        ]
    )
    return tr(lang, "Who should get it?"), keyboard


def broadcast_language_menu(
    lang: str, broadcast_id: int, codes: Sequence[str]
) -> tuple[str, InlineKeyboardMarkup]:
    """Pick the language audience."""
    rows = [
        [InlineKeyboardButton(code, callback_data=f"bc:l:{broadcast_id}:{code}") for code in codes]
    ]
    rows.append([InlineKeyboardButton(tr(lang, "Back"), callback_data=f"bc:back:{broadcast_id}")])
    return tr(lang, "Subscribers reading in which language?"), InlineKeyboardMarkup(rows)


def broadcast_ask_value(lang: str, kind: str) -> str:
    """Ask for the keywords or the city of the audience."""
    if kind == "city":
        return tr(
            lang,
            "Which city? Subscribers whose timezone is that city's (e.g. Almaty for Asia/Almaty) "
            "or who have a filter with city:NAME get it.",
        )
    return tr(
        lang,
        "Send the keywords: subscribers whose filters would match a protest call with these "
        "words get it.",
    )


def broadcast_mode_menu(
    lang: str, broadcast_id: int, audience: dict[str, Any], count: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Step three: urgent or quiet, with the audience size."""
    b = broadcast_id
    text = tr(lang, "Audience: {audience}.", audience=audience_label(lang, audience))
    text += "\n" + trn(lang, "{n} chat will get it.", "{n} chats will get it.", count)
    text += "\n\n" + tr(lang, "Urgent (with sound) or quiet?")
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr(lang, "🔔 Urgent"), callback_data=f"bc:m:{b}:u")],
            [InlineKeyboardButton(tr(lang, "📌 Urgent and pinned"), callback_data=f"bc:m:{b}:p")],
            [InlineKeyboardButton(tr(lang, "🔕 Quiet"), callback_data=f"bc:m:{b}:q")],
            [
                InlineKeyboardButton(tr(lang, "Change audience"), callback_data=f"bc:back:{b}"),
                InlineKeyboardButton(tr(lang, "Discard"), callback_data=f"bc:no:{b}"),
            ],
        ]
    )
    return text, keyboard


def broadcast_confirm_panel(
    lang: str, broadcast_id: int, audience: dict[str, Any], urgent: bool, pin: bool, count: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The last step, under the preview."""
    b = broadcast_id
    text = tr(lang, "Above is exactly what subscribers will see.")
    text += "\n" + tr(lang, "Audience: {audience}.", audience=audience_label(lang, audience))
    text += "\n" + tr(lang, "Mode: {mode}.", mode=mode_label(lang, urgent, pin))
    text += "\n" + trn(lang, "{n} chat will get it.", "{n} chats will get it.", count)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr(lang, "✅ Confirm"), callback_data=f"bc:ok:{b}")],
            [
                InlineKeyboardButton(tr(lang, "Change audience"), callback_data=f"bc:back:{b}"),
                InlineKeyboardButton(tr(lang, "Discard"), callback_data=f"bc:no:{b}"),
            ],
        ]
    )
    return text, keyboard


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """A text progress bar with its percentage."""
    share = done / total if total else 1.0
    filled = min(width, int(round(share * width)))
    return "▓" * filled + "░" * (width - filled) + f" {int(share * 100)}%"


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def broadcast_progress(
    lang: str, broadcast_id: int, counts: Any, rate: float | None, eta: float | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The live message while a broadcast goes out, with its Cancel button."""
    text = tr(lang, "Broadcast #{id} is going out.", id=broadcast_id)
    text += "\n" + progress_bar(counts.done, counts.total)
    text += "\n" + tr(
        lang,
        "Sent {sent} · failed {failed} · blocked {blocked} · waiting {waiting}",
        sent=counts.sent,
        failed=counts.failed,
        blocked=counts.blocked,
        waiting=counts.open,
    )
    if rate is not None:
        text += "\n" + tr(lang, "Rate: {rate} a second", rate=f"{rate:.1f}")
    if eta is not None:
        text += "\n" + tr(lang, "Time left: about {eta}", eta=_duration(eta))
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr(lang, "⛔ Cancel"), callback_data=f"bc:x:{broadcast_id}")]]
    )
    return text, keyboard


def broadcast_report(
    lang: str, broadcast_id: int, counts: Any, cancelled: bool, elapsed: float | None
) -> str:
    """The final report of a broadcast."""
    if cancelled:
        text = tr(lang, "Broadcast #{id} was cancelled.", id=broadcast_id)
    else:
        text = tr(lang, "Broadcast #{id} is done.", id=broadcast_id)
    text += "\n" + tr(
        lang,
        "Sent {sent} · failed {failed} · blocked {blocked} · cancelled {cancelled} · of {total}",
        sent=counts.sent,
        failed=counts.failed,
        blocked=counts.blocked,
        cancelled=counts.cancelled,
        total=counts.total,
    )
    if elapsed is not None:
        text += "\n" + tr(lang, "Took {time}.", time=_duration(elapsed))
    return text


# ---------------------------------------------------------------------------------- events

EVENT_FIELDS = ("title", "start_at", "end_at", "venue", "address", "city", "country", "timezone")


def field_name(lang: str, name: str) -> str:
    """The human name of an event field."""
    names = {
        "title": tr(lang, "What"),
        "start_at": tr(lang, "Starts"),
        "end_at": tr(lang, "Ends"),
        "venue": tr(lang, "Venue"),
        "address": tr(lang, "Address"),
        "city": tr(lang, "City"),
        "country": tr(lang, "Country"),
        "timezone": tr(lang, "Timezone"),
    }
    return names.get(name, name)


def _when(value: datetime | None, zone: str, all_day: bool) -> str:
    if value is None:
        return "—"
    try:
        local = value.astimezone(ZoneInfo(zone))
    except Exception:  # an odd zone name typed by hand: show UTC rather than fail
        local = value
    if all_day:
        return local.strftime("%a %Y-%m-%d")
    return local.strftime("%a %Y-%m-%d %H:%M")


def event_summary(lang: str, draft: dict[str, Any], header: str) -> str:
    """What Tocsin understood (or holds) about an event, field by field."""
    zone = draft.get("timezone") or "UTC"
    lines = [header, ""]
    for name in EVENT_FIELDS:
        if name in ("start_at", "end_at"):
            value = _when(draft.get(name), zone, bool(draft.get("all_day")))
        else:
            value = escape(str(draft.get(name) or "—"))
        lines.append(f"<b>{escape(field_name(lang, name))}:</b> {value}")
    return "\n".join(lines)


def event_editor_keyboard(lang: str, publish_label: str) -> InlineKeyboardMarkup:
    """A button per field, then publish (or save) and discard."""
    buttons = [
        InlineKeyboardButton(field_name(lang, name), callback_data=f"ev:f:{name}")
        for name in EVENT_FIELDS
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton(publish_label, callback_data="ev:pub"),
            InlineKeyboardButton(tr(lang, "Discard"), callback_data="ev:drop"),
        ]
    )
    return InlineKeyboardMarkup(rows)


def event_ask_field(lang: str, name: str) -> str:
    """Ask for a new value of one field."""
    if name in ("start_at", "end_at"):
        return tr(
            lang,
            "Send the new {field} as YYYY-MM-DD HH:MM in the event's timezone (or YYYY-MM-DD "
            "for a whole day).",
            field=field_name(lang, name).lower(),
        ) + ("\n" + tr(lang, "Send - to clear it.") if name == "end_at" else "")
    if name == "timezone":
        return tr(lang, "Send the timezone, e.g. Asia/Almaty or Europe/London.")
    if name == "country":
        return tr(lang, "Send the two-letter country code, e.g. KZ, or - to clear it.")
    if name == "title":
        return tr(lang, "Send the new title.")
    return tr(
        lang, "Send the new {field}, or - to clear it.", field=field_name(lang, name).lower()
    )


def events_list(
    lang: str, events: Sequence[Any], followers: dict[int, int]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Upcoming events with Edit and Cancel buttons."""
    if not events:
        return tr(lang, "No upcoming events."), None
    lines = [tr(lang, "<b>Upcoming events</b>")]
    rows = []
    for event in events:
        when = _when(event.start_at, event.timezone, event.all_day)
        place = ", ".join(escape(p) for p in (event.venue, event.city) if p)
        n = followers.get(event.id, 0)
        lines.append(
            f"\n#{event.id} {escape(_short(event.title))}\n{when}"
            + (f" — {place}" if place else "")
            + "\n"
            + trn(lang, "{n} follower", "{n} followers", n)
        )
        rows.append(
            [
                InlineKeyboardButton(
                    tr(lang, "Edit #{id}", id=event.id), callback_data=f"ev:e:{event.id}"
                ),
                InlineKeyboardButton(
                    tr(lang, "Cancel #{id}", id=event.id), callback_data=f"ev:x:{event.id}"
                ),
            ]
        )
    return _fit(lines), InlineKeyboardMarkup(rows)


def event_cancel_confirm(lang: str, event_id: int, followers: int) -> tuple[str, InlineKeyboardMarkup]:
    """Ask before cancelling an event."""
    text = tr(lang, "Cancel event #{id}?", id=event_id) + "\n" + trn(
        lang, "{n} follower will be told.", "{n} followers will be told.", followers
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "Yes, cancel it"), callback_data=f"ev:xx:{event_id}"),
                InlineKeyboardButton(tr(lang, "No, keep it"), callback_data="ev:keep"),
            ]
        ]
    )
    return text, keyboard


# ---------------------------------------------------------------------------------- admin, audit


def admins_list(lang: str, owners: Sequence[int], added: Sequence[Any], can_edit: bool) -> tuple[
    str, InlineKeyboardMarkup | None
]:
    """Owners and added admins; owners get Remove buttons and the usage line."""
    lines = [tr(lang, "<b>Owners</b> (ADMIN_IDS)")]
    lines += [f"• <code>{uid}</code>" for uid in sorted(owners)] or ["—"]
    lines.append("")
    lines.append(tr(lang, "<b>Admins</b>"))
    lines += [
        f"• <code>{a.user_id}</code> " + tr(lang, "(added by {by})", by=a.added_by) for a in added
    ] or ["—"]
    markup = None
    if can_edit:
        lines.append("")
        lines.append(tr(lang, "Add: /admins add USER_ID · Remove: /admins remove USER_ID"))
        rows = [
            [
                InlineKeyboardButton(
                    tr(lang, "Remove {id}", id=a.user_id), callback_data=f"adm:rm:{a.user_id}"
                )
            ]
            for a in added
        ]
        markup = InlineKeyboardMarkup(rows) if rows else None
    return "\n".join(lines), markup


def audit_list(lang: str, rows: Sequence[Any]) -> str:
    """The latest audit entries, newest first."""
    if not rows:
        return tr(lang, "The audit log is empty.")
    lines = [tr(lang, "<b>Latest admin actions</b>")]
    for row in rows:
        mark = "✓" if row.allowed else "✗"
        line = f"{mark} {row.created_at:%Y-%m-%d %H:%M} <code>{row.actor_id}</code> {escape(row.action)}"
        if row.detail:
            line += f" — {escape(row.detail)}"
        if row.reached is not None:
            line += " " + tr(lang, "(reached {n})", n=row.reached)
        lines.append(line)
    return _fit(lines)


def stats_text(lang: str, s: Any) -> str:
    """The /stats report."""
    langs = ", ".join(f"{escape(k)} {v}" for k, v in sorted(s.by_language.items())) or "—"
    cats_today = ", ".join(f"{escape(k)} {v}" for k, v in sorted(s.items_today.items())) or "—"
    cats_week = ", ".join(f"{escape(k)} {v}" for k, v in sorted(s.items_week.items())) or "—"
    lag = tr(lang, "none") if s.outbox_lag_seconds is None else _duration(s.outbox_lag_seconds)
    lines = [
        tr(lang, "<b>Subscribers</b>"),
        tr(
            lang,
            "active {active} · paused {paused} · blocked {blocked} · new this week {new}",
            active=s.active, paused=s.paused, blocked=s.blocked, new=s.new_week,
        ),
        tr(lang, "by language: {langs}", langs=langs),
        tr(lang, "groups and channels: {n}", n=s.channels),
        tr(lang, "<b>Filters</b>: {n}", n=s.filters),
        tr(
            lang,
            "<b>Sources</b>: {total} · healthy {ok} · failing {failing} · disabled {disabled}",
            total=s.sources, ok=s.sources_ok, failing=s.sources_failing, disabled=s.sources_disabled,
        ),
        tr(lang, "<b>Items today</b>: {cats}", cats=cats_today),
        tr(lang, "<b>Items this week</b>: {cats}", cats=cats_week),
        tr(
            lang,
            "<b>Deliveries</b>: sent {sent} · failed {failed} · pending {pending}",
            sent=s.sent, failed=s.failed, pending=s.pending,
        ),
        tr(lang, "<b>Outbox lag</b>: {lag}", lag=lag),
        tr(
            lang,
            "<b>Broadcasts</b>: {n} · reached {reach}",
            n=s.broadcasts, reach=s.broadcast_reach,
        ),
    ]
    return "\n".join(lines)


def channels_list(lang: str, channels: Sequence[Any]) -> str:
    """Groups and channels Tocsin posts to, with their filters."""
    if not channels:
        return tr(
            lang,
            "No groups or channels yet. Make the bot an admin there, then "
            "/addchannel CHAT_ID_OR_@NAME [TOPIC_ID].",
        )
    lines = [tr(lang, "<b>Groups and channels</b>")]
    for c in channels:
        topic = tr(lang, " · topic {id}", id=c.thread_id) if c.thread_id else ""
        lines.append(f"\n<code>{c.chat_id}</code> {escape(c.title or '')} ({escape(c.kind)}){topic}")
        if c.blocked:
            lines.append(tr(lang, "⚠ the bot lost access to this chat"))
        for f in c.filters:
            lines.append(f"  • <code>{escape(f)}</code>")
        if not c.filters:
            lines.append("  " + tr(lang, "no filters yet: /channelfilter {chat} FILTER", chat=c.chat_id))
    return _fit(lines)


def fmt_delta(delta: timedelta) -> str:
    """A duration as m:ss or h:mm:ss."""
    return _duration(delta.total_seconds())
