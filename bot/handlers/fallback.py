"""The last word: unknown commands and stray messages in private chats get a short pointer.

Registered last (see bot/app.py): anything another handler accepts never reaches here.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.handlers.start import PRIVATE, answer, toast, user_language
from bot.render import subscriber as render


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command no handler knows."""
    message = update.effective_message
    word = (message.text or "").split(maxsplit=1)[0] if message and message.text else "/"
    command = word.split("@", 1)[0]
    lang = await user_language(update, context)
    await answer(update, context, render.unknown_command(lang, command))


async def stray_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text, a photo, a sticker... that nothing was waiting for. Its content is not kept."""
    lang = await user_language(update, context)
    message = update.effective_message
    text = message.text if message is not None and message.forward_origin is None else None
    await answer(update, context, render.stray_message(lang, text))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button nobody handles any more (an old message): stop the spinner, say nothing."""
    await toast(update)


def register(app: Application) -> None:
    """Catch-alls for private chats; groups are left in peace."""
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    # Edited messages are not answered: an edit of an old message is not a new request.
    app.add_handler(
        MessageHandler(PRIVATE & ~filters.COMMAND & ~filters.UpdateType.EDITED, stray_message)
    )
    app.add_handler(CallbackQueryHandler(stale_button))
