"""The Bot API sandbox driven by the real python-telegram-bot client (Bot and Application)."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.sandbox import Sandbox, SimUser

TOKEN = "123456:TEST-TOKEN"
# PTB 22 warns that RetryAfter.retry_after will become a timedelta; _seconds() handles both.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _bot(sb: Sandbox, read_timeout: float = 5.0) -> object:
    from telegram import Bot

    return Bot(
        sb.token,
        base_url=sb.base_url,
        base_file_url=sb.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
    )


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    """A sandbox without rate limits (the rate-limit tests build their own)."""
    sandbox = Sandbox(token=TOKEN, enforce_limits=False)
    await sandbox.start()
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[object]:
    """A real PTB Bot talking to the sandbox."""
    b = _bot(sb)
    async with b:  # type: ignore[attr-defined]
        yield b


KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Remove #1", callback_data="rm:1")]])


async def test_get_me_and_urls(sb: Sandbox, bot: object) -> None:
    me = await bot.get_me()  # type: ignore[attr-defined]
    assert me.id == sb.bot_id == 123456 and me.is_bot and me.username == sb.bot_username
    assert sb.base_url == f"{sb.api_root}/bot" and sb.api_root.startswith("http://127.0.0.1:")
    assert sb.base_file_url == f"{sb.api_root}/file/bot"


async def test_wrong_token_and_unknown_method(sb: Sandbox) -> None:
    from telegram import Bot

    async with httpx.AsyncClient() as client:
        r = await client.get(f"{sb.api_root}/bot999:WRONG/getMe")
        assert r.status_code == 401
        assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        r = await client.post(f"{sb.base_url}{sb.token}/sendTelepathy", json={})
        assert r.status_code == 404 and r.json()["description"] == "Not Found"
    wrong = Bot("999:WRONG", base_url=sb.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()


async def test_json_get_and_form_bodies(sb: Sandbox) -> None:
    sb.add_user(1001, "Aigerim")
    url = f"{sb.base_url}{sb.token}"
    markup = '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'
    async with httpx.AsyncClient() as client:
        r1 = await client.post(f"{url}/sendMessage", json={"chat_id": 1001, "text": "json"})
        r2 = await client.get(f"{url}/sendMessage", params={"chat_id": "1001", "text": "query"})
        r3 = await client.post(
            f"{url}/sendMessage", data={"chat_id": "1001", "text": "form", "reply_markup": markup}
        )
    assert [r.json()["ok"] for r in (r1, r2, r3)] == [True, True, True]
    assert [m.text for m in sb.sent_to(1001)] == ["json", "query", "form"]
    assert sb.sent_to(1001)[-1].buttons[0][0].callback_data == "a"
    assert sb.requests[-1].params["chat_id"] == 1001  # numbers from forms are decoded
    async with httpx.AsyncClient() as client:
        bad = await client.post(
            f"{url}/sendMessage",
            data={"chat_id": "1001", "text": "Hello world <foo>", "parse_mode": "HTML"},
        )
    assert bad.status_code == 400
    assert bad.json() == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 12',
    }


async def test_start_round_trip_through_application(sb: Sandbox) -> None:
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.message is not None
        seen.append(update.effective_user.language_code or "")
        await update.message.reply_html(
            f"Hello, <b>{update.effective_user.first_name}</b>!", reply_markup=KEYBOARD
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Removed", show_alert=True)
        await query.edit_message_text(f"Removed filter {query.data}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("I only know /start")

    app = Application.builder().token(sb.token).base_url(sb.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    user = sb.add_user(user_id=1001, first_name="Aigerim", language_code="ru")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await user.send("/start")
            welcome = await user.next_message()
            assert welcome.text == "Hello, Aigerim!"
            assert welcome.entities == [{"type": "bold", "offset": 7, "length": 7}]
            assert welcome.raw == "Hello, <b>Aigerim</b>!"
            assert welcome.button_texts() == ["Remove #1"]
            await user.press("Remove")
            await user.wait_for(lambda u: u.answers and u.inbox[0].edits == 1)
            assert user.answers[0].text == "Removed" and user.answers[0].show_alert
            assert user.inbox[0].text == "Removed filter rm:1"
            assert user.inbox[0].buttons == []  # editing without reply_markup drops the keyboard
            await user.send("hello?")
            assert (await user.next_message(containing="only know")).text == "I only know /start"
        finally:
            await app.updater.stop()
            await app.stop()
    assert seen == ["ru"]
    transcript = user.transcript()
    assert "> /start" in transcript and "[pressed Remove #1]" in transcript
    assert "(alert: Removed)" in transcript and "Removed filter rm:1  (edited)" in transcript
    assert sb.count("answerCallbackQuery", 200) == 1


async def test_wait_for_timeout_shows_inbox(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")
    await bot.send_message(1001, "first", reply_markup=KEYBOARD)  # type: ignore[attr-defined]
    with pytest.raises(TimeoutError) as info:
        await user.wait_for(lambda u: len(u.inbox) > 1, timeout=0.05)
    assert "first" in str(info.value) and "[Remove #1]" in str(info.value)
    with pytest.raises(TimeoutError):
        await user.next_message(timeout=0.05, containing="never")


async def test_get_updates_offsets_and_conflict(sb: Sandbox) -> None:
    user = sb.add_user(1001, "Aigerim")
    await user.send("/start")
    await user.send("two")
    url = f"{sb.base_url}{sb.token}/getUpdates"
    async with httpx.AsyncClient(timeout=10) as client:
        got = (await client.post(url, json={"limit": 1})).json()["result"]
        assert len(got) == 1 and got[0]["message"]["text"] == "/start"
        assert got[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        first = got[0]["update_id"]
        again = (await client.post(url, json={})).json()["result"]
        assert [u["update_id"] for u in again] == [first, first + 1]  # not confirmed yet
        rest = (await client.post(url, json={"offset": first + 1})).json()["result"]
        assert [u["message"]["text"] for u in rest] == ["two"]
        empty = (await client.post(url, json={"offset": first + 2, "timeout": 0})).json()
        assert empty == {"ok": True, "result": []}
        # A second long poll supersedes the first, which gets 409 Conflict.
        older = asyncio.create_task(client.post(url, json={"offset": first + 2, "timeout": 5}))
        await asyncio.sleep(0.1)
        newer = asyncio.create_task(client.post(url, json={"offset": first + 2, "timeout": 5}))
        r_old = await older
        assert r_old.status_code == 409 and r_old.json()["description"].startswith("Conflict:")
        await user.send("three")
        r_new = await newer
        assert [u["message"]["text"] for u in r_new.json()["result"]] == ["three"]


async def test_errors_surface_as_ptb_exceptions(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")
    b = bot
    with pytest.raises(BadRequest, match='(?i)unsupported start tag "foo" at byte offset 6'):
        await b.send_message(1001, "Hello <foo>", parse_mode="HTML")  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match='(?i)can\'t find end tag corresponding to start tag "b"'):
        await b.send_message(1001, "<b>x", parse_mode="HTML")  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await b.send_message(1001, "x" * 4097)  # type: ignore[attr-defined]
    ok = await b.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # type: ignore[attr-defined]
    assert len(ok.text) == 4096  # the limit counts text after entity parsing
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await b.send_message(1001, "  <b> </b> ", parse_mode="HTML")  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await b.send_photo(1001, photo=b"\xff\xd8", caption="c" * 1025)  # type: ignore[attr-defined]
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await b.send_message(1001, "hi", reply_markup=long_data)  # type: ignore[attr-defined]
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
    await b.send_message(1001, "hi", reply_markup=fits)  # type: ignore[attr-defined]
    msg = await b.send_message(1001, "same", reply_markup=KEYBOARD)  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await b.edit_message_text("same", 1001, msg.message_id, reply_markup=KEYBOARD)  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await b.edit_message_text("new", 1001, 9999)  # type: ignore[attr-defined]
    query_id = await user.press("Remove")
    await b.answer_callback_query(query_id)  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await b.answer_callback_query(query_id)  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await b.answer_callback_query("12345")  # type: ignore[attr-defined]
    user.block()
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await b.send_message(1001, "hi")  # type: ignore[attr-defined]
    user.unblock()
    await b.send_message(1001, "hi again")  # type: ignore[attr-defined]
    user.deactivate()
    with pytest.raises(Forbidden, match="(?i)user is deactivated"):
        await b.send_message(1001, "hi")  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await b.send_message(424242, "hi")  # type: ignore[attr-defined]
    sb.add_user(1002, "Bolat")
    sb.remove_chat(1002)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await b.send_message(1002, "hi")  # type: ignore[attr-defined]
    stranger = sb.add_user(1003, "Dana", started=False)
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await b.send_message(1003, "hi")  # type: ignore[attr-defined]
    await stranger.send("/start")
    await b.send_message(1003, "welcome")  # type: ignore[attr-defined]
    assert sb.count("sendMessage", 400) >= 5 and sb.count("sendMessage", 403) == 3


async def test_stale_callback_after_timeout(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")
    await bot.send_message(1001, "x", reply_markup=KEYBOARD)  # type: ignore[attr-defined]
    sb.callback_timeout = 0.0
    query_id = await user.press(data="rm:1")
    await asyncio.sleep(0.01)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query_id, text="late")  # type: ignore[attr-defined]
    assert user.answers == []


async def test_injected_failures(sb: Sandbox, bot: object) -> None:
    sb.add_user(1001, "Aigerim")
    sb.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
            await bot.send_message(1001, "x")  # type: ignore[attr-defined]
    await bot.send_message(1001, "through")  # type: ignore[attr-defined]
    sb.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "x")  # type: ignore[attr-defined]
    assert _seconds(info.value.retry_after) == 7
    assert [r.status for r in sb.requests if r.method == "sendMessage"] == [502, 502, 200, 429]
    assert [m.text for m in sb.sent_to(1001)] == ["through"]


async def test_slow_answer_times_out_but_is_delivered(sb: Sandbox) -> None:
    sb.add_user(1001, "Aigerim")
    slow = _bot(sb, read_timeout=0.2)
    async with slow:  # type: ignore[attr-defined]
        sb.fail_next("sendMessage", status=None, delay=0.6)
        with pytest.raises(TimedOut):
            await slow.send_message(1001, "maybe")  # type: ignore[attr-defined]
    user = sb.user(1001)
    await user.wait_for(lambda u: len(u.inbox) == 1)  # Telegram may deliver what timed out


async def test_utf16_offsets_with_emoji(sb: Sandbox, bot: object) -> None:
    sb.add_user(1001, "Aigerim")
    msg = await bot.send_message(  # type: ignore[attr-defined]
        1001, "🚨🚨 <b>Жанаозен</b> 👷 <i>strike</i>", parse_mode="HTML"
    )
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 5, 8),
        ("italic", 17, 6),
    ]
    assert msg.parse_entity(msg.entities[1]) == "strike"  # PTB agrees on the UTF-16 offsets


async def test_send_document_keeps_bytes(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")
    payload = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    sent = await bot.send_document(  # type: ignore[attr-defined]
        1001, document=payload, filename="protest.ics", caption="<b>Add</b> it", parse_mode="HTML"
    )
    doc = user.inbox[-1].document
    assert doc is not None and doc.data == payload and doc.filename == "protest.ics"
    assert user.inbox[-1].kind == "document" and user.inbox[-1].text == "Add it"
    assert sent.document.file_name == "protest.ics" and sent.caption == "Add it"
    downloaded = await (await sent.document.get_file()).download_as_bytearray()
    assert bytes(downloaded) == payload
    upload = [r for r in sb.requests if r.method == "sendDocument"][-1]
    assert str(upload.params["document"]).startswith("<file protest.ics")


async def test_commands_per_language_and_scope(sb: Sandbox, bot: object) -> None:
    b = bot
    await b.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])  # type: ignore[attr-defined]
    await b.set_my_commands([BotCommand("start", "Начать")], language_code="ru")  # type: ignore[attr-defined]
    await b.set_my_commands(  # type: ignore[attr-defined]
        [BotCommand("forget", "Erase me")], scope=BotCommandScopeAllPrivateChats()
    )
    assert sb.commands[("default", "")] == [("start", "Start"), ("help", "Help")]
    assert sb.commands[("default", "ru")] == [("start", "Начать")]
    assert sb.commands[("all_private_chats", "")] == [("forget", "Erase me")]
    got = await b.get_my_commands(language_code="ru")  # type: ignore[attr-defined]
    assert [(c.command, c.description) for c in got] == [("start", "Начать")]
    await b.delete_my_commands(language_code="ru")  # type: ignore[attr-defined]
    assert ("default", "ru") not in sb.commands
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await b.set_my_commands([BotCommand("Bad-Command!", "x")])  # type: ignore[attr-defined]


async def test_global_rate_limit() -> None:
    sb = Sandbox(token=TOKEN, global_rate=5, private_rate=100)
    await sb.start()
    try:
        for uid in range(1, 8):
            sb.add_user(uid, f"U{uid}")
        async with _bot(sb) as b:  # type: ignore[attr-defined]
            for uid in range(1, 6):
                await b.send_message(uid, "alert")
            with pytest.raises(RetryAfter) as info:
                await b.send_message(6, "alert")
            assert _seconds(info.value.retry_after) == 1
            # Paid broadcasts count against paid_rate instead of the free limit.
            await b.send_message(7, "paid", allow_paid_broadcast=True)
            # Edits count toward no limit.
            await b.edit_message_text("edited", 1, 1)
    finally:
        await sb.stop()
    assert sb.count("sendMessage", 429) == 1 and sb.count("sendMessage", 200) == 6
    assert sb.user(6).inbox == []


async def test_private_chat_limit_and_retry_after() -> None:
    sb = Sandbox(token=TOKEN)
    await sb.start()
    try:
        user = sb.add_user(1001, "Aigerim")
        async with _bot(sb) as b:  # type: ignore[attr-defined]
            await b.send_message(1001, "one")
            with pytest.raises(RetryAfter) as info:
                await b.send_message(1001, "two")
            assert _seconds(info.value.retry_after) == 1
            sb.add_user(1002, "Bolat")
            await b.send_message(1002, "another chat is fine")
    finally:
        await sb.stop()
    assert [m.text for m in user.inbox] == ["one"]


async def test_group_limit_per_minute() -> None:
    sb = Sandbox(token=TOKEN, group_per_minute=3)
    await sb.start()
    try:
        group = sb.add_group(title="Oil workers", kind="supergroup")
        channel = sb.add_group(title="News", kind="channel")
        assert str(group.chat_id).startswith("-100")
        async with _bot(sb) as b:  # type: ignore[attr-defined]
            for n in range(3):
                await b.send_message(group.chat_id, f"post {n}")
            with pytest.raises(RetryAfter) as info:
                await b.send_message(group.chat_id, "too many")
            # the wait is what is left of the group's minute (the posts took well under 5 s)
            assert 55 <= _seconds(info.value.retry_after) <= 60
            posted = await b.send_message(channel.chat_id, "channel post")
            assert posted.sender_chat is not None and posted.sender_chat.id == channel.chat_id
    finally:
        await sb.stop()
    assert len(group.inbox) == 3


async def test_limits_off() -> None:
    sb = Sandbox(token=TOKEN, global_rate=1, enforce_limits=False)
    await sb.start()
    try:
        sb.add_user(1001, "Aigerim")
        async with _bot(sb) as b:  # type: ignore[attr-defined]
            for n in range(5):
                await b.send_message(1001, f"m{n}")
    finally:
        await sb.stop()
    assert sb.count(status=429) == 0


async def test_forum_topics(sb: Sandbox, bot: object) -> None:
    forum = sb.add_group(title="Organisers", kind="supergroup", is_forum=True)
    thread = forum.add_topic("Zhanaozen")
    sent = await bot.send_message(forum.chat_id, "in topic", message_thread_id=thread)  # type: ignore[attr-defined]
    assert sent.message_thread_id == thread and forum.inbox[-1].thread_id == thread
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum.chat_id, "x", message_thread_id=thread + 100)  # type: ignore[attr-defined]
    topic = await bot.create_forum_topic(forum.chat_id, "Almaty")  # type: ignore[attr-defined]
    await bot.send_message(forum.chat_id, "y", message_thread_id=topic.message_thread_id)  # type: ignore[attr-defined]


async def test_media_venue_copy_forward_pin(sb: Sandbox, bot: object) -> None:
    admin = sb.add_user(42, "Admin")
    subscriber: SimUser = sb.add_user(1001, "Aigerim")
    b = bot
    photo = await admin.send_photo(caption="Rally at noon")
    forwarded = await admin.forward("Statement from the union", from_chat_title="Union news")
    copied = await b.copy_message(1001, 42, photo.message_id)  # type: ignore[attr-defined]
    assert subscriber.inbox[-1].kind == "photo" and subscriber.inbox[-1].text == "Rally at noon"
    assert subscriber.inbox[-1].message_id == copied.message_id
    fwd = await b.forward_message(1001, 42, forwarded.message_id)  # type: ignore[attr-defined]
    assert fwd.forward_origin is not None and fwd.forward_origin.chat.title == "Union news"
    with pytest.raises(BadRequest, match="(?i)message to copy not found"):
        await b.copy_message(1001, 42, 999)  # type: ignore[attr-defined]
    venue = await b.send_venue(1001, 51.51, -0.15, "Chamber of Commerce", "62 South Audley St")  # type: ignore[attr-defined]
    assert venue.venue.title == "Chamber of Commerce"
    assert subscriber.inbox[-1].venue is not None and subscriber.inbox[-1].venue.latitude == 51.51
    loc = await b.send_location(1001, 43.34, 52.86)  # type: ignore[attr-defined]
    assert loc.location.longitude == 52.86 and subscriber.inbox[-1].kind == "location"
    await b.pin_chat_message(1001, fwd.message_id, disable_notification=True)  # type: ignore[attr-defined]
    assert subscriber.inbox[1].pinned
    chat = await b.get_chat(1001)  # type: ignore[attr-defined]
    assert chat.pinned_message is not None and chat.pinned_message.message_id == fwd.message_id
    await b.unpin_chat_message(1001)  # type: ignore[attr-defined]
    assert not subscriber.inbox[1].pinned
    assert await b.delete_message(1001, venue.message_id)  # type: ignore[attr-defined]
    assert subscriber.inbox[2].deleted
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await b.delete_message(1001, venue.message_id)  # type: ignore[attr-defined]
    await b.send_chat_action(1001, "typing")  # type: ignore[attr-defined]
    assert "[venue: Chamber of Commerce" in subscriber.transcript()


async def test_chat_members(sb: Sandbox, bot: object) -> None:
    organiser = sb.add_user(42, "Admin")
    group = sb.add_group(title="Oil workers", kind="supergroup")
    group.add_member(organiser, "creator")
    member = await bot.get_chat_member(group.chat_id, 42)  # type: ignore[attr-defined]
    assert member.status == "creator"
    me = await bot.get_chat_member(group.chat_id, sb.bot_id)  # type: ignore[attr-defined]
    assert me.status == "administrator"
    admins = await bot.get_chat_administrators(group.chat_id)  # type: ignore[attr-defined]
    assert {a.user.id for a in admins} == {42, sb.bot_id}
    with pytest.raises(BadRequest, match="(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(42)  # type: ignore[attr-defined]
    full = await bot.get_chat(group.chat_id)  # type: ignore[attr-defined]
    assert full.title == "Oil workers" and full.type == "supergroup"
    await group.send(organiser, "/start@tocsin_sandbox_bot")
    updates = await bot.get_updates()  # type: ignore[attr-defined]
    assert updates[-1].message.chat.id == group.chat_id
    assert updates[-1].message.entities[0].type == "bot_command"


async def test_standalone_process_and_control_endpoints(tmp_path: object) -> None:
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        str(port),
        "--no-repl",
        "--users",
        "3",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert f"TELEGRAM_API_URL=http://127.0.0.1:{port}" in line
        root = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            sent = await client.post(
                f"{root}/bot{TOKEN}/sendMessage", json={"chat_id": 100002, "text": "hi"}
            )
            assert sent.json()["ok"] is True
            stats = (await client.get(f"{root}/sandbox/stats")).json()
            assert stats["requests"]["sendMessage"] == {"200": 1}
            assert stats["delivered"] == 1 and stats["duplicates"] == 0
            transcript = await client.get(f"{root}/sandbox/transcript/100002")
            assert transcript.text == "hi"
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 10) == 0


async def test_block_edit_kick_and_migrate_updates(sb: Sandbox, bot: object) -> None:
    from telegram.error import ChatMigrated

    b = bot
    user = sb.add_user(1001, "Aigerim")
    said = await user.send("/subscribe kazakhstan")
    await user.edit(said, "/subscribe zhanaozen")
    user.block()
    await user.send("/start")  # writing again unblocks, like Telegram's Restart button
    updates = await b.get_updates()  # type: ignore[attr-defined]
    kinds = [
        ("message" if u.message else "edited" if u.edited_message else "member", u) for u in updates
    ]
    assert [k for k, _ in kinds] == ["message", "edited", "member", "member", "message"]
    assert updates[1].edited_message.text == "/subscribe zhanaozen"
    assert updates[2].my_chat_member.new_chat_member.status == "kicked"
    assert updates[3].my_chat_member.new_chat_member.status == "member"
    assert not user.blocked

    group = sb.add_group(title="Strike committee", kind="group")
    assert group.chat_id < 0 and not str(group.chat_id).startswith("-100")
    super_ = group.migrate()
    with pytest.raises(ChatMigrated) as info:
        await b.send_message(group.chat_id, "hi")  # type: ignore[attr-defined]
    assert info.value.new_chat_id == super_.chat_id
    await b.send_message(super_.chat_id, "hi")  # type: ignore[attr-defined]
    super_.kick_bot()
    with pytest.raises(Forbidden, match="(?i)bot was kicked from the supergroup chat"):
        await b.send_message(super_.chat_id, "again")  # type: ignore[attr-defined]


async def test_press_prefers_newest_message_and_exact_text(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")
    old = InlineKeyboardMarkup([[InlineKeyboardButton("Remove", callback_data="old")]])
    new = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Remove all", callback_data="all")],
            [InlineKeyboardButton("Remove", callback_data="new")],
        ]
    )
    first = await bot.send_message(1001, "old list", reply_markup=old)  # type: ignore[attr-defined]
    await bot.send_message(1001, "new list", reply_markup=new)  # type: ignore[attr-defined]
    await user.press("Remove")
    await user.press("all")
    await user.press("Remove", message=user.inbox[0])
    await user.press(data="new")
    with pytest.raises(LookupError):
        await user.press("Subscribe")
    updates = await bot.get_updates()  # type: ignore[attr-defined]
    assert [u.callback_query.data for u in updates] == ["new", "all", "old", "new"]
    assert updates[2].callback_query.message.message_id == first.message_id


async def test_dropped_connection_is_a_network_error(sb: Sandbox, bot: object) -> None:
    sb.add_user(1001, "Aigerim")
    sb.fail_next("sendMessage", status=0)
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "lost")  # type: ignore[attr-defined]
    assert (await bot.send_message(1001, "next")).text == "next"  # type: ignore[attr-defined]
    assert [r.status for r in sb.requests if r.method == "sendMessage"] == [0, 200]


async def test_webhook_delivery_with_secret_and_retries(sb: Sandbox, bot: object) -> None:
    from aiohttp import web

    received: list[dict[str, object]] = []
    secrets_seen: list[str | None] = []
    failures = [503]  # the first delivery fails; Telegram retries it

    async def hook(request: web.Request) -> web.Response:
        secrets_seen.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if failures:
            return web.Response(status=failures.pop())
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        with pytest.raises(BadRequest, match="(?i)https url must be provided"):
            await bot.set_webhook("http://example.org/hook")  # type: ignore[attr-defined]
        url = f"http://127.0.0.1:{port}/hook"
        await bot.set_webhook(url, secret_token="s3cret_-")  # type: ignore[attr-defined]
        user = sb.add_user(1001, "Aigerim")
        with pytest.raises(Conflict):
            await bot.get_updates()  # type: ignore[attr-defined]
        await user.send("/start")
        await user.send("two")
        deadline = asyncio.get_running_loop().time() + 5
        while len(received) < 2 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        assert [u["message"]["text"] for u in received] == ["/start", "two"]  # type: ignore[index]
        assert set(secrets_seen) == {"s3cret_-"} and len(secrets_seen) == 3
        info = await bot.get_webhook_info()  # type: ignore[attr-defined]
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message is not None and "503" in info.last_error_message
        await bot.delete_webhook()  # type: ignore[attr-defined]
        assert await bot.get_updates() == ()  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()


async def test_markdown_v2_through_the_api(sb: Sandbox, bot: object) -> None:
    sb.add_user(1001, "Aigerim")
    msg = await bot.send_message(1001, "*Strike* at 12:00\\!", parse_mode="MarkdownV2")  # type: ignore[attr-defined]
    assert msg.text == "Strike at 12:00!" and msg.entities[0].type == "bold"
    with pytest.raises(BadRequest, match="(?i)character '!' is reserved"):
        await bot.send_message(1001, "*Strike* at 12:00!", parse_mode="MarkdownV2")  # type: ignore[attr-defined]
    with pytest.raises(BadRequest, match="(?i)unsupported parse_mode"):
        await bot.send_message(1001, "x", parse_mode="BBCode")  # type: ignore[attr-defined]


async def test_wait_for_tolerates_an_empty_inbox(sb: Sandbox, bot: object) -> None:
    user = sb.add_user(1001, "Aigerim")

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(1001, "arrived")  # type: ignore[attr-defined]

    task = asyncio.create_task(later())
    await user.wait_for(lambda u: u.inbox[-1].text == "arrived")
    await task
    with pytest.raises(TimeoutError, match="IndexError"):
        await sb.add_user(1002, "Bolat").wait_for(lambda u: u.inbox[-1].text == "x", timeout=0.05)


async def test_standalone_repl_talks_to_a_real_bot() -> None:
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        str(port),
        "--repl",
        "--no-limits",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Welcome to Tocsin", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Filter removed")

    try:
        await asyncio.wait_for(proc.stdout.readline(), 20)  # "sandbox listening: ..."
        app = Application.builder().token(TOKEN).base_url(f"http://127.0.0.1:{port}/bot").build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            proc.stdin.write(b"/start\n!press Remove\n!show\n!quit\n")
            await proc.stdin.drain()
            output = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
            await app.updater.stop()
            await app.stop()
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
    assert "Welcome to Tocsin\n[Remove #1]" in output
    assert "> [pressed Remove #1]" in output and "Filter removed  (edited)" in output


async def test_user_photo_can_be_resent_by_any_size(sb: Sandbox, bot: object) -> None:
    admin = sb.add_user(42, "Admin")
    sb.add_user(1001, "Aigerim")
    await admin.send_photo(caption="Rally")
    [update] = await bot.get_updates()  # type: ignore[attr-defined]
    sizes = update.message.photo
    for size in (sizes[0], sizes[-1]):
        sent = await bot.send_photo(1001, size.file_id, caption="<b>Urgent</b>", parse_mode="HTML")  # type: ignore[attr-defined]
        assert sent.caption == "Urgent" and sent.caption_entities[0].type == "bold"
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(1001, "no-such-file")  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as client:
        await client.post(f"{sb.base_url}{sb.token}/sendSticker", json={"chat_id": 1001})
    assert sb.count("sendSticker", 404) == 1


async def test_group_privacy_mode(sb: Sandbox, bot: object) -> None:
    member = sb.add_user(1001, "Aigerim")
    quiet = sb.add_group(title="Strike committee", kind="supergroup", bot_is_admin=False)
    loud = sb.add_group(title="Organisers", kind="supergroup", bot_is_admin=True)
    await quiet.send(member, "chatter the bot never sees")
    await quiet.send(member, "/filters")
    mine = await bot.send_message(quiet.chat_id, "I am here")  # type: ignore[attr-defined]
    await quiet.send(member, "a reply to the bot", reply_to=quiet.history[mine.message_id])
    await quiet.send(member, f"hey @{sb.bot_username}")
    await loud.send(member, "admins' bots see everything")
    texts = [u.message.text for u in await bot.get_updates()]  # type: ignore[attr-defined]
    assert texts == [
        "/filters",
        "a reply to the bot",
        f"hey @{sb.bot_username}",
        "admins' bots see everything",
    ]
    assert "chatter the bot never sees" in quiet.transcript()
