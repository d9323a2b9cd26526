"""Admin commands: /admins, /audit, /stats, and the groups and channels Tocsin posts to."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.handlers.common import chat_language, patiently, require_admin
from bot.i18n import tr
from bot.render import admin as render
from bot.services import get_services
from bot.storage import broadcasts as channels
from bot.storage.admins import add_admin, audit, is_owner, latest_audit, remove_admin
from bot.storage.stats import AddedAdmin, added_admins, collect_stats

log = logging.getLogger(__name__)


async def _reply(update: Update, text: str, markup: object = None) -> None:
    message = update.effective_message
    assert message is not None
    await patiently(lambda: message.reply_text(text, reply_markup=markup))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- admins


async def _added_admins(context: ContextTypes.DEFAULT_TYPE) -> list[AddedAdmin]:
    services = get_services(context)
    async with services.sessions() as session:
        return await added_admins(session)


async def admins_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/admins lists admins; owners add and remove them: /admins add|remove USER_ID."""
    if not await require_admin(update, context, "admins"):
        return
    services = get_services(context)
    user = update.effective_user
    assert user is not None
    lang = await chat_language(update, context)
    args = context.args or []
    owner = is_owner(services, user.id)
    if args:
        action = args[0].lower()
        if action not in ("add", "remove") or len(args) != 2 or not args[1].isdigit():
            await _reply(update, tr(lang, "Use /admins add USER_ID or /admins remove USER_ID."))
            return
        target = int(args[1])
        if not owner:
            async with services.sessions() as session, session.begin():
                await audit(session, user.id, f"admins.{action}", detail=f"user {target}; refused: not an owner", allowed=False)
            await _reply(update, tr(lang, "Only owners (ADMIN_IDS) can add or remove admins."))
            return
        await _change_admin(update, context, action, target, lang)
        return
    text, markup = render.admins_list(
        lang, sorted(services.settings.admin_ids), await _added_admins(context), owner
    )
    await _reply(update, text, markup)


async def _change_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, target: int, lang: str
) -> None:
    services = get_services(context)
    user = update.effective_user
    assert user is not None
    if action == "add" and is_owner(services, target):
        await _reply(update, tr(lang, "{id} is an owner already.", id=target))
        return
    async with services.sessions() as session, session.begin():
        if action == "add":
            changed = await add_admin(session, target, user.id)
        else:
            changed = await remove_admin(session, target)
        await audit(session, user.id, f"admins.{action}", detail=f"user {target}; changed {changed}")
    if action == "add":
        text = (
            tr(lang, "{id} is now an admin.", id=target)
            if changed
            else tr(lang, "{id} was an admin already.", id=target)
        )
    else:
        text = (
            tr(lang, "{id} is no longer an admin.", id=target)
            if changed
            else tr(lang, "{id} was not an added admin.", id=target)
        )
    if update.callback_query is not None:
        await update.callback_query.answer(text)
        added = await _added_admins(context)
        listing, markup = render.admins_list(lang, sorted(services.settings.admin_ids), added, True)
        await update.callback_query.edit_message_text(listing, reply_markup=markup)
    else:
        await _reply(update, text)


async def admins_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Remove button of /admins (owners only)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_admin(update, context, "admins.remove"):
        return
    services = get_services(context)
    user = update.effective_user
    assert user is not None
    lang = await chat_language(update, context)
    target = int(query.data.split(":")[2])
    if not is_owner(services, user.id):
        async with services.sessions() as session, session.begin():
            await audit(session, user.id, "admins.remove", detail=f"user {target}; refused: not an owner", allowed=False)
        await query.answer(tr(lang, "Only owners (ADMIN_IDS) can add or remove admins."), show_alert=True)
        return
    await _change_admin(update, context, "remove", target, lang)


# ------------------------------------------------------------------------------------- audit, stats


async def audit_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/audit [N]: the latest admin actions, refused tries included."""
    if not await require_admin(update, context, "audit"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    args = context.args or []
    limit = min(int(args[0]), 50) if args and args[0].isdigit() and int(args[0]) > 0 else 20
    async with services.sessions() as session:
        rows = await latest_audit(session, limit)
    await _reply(update, render.audit_list(lang, rows))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: subscribers, filters, sources, items, deliveries, the outbox lag, broadcasts."""
    if not await require_admin(update, context, "stats"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    async with services.sessions() as session:
        stats = await collect_stats(session, services.clock())
    await _reply(update, render.stats_text(lang, stats))


# ------------------------------------------------------------------------------------- channels


async def channels_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/channels: the groups and channels Tocsin posts to, with their filters."""
    if not await require_admin(update, context, "channels"):
        return
    services = get_services(context)
    lang = await chat_language(update, context)
    async with services.sessions() as session:
        found = await channels.list_channels(session)
    await _reply(update, render.channels_list(lang, found))


def _chat_ref(raw: str) -> int | str:
    """A chat id as a number, or an @username as Telegram takes it."""
    if raw.lstrip("-").isdigit():
        return int(raw)
    return raw if raw.startswith("@") else "@" + raw


async def addchannel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addchannel CHAT_ID_OR_@NAME [TOPIC_ID]: post alerts there (the bot must be an admin)."""
    if not await require_admin(update, context, "addchannel"):
        return
    services = get_services(context)
    user = update.effective_user
    assert user is not None
    lang = await chat_language(update, context)
    args = context.args or []
    if not args or len(args) > 2 or (len(args) == 2 and not args[1].isdigit()):
        await _reply(update, tr(lang, "Use /addchannel CHAT_ID_OR_@NAME [TOPIC_ID]."))
        return
    bot = context.bot
    try:
        chat = await bot.get_chat(_chat_ref(args[0]))
        member = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden) as exc:
        log.info("addchannel: chat lookup failed: %s", type(exc).__name__)
        await _reply(
            update,
            tr(lang, "I cannot see that chat. Add the bot there as an admin first, then try again."),
        )
        return
    except TelegramError as exc:
        log.warning("addchannel: Telegram error %s", type(exc).__name__)
        await _reply(update, tr(lang, "Telegram did not answer. Please try again in a minute."))
        return
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL):
        await _reply(update, tr(lang, "That is not a group or a channel."))
        return
    if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        await _reply(
            update, tr(lang, "The bot is not an admin in that chat yet. Make it an admin first.")
        )
        return
    if chat.type == ChatType.CHANNEL and not getattr(member, "can_post_messages", True):
        await _reply(update, tr(lang, "The bot may not post in that channel. Allow it to post first."))
        return
    thread_id = int(args[1]) if len(args) == 2 else None
    if thread_id is not None and not chat.is_forum:
        await _reply(update, tr(lang, "That chat has no topics; leave the topic id out."))
        return
    async with services.sessions() as session, session.begin():
        try:
            _, created = await channels.save_channel(
                session, chat.id, chat.type, chat.title, thread_id, user.id, lang,
                services.settings.timezone, services.clock(),
            )
        except ValueError:
            created = None
        if created is not None:
            await audit(session, user.id, "channels.add", detail=f"chat {chat.id}; topic {thread_id}")
    if created is None:
        await _reply(update, tr(lang, "That is not a group or a channel."))
        return
    await _reply(
        update,
        tr(
            lang,
            "Added {title}. Now give it filters: /channelfilter {chat} FILTER",
            title=escape(chat.title or str(chat.id)),
            chat=chat.id,
        ),
    )


async def channelfilter_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/channelfilter CHAT FILTER adds a filter; /channelfilter CHAT -FILTER removes it."""
    if not await require_admin(update, context, "channelfilter"):
        return
    services = get_services(context)
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None and message.text is not None
    lang = await chat_language(update, context)
    parts = message.text.split(maxsplit=2)
    if len(parts) < 3:
        await _reply(update, tr(lang, "Use /channelfilter CHAT FILTER (or -FILTER to remove one)."))
        return
    ref, query = parts[1], parts[2].strip()
    remove = query.startswith("-") and len(query) > 1
    if remove:
        query = query[1:].strip()
    if not remove:
        from bot.domain.filters.syntax import FilterSyntaxError, parse_filter

        try:
            parse_filter(query)
        except FilterSyntaxError as exc:
            await _reply(update, escape(tr(lang, exc.msgid, **exc.params)))
            return
    async with services.sessions() as session, session.begin():
        channel = await channels.find_channel(session, ref)
        if channel is None:
            changed = None
        elif remove:
            changed = await channels.remove_channel_filter(session, channel.id, query)
        else:
            changed = await channels.add_channel_filter(session, channel.id, query, services.clock())
        if channel is not None:
            action = "channels.filter_remove" if remove else "channels.filter_add"
            await audit(session, user.id, action, detail=f"chat {channel.chat_id}; changed {changed}")
    if changed is None:
        await _reply(update, tr(lang, "No such group or channel; see /channels."))
    elif remove:
        await _reply(update, tr(lang, "Filter removed.") if changed else tr(lang, "It had no such filter."))
    else:
        await _reply(update, tr(lang, "Filter added.") if changed else tr(lang, "It has that filter already."))


async def removechannel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removechannel CHAT: stop posting there."""
    if not await require_admin(update, context, "removechannel"):
        return
    services = get_services(context)
    user = update.effective_user
    assert user is not None
    lang = await chat_language(update, context)
    args = context.args or []
    if len(args) != 1:
        await _reply(update, tr(lang, "Use /removechannel CHAT."))
        return
    async with services.sessions() as session, session.begin():
        channel = await channels.find_channel(session, args[0])
        removed = channel is not None and await channels.remove_channel(session, channel.id)
        if channel is not None:
            await audit(session, user.id, "channels.remove", detail=f"chat {channel.chat_id}")
    if not removed:
        await _reply(update, tr(lang, "No such group or channel; see /channels."))
        return
    await _reply(update, tr(lang, "Removed. Tocsin no longer posts there."))


def register(app: Application) -> None:
    """The admin commands."""
    app.add_handler(CommandHandler("admins", admins_command))
    app.add_handler(CallbackQueryHandler(admins_button, pattern=r"^adm:rm:\d+$"))
    app.add_handler(CommandHandler("audit", audit_command))
    app.add_handler(CommandHandler("stats", stats_command))
    app.add_handler(CommandHandler("channels", channels_command))
    app.add_handler(CommandHandler("addchannel", addchannel_command))
    app.add_handler(CommandHandler("channelfilter", channelfilter_command))
    app.add_handler(CommandHandler("removechannel", removechannel_command))
