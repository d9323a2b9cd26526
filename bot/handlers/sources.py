"""Admin commands for sources: /sources (health, pause, remove), /addsource URL, /removesource ID."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.handlers.common import chat_language, require_admin
from bot.render import sources as render
from bot.services import get_services
from bot.storage import sources as repo
from bot.storage.admins import audit
from jobs.fetch import RefusedAddress, check_url, preview_feed
from jobs.poll import http_client

log = logging.getLogger(__name__)

PENDING = "pending_sources"  # user_data key: previews waiting for Add / Cancel
MAX_PENDING = 5


async def _health(context: ContextTypes.DEFAULT_TYPE) -> list[repo.SourceHealth]:
    services = get_services(context)
    async with services.sessions() as session:
        return await repo.source_health(session, services.clock())


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: every source with its health and buttons to pause or remove it."""
    if not await require_admin(update, context, "sources"):
        return
    lang = await chat_language(update, context)
    text, markup = render.sources_page(lang, await _health(context), get_services(context).clock())
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


async def addsource_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addsource URL: fetch once, show the title and item count, save on Add."""
    if not await require_admin(update, context, "sources.add"):
        return
    lang = await chat_language(update, context)
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if len(args) != 1:
        await message.reply_text(render.addsource_usage(lang))
        return
    url = args[0].strip()
    try:
        check_url(url)
    except RefusedAddress:
        await message.reply_text(render.bad_address(lang))
        return
    services = get_services(context)
    status = await message.reply_text(render.fetching(lang))
    found = await preview_feed(
        http_client(services),
        url,
        kind=None,
        timezone=services.settings.timezone,
        now=services.clock(),
        allow_private=services.settings.allow_private_sources,
    )
    if found.error is not None:
        log.info("addsource preview failed: %s", found.error.split(":", 1)[0])
        await status.edit_text(render.preview_failed(lang, found.error))
        return
    pending: dict[str, dict[str, Any]] = context.user_data.setdefault(PENDING, {})  # type: ignore[union-attr]
    while len(pending) >= MAX_PENDING:
        pending.pop(next(iter(pending)))
    token = secrets.token_hex(4)
    pending[token] = {"url": found.url, "kind": found.kind, "title": found.title}
    text, markup = render.preview(
        lang, found.title, found.kind, found.items, found.url, token, found.discovered
    )
    await status.edit_text(text, reply_markup=markup)


async def removesource_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removesource ID: ask, then remove the source and its items."""
    if not await require_admin(update, context, "sources.remove"):
        return
    lang = await chat_language(update, context)
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        text, markup = render.sources_page(
            lang, await _health(context), get_services(context).clock()
        )
        await message.reply_text(
            render.removesource_usage(lang) + "\n\n" + text, reply_markup=markup
        )
        return
    source_id = int(args[0].lstrip("#"))
    services = get_services(context)
    async with services.sessions() as session:
        source = await repo.get_source(session, source_id)
    if source is None:
        await message.reply_text(render.no_such_source(lang, source_id))
        return
    text, markup = render.confirm_remove(lang, source.id, source.label)
    await message.reply_text(text, reply_markup=markup)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The buttons of /sources, /addsource and /removesource."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _prefix, action, argument = (query.data.split(":", 2) + ["", ""])[:3]
    audit_action = {
        "a": "sources.add",
        "x": "sources.add",
        "p": "sources.pause",
        "u": "sources.resume",
        "d": "sources.remove",
        "dd": "sources.remove",
        "pg": "sources",
    }.get(action, "sources")
    if not await require_admin(update, context, audit_action):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    user = update.effective_user
    assert user is not None
    now = services.clock()
    if action in ("a", "x"):
        pending: dict[str, dict[str, Any]] = context.user_data.setdefault(PENDING, {})  # type: ignore[union-attr]
        entry = pending.pop(argument, None)
        if entry is None:
            await query.answer(render.expired(lang), show_alert=True)
            return
        if action == "x":
            await query.answer()
            await query.edit_message_text(render.cancelled(lang))
            return
        async with services.sessions() as session, session.begin():
            try:
                source = await repo.add_source(
                    session, entry["url"], now, kind=entry["kind"], title=entry["title"]
                )
            except repo.SourceExists as exc:
                existing = exc.source_id
                source = None
            if source is not None:
                await audit(session, user.id, "sources.add", detail=f"source {source.id}")
        await query.answer()
        if source is None:
            await query.edit_message_text(render.already_there(lang, existing))
            return
        await query.edit_message_text(render.added(lang, source.id, source.label))
        return
    if action == "pg":
        await query.answer()
        offset = int(argument) if argument.isdigit() else 0
        text, markup = render.sources_page(lang, await _health(context), now, offset)
        await query.edit_message_text(text, reply_markup=markup)
        return
    if not argument.isdigit():
        await query.answer()
        return
    source_id = int(argument)
    async with services.sessions() as session:
        source_view = await repo.get_source(session, source_id)
    if source_view is None:
        await query.answer(render.no_such_source(lang, source_id), show_alert=True)
        return
    if action == "d":
        await query.answer()
        text, markup = render.confirm_remove(lang, source_id, source_view.label)
        await query.edit_message_text(text, reply_markup=markup)
        return
    async with services.sessions() as session, session.begin():
        if action == "dd":
            await repo.remove_source(session, source_id)
            note = render.removed(lang, source_id)
        elif action == "p":
            await repo.set_enabled(session, source_id, False, now, reason=None)
            note = render.paused(lang, source_id)
        else:
            await repo.set_enabled(session, source_id, True, now)
            note = render.resumed(lang, source_id)
        await audit(session, user.id, audit_action, detail=f"source {source_id}")
    await query.answer(note)
    text, markup = render.sources_page(lang, await _health(context), now)
    await query.edit_message_text(note + "\n\n" + text, reply_markup=markup)


def register(app: Application) -> None:
    """Add the source commands and their buttons."""
    app.add_handler(CommandHandler("sources", sources_command))
    app.add_handler(CommandHandler("addsource", addsource_command))
    app.add_handler(CommandHandler("removesource", removesource_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^src:(a|x|p|u|d|dd|pg):[0-9a-f]*$"))
