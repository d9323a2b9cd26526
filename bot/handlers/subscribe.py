"""/subscribe (with a preview before saving), /filters with remove buttons, /unsubscribe, /cancel."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.domain.filters import MAX_REGEX_PER_SUBSCRIBER, FilterSyntaxError, parse_filter
from bot.handlers.start import (
    PRIVATE,
    Awaiting,
    answer,
    clear_awaiting,
    current_subscriber,
    edit_or_answer,
    retire_buttons,
    set_awaiting,
    subscriber_for,
    toast,
    user_language,
)
from bot.render import subscriber as render
from bot.render.filters import syntax_error
from bot.services import get_services
from bot.storage.matching import preview_filter
from bot.storage.subscribers import (
    MAX_FILTERS,
    FilterView,
    add_filter,
    count_filters,
    find_filter_by_query,
    list_filters,
    remove_all_filters,
    remove_filter,
)

log = logging.getLogger(__name__)

MAX_FILTER_LENGTH = 300  # the filters.query column's size, and the limit
# Previews waiting for Save/Cancel, per chat; old ones fall off so memory stays bounded.
PREVIEWS_KEY = "filter_previews"
PREVIEWS_KEPT = 5
ALL_WORDS = {"all", "все", "всё"}


def _words_after_command(text: str | None) -> str:
    """What follows the /command (quotes and spacing kept, unlike context.args)."""
    if not text:
        return ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe words: check and preview; /subscribe alone: ask for the words."""
    clear_awaiting(context)
    subscriber, _ = await subscriber_for(update, context)
    query = _words_after_command(update.effective_message.text if update.effective_message else None)
    if not query:
        set_awaiting(context, "filter")
        await answer(update, context, render.ask_filter(subscriber.language))
        return
    await _propose(update, context, query)


async def filter_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The words sent after a bare /subscribe."""
    clear_awaiting(context)
    message = update.effective_message
    await _propose(update, context, (message.text or "").strip() if message else "")


async def _propose(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str) -> None:
    """Validate a filter, show what it would have matched, and offer Save (nothing saved yet)."""
    subscriber, _ = await subscriber_for(update, context)
    lang = subscriber.language
    services = get_services(context)
    # One line, as /filters shows it (spaces inside a /regex/ are left alone).
    query = re.sub(r"[\r\n\t\v\f]+", " ", query).strip()
    # Checked here as well as in the parser: the column holds 300 characters, no more.
    if len(query) > MAX_FILTER_LENGTH:
        await answer(update, context, render.filter_too_long(lang, len(query), MAX_FILTER_LENGTH))
        return
    if not query.strip():
        await answer(update, context, render.filter_empty(lang))
        return
    try:
        parsed = parse_filter(query)
    except FilterSyntaxError as err:
        await answer(update, context, syntax_error(lang, err))
        return
    async with services.sessions() as session:
        existing = await find_filter_by_query(session, subscriber.id, query)
        current = await list_filters(session, subscriber.id)
    if existing is not None:
        await answer(update, context, render.duplicate_filter(lang, existing))
        return
    if len(current) >= MAX_FILTERS:
        await answer(update, context, render.too_many_filters(lang, MAX_FILTERS))
        return
    if parsed.regex_count and parsed.regex_count + _regex_count(current) > MAX_REGEX_PER_SUBSCRIBER:
        await answer(update, context, render.too_many_regexes(lang, MAX_REGEX_PER_SUBSCRIBER))
        return
    matched, examples = await _preview(context, query)
    token = _remember_preview(context, Pending(query, matched, examples))
    text, keyboard = render.preview(lang, query, matched, examples, token)
    await answer(update, context, text, keyboard)


def _regex_count(saved: list[FilterView]) -> int:
    """/regex/ terms across saved filters (each one costs the matcher more than a word)."""
    total = 0
    for found in saved:
        try:
            total += parse_filter(found.query).regex_count
        except FilterSyntaxError:
            continue  # saved under an older grammar; the matcher skips it too
    return total


async def _preview(
    context: ContextTypes.DEFAULT_TYPE, query: str
) -> tuple[int | None, list[tuple[str, str | None]]]:
    """How many items of the last week the filter would have matched, with examples."""
    services = get_services(context)
    async with services.sessions() as session:
        found = await preview_filter(session, query, services.clock())
    return found.count, [(title, link) for title, link in found.examples]


@dataclass(frozen=True)
class Pending:
    """A previewed filter waiting for Save (in memory only: lost on restart, then re-asked)."""

    query: str
    count: int | None
    examples: list[tuple[str, str | None]]


def _remember_preview(context: ContextTypes.DEFAULT_TYPE, pending: Pending) -> str:
    """Keep the previewed filter until Save; the button carries a short token, not the text."""
    previews: dict[str, Pending] = context.chat_data.setdefault(PREVIEWS_KEY, {})  # type: ignore[union-attr]
    while len(previews) >= PREVIEWS_KEPT:
        previews.pop(next(iter(previews)))
    token = secrets.token_urlsafe(6)
    previews[token] = pending
    return token


def _take_preview(context: ContextTypes.DEFAULT_TYPE, token: str) -> Pending | None:
    previews = context.chat_data.get(PREVIEWS_KEY) if context.chat_data is not None else None
    return previews.pop(token, None) if previews else None


async def save_previewed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Save pressed under a preview: store the filter (once, however often it is pressed)."""
    callback = update.callback_query
    assert callback is not None and callback.data is not None
    pending = _take_preview(context, callback.data.removeprefix(render.CB_SAVE_FILTER))
    subscriber = await current_subscriber(update, context)
    lang = subscriber.language if subscriber else await user_language(update, context)
    if subscriber is None:
        await toast(update, render.start_first(lang), alert=True)
        return
    if pending is None:
        await toast(update, render.preview_expired(lang), alert=True)
        await retire_buttons(update, context)
        return
    query = pending.query
    services = get_services(context)
    async with services.sessions() as session, session.begin():
        existing = await find_filter_by_query(session, subscriber.id, query)
        if existing is None and await count_filters(session, subscriber.id) >= MAX_FILTERS:
            text = render.too_many_filters(lang, MAX_FILTERS)
        elif existing is not None:
            text = render.duplicate_filter(lang, existing)
        else:
            saved = await add_filter(session, subscriber.id, query, services.clock())
            text = render.filter_saved(lang, saved, subscriber.paused)
            log.info("subscriber %s added filter %s", subscriber.id, saved.id)
    await toast(update)
    await retire_buttons(
        update, context, render.preview_settled(lang, query, pending.count, pending.examples)
    )
    await answer(update, context, text)


async def drop_previewed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel pressed under a preview."""
    callback = update.callback_query
    assert callback is not None and callback.data is not None
    pending = _take_preview(context, callback.data.removeprefix(render.CB_DROP_FILTER))
    lang = await user_language(update, context)
    await toast(update)
    if pending is None:
        await retire_buttons(update, context)
    else:
        settled = render.preview_settled(lang, pending.query, pending.count, pending.examples)
        await retire_buttons(update, context, settled)
    await answer(update, context, render.filter_not_saved(lang))


async def show_filters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/filters: each filter with a remove button."""
    clear_awaiting(context)
    subscriber, _ = await subscriber_for(update, context)
    async with get_services(context).sessions() as session:
        found = await list_filters(session, subscriber.id)
    text, keyboard = render.filters_list(subscriber.language, found)
    await answer(update, context, text, keyboard)


async def remove_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A remove button under /filters; an old button whose filter is gone is answered kindly."""
    callback = update.callback_query
    assert callback is not None and callback.data is not None
    subscriber = await current_subscriber(update, context)
    lang = subscriber.language if subscriber else await user_language(update, context)
    if subscriber is None:
        await toast(update, render.start_first(lang), alert=True)
        return
    filter_id = int(callback.data.removeprefix(render.CB_REMOVE_FILTER))
    async with get_services(context).sessions() as session, session.begin():
        # The subscriber's id is part of the delete, so a forged button removes nothing of others'.
        removed = await remove_filter(session, subscriber.id, filter_id)
        remaining = await list_filters(session, subscriber.id)
    if removed is None:
        await toast(update, render.filter_already_gone(lang))
    else:
        log.info("subscriber %s removed filter %s", subscriber.id, filter_id)
        await toast(update, render.filter_removed(lang, removed))
    text, keyboard = render.filters_list(lang, remaining)
    await edit_or_answer(update, context, text, keyboard)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe n or /unsubscribe all."""
    clear_awaiting(context)
    subscriber, _ = await subscriber_for(update, context)
    lang = subscriber.language
    arg = (context.args or [""])[0].strip().casefold().lstrip("#")
    if not arg:
        await answer(update, context, render.unsubscribe_usage(lang))
        return
    async with get_services(context).sessions() as session, session.begin():
        if arg in ALL_WORDS:
            removed = await remove_all_filters(session, subscriber.id)
            text = render.unsubscribed_all(lang, removed)
        else:
            found = await list_filters(session, subscriber.id)
            chosen = next((f for f in found if arg.isdecimal() and f.number == int(arg)), None)
            if chosen is None:
                text = render.no_such_filter(lang, arg, len(found))
            else:
                await remove_filter(session, subscriber.id, chosen.id)
                text = render.unsubscribed_one(lang, chosen.number, chosen.query)
    await answer(update, context, text)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: drop a pending question."""
    pending = clear_awaiting(context)
    lang = await user_language(update, context)
    await answer(update, context, render.cancelled(lang) if pending else render.nothing_to_cancel(lang))


def register(app: Application) -> None:
    """The subscribe conversation, /filters, /unsubscribe, /cancel."""
    # The reply to a bare /subscribe comes first: it is plain text the fallback would take.
    app.add_handler(
        MessageHandler(
            PRIVATE & filters.TEXT & ~filters.COMMAND & Awaiting(app, "filter"), filter_reply
        )
    )
    app.add_handler(CommandHandler("subscribe", subscribe, filters=PRIVATE))
    app.add_handler(CommandHandler("filters", show_filters, filters=PRIVATE))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe, filters=PRIVATE))
    app.add_handler(CommandHandler("cancel", cancel, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(save_previewed, pattern=r"^sub:ok:[\w-]{1,16}$"))
    app.add_handler(CallbackQueryHandler(drop_previewed, pattern=r"^sub:no:[\w-]{1,16}$"))
    app.add_handler(CallbackQueryHandler(remove_pressed, pattern=r"^flt:rm:\d{1,18}$"))
