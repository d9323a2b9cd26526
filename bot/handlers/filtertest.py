"""/test <text>: try the subscriber's filters on any text and see which match, and why."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.domain.filters import FilterSyntaxError, MatchableItem, MatcherIndex, parse_filter
from bot.domain.filters.items import understood_matchable
from bot.handlers.common import chat_language
from bot.render.filters import TriedFilter, try_no_filters, try_result, try_usage
from bot.services import get_services
from bot.storage.matching import filters_for

MAX_TEXT = 4096  # a Telegram message cannot be longer anyway


def try_filters(filters: list[tuple[int, str]], item: MatchableItem) -> list[TriedFilter]:
    """Each filter tried on the item: matched or not, and the terms that matched."""
    index = MatcherIndex()
    broken: set[int] = set()
    for filter_id, query in filters:
        try:
            index.add(filter_id, 0, parse_filter(query))
        except FilterSyntaxError:
            broken.add(filter_id)  # saved under an older grammar
    hits = {hit.filter_id: hit for hit in index.match(item)}
    return [
        TriedFilter(
            query,
            filter_id in hits,
            tuple(hits[filter_id].terms) if filter_id in hits else (),
            filter_id in broken,
        )
        for filter_id, query in filters
    ]


def understood_item(text: str, now: datetime) -> MatchableItem:
    """Read the text the way the jobs do (category, language, places), as a matchable item."""
    return understood_matchable(text, now=now)


async def try_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/test <text>."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    lang = await chat_language(update, context)
    raw = message.text or ""
    text = raw.split(maxsplit=1)[1].strip() if len(raw.split(maxsplit=1)) > 1 else ""
    if not text:
        await message.reply_text(try_usage(lang), parse_mode=ParseMode.HTML)
        return
    services = get_services(context)
    async with services.sessions() as session:
        filters = await filters_for(session, chat.id)
    if not filters:
        await message.reply_text(try_no_filters(lang), parse_mode=ParseMode.HTML)
        return
    now = services.clock()
    # Understanding and matching are CPU work: keep the event loop free for other chats.
    item = await asyncio.to_thread(understood_item, text[:MAX_TEXT], now)
    results = await asyncio.to_thread(try_filters, filters, item)
    reply = try_result(lang, item.category or "other", item.lang or "?", results)
    await message.reply_text(reply, parse_mode=ParseMode.HTML)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the /test command."""
    app.add_handler(CommandHandler("test", try_command))
