"""/broadcast: the message, the audience, urgent or quiet, a preview, Confirm, live progress."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import BadRequest, TelegramError
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
from bot.i18n import languages, tr
from bot.render import admin as render
from bot.render.broadcast import render_broadcast
from bot.render.message import Outgoing
from bot.services import Services, get_services
from bot.storage import broadcasts as store
from bot.storage.admins import audit

log = logging.getLogger(__name__)

MESSAGE, VALUE = range(2)
# Seconds between edits of the progress message; tests lower it through services.extras.
PROGRESS_INTERVAL = 2.0
_TRACKERS = "broadcast_trackers"


# --------------------------------------------------------------------------- the conversation


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/broadcast: ask for the message."""
    if not await require_admin(update, context, "broadcast"):
        return ConversationHandler.END
    lang = await chat_language(update, context)
    assert update.effective_message is not None
    message = update.effective_message
    await patiently(lambda: message.reply_text(render.broadcast_ask_message(lang)))
    return MESSAGE


def _content(message: Message) -> tuple[str, str | None] | None:
    """The HTML text and photo of a message (forwarded or not); None when not broadcastable."""
    if message.photo:
        return message.caption_html or "", message.photo[-1].file_id
    if message.text:
        return message.text_html, None
    return None


# Telegram takes at most 1024 characters of caption; the organisers' mark needs some of them.
CAPTION_ROOM = 960


def photo_caption_too_long(message: Message) -> bool:
    """True when a photo's caption leaves no room for the organisers' mark."""
    return bool(message.photo) and len(message.caption or "") > CAPTION_ROOM


async def got_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The admin sent (or forwarded) the message: store a draft, ask for the audience."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    lang = await chat_language(update, context)
    content = _content(message)
    if content is None:
        await patiently(lambda: message.reply_text(render.broadcast_unsupported(lang)))
        return MESSAGE
    if photo_caption_too_long(message):
        too_long = tr(
            lang, "That caption is too long for a photo: keep it under {n} characters.", n=CAPTION_ROOM
        )
        await patiently(lambda: message.reply_text(too_long))
        return MESSAGE
    if not await _still_admin(update, context):
        return ConversationHandler.END
    services = get_services(context)
    text, photo = content
    async with services.sessions() as session, session.begin():
        draft = await store.create_draft(session, user.id, text, photo, services.clock())
    log.info("broadcast draft %s by %s", draft.id, user.id)
    menu, keyboard = render.broadcast_audience_menu(lang, draft.id)
    await patiently(lambda: message.reply_text(menu, reply_markup=keyboard))
    return ConversationHandler.END


async def ask_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """"By keywords" / "By city": ask for the words and wait for them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_admin(update, context, "broadcast"):
        return ConversationHandler.END
    _, _, raw_id, kind = query.data.split(":")
    context.user_data["bc_value"] = (int(raw_id), "city" if kind == "city" else "keywords")  # type: ignore[index]
    lang = await chat_language(update, context)
    await query.answer()
    await query.edit_message_text(render.broadcast_ask_value(lang, kind))
    return VALUE


async def got_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The keywords or city arrived: set the audience and show its size."""
    message = update.effective_message
    assert message is not None and message.text is not None
    pending = context.user_data.pop("bc_value", None)  # type: ignore[union-attr]
    if pending is None:
        return ConversationHandler.END
    broadcast_id, kind = pending
    value = message.text.strip()[:200]
    await _set_audience(update, context, broadcast_id, {"kind": kind, "value": value}, edit=False)
    return ConversationHandler.END


async def cancel_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel while composing."""
    context.user_data.pop("bc_value", None)  # type: ignore[union-attr]
    lang = await chat_language(update, context)
    assert update.effective_message is not None
    message = update.effective_message
    await patiently(lambda: message.reply_text(tr(lang, "Stopped. Nothing was sent.")))
    return ConversationHandler.END


async def _still_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    # Rights may be taken away while a conversation is open.
    return await require_admin(update, context, "broadcast")


# --------------------------------------------------------------------------- the buttons


async def _draft_or_tell(
    update: Update, context: ContextTypes.DEFAULT_TYPE, broadcast_id: int, lang: str
) -> store.BroadcastView | None:
    services = get_services(context)
    async with services.sessions() as session:
        draft = await store.get_broadcast(session, broadcast_id)
    if draft is None or draft.status != "draft":
        query = update.callback_query
        if query is not None:
            await query.answer(tr(lang, "This broadcast is no longer a draft."), show_alert=True)
        return None
    return draft


async def _set_audience(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    broadcast_id: int,
    audience: dict[str, Any],
    *,
    edit: bool,
) -> None:
    services = get_services(context)
    lang = await chat_language(update, context)
    async with services.sessions() as session, session.begin():
        draft = await store.update_draft(session, broadcast_id, audience=audience)
        count = await store.count_audience(session, audience) if draft is not None else 0
    if draft is None:
        await _reply(update, tr(lang, "This broadcast is no longer a draft."), None, edit)
        return
    if edit:
        # The menu keeps the choice made; the next step comes as a message of its own.
        chosen = tr(lang, "Audience: {audience}.", audience=render.audience_label(lang, audience))
        await _reply(update, chosen, None, True)
    text, keyboard = render.broadcast_mode_menu(lang, broadcast_id, audience, count)
    await _reply(update, text, keyboard, False)


async def _reply(update: Update, text: str, keyboard: Any, edit: bool) -> None:
    query = update.callback_query
    if edit and query is not None:
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
    elif update.effective_message is not None:
        message = update.effective_message
        await patiently(lambda: message.reply_text(text, reply_markup=keyboard))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every broadcast button except the ones that wait for typed text."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    action, broadcast_id = parts[1], int(parts[2])
    if not await require_admin(update, context, f"broadcast.{action}"):
        return
    lang = await chat_language(update, context)
    if action == "ok":
        await _confirm(update, context, broadcast_id, lang)
        return
    if action == "x":
        await _cancel(update, context, broadcast_id, lang)
        return
    draft = await _draft_or_tell(update, context, broadcast_id, lang)
    if draft is None:
        return
    services = get_services(context)
    if action == "a":
        await _set_audience(update, context, broadcast_id, {"kind": "all"}, edit=True)
    elif action == "l":
        await _set_audience(
            update, context, broadcast_id, {"kind": "language", "value": parts[3]}, edit=True
        )
    elif action == "lang":
        text, keyboard = render.broadcast_language_menu(lang, broadcast_id, languages())
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
    elif action == "back":
        text, keyboard = render.broadcast_audience_menu(lang, broadcast_id)
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
    elif action == "m":
        mode = parts[3]
        async with services.sessions() as session, session.begin():
            updated = await store.update_draft(
                session, broadcast_id, urgent=mode in ("u", "p"), pin=mode == "p"
            )
            count = await store.count_audience(session, draft.audience, mode in ("u", "p"))
        if updated is None:
            await query.answer(tr(lang, "This broadcast is no longer a draft."), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(
            tr(lang, "Preview below: this is exactly what subscribers will see.")
        )
        assert query.message is not None
        chat_id = query.message.chat.id
        preview = render_broadcast(lang, updated)
        await patiently(lambda: send_outgoing(context.bot, chat_id, preview, preview=True))
        text, keyboard = render.broadcast_confirm_panel(
            lang, broadcast_id, updated.audience, updated.urgent, updated.pin, count
        )
        await patiently(lambda: context.bot.send_message(chat_id, text, reply_markup=keyboard))
    elif action == "no":
        async with services.sessions() as session, session.begin():
            await store.discard_draft(session, broadcast_id)
        await query.answer()
        await query.edit_message_text(tr(lang, "Discarded. Nothing was sent."))


async def _confirm(
    update: Update, context: ContextTypes.DEFAULT_TYPE, broadcast_id: int, lang: str
) -> None:
    services = get_services(context)
    query = update.callback_query
    user = update.effective_user
    assert query is not None and query.message is not None and user is not None
    async with services.sessions() as session, session.begin():
        queued = await store.confirm_broadcast(
            session,
            broadcast_id,
            services.clock(),
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
        )
        if queued is not None:
            draft = await store.get_broadcast(session, broadcast_id)
            assert draft is not None
            await audit(
                session,
                user.id,
                "broadcast.confirm",
                detail=f"broadcast {broadcast_id}; audience {draft.audience.get('kind', 'all')}; "
                f"{'urgent' if draft.urgent else 'quiet'}{' pinned' if draft.pin else ''}",
                reached=queued,
            )
    if queued is None:
        # Confirmed already (a second tap, or another admin): it goes out once.
        await query.answer(tr(lang, "Already confirmed: it is sent once."), show_alert=True)
        return
    log.info("broadcast %s confirmed by %s: %s queued", broadcast_id, user.id, queued)
    await query.answer(tr(lang, "Sending."))
    start_tracking(context.application, services, broadcast_id, lang)


async def _cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, broadcast_id: int, lang: str
) -> None:
    services = get_services(context)
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    async with services.sessions() as session, session.begin():
        stopped = await store.cancel_broadcast(session, broadcast_id, services.clock())
        if stopped is not None:
            counts = await store.broadcast_counts(session, broadcast_id)
            await audit(
                session,
                user.id,
                "broadcast.cancel",
                detail=f"broadcast {broadcast_id}; {stopped} stopped",
                reached=counts.sent,
            )
    if stopped is None:
        await query.answer(tr(lang, "This broadcast is not going out any more."), show_alert=True)
        return
    log.info("broadcast %s cancelled by %s: %s stopped", broadcast_id, user.id, stopped)
    # For the sender in this process: rows it already claimed for this broadcast should not go.
    services.extras.setdefault("cancelled_broadcasts", set()).add(broadcast_id)
    await query.answer(tr(lang, "Cancelled: what was not sent yet will not go."))
    # The tracker notices the status and writes the final report.
    tracker = _trackers(services).get(broadcast_id)
    if tracker is None:
        start_tracking(context.application, services, broadcast_id, lang)


# --------------------------------------------------------------------------- sending helpers


async def send_outgoing(bot: Bot, chat_id: int, out: Outgoing, *, preview: bool = False) -> Message:
    """Send one rendered message to a chat (the preview uses it; pinning is left out there)."""
    if out.kind == "photo" and out.photo:
        sent = await bot.send_photo(
            chat_id, out.photo, caption=out.text, disable_notification=out.disable_notification
        )
    else:
        sent = await bot.send_message(
            chat_id, out.text, reply_markup=out.reply_markup,
            disable_notification=out.disable_notification,
        )
    if out.pin and not preview:
        await bot.pin_chat_message(chat_id, sent.message_id, disable_notification=True)
    return sent


# --------------------------------------------------------------------------- progress


def _trackers(services: Services) -> dict[int, asyncio.Task[None]]:
    return services.extras.setdefault(_TRACKERS, {})  # type: ignore[no-any-return]


def start_tracking(app: Application, services: Services, broadcast_id: int, lang: str) -> None:
    """Keep the admin's progress message live until the broadcast ends (one task per broadcast)."""
    trackers = _trackers(services)
    running = trackers.get(broadcast_id)
    if running is not None and not running.done():
        return
    task = asyncio.create_task(_track(app, services, broadcast_id, lang), name=f"bc-{broadcast_id}")
    trackers[broadcast_id] = task
    task.add_done_callback(lambda _t: trackers.pop(broadcast_id, None))


async def resume_tracking(app: Application, services: Services) -> int:
    """After a restart, pick up the progress messages of broadcasts still going out."""
    from bot.storage.subscribers import find_subscriber

    async with services.sessions() as session:
        going = await store.sending_broadcasts(session)
        for b in going:
            chat = (
                await find_subscriber(session, b.progress_chat_id)
                if b.progress_chat_id is not None
                else None
            )
            start_tracking(app, services, b.id, chat.language if chat is not None else "en")
    return len(going)


async def _track(app: Application, services: Services, broadcast_id: int, lang: str) -> None:
    interval = float(services.extras.get("broadcast_progress_interval", PROGRESS_INTERVAL))
    started = time.monotonic()
    first_done: int | None = None
    last_text = ""
    try:
        while app.running:
            async with services.sessions() as session:
                b = await store.get_broadcast(session, broadcast_id)
                counts = await store.broadcast_counts(session, broadcast_id)
            if b is None:
                return
            if first_done is None:
                first_done = counts.done
            # A cancelled broadcast still waits for the messages already handed to the sender.
            if counts.open == 0:
                await _finish(app, services, b, counts, lang, time.monotonic() - started)
                return
            elapsed = time.monotonic() - started
            progressed = counts.done - first_done
            rate = progressed / elapsed if elapsed >= 1 and progressed > 0 else None
            eta = counts.open / rate if rate else None
            text, keyboard = render.broadcast_progress(lang, broadcast_id, counts, rate, eta)
            if text != last_text:
                await _edit(app.bot, b, text, keyboard)
                last_text = text
            await asyncio.sleep(interval)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the database closed under us at shutdown, or Telegram failed
        log.warning("broadcast %s progress stopped: %s", broadcast_id, type(exc).__name__)


async def _finish(
    app: Application,
    services: Services,
    b: store.BroadcastView,
    counts: store.Counts,
    lang: str,
    elapsed: float,
) -> None:
    async with services.sessions() as session, session.begin():
        finished_now = await store.finish_broadcast(session, b.id, services.clock())
        if finished_now:
            await audit(
                session,
                b.admin_id,
                "broadcast.done",
                detail=f"broadcast {b.id}; sent {counts.sent}; failed {counts.failed}; "
                f"blocked {counts.blocked}",
                reached=counts.sent,
            )
    log.info(
        "broadcast %s ended: sent %s failed %s blocked %s cancelled %s",
        b.id, counts.sent, counts.failed, counts.blocked, counts.cancelled,
    )
    text = render.broadcast_report(lang, b.id, counts, b.status == "cancelled", elapsed)
    await _edit(app.bot, b, text, None)


async def _edit(bot: Bot, b: store.BroadcastView, text: str, keyboard: Any) -> None:
    if b.progress_chat_id is None or b.progress_message_id is None:
        return
    try:
        await bot.edit_message_text(
            text, chat_id=b.progress_chat_id, message_id=b.progress_message_id, reply_markup=keyboard
        )
    except BadRequest as exc:
        # "message is not modified" and a message the admin deleted are both harmless here.
        log.debug("progress edit of broadcast %s refused: %s", b.id, type(exc).__name__)
    except TelegramError as exc:
        log.warning("progress edit of broadcast %s failed: %s", b.id, type(exc).__name__)


def register(app: Application) -> None:
    """The /broadcast conversation (typed input) and its buttons."""
    with warnings.catch_warnings():
        # PTB warns that button presses are tracked per chat and user, not per message:
        # that is what this conversation wants (its buttons carry the broadcast id).
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        conversation = _conversation()
    app.add_handler(conversation)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:(a|l|lang|back|m|no|ok|x):\d+"))


def _conversation() -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CommandHandler("broadcast", start),
            CallbackQueryHandler(ask_value, pattern=r"^bc:ask:\d+:(kw|city)$"),
        ],
        states={
            MESSAGE: [
                MessageHandler(
                    filters.ALL & ~filters.COMMAND,
                    got_message,
                )
            ],
            VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_value)],
        },
        fallbacks=[CommandHandler("cancel", cancel_conversation)],
        allow_reentry=True,
        per_message=False,
        name="broadcast",
    )
