"""Protest-card buttons, /upcoming, /reminders and the delivery settings (dl:settings)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import format_leads
from bot.domain.schedule import zone_or
from bot.handlers.common import chat_subscriber, patiently
from bot.i18n import tr
from bot.render.alerts import (
    CB_CANCEL_REMINDER,
    CB_ICS,
    CB_NO,
    CB_REMIND,
    CB_UPCOMING,
    card_keyboard,
    esc,
    event_info,
    format_when,
    format_where,
    lead_label,
    short_when,
)
from bot.render.ics import build_ics, ics_filename
from bot.services import Services, get_services
from bot.storage.follows import (
    cancel_reminder,
    event_for_display,
    follow_event,
    is_following,
    list_reminders,
    subscriber_leads,
    unfollow_event,
    upcoming_events,
    update_delivery_settings,
)
from bot.storage.subscribers import SubscriberView

log = logging.getLogger(__name__)

PAGE = 5
LEAD_CHOICES = ("1d,2h", "1d", "2h", "3h,30m", "2d,1d,1h")
QUIET_CHOICES = ((22 * 60, 7 * 60), (23 * 60, 8 * 60), (0, 9 * 60))
DIGEST_CHOICES = (7, 8, 12, 18, 20)


async def _send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup: Any = None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    chat_id = chat.id
    await _polite(
        get_services(context),
        chat_id,
        lambda: context.bot.send_message(chat_id, text, reply_markup=markup),
    )


async def _polite(services: Services, chat_id: int, request: Callable[[], Awaitable[Any]]) -> Any:
    """Send within the limits; an answer that meets a long flood wait is dropped, not queued."""
    try:
        return await patiently(request, services=services, chat_id=chat_id)
    except RetryAfter:
        log.warning("answer to chat %s dropped: flood control", chat_id)
        return None


async def _not_started(update: Update, lang: str) -> None:
    text = tr(lang, "Send /start first, then try again.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


# --------------------------------------------------------------------------- card buttons


async def on_card_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remind me / Add to calendar / Not interested on a protest card (or an /upcoming entry)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = get_services(context)
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    data = query.data
    try:
        event_id = int(data.rsplit(":", 1)[1])
    except ValueError:
        await query.answer()
        return
    now = services.clock()
    if data.startswith(CB_ICS):
        await _send_ics(update, context, sub, event_id, lang)
        return
    async with services.sessions() as session, session.begin():
        event = await event_for_display(session, event_id)
        if event is None or event.status == "cancelled" or event.start_at <= now:
            gone = True
        else:
            gone = False
            if data.startswith(CB_NO):
                await unfollow_event(session, sub.id, event_id, now, dismiss=True)
                following = False
            elif await is_following(session, sub.id, event_id):
                await unfollow_event(session, sub.id, event_id, now)
                following = False
            else:
                await follow_event(
                    session,
                    sub.id,
                    event_id,
                    now,
                    default_leads=services.settings.reminder_leads,
                )
                following = True
    if gone:
        await query.answer(tr(lang, "This event is over or was cancelled."), show_alert=True)
        return
    if data.startswith(CB_NO):
        await query.answer(tr(lang, "OK, nothing more about this one."))
        await _edit_markup(query, None)
        return
    if following:
        labels = ", ".join(
            lead_label(lang, int(d.total_seconds() // 60))
            for d in subscriber_leads(sub.reminder_leads, services.settings.reminder_leads)
        )
        await query.answer(tr(lang, "I will remind you {leads} before.", leads=labels))
    else:
        await query.answer(tr(lang, "Reminders for this event are off."))
    if data.startswith(CB_REMIND) and query.message is not None:
        message = query.message
        markup = getattr(message, "reply_markup", None)
        if markup is not None and len(markup.inline_keyboard) == 2:
            await _edit_markup(query, card_keyboard(lang, event_id, following))


async def _edit_markup(query: Any, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:  # "message is not modified" and old messages: nothing to change
        log.debug("markup edit skipped: %s", type(exc).__name__)


async def _send_ics(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    sub: SubscriberView,
    event_id: int,
    lang: str,
) -> None:
    query = update.callback_query
    assert query is not None
    services = get_services(context)
    async with services.sessions() as session:
        event = await event_for_display(session, event_id)
    if event is None:
        await query.answer(tr(lang, "This event is over or was cancelled."), show_alert=True)
        return
    info = event_info(event)
    await query.answer()
    data = build_ics(info, services.clock())
    caption = esc(tr(lang, "Open this file to add the protest to your calendar."))
    await _polite(
        services,
        sub.chat_id,
        lambda: context.bot.send_document(
            sub.chat_id,
            data,
            filename=ics_filename(info),
            caption=caption,
            message_thread_id=sub.thread_id,
        ),
    )


# --------------------------------------------------------------------------- /upcoming


async def upcoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/upcoming: events ahead that match the subscriber's filters, a page at a time."""
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    text, markup = await _upcoming_page(get_services(context), sub, lang, 0)
    await _send(update, context, text, markup)


async def on_upcoming_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The pager buttons of /upcoming."""
    query = update.callback_query
    assert query is not None and query.data is not None
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    offset = max(0, int(query.data.rsplit(":", 1)[1]))
    text, markup = await _upcoming_page(get_services(context), sub, lang, offset)
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        log.debug("upcoming edit skipped: %s", type(exc).__name__)


async def _upcoming_page(
    services: Services, sub: SubscriberView, lang: str, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    now = services.clock()
    zone = zone_or(sub.timezone, services.settings.timezone)
    async with services.sessions() as session:
        page, total = await upcoming_events(session, sub.id, now, limit=PAGE, offset=offset)
    if not page:
        return esc(tr(lang, "No upcoming events match your filters yet.")), None
    lines = [
        f"<b>{esc(tr(lang, 'Upcoming events'))}</b> ({offset + 1}–{offset + len(page)} / {total})",
        "",
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for n, ev in enumerate(page, start=offset + 1):
        info = event_info(_EventLike(ev))
        where = format_where(info)
        lines.append(f"{n}. <b>{esc(ev.title)}</b>")
        lines.append(f"   🕒 {esc(format_when(lang, info, zone, now))}")
        if where:
            lines.append(f"   📍 {esc(where)}")
        label = (
            tr(lang, "✓ {n}: reminders on", n=n)
            if ev.following
            else tr(lang, "🔔 Remind me: {n}", n=n)
        )
        rows.append([InlineKeyboardButton(label, callback_data=f"{CB_REMIND}{ev.id}")])
    pager = []
    if offset > 0:
        pager.append(
            InlineKeyboardButton("«", callback_data=f"{CB_UPCOMING}{max(0, offset - PAGE)}")
        )
    if offset + PAGE < total:
        pager.append(InlineKeyboardButton("»", callback_data=f"{CB_UPCOMING}{offset + PAGE}"))
    if pager:
        rows.append(pager)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


class _EventLike:
    """Adapts an EventView to what event_info reads."""

    def __init__(self, ev: Any) -> None:
        self.id, self.title, self.start_at, self.end_at = ev.id, ev.title, ev.start_at, None
        self.all_day, self.timezone, self.venue = ev.all_day, ev.timezone, ev.venue
        self.address, self.city, self.lat, self.lon, self.status = (
            ev.address,
            ev.city,
            None,
            None,
            "scheduled",
        )


# --------------------------------------------------------------------------- /reminders


async def reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reminders: the subscriber's pending reminders, each with a cancel button."""
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    text, markup = await _reminders_text(get_services(context), sub, lang)
    await _send(update, context, text, markup)


async def on_cancel_reminder(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A cancel button of /reminders."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = get_services(context)
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    reminder_id = int(query.data.rsplit(":", 1)[1])
    async with services.sessions() as session, session.begin():
        done = await cancel_reminder(session, sub.id, reminder_id)
    await query.answer(
        tr(lang, "Reminder cancelled.") if done else tr(lang, "That reminder is already gone.")
    )
    text, markup = await _reminders_text(services, sub, lang)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        log.debug("reminders edit skipped: %s", type(exc).__name__)


async def _reminders_text(
    services: Services, sub: SubscriberView, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    now = services.clock()
    zone = zone_or(sub.timezone, services.settings.timezone)
    async with services.sessions() as session:
        found = await list_reminders(session, sub.id, now)
    if not found:
        return esc(
            tr(lang, "You have no reminders. Press “Remind me” on a protest card to get one.")
        ), None
    lines = [f"<b>{esc(tr(lang, 'Your reminders'))}</b>", ""]
    rows = []
    for n, r in enumerate(found[:20], start=1):
        lines.append(
            f"{n}. {esc(short_when(lang, r.due_at, zone))} — "
            + esc(
                tr(
                    lang,
                    "{lead} before {title}",
                    lead=lead_label(lang, r.lead_minutes),
                    title=r.event_title,
                )
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    tr(lang, "✖ Cancel {n}", n=n), callback_data=f"{CB_CANCEL_REMINDER}{r.id}"
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- settings submenu


def _quiet_label(lang: str, start: int | None, end: int | None) -> str:
    if start is None or end is None or start == end:
        return tr(lang, "off")
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def _settings_view(
    lang: str, sub: SubscriberView, default: tuple[timedelta, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    leads = sub.reminder_leads or format_leads(default)
    digest = tr(lang, "off") if sub.digest_hour is None else f"{sub.digest_hour:02d}:00"
    lines = [
        f"<b>{esc(tr(lang, 'Alerts and reminders'))}</b>",
        "",
        esc(tr(lang, "Reminders before an event: {leads}", leads=leads))
        + ("" if sub.reminder_leads else " " + esc(tr(lang, "(default)"))),
        esc(
            tr(
                lang,
                "Follow matching protests automatically: {state}",
                state=tr(lang, "on") if sub.auto_follow else tr(lang, "off"),
            )
        ),
        esc(
            tr(
                lang,
                "Quiet hours: {hours}",
                hours=_quiet_label(lang, sub.quiet_start, sub.quiet_end),
            )
        ),
        esc(tr(lang, "Daily digest instead of instant alerts: {digest}", digest=digest)),
    ]
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr(lang, "⏰ Reminder times"), callback_data="dl:menu:leads")],
            [
                InlineKeyboardButton(
                    tr(lang, "Auto-follow: turn off")
                    if sub.auto_follow
                    else tr(lang, "Auto-follow: turn on"),
                    callback_data="dl:set:auto",
                )
            ],
            [InlineKeyboardButton(tr(lang, "🌙 Quiet hours"), callback_data="dl:menu:quiet")],
            [InlineKeyboardButton(tr(lang, "🗞 Daily digest"), callback_data="dl:menu:digest")],
        ]
    )
    return "\n".join(lines), markup


def _menu(lang: str, which: str) -> tuple[str, InlineKeyboardMarkup]:
    back = [InlineKeyboardButton(tr(lang, "« Back"), callback_data="dl:settings")]
    if which == "leads":
        rows = [[InlineKeyboardButton(v, callback_data=f"dl:set:leads:{v}")] for v in LEAD_CHOICES]
        rows.append(
            [InlineKeyboardButton(tr(lang, "Default"), callback_data="dl:set:leads:default")]
        )
        text = tr(lang, "When should reminders come before an event?")
    elif which == "quiet":
        rows = [
            [InlineKeyboardButton(_quiet_label(lang, s, e), callback_data=f"dl:set:quiet:{s}-{e}")]
            for s, e in QUIET_CHOICES
        ]
        rows.append(
            [InlineKeyboardButton(tr(lang, "No quiet hours"), callback_data="dl:set:quiet:off")]
        )
        text = tr(lang, "Hold messages during these hours (urgent ones still come):")
    else:
        rows = [
            [InlineKeyboardButton(f"{h:02d}:00", callback_data=f"dl:set:digest:{h}")]
            for h in DIGEST_CHOICES
        ]
        rows.append(
            [InlineKeyboardButton(tr(lang, "Instant alerts"), callback_data="dl:set:digest:off")]
        )
        text = tr(lang, "Get alerts once a day, at this hour:")
    rows.append(back)
    return esc(text), InlineKeyboardMarkup(rows)


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """dl:settings, dl:menu:* and dl:set:* buttons."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = get_services(context)
    sub, lang = await chat_subscriber(update, context)
    if sub is None:
        await _not_started(update, lang)
        return
    data = query.data
    if data.startswith("dl:menu:"):
        text, markup = _menu(lang, data.split(":", 2)[2])
    else:
        if data.startswith("dl:set:"):
            values = _parse_setting(data, sub)
            if values is None:
                await query.answer()
                return
            async with services.sessions() as session, session.begin():
                await update_delivery_settings(session, sub.id, services.clock(), **values)
            sub, _ = await chat_subscriber(update, context)  # re-read: the change is saved
            assert sub is not None
        text, markup = _settings_view(lang, sub, services.settings.reminder_leads)
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        log.debug("settings edit skipped: %s", type(exc).__name__)


def _parse_setting(data: str, sub: SubscriberView) -> dict[str, Any] | None:
    parts = data.split(":")
    what = parts[2] if len(parts) > 2 else ""
    value = parts[3] if len(parts) > 3 else ""
    if what == "auto":
        return {"auto_follow": not sub.auto_follow}
    if what == "leads":
        if value == "default":
            return {"reminder_leads": None}
        return {"reminder_leads": value} if value in LEAD_CHOICES else None
    if what == "quiet":
        if value == "off":
            return {"quiet_start": None, "quiet_end": None}
        try:
            start, end = (int(v) for v in value.split("-"))
        except ValueError:
            return None
        if 0 <= start < 1440 and 0 <= end < 1440:
            return {"quiet_start": start, "quiet_end": end}
        return None
    if what == "digest":
        if value == "off":
            return {"digest_hour": None}
        if value.isdigit() and 0 <= int(value) < 24:
            return {"digest_hour": int(value)}
    return None


def register(app: Application) -> None:
    """Card buttons, /upcoming, /reminders and the delivery settings."""
    app.add_handler(CommandHandler("upcoming", upcoming))
    app.add_handler(CommandHandler("reminders", reminders))
    app.add_handler(
        CallbackQueryHandler(on_card_button, pattern=rf"^({CB_REMIND}|{CB_ICS}|{CB_NO})\d+$")
    )
    app.add_handler(CallbackQueryHandler(on_upcoming_page, pattern=rf"^{CB_UPCOMING}\d+$"))
    app.add_handler(CallbackQueryHandler(on_cancel_reminder, pattern=rf"^{CB_CANCEL_REMINDER}\d+$"))
    app.add_handler(CallbackQueryHandler(on_settings, pattern=r"^dl:(settings|menu:\w+|set:.*)$"))
