"""/settings (timezone by city or IANA name, language), /pause, /resume."""

from __future__ import annotations

import asyncio
import logging
import threading

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.domain.timezones import Place, is_zone, resolve_timezone, warm_up
from bot.handlers.start import (
    PRIVATE,
    Awaiting,
    answer,
    clear_awaiting,
    current_subscriber,
    retire_buttons,
    set_awaiting,
    subscriber_for,
    toast,
    user_language,
)
from bot.i18n import languages
from bot.render import subscriber as render
from bot.services import get_services
from bot.storage.subscribers import set_language, set_paused, set_timezone

log = logging.getLogger(__name__)

TIMEZONE_WORDS = {"timezone", "tz", "zone", "часовой", "пояс", "время"}
LANGUAGE_WORDS = {"language", "lang", "язык"}


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings; also `/settings timezone Almaty` and `/settings language ru` as shortcuts."""
    clear_awaiting(context)
    subscriber, _ = await subscriber_for(update, context)
    lang = subscriber.language
    args = context.args or []
    if args and args[0].casefold() in TIMEZONE_WORDS:
        rest = " ".join(a for a in args[1:] if a.casefold() not in TIMEZONE_WORDS)
        if rest:
            await _apply_timezone(update, context, rest)
        else:
            set_awaiting(context, "timezone")
            await answer(update, context, render.ask_timezone(lang))
        return
    if args and args[0].casefold() in LANGUAGE_WORDS:
        code = args[1].casefold() if len(args) > 1 else ""
        if code in languages():
            async with get_services(context).sessions() as session, session.begin():
                await set_language(session, subscriber.chat_id, code)
            await answer(update, context, render.language_set(code))
            return
        await answer(
            update, context, render.choose_language(lang), render.language_keyboard(lang)
        )
        return
    services = get_services(context)
    text = render.settings_text(lang, subscriber, services.settings.timezone, services.clock())
    await answer(update, context, text, render.settings_keyboard(lang))


async def ask_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Timezone button: the next message is taken as a city or a zone."""
    subscriber = await current_subscriber(update, context)
    lang = subscriber.language if subscriber else await user_language(update, context)
    if subscriber is None:
        await toast(update, render.start_first(lang), alert=True)
        return
    set_awaiting(context, "timezone")
    await toast(update)
    await answer(update, context, render.ask_timezone(lang))


async def language_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Language button."""
    lang = await user_language(update, context)
    await toast(update)
    await answer(update, context, render.choose_language(lang), render.language_keyboard(lang))


async def timezone_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A city or zone sent after the Timezone button."""
    clear_awaiting(context)
    message = update.effective_message
    await _apply_timezone(update, context, (message.text or "") if message else "")


async def _apply_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Look the text up; set the zone when found, else offer near misses."""
    subscriber, _ = await subscriber_for(update, context)
    lang = subscriber.language
    services = get_services(context)
    now = services.clock()
    # The first lookup loads the city list (a second or so): keep it off the event loop.
    found = await asyncio.to_thread(resolve_timezone, text)
    if found.place is None:
        # Ask again, so that the corrected name can simply be typed.
        set_awaiting(context, "timezone")
        reply, keyboard = render.timezone_unknown(lang, text.strip(), found.suggestions, now)
        await answer(update, context, reply, keyboard)
        return
    await _store_zone(update, context, found.place, found.others)


async def _store_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, place: Place, others: list[Place]
) -> None:
    chat = update.effective_chat
    assert chat is not None
    services = get_services(context)
    async with services.sessions() as session, session.begin():
        changed = await set_timezone(session, chat.id, place.zone)
    lang = changed.language if changed else await user_language(update, context)
    if changed is None:
        await answer(update, context, render.start_first(lang))
        return
    log.info("subscriber %s set a timezone", changed.id)
    text, keyboard = render.timezone_set(lang, place, others, services.clock())
    await retire_buttons(update, context)
    await answer(update, context, text, keyboard)


async def timezone_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A suggested zone's button."""
    callback = update.callback_query
    assert callback is not None and callback.data is not None
    zone = callback.data.removeprefix(render.CB_TIMEZONE_SET)
    subscriber = await current_subscriber(update, context)
    lang = subscriber.language if subscriber else await user_language(update, context)
    if subscriber is None:
        await toast(update, render.start_first(lang), alert=True)
        return
    if not is_zone(zone):
        await toast(update)
        return
    clear_awaiting(context)
    await toast(update)
    # The button's label named the city; the zone is what is stored.
    await _store_zone(update, context, Place(zone=zone), [])


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause: hold alerts until /resume."""
    await _set_paused(update, context, True)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume."""
    await _set_paused(update, context, False)


async def _set_paused(update: Update, context: ContextTypes.DEFAULT_TYPE, paused: bool) -> None:
    clear_awaiting(context)
    subscriber, _ = await subscriber_for(update, context)
    async with get_services(context).sessions() as session, session.begin():
        await set_paused(session, subscriber.chat_id, paused)
    lang = subscriber.language
    await answer(update, context, render.paused_text(lang) if paused else render.resumed_text(lang))


def register(app: Application) -> None:
    """/settings, /pause, /resume and the settings buttons (not dl:settings: delivery's)."""
    # Load the city list in the background so the first timezone answer is not slow.
    threading.Thread(target=warm_up, name="timezones-warm-up", daemon=True).start()
    # The answer to "which timezone?" is plain text the fallback would otherwise take.
    app.add_handler(
        MessageHandler(
            PRIVATE & filters.TEXT & ~filters.COMMAND & Awaiting(app, "timezone"), timezone_reply
        )
    )
    app.add_handler(CommandHandler("settings", settings, filters=PRIVATE))
    app.add_handler(CommandHandler("pause", pause, filters=PRIVATE))
    app.add_handler(CommandHandler("resume", resume, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(ask_timezone, pattern=r"^st:tz$"))
    app.add_handler(CallbackQueryHandler(language_menu, pattern=r"^st:langs$"))
    app.add_handler(CallbackQueryHandler(timezone_chosen, pattern=r"^st:tzset:[\w/+\-]{1,48}$"))
