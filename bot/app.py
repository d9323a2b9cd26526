"""Builds the PTB Application: handlers in a fixed order, one error handler, shared services."""

from __future__ import annotations

import importlib
import logging
import traceback
import warnings

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot.services import Services

log = logging.getLogger(__name__)

# Our conversations are keyed by chat and user, not by message, on purpose: an admin's /broadcast
# spans several messages and buttons. PTB warns about that combination; it is what we mean.
warnings.filterwarnings("ignore", message=r".*per_message=False.*", category=PTBUserWarning)

# Every handler goes in group 0, where the first handler that accepts an update wins, so the
# order matters: conversations that wait for free text come before plain commands, and the
# fallback for unknown commands and stray messages comes last.
HANDLER_MODULES = (
    "bot.handlers.broadcast",  # admin: /broadcast conversation
    "bot.handlers.events",  # admin: /event, /events
    "bot.handlers.admin",  # admin: /admins, /audit, /stats, channels and groups
    "bot.handlers.sources",  # admin: /sources, /addsource, /removesource
    "bot.handlers.subscribe",  # /subscribe conversation, /filters, /unsubscribe
    "bot.handlers.settings",  # /settings, /pause, /resume
    "bot.handlers.delivery",  # protest card buttons, /upcoming, /reminders, quiet hours, digest
    "bot.handlers.filtertest",  # /test
    "bot.handlers.start",  # /start, /help, /privacy, /forget
    "bot.handlers.fallback",  # unknown commands and stray messages: must stay last
)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error class and the update id only: never message text or names."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    # Where it failed (the frames), never what it said: an exception's message can quote input.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    log.error("handler error %s in update %s\n%s", type(error).__name__, update_id, frames)
    if isinstance(update, Update) and update.effective_chat is not None:
        from bot.handlers.common import reply_error

        try:
            await reply_error(update, context)
        except Exception as exc:  # the chat may be gone; nothing more to do
            log.warning("could not tell chat about error: %s", type(exc).__name__)


async def _post_init(app: Application) -> None:
    """Publish the command menus and revive the progress of broadcasts a past process left going."""
    from bot.handlers.broadcast import resume_tracking
    from bot.handlers.start import publish_commands

    await publish_commands(app.bot)
    resumed = await resume_tracking(app, app.bot_data["services"])
    if resumed:
        log.info("resumed progress of %s broadcasts", resumed)


async def start_application(app: Application) -> None:
    """Initialise and start the Application, then run its post_init hook.

    PTB runs post_init only inside run_polling/run_webhook; we start the Application by hand
    (beside the scheduler and the sender), so the hook is called here.
    """
    await app.initialize()
    await app.start()
    if app.post_init is not None:
        await app.post_init(app)


def build_application(services: Services, *, token: str | None = None) -> Application:
    """The Application for `services`, talking to TELEGRAM_API_URL (Telegram or the sandbox)."""
    settings = services.settings
    root = settings.telegram_api_url
    app = (
        Application.builder()
        .token(token or settings.token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(_post_init)
        .concurrent_updates(False)
        .build()
    )
    app.bot_data["services"] = services
    for name in HANDLER_MODULES:
        importlib.import_module(name).register(app)
    app.add_error_handler(on_error)
    return app
