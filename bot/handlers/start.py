"""/start, /help, /privacy, /forget, the language buttons, and the command menus.

Also the small helpers the subscriber handlers share: answering without failing on a chat that
blocked the bot, and finding or creating the subscriber.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.handlers.common import patiently
from bot.i18n import languages, pick_language
from bot.render import subscriber as render
from bot.render.filters import help_filters
from bot.services import get_services
from bot.storage.privacy import describe_person, forget_person
from bot.storage.subscribers import (
    SubscriberView,
    count_filters,
    ensure_subscriber,
    find_subscriber,
    mark_blocked,
    mark_unblocked,
    set_language,
)

log = logging.getLogger(__name__)

# New messages in private chats: an edit of an old message is not a new request, so edits
# (which PTB hands to command handlers by default) are left unanswered.
PRIVATE = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# What a chat is asked for next ("filter" or "timezone"), kept in chat_data with a deadline so a
# question left unanswered does not swallow a message sent much later.
AWAITING_KEY = "awaiting"
AWAITING_SECONDS = 15 * 60

# Commands a handler in the application answers; publish_commands shows only these.
_available: set[str] | None = None


# --- shared helpers --------------------------------------------------------------------------


def set_awaiting(context: ContextTypes.DEFAULT_TYPE, what: str) -> None:
    """Take the chat's next plain message as the answer to `what`."""
    context.chat_data[AWAITING_KEY] = (what, time.monotonic() + AWAITING_SECONDS)  # type: ignore[index]


def clear_awaiting(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Forget a pending question; returns what was awaited, if anything."""
    pending = context.chat_data.pop(AWAITING_KEY, None) if context.chat_data is not None else None
    return pending[0] if pending else None


class Awaiting(filters.MessageFilter):
    """Accepts a private text message when its chat was asked for `what` and the question is fresh."""

    def __init__(self, app: Application, what: str) -> None:
        super().__init__(name=f"Awaiting({what})")
        self._app = app
        self._what = what

    def filter(self, message: Message) -> bool:
        """True when this chat's pending question is ours and not expired."""
        data = self._app.chat_data.get(message.chat_id)
        pending = data.get(AWAITING_KEY) if data else None
        if not pending:
            return False
        what, deadline = pending
        return bool(what == self._what and deadline > time.monotonic())


async def user_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The subscriber's language, or the user's Telegram language for someone unknown."""
    subscriber = await current_subscriber(update, context)
    if subscriber is not None:
        return subscriber.language
    user = update.effective_user
    return pick_language(user.language_code if user else None)


async def current_subscriber(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> SubscriberView | None:
    """The subscriber for this chat, or None."""
    chat = update.effective_chat
    if chat is None:
        return None
    async with get_services(context).sessions() as session:
        return await find_subscriber(session, chat.id)


async def subscriber_for(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[SubscriberView, bool]:
    """The subscriber for this chat, created (language from Telegram) when new."""
    chat = update.effective_chat
    assert chat is not None
    user = update.effective_user
    async with get_services(context).sessions() as session, session.begin():
        return await ensure_subscriber(
            session, chat.id, pick_language(user.language_code if user else None), kind=chat.type
        )


async def note_blocked(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """Remember that Telegram refused to deliver to this chat, so the sender stops trying."""
    async with get_services(context).sessions() as session, session.begin():
        if await mark_blocked(session, chat_id):
            log.info("chat %s blocked the bot", chat_id)


async def answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Reply in the chat; a chat that blocked the bot is noted quietly instead of failing."""
    chat = update.effective_chat
    if chat is None:
        return None
    chat_id = chat.id
    try:
        return await patiently(
            lambda: context.bot.send_message(
                chat_id, text, reply_markup=markup, link_preview_options=NO_PREVIEW
            ),
            services=get_services(context),
            chat_id=chat_id,
        )
    except RetryAfter:
        # a long flood wait: an answer that comes minutes late helps nobody
        log.warning("answer to chat %s dropped: flood control", chat_id)
        return None
    except Forbidden:
        await note_blocked(context, chat.id)
    except BadRequest as exc:
        # "chat not found" and friends: nobody to tell; log the class only.
        log.warning("could not answer chat %s: %s", chat.id, type(exc).__name__)
    return None


async def edit_or_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message a button sits on; send a new one when it cannot be edited."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                text, reply_markup=markup, link_preview_options=NO_PREVIEW
            )
            return
        except Forbidden:
            if update.effective_chat is not None:
                await note_blocked(context, update.effective_chat.id)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit a message: %s", type(exc).__name__)
    await answer(update, context, text, markup)


async def retire_buttons(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None
) -> None:
    """Take the buttons off the message that was answered (optionally rewording it), so the
    question reads as settled above the new message that answers it."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=None)
        else:
            await query.edit_message_text(text, reply_markup=None, link_preview_options=NO_PREVIEW)
    except Forbidden:
        if update.effective_chat is not None:
            await note_blocked(context, update.effective_chat.id)
    except BadRequest as exc:
        # Already without buttons (pressed twice) or too old to edit: nothing to tidy.
        log.info("could not retire buttons: %s", type(exc).__name__)


async def toast(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press (stops the spinner), ignoring a query that is too old to answer."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text[:200] if text else None, show_alert=alert)
    except (BadRequest, Forbidden) as exc:
        log.info("could not answer a callback: %s", type(exc).__name__)


# --- /start, /help ---------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome a new person (or a returning one), with the language choice."""
    clear_awaiting(context)
    subscriber, created = await subscriber_for(update, context)
    lang = subscriber.language
    if created:
        log.info("new subscriber %s", subscriber.id)
        text = render.welcome(lang)
    else:
        async with get_services(context).sessions() as session:
            count = await count_filters(session, subscriber.id)
        text = render.welcome_back(lang, count)
    await answer(update, context, text, render.language_keyboard(lang, welcome=True))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help, and /help filters for the filter language."""
    clear_awaiting(context)
    lang = await user_language(update, context)
    topic = (context.args or [""])[0].casefold()
    if topic in ("filters", "filter", "фильтры", "фильтр"):
        await answer(update, context, help_filters(lang))
        return
    await answer(update, context, render.help_text(lang, _available))


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button: under the welcome it re-renders the welcome, elsewhere it confirms."""
    query = update.callback_query
    assert query is not None and query.data is not None
    welcome = query.data.startswith(render.CB_WELCOME_LANGUAGE)
    code = query.data.rsplit(":", 1)[-1]
    chat = update.effective_chat
    if code not in languages() or chat is None:
        await toast(update)
        return
    async with get_services(context).sessions() as session, session.begin():
        changed = await set_language(session, chat.id, code)
        count = await count_filters(session, changed.id) if changed else 0
    if changed is None:
        await toast(update, render.start_first(code), alert=True)
        return
    await toast(update, render.language_name(code))
    if welcome:
        # The welcome itself is rewritten in the chosen language, buttons kept for a change of mind.
        text = render.welcome(code) if count == 0 else render.welcome_back(code, count)
        await edit_or_answer(update, context, text, render.language_keyboard(code, welcome=True))
    else:
        await retire_buttons(update, context)
    await answer(update, context, render.language_set(code))


# --- /privacy, /forget -----------------------------------------------------------------------


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is stored about this person."""
    clear_awaiting(context)
    lang = await user_language(update, context)
    chat = update.effective_chat
    assert chat is not None
    services = get_services(context)
    async with services.sessions() as session:
        stored = await describe_person(session, chat.id)
    await answer(update, context, render.privacy_text(lang, stored, services.settings.timezone))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask before erasing."""
    clear_awaiting(context)
    lang = await user_language(update, context)
    text, keyboard = render.forget_confirm(lang)
    await answer(update, context, text, keyboard)


async def forget_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Erase every row about this person, then drop what the process holds in memory."""
    lang = await user_language(update, context)
    chat = update.effective_chat
    assert chat is not None
    user = update.effective_user
    async with get_services(context).sessions() as session, session.begin():
        erased = await forget_person(session, chat.id, user.id if user else None)
    log.info("forget: %s rows erased", erased.total)
    if context.chat_data is not None:
        context.chat_data.clear()
    if context.user_data is not None:
        context.user_data.clear()
    await toast(update)
    await retire_buttons(update, context)
    await answer(update, context, render.forgotten(lang))


async def forget_cancelled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep everything."""
    lang = await user_language(update, context)
    await toast(update)
    await retire_buttons(update, context)
    await answer(update, context, render.forget_cancelled(lang))


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person blocked or unblocked the bot: stop or resume sending (no row is created)."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    async with get_services(context).sessions() as session, session.begin():
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            changed = await mark_blocked(session, change.chat.id)
        else:
            changed = await mark_unblocked(session, change.chat.id)
    if changed:
        log.info("chat %s is now %s", change.chat.id, status)


# --- command menus ---------------------------------------------------------------------------


def _registered_commands(app: Application) -> set[str]:
    found: set[str] = set()
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                found |= set(handler.commands)
    return found


async def publish_commands(bot: Any) -> None:
    """Register the command menu with Telegram: English by default, and Russian."""
    available = _available
    await bot.set_my_commands(render.bot_commands("en", available))
    for lang in languages():
        if lang == "en":
            continue
        await bot.set_my_commands(render.bot_commands(lang, available), language_code=lang)


def register(app: Application) -> None:
    """/start, /help, /privacy, /forget and their buttons (private chats)."""
    global _available
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    app.add_handler(CommandHandler("privacy", privacy, filters=PRIVATE))
    app.add_handler(CommandHandler("forget", forget, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^st:w?lang:[a-z]{2,3}$"))
    app.add_handler(CallbackQueryHandler(forget_confirmed, pattern=r"^fg:yes$"))
    app.add_handler(CallbackQueryHandler(forget_cancelled, pattern=r"^fg:no$"))
    app.add_handler(
        ChatMemberHandler(
            member_changed, ChatMemberHandler.MY_CHAT_MEMBER, chat_id=None
        )
    )
    # Modules registered before this one have added their commands; the menu lists only
    # commands that something answers (e.g. /upcoming only once the delivery part is in).
    _available = _registered_commands(app)
