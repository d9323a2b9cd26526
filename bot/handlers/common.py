"""Small pieces every handler module shares: the chat's language, admin checks, error replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import ContextTypes

from bot.i18n import pick_language, tr
from bot.services import Services, get_services
from bot.storage.admins import audit, is_admin
from bot.storage.subscribers import SubscriberView, find_subscriber


async def chat_subscriber(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[SubscriberView | None, str]:
    """The chat's subscriber (None if it never started the bot) and the language to answer in.

    One lookup serves both: the subscriber's chosen language, else the user's Telegram language.
    """
    services = get_services(context)
    chat = update.effective_chat
    if chat is not None:
        async with services.sessions() as session:
            subscriber = await find_subscriber(session, chat.id)
        if subscriber is not None:
            return subscriber, subscriber.language
    user = update.effective_user
    return None, pick_language(user.language_code if user else None)


async def chat_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The language to answer in: the subscriber's choice, else the user's Telegram language."""
    return (await chat_subscriber(update, context))[1]


async def require_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> bool:
    """True for admins; anyone else gets a polite refusal and the try goes to the audit log."""
    services = get_services(context)
    user = update.effective_user
    if user is not None and await is_admin(services, user.id):
        return True
    if user is not None:
        async with services.sessions() as session, session.begin():
            await audit(session, user.id, action, detail="refused: not an admin", allowed=False)
    lang = await chat_language(update, context)
    text = tr(lang, "Sorry, this command is for the organisers who run this bot.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return False


async def reply_error(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the person something went wrong on our side, without details."""
    lang = await chat_language(update, context)
    text = tr(lang, "Something went wrong on our side. Please try again in a minute.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


T = TypeVar("T")
# Longest flood-control pause an answer to a person waits out; past it the answer is dropped.
MAX_REPLY_WAIT = 5.0


async def patiently(
    call: Callable[[], Awaitable[T]],
    *,
    services: Services | None = None,
    chat_id: int | None = None,
    tries: int = 3,
) -> T:
    """Make a Bot API call that answers a person, waiting out short flood control.

    Answers share Telegram's limits with the outbox: when the sender runs, the call takes a turn
    from its limiter for that chat, and a 429 pauses the sender too. A pause longer than
    MAX_REPLY_WAIT, or the last try failing, raises RetryAfter to the caller.
    """
    from bot.sender import retry_seconds

    sender: Any = services.extras.get("sender") if services is not None else None
    for attempt in range(tries):
        ticket = None
        if sender is not None and chat_id is not None:
            ticket = await sender.wait_turn(chat_id, chat_id < 0)
        try:
            return await call()
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            if sender is not None:
                sender.limiter.on_retry_after(seconds, time.monotonic())
            if attempt == tries - 1 or seconds > MAX_REPLY_WAIT:
                raise
            await asyncio.sleep(seconds)
        finally:
            if ticket is not None:
                ticket.settle(time.monotonic())
    raise AssertionError("unreachable: the last try returns or raises")
