"""/event announces a protest by hand (read by the extractor, fixed field by field); /events
lists upcoming ones with Edit and Cancel, and an edit or a cancellation reaches every follower."""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.handlers.common import chat_language, patiently, require_admin
from bot.i18n import tr, trn
from bot.render import admin as render
from bot.services import get_services
from bot.storage import manual_events as store
from bot.storage.admins import audit

log = logging.getLogger(__name__)

TEXT, FIELD = range(2)
_KEY = "event_draft"
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})[:.](\d{2}))?\s*$")
_CLEAR = ("-", "—", "–")


# --------------------------------------------------------------------------- parsing values


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_when(value: str, zone_name: str, now: datetime) -> tuple[datetime, bool] | None:
    """A start or end typed by an admin: YYYY-MM-DD [HH:MM] in the event's zone, or free text
    the extractor understands ("Saturday 14:00"). Returns (aware time, all day) or None."""
    zone = _zone(zone_name)
    found = _DATE.match(value)
    if found:
        year, month, day, hour, minute = found.groups()
        try:
            local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        except ValueError:
            return None
        return local.replace(tzinfo=zone), hour is None
    from bot.domain.understand import understand

    # The extractor looks for protest announcements; a bare "Sunday 11:00" becomes one once a
    # cue word stands before it.
    cue = "Митинг" if re.search("[а-яё]", value, re.IGNORECASE) else "Rally"
    for text in (value, f"{cue}: {value}"):
        understood = understand(text, published=now, default_tz=zone.key)
        if understood.events:
            first = understood.events[0]
            return first.start, first.all_day
    return None


def _with_zone(value: datetime | None, old: str, new: str) -> datetime | None:
    # The admin fixes the zone of times they typed: keep the wall-clock time, change the zone.
    if value is None:
        return None
    local = value.astimezone(_zone(old)).replace(tzinfo=None)
    return local.replace(tzinfo=_zone(new))


def apply_field(
    draft: dict[str, Any], name: str, value: str, now: datetime
) -> str | None:
    """Set one field of a draft from typed text; returns an English error msgid or None."""
    value = value.strip()
    clear = value in _CLEAR
    if name == "title":
        if clear or not value:
            return "The title cannot be empty."
        draft["title"] = value[:300]
    elif name in ("start_at", "end_at"):
        if clear:
            if name == "start_at":
                return "An event needs a start."
            draft["end_at"] = None
            return None
        parsed = parse_when(value, draft.get("timezone") or "UTC", now)
        if parsed is None:
            return "I could not read that time. Use YYYY-MM-DD HH:MM, e.g. 2026-12-05 14:00."
        when, all_day = parsed
        draft[name] = when
        if name == "start_at":
            draft["all_day"] = all_day
    elif name == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return "That is not a timezone like Asia/Almaty or Europe/London."
        old = draft.get("timezone") or "UTC"
        draft["start_at"] = _with_zone(draft.get("start_at"), old, value)
        draft["end_at"] = _with_zone(draft.get("end_at"), old, value)
        draft["timezone"] = value
    elif name == "country":
        if clear:
            draft["country"] = None
            return None
        from bot.domain.filters.syntax import country_code

        code = country_code(value)
        if code is None:
            return "Send a two-letter country code such as KZ."
        draft["country"] = code
    elif name in ("venue", "address", "city"):
        limit = 100 if name == "city" else 300
        draft[name] = None if clear else value[:limit]
        if name in ("venue", "address", "city"):
            # coordinates belonged to the old place
            draft["lat"] = draft["lon"] = None
    else:
        return "Unknown field."
    return None


def draft_from_text(text: str, default_tz: str, now: datetime) -> tuple[dict[str, Any], str]:
    """What the extractor reads in the admin's text, as an editable draft, and its language."""
    from bot.domain.understand import understand

    understood = understand(text, published=now, default_tz=default_tz)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    draft: dict[str, Any] = {
        "title": first_line[:200],
        "start_at": None,
        "end_at": None,
        "all_day": False,
        "venue": None,
        "address": None,
        "city": None,
        "country": None,
        "timezone": default_tz,
        "lat": None,
        "lon": None,
    }
    if understood.events:
        e = understood.events[0]
        draft.update(
            start_at=e.start, end_at=e.end, all_day=e.all_day, venue=e.venue, address=e.address,
            city=e.city, country=e.country, timezone=e.timezone or default_tz, lat=e.lat, lon=e.lon,
        )
    return draft, understood.lang


def _draft_from_event(event: store.EventView) -> dict[str, Any]:
    return {name: getattr(event, name) for name in store.EDITABLE}


# --------------------------------------------------------------------------- conversation


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str, *, edit: bool) -> None:
    state = context.user_data.get(_KEY)  # type: ignore[union-attr]
    assert state is not None
    editing = state.get("editing")
    if editing:
        header = tr(lang, "<b>Editing event #{id}</b>. Tap a field to change it.", id=editing)
        label = tr(lang, "💾 Save and tell followers")
    else:
        header = tr(lang, "<b>This is what I understood.</b> Tap a field to fix it, then publish.")
        label = tr(lang, "📣 Publish")
    text = render.event_summary(lang, state["draft"], header)
    keyboard = render.event_editor_keyboard(lang, label)
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        message = update.effective_message
        assert message is not None
        await patiently(lambda: message.reply_text(text, reply_markup=keyboard))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/event: ask for the protest in free text."""
    if not await require_admin(update, context, "event"):
        return ConversationHandler.END
    lang = await chat_language(update, context)
    message = update.effective_message
    assert message is not None
    ask = tr(
        lang,
        "Describe the protest in one message: what, when and where, e.g. "
        "“Saturday 14:00 at Abai square, Almaty — rally for the oil workers”. /cancel stops.",
    )
    await patiently(lambda: message.reply_text(ask))
    return TEXT


async def got_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The admin's description: read it with the extractor and show the fields."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_admin(update, context, "event"):
        return ConversationHandler.END
    services = get_services(context)
    lang = await chat_language(update, context)
    text = message.text[:4000]
    draft, text_lang = await asyncio.to_thread(
        draft_from_text, text, services.settings.timezone, services.clock()
    )
    context.user_data[_KEY] = {  # type: ignore[index]
        "draft": draft, "text": text, "lang": text_lang, "editing": None
    }
    await _show(update, context, lang, edit=False)
    return ConversationHandler.END


async def ask_field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A field button: ask for its new value."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_admin(update, context, "event.edit"):
        return ConversationHandler.END
    lang = await chat_language(update, context)
    state = context.user_data.get(_KEY)  # type: ignore[union-attr]
    if state is None:
        await query.answer(tr(lang, "That draft is gone. Start again with /event."), show_alert=True)
        return ConversationHandler.END
    name = query.data.split(":", 2)[2]
    state["field"] = name
    await query.answer()
    assert query.message is not None
    chat_id = query.message.chat.id
    await patiently(lambda: context.bot.send_message(chat_id, render.event_ask_field(lang, name)))
    return FIELD


async def got_field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The new value of a field."""
    message = update.effective_message
    assert message is not None and message.text is not None
    services = get_services(context)
    lang = await chat_language(update, context)
    state = context.user_data.get(_KEY)  # type: ignore[union-attr]
    if state is None or "field" not in state:
        return ConversationHandler.END
    error = await asyncio.to_thread(
        apply_field, state["draft"], state["field"], message.text, services.clock()
    )
    if error is not None:
        await patiently(lambda: message.reply_text(tr(lang, error)))
        return FIELD
    state.pop("field", None)
    await _show(update, context, lang, edit=False)
    return ConversationHandler.END


async def cancel_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel while describing or fixing an event."""
    state = context.user_data.get(_KEY)  # type: ignore[union-attr]
    if state is not None:
        state.pop("field", None)
    lang = await chat_language(update, context)
    message = update.effective_message
    assert message is not None
    await patiently(lambda: message.reply_text(tr(lang, "Stopped. Nothing was published.")))
    return ConversationHandler.END


# --------------------------------------------------------------------------- buttons


async def on_publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Publish a new event, or save an edit and tell the followers."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    if not await require_admin(update, context, "event.publish"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    state = context.user_data.get(_KEY)  # type: ignore[union-attr]
    if state is None:
        await query.answer(tr(lang, "That draft is gone. Start again with /event."), show_alert=True)
        return
    draft = state["draft"]
    now = services.clock()
    if draft.get("start_at") is None:
        await query.answer(tr(lang, "Set when it starts first."), show_alert=True)
        return
    end = draft.get("end_at") or draft["start_at"]
    if end < now:
        await query.answer(tr(lang, "That time has passed. Fix the start first."), show_alert=True)
        return
    if draft.get("end_at") is not None and draft["end_at"] < draft["start_at"]:
        await query.answer(tr(lang, "It cannot end before it starts."), show_alert=True)
        return
    editing = state.get("editing")
    async with services.sessions() as session, session.begin():
        if editing:
            result = await store.update_event(session, editing, draft, now)
            if result is not None:
                await audit(session, user.id, "event.edit", detail=f"event {editing}", reached=result[1])
        else:
            event = await store.create_manual_event(
                session, user.id, draft, state["text"], state.get("lang"), now
            )
            await audit(session, user.id, "event.create", detail=f"event {event.id}")
    context.user_data.pop(_KEY, None)  # type: ignore[union-attr]
    await query.answer()
    if editing:
        if result is None:
            await query.edit_message_text(tr(lang, "That event was cancelled meanwhile; nothing saved."))
            return
        log.info("event %s edited by %s: %s updates", editing, user.id, result[1])
        await query.edit_message_text(
            tr(lang, "Saved event #{id}.", id=editing)
            + " "
            + trn(lang, "{n} follower will be told.", "{n} followers will be told.", result[1])
        )
        return
    log.info("event %s published by %s", event.id, user.id)
    await query.edit_message_text(
        render.event_summary(
            lang, draft, tr(lang, "<b>Published as event #{id}.</b>", id=event.id)
        )
        + "\n\n"
        + tr(lang, "Subscribers whose filters match get the protest card and reminders.")
    )


async def on_drop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Discard the draft."""
    query = update.callback_query
    assert query is not None
    context.user_data.pop(_KEY, None)  # type: ignore[union-attr]
    lang = await chat_language(update, context)
    await query.answer()
    await query.edit_message_text(tr(lang, "Discarded. Nothing was published."))


async def events_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/events: upcoming events with Edit and Cancel."""
    if not await require_admin(update, context, "events"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    async with services.sessions() as session:
        events = await store.upcoming_events(session, services.clock())
        followers = await store.follower_counts(session, [e.id for e in events])
    text, keyboard = render.events_list(lang, events, followers)
    message = update.effective_message
    assert message is not None
    await patiently(lambda: message.reply_text(text, reply_markup=keyboard))


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edit #N: load the event into the field editor."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_admin(update, context, "event.edit"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    event_id = int(query.data.split(":")[2])
    async with services.sessions() as session:
        event = await store.get_event(session, event_id)
    if event is None or event.status != "scheduled":
        await query.answer(tr(lang, "That event is gone or cancelled."), show_alert=True)
        return
    context.user_data[_KEY] = {  # type: ignore[index]
        "draft": _draft_from_event(event), "text": "", "lang": None, "editing": event_id
    }
    await query.answer()
    await _show(update, context, lang, edit=False)


async def on_cancel_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel #N: ask first, saying how many followers will be told."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_admin(update, context, "event.cancel"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    event_id = int(query.data.split(":")[2])
    async with services.sessions() as session:
        followers = (await store.follower_counts(session, [event_id])).get(event_id, 0)
    text, keyboard = render.event_cancel_confirm(lang, event_id, followers)
    await query.answer()
    assert query.message is not None
    chat_id = query.message.chat.id
    await patiently(lambda: context.bot.send_message(chat_id, text, reply_markup=keyboard))


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes, cancel it: the event is cancelled and every follower told."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and query.data is not None and user is not None
    if not await require_admin(update, context, "event.cancel"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    event_id = int(query.data.split(":")[2])
    async with services.sessions() as session, session.begin():
        told = await store.cancel_event(session, event_id, services.clock())
        if told is not None:
            await audit(session, user.id, "event.cancel", detail=f"event {event_id}", reached=told)
    await query.answer()
    if told is None:
        await query.edit_message_text(tr(lang, "That event was not scheduled any more."))
        return
    log.info("event %s cancelled by %s: %s updates", event_id, user.id, told)
    await query.edit_message_text(
        tr(lang, "Event #{id} is cancelled.", id=event_id)
        + " "
        + trn(lang, "{n} follower will be told.", "{n} followers will be told.", told)
    )


async def on_keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """No, keep it."""
    query = update.callback_query
    assert query is not None
    lang = await chat_language(update, context)
    await query.answer()
    await query.edit_message_text(tr(lang, "Kept. Nothing changed."))


def register(app: Application) -> None:
    """/event (typed input) and /events with their buttons."""
    with warnings.catch_warnings():
        # Field buttons are tracked per chat and user, not per message, on purpose: the draft
        # lives with the admin, whichever message they press.
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        conversation = _conversation()
    app.add_handler(conversation)
    app.add_handler(CommandHandler("events", events_command))
    app.add_handler(CallbackQueryHandler(on_publish, pattern=r"^ev:pub$"))
    app.add_handler(CallbackQueryHandler(on_drop, pattern=r"^ev:drop$"))
    app.add_handler(CallbackQueryHandler(on_edit, pattern=r"^ev:e:\d+$"))
    app.add_handler(CallbackQueryHandler(on_cancel_ask, pattern=r"^ev:x:\d+$"))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern=r"^ev:xx:\d+$"))
    app.add_handler(CallbackQueryHandler(on_keep, pattern=r"^ev:keep$"))


def _conversation() -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CommandHandler("event", start),
            CallbackQueryHandler(ask_field, pattern=r"^ev:f:[a-z_]+$"),
        ],
        states={
            TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_text)],
            FIELD: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_field)],
        },
        fallbacks=[CommandHandler("cancel", cancel_conversation)],
        allow_reentry=True,
        per_message=False,
        name="event",
    )
