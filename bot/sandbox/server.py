"""The Bot API sandbox: an aiohttp server on loopback that answers like api.telegram.org."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.sandbox.htmlparse import (
    EntityParseError,
    bot_command_entities,
    parse_html,
    strip_text,
    utf16_len,
)
from bot.sandbox.mdparse import parse_markdown, parse_markdown_v2
from bot.sandbox.objects import (
    ApiError,
    Button,
    CallbackAnswer,
    Document,
    RecordedRequest,
    SimMessage,
    SlidingWindow,
    Venue,
    bad_request,
    retry_after_seconds,
)
from bot.sandbox.people import SimChat, SimUser, _Chat

__all__ = ["Sandbox"]

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
SEND_METHODS = frozenset(
    ("sendmessage sendphoto senddocument sendvenue sendlocation copymessage forwardmessage").split()
)
# Fields whose form-encoded value is always a string (everything else is JSON-decoded when it
# parses, the way the Bot API server reads numbers, booleans and serialised objects from forms).
_STRING_FIELDS = frozenset(
    (
        "text caption parse_mode callback_query_id title address description language_code "
        "action url foursquare_id foursquare_type google_place_id google_place_type "
        "business_connection_id message_effect_id name short_description document photo "
        "inline_message_id emoji icon_custom_emoji_id secret_token ip_address certificate"
    ).split()
)
_ALLOWED_BY_DEFAULT = frozenset(
    (
        "message edited_message channel_post edited_channel_post callback_query my_chat_member "
        "inline_query chosen_inline_result shipping_query pre_checkout_query poll poll_answer "
        "chat_join_request"
    ).split()
)
_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_STALE_QUERY = "query is too old and response timeout expired or query ID is invalid"
_5XX = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class _Injection:
    status: int | None
    retry_after: int | None
    delay: float
    description: str | None


@dataclass
class _Query:
    user: SimUser
    chat: _Chat
    created: float
    answered: bool = False


class Params:
    """Request parameters from a query string, form, multipart body or JSON object."""

    def __init__(
        self, values: dict[str, Any], files: dict[str, tuple[str | None, str | None, bytes]]
    ):
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        """True if the parameter is present and not empty."""
        return self.values.get(name) not in (None, "")

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        v = self.values.get(name)
        if v is None:
            return default
        return v if isinstance(v, str) else json.dumps(v)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (Telegram reads "12" and 12 alike)."""
        v = self.values.get(name)
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            return int(v)
        try:
            return int(v)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float:
        """A required float parameter."""
        v = self.values.get(name)
        try:
            return float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request(
                f"{name} is empty" if v in (None, "") else f"invalid {name}"
            ) from None

    def get_bool(self, name: str) -> bool:
        """A boolean parameter ("true"/"1" or JSON true)."""
        v = self.values.get(name)
        if isinstance(v, str):
            return v.lower() in ("true", "1")
        return bool(v)

    def get_json(self, name: str) -> Any:
        """A parameter that carries a JSON object or array (sent as a string in forms)."""
        v = self.values.get(name)
        if isinstance(v, str):
            if v == "":
                return None
            try:
                return json.loads(v)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return v


class Sandbox:
    """A local Telegram Bot API emulator with simulated users (see docs/readme-sandbox.md)."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        global_rate: float = 30.0,
        paid_rate: float = 1000.0,
        private_rate: float = 1.0,
        group_per_minute: int = 20,
        enforce_limits: bool = True,
        private_burst: int = 1,
        bot_username: str = "tocsin_sandbox_bot",
        bot_name: str = "Tocsin",
        callback_timeout: float = 15.0,
        privacy_mode: bool = True,
    ) -> None:
        self.token = token
        self.privacy_mode = privacy_mode
        try:
            self.bot_id = int(token.split(":", 1)[0])
        except ValueError:
            raise ValueError("token must look like <bot id>:<secret>") from None
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.global_rate = global_rate
        self.paid_rate = paid_rate
        self.private_rate = private_rate
        self.group_per_minute = group_per_minute
        # Telegram tolerates short bursts to one chat; private_burst=N allows N messages in any
        # N/private_rate seconds (the default 1 is the strict "one a second").
        self.private_burst = max(1, private_burst)
        self.enforce_limits = enforce_limits
        self.callback_timeout = callback_timeout
        self.requests: list[RecordedRequest] = []
        self.commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.webhook_url = ""
        self._webhook_secret = ""
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.api_root = ""
        self.port = 0
        self._chats: dict[int, _Chat] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = _ALLOWED_BY_DEFAULT
        self._poll_generation = 0
        self._waiters: set[asyncio.Future[None]] = set()
        self._queries: dict[str, _Query] = {}
        self._files: dict[str, tuple[str, str | None, bytes]] = {}  # file_id -> (path, mime, data)
        self._file_paths: dict[str, str] = {}  # file_path -> file_id
        self._injections: dict[str, list[_Injection]] = defaultdict(list)
        self._per_chat: dict[int, SlidingWindow] = {}
        self.reset_limits()
        self._group_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._handlers: dict[str, Callable[[Params], Awaitable[Any]]] = {
            name[len("m_") :].lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("m_")
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` takes (the token is appended by PTB)."""
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        """What PTB's ``base_file_url`` takes."""
        return f"{self.api_root}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind the server (a free port on loopback unless ``port`` is given)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        # Control endpoints for a sandbox in another process (benchmarks, the standalone mode).
        app.router.add_route("GET", "/sandbox/stats", self._handle_stats)
        app.router.add_route("POST", "/sandbox/users", self._handle_add_users)
        app.router.add_route("GET", "/sandbox/transcript/{chat_id}", self._handle_transcript)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = int(self._runner.addresses[0][1]) if self._runner.addresses else port
        self.api_root = f"http://{host}:{self.port}"
        self._stopping = False

    async def stop(self) -> None:
        """Release pending long polls and close the server."""
        self._stopping = True
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str = "User",
        language_code: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> SimUser:
        """A simulated user; their private chat id equals ``user_id``."""
        if user_id in self._chats:
            existing = self._chats[user_id]
            if isinstance(existing, SimUser):
                return existing
            raise ValueError(f"chat id {user_id} is already a group")
        user = SimUser(self, user_id, first_name, last_name, username, language_code, started)
        self._chats[user_id] = user
        return user

    def add_group(
        self,
        title: str = "Group",
        kind: str = "supergroup",
        is_forum: bool = False,
        bot_is_admin: bool = True,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> SimChat:
        """A simulated group/supergroup/channel with a Telegram-shaped negative id."""
        if chat_id is None:
            n = next(self._group_ids)
            chat_id = -(4000000000 + n) if kind == "group" else -(1000000000000 + 2000000000 + n)
        chat = SimChat(self, chat_id, title, kind, is_forum, bot_is_admin, username)
        self._chats[chat_id] = chat
        return chat

    def remove_chat(self, chat_id: int) -> None:
        """Forget a chat: later sends get 400 "chat not found"."""
        self._chats.pop(chat_id, None)

    def user(self, user_id: int) -> SimUser:
        """The simulated user with this id."""
        chat = self._chats.get(user_id)
        if not isinstance(chat, SimUser):
            raise KeyError(user_id)
        return chat

    def sent_to(self, chat_id: int) -> list[SimMessage]:
        """Messages the bot sent to ``chat_id`` (edits applied)."""
        chat = self._chats.get(chat_id)
        return chat.inbox if chat is not None else []

    def count(self, method: str | None = None, status: int | None = None) -> int:
        """How many recorded requests match the method (case-insensitive) and HTTP status."""
        m = method.lower() if method else None
        return sum(
            1
            for r in self.requests
            if (m is None or r.method.lower() == m) and (status is None or r.status == status)
        )

    def fail_next(
        self,
        method: str = "sendMessage",
        status: int | None = 502,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        status=429 answers "Too Many Requests" with ``retry_after`` (default 1); a ``delay``
        holds the answer that long (a client with a shorter read timeout sees TimedOut), and
        with status=None the request is then processed normally, as a slow Telegram would.
        status=0 drops the connection without an answer.
        """
        for _ in range(times):
            self._injections[method.lower()].append(
                _Injection(status, retry_after, delay, description)
            )

    def reset_limits(self) -> None:
        """Forget the rate-limit windows (e.g. between phases of a test); apply changed limits."""
        self._limits_config = (
            self.global_rate,
            self.paid_rate,
            self.private_rate,
            self.private_burst,
            self.group_per_minute,
        )
        self._global = SlidingWindow.per_second(self.global_rate)
        self._paid = SlidingWindow.per_second(self.paid_rate)
        self._per_chat.clear()

    def duplicates(self) -> int:
        """Bot messages whose exact text/caption was already sent to the same chat."""
        dup = 0
        for chat in self._chats.values():
            seen: set[tuple[str, str]] = set()
            for m in chat.inbox:
                key = (m.kind, m.raw or m.text)
                if key in seen:
                    dup += 1
                seen.add(key)
        return dup

    def stats(self) -> dict[str, Any]:
        """Counts by method and status, messages delivered, duplicates (for benchmarks)."""
        by_method: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in self.requests:
            by_method[r.method][str(r.status)] += 1
        sends = [
            r.at for r in self.requests if r.status == 200 and r.method.lower() in SEND_METHODS
        ]
        return {
            "requests": {m: dict(v) for m, v in by_method.items()},
            "delivered": sum(len(c.inbox) for c in self._chats.values()),
            "duplicates": self.duplicates(),
            "too_many_requests": self.count(status=429),
            "first_send_at": min(sends) if sends else None,
            "last_send_at": max(sends) if sends else None,
        }

    # ------------------------------------------------------------------ updates from people

    def _push_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload, "_kind": kind})
        self._wake()
        return update_id

    def _wake(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)

    def user_message(
        self,
        chat: _Chat,
        user: SimUser,
        *,
        kind: str,
        text: str,
        reply_to: SimMessage | None = None,
        forward_origin: dict[str, Any] | None = None,
        photo_data: bytes | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """Record a message a person wrote and queue its update for the bot."""
        msg = SimMessage(
            message_id=chat._allocate_id(),
            chat_id=chat.chat_id,
            kind=kind,
            text=text,
            thread_id=thread_id,
            from_bot=False,
            entities=bot_command_entities(text),
            forward_origin=forward_origin,
            date=int(time.time()),
            reply_to=reply_to.message_id if reply_to is not None else None,
            sender_id=user.user_id,
        )
        wire: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": chat.chat_dict(),
        }
        if chat.kind == "channel":
            wire["sender_chat"] = chat.chat_dict()
        else:
            wire["from"] = user.user_dict()
        if thread_id is not None and isinstance(chat, SimChat) and chat.is_forum:
            wire["message_thread_id"] = thread_id
            wire["is_topic_message"] = True
        if kind == "photo":
            file_id = self._store_file(photo_data or _TINY_JPEG, "photos/file.jpg", "image/jpeg")
            msg.photo_file_id = file_id
            self._alias_photo_sizes(file_id)
            wire["photo"] = _photo_sizes(file_id, len(photo_data or _TINY_JPEG))
            if text:
                wire["caption"] = text
                if msg.entities:
                    wire["caption_entities"] = msg.entities
        else:
            wire["text"] = text
            if msg.entities:
                wire["entities"] = msg.entities
        if forward_origin is not None:
            wire["forward_origin"] = forward_origin
        if reply_to is not None:
            wire["reply_to_message"] = reply_to.wire
        msg.raw = text
        msg.wire = wire
        chat.history[msg.message_id] = msg
        chat.timeline.append(("user", msg))
        if self._bot_sees(chat, msg):
            self._push_update("channel_post" if chat.kind == "channel" else "message", wire)
        return msg

    def _bot_sees(self, chat: _Chat, msg: SimMessage) -> bool:
        """Privacy mode: in groups where it is not an admin the bot gets only commands,
        replies to its own messages and mentions of it."""
        if not isinstance(chat, SimChat) or chat.kind == "channel":
            return True
        if not chat.bot_member:
            return False
        if not self.privacy_mode or chat.bot_is_admin:
            return True
        replied = chat.history.get(msg.reply_to or 0)
        return (
            msg.text.startswith("/")
            or (replied is not None and replied.from_bot)
            or f"@{self.bot_username}".lower() in msg.text.lower()
        )

    def user_edit(self, chat: _Chat, user: SimUser, msg: SimMessage, new_text: str) -> SimMessage:
        """A person edits their own message: queue edited_message (or edited_channel_post)."""
        if msg.from_bot or msg.chat_id != chat.chat_id:
            raise ValueError("a simulated user can only edit their own messages in this chat")
        msg.text = new_text
        msg.raw = new_text
        msg.entities = bot_command_entities(new_text)
        msg.edits += 1
        msg.edit_date = int(time.time())
        wire = dict(msg.wire)
        photo = msg.kind == "photo"
        key, ent_key = ("caption", "caption_entities") if photo else ("text", "entities")
        wire[key] = new_text
        wire.pop(ent_key, None)
        if msg.entities:
            wire[ent_key] = msg.entities
        wire["edit_date"] = msg.edit_date
        msg.wire = wire
        self._push_update(
            "edited_channel_post" if chat.kind == "channel" else "edited_message", wire
        )
        return msg

    def member_update(self, chat: _Chat, user: SimUser | None, old: str, new: str) -> None:
        """Queue a my_chat_member update: the bot's status in ``chat`` changed."""
        if user is not None:
            actor = user.user_dict()
        else:
            actor = {"id": 777000, "is_bot": False, "first_name": "Telegram"}

        def member(status: str) -> dict[str, Any]:
            if status == "kicked":
                return {"status": "kicked", "user": self._me(), "until_date": 0}
            if status == "administrator":
                return self._member(chat, self.bot_id)
            return {"status": status, "user": self._me()}

        update = {
            "chat": chat.chat_dict(),
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._push_update("my_chat_member", update)

    def callback_query(self, user: SimUser, chat: _Chat, msg: SimMessage, data: str) -> str:
        """Queue a callback_query update for a button press; returns the query id."""
        query_id = str(secrets.randbits(63))
        self._queries[query_id] = _Query(user=user, chat=chat, created=time.monotonic())
        payload = {
            "id": query_id,
            "from": user.user_dict(),
            "message": msg.wire,
            "chat_instance": str(abs(hash((self.bot_id, chat.chat_id))) % 10**18),
            "data": data,
        }
        self._push_update("callback_query", payload)
        return query_id

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(ApiError(401, "Unauthorized").payload(), 401)
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None:
            return _json_response(ApiError(404, "Not Found").payload(), 404)
        _, mime, data = self._files[file_id]
        return web.Response(body=data, content_type=mime or "application/octet-stream")

    async def _handle_stats(self, request: web.Request) -> web.StreamResponse:
        return _json_response(self.stats(), 200)

    async def _handle_add_users(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        first, count = int(body.get("first", 100000)), int(body.get("count", 1))
        for uid in range(first, first + count):
            self.add_user(uid, str(body.get("first_name", "User")), body.get("language_code", "en"))
        return _json_response({"ok": True, "created": count}, 200)

    async def _handle_transcript(self, request: web.Request) -> web.StreamResponse:
        chat = self._chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            return _json_response(ApiError(404, "Not Found").payload(), 404)
        return web.Response(text=chat.transcript())

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self._record(method, {}, 401)
            return _json_response(ApiError(401, "Unauthorized").payload(), 401)
        handler = self._handlers.get(method.lower())
        if handler is None:
            self._record(method, {}, 404)  # visible in sb.count(status=404): a method we lack
            return _json_response(ApiError(404, "Not Found").payload(), 404)
        try:
            params = await _read_params(request)
        except ApiError as err:
            self._record(method, {}, err.code)
            return _json_response(err.payload(), err.code)
        injected = self._injections.get(method.lower())
        if injected:
            inj = injected.pop(0)
            if inj.delay:
                await asyncio.sleep(inj.delay)
            if inj.status == 0:
                # A dropped connection: no HTTP answer at all (PTB raises NetworkError).
                self._record(method, params, 0)
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            if inj.status is not None:
                return self._injected_answer(method, params, inj)
        try:
            result = await handler(params)
        except ApiError as err:
            self._record(method, params, err.code)
            return _json_response(err.payload(), err.code)
        except Exception as err:  # a sandbox bug: answer like Telegram's 500, log no content
            log.error("sandbox failed on %s: %s", method, type(err).__name__)
            self._record(method, params, 500)
            return _json_response(ApiError(500, "Internal Server Error").payload(), 500)
        self._record(method, params, 200)
        return _json_response({"ok": True, "result": result}, 200)

    def _injected_answer(self, method: str, params: Params, inj: _Injection) -> web.Response:
        assert inj.status is not None
        if inj.status == 429:
            wait = inj.retry_after or 1
            err = ApiError(
                429,
                inj.description or f"Too Many Requests: retry after {wait}",
                {"retry_after": wait},
            )
        else:
            err = ApiError(
                inj.status, inj.description or _5XX.get(inj.status, "Internal Server Error")
            )
        self._record(method, params, inj.status)
        return _json_response(err.payload(), inj.status)

    def _record(self, method: str, params: Params | dict[str, Any], status: int) -> None:
        if isinstance(params, Params):
            values = dict(params.values)
            for name, (filename, _, data) in params.files.items():
                values[name] = f"<file {filename or name}: {len(data)} bytes>"
        else:
            values = params
        self.requests.append(RecordedRequest(method, values, status, time.monotonic()))

    # ------------------------------------------------------------------ helpers

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _chat(self, params: Params, name: str = "chat_id") -> _Chat:
        raw = params.values.get(name)
        if raw in (None, ""):
            raise bad_request(f"{name} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if isinstance(chat, SimChat) and chat.username and "@" + chat.username == raw:
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        found = self._chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def _check_can_write(self, chat: _Chat) -> None:
        if isinstance(chat, SimUser):
            if chat.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif isinstance(chat, SimChat):
            if chat.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": chat.migrated_to},
                )
            if not chat.bot_member:
                if chat.kind == "channel":
                    raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.kind} chat")
            if chat.kind == "channel" and not chat.bot_is_admin:
                raise bad_request("need administrator rights in the channel chat")

    def _thread(self, chat: _Chat, params: Params) -> int | None:
        thread_id = params.get_int("message_thread_id")
        if thread_id is None:
            return None
        if isinstance(chat, SimChat) and chat.is_forum:
            if thread_id != 1 and thread_id not in chat.topics:
                raise bad_request("message thread not found")
            return thread_id
        return None  # outside forums Telegram ignores it for sending

    def _check_rate(self, chat: _Chat, paid: bool) -> None:
        """Apply the overall and per-chat windows at arrival; count the send if it fits."""
        if not self.enforce_limits:
            return
        now = time.monotonic()
        config = (
            self.global_rate,
            self.paid_rate,
            self.private_rate,
            self.private_burst,
            self.group_per_minute,
        )
        if config != self._limits_config:
            self.reset_limits()  # a test or benchmark changed a limit on a running sandbox
        overall = self._paid if paid else self._global
        window = self._per_chat.get(chat.chat_id)
        if window is None:
            if isinstance(chat, SimUser):
                window = SlidingWindow(self.private_burst, self.private_burst / self.private_rate)
            else:
                window = SlidingWindow(self.group_per_minute, 60.0)
            self._per_chat[chat.chat_id] = window
        wait = max(overall.wait(now), window.wait(now))
        if wait > 0:
            n = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {n}", {"retry_after": n})
        overall.add(now)
        window.add(now)

    def _format(
        self, params: Params, text_field: str, entities_field: str, limit: int, too_long: str
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        """Parse text/caption with parse_mode or explicit entities, trim, check the length."""
        raw = params.get_str(text_field) or ""
        parse_mode = params.get_str("parse_mode")
        entities: list[dict[str, Any]]
        explicit = params.get_json(entities_field)
        if explicit:
            entities = _check_entities(explicit, raw)
            text = raw
        elif parse_mode and parse_mode.lower() == "html":
            try:
                parsed = parse_html(raw)
            except EntityParseError as err:
                raise bad_request(f"can't parse entities: {err}") from None
            text, entities = parsed.text, parsed.entities
        elif parse_mode and parse_mode.lower() in ("markdown", "markdownv2"):
            parse = parse_markdown_v2 if parse_mode.lower() == "markdownv2" else parse_markdown
            try:
                parsed = parse(raw)
            except EntityParseError as err:
                raise bad_request(f"can't parse entities: {err}") from None
            text, entities = parsed.text, parsed.entities
        elif parse_mode:
            raise bad_request(f"unsupported parse_mode {parse_mode}")
        else:
            text, entities = raw, []
        text, entities = strip_text(text, entities)
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities, parse_mode

    def _markup(self, params: Params) -> tuple[list[list[Button]], list[list[str]] | None, Any]:
        markup = params.get_json("reply_markup")
        if not markup:
            return [], None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            buttons: list[list[Button]] = []
            for row in rows:
                out_row = []
                for b in row:
                    out_row.append(_check_button(b))
                if out_row:
                    buttons.append(out_row)
            return buttons, None, markup
        if "keyboard" in markup:
            rows = markup["keyboard"]
            keyboard = [
                [b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows
            ]
            return [], keyboard, markup
        return [], None, markup

    def _new_bot_message(
        self, chat: _Chat, kind: str, params: Params, thread_id: int | None, **fields: Any
    ) -> SimMessage:
        msg = SimMessage(
            message_id=0,  # allocated in _store, so refused sends leave no gap
            chat_id=chat.chat_id,
            kind=kind,
            thread_id=thread_id,
            disable_notification=params.get_bool("disable_notification"),
            date=int(time.time()),
            **fields,
        )
        reply = params.get_json("reply_parameters")
        reply_id = params.get_int("reply_to_message_id")
        if isinstance(reply, dict):
            reply_id = int(reply.get("message_id", 0)) or None
        if reply_id is not None:
            target = chat.history.get(reply_id)
            allow = params.get_bool("allow_sending_without_reply") or (
                isinstance(reply, dict) and bool(reply.get("allow_sending_without_reply"))
            )
            if target is None or target.deleted:
                if not allow:
                    raise bad_request("message to be replied not found")
            else:
                msg.reply_to = reply_id
        return msg

    def _store(self, chat: _Chat, msg: SimMessage) -> dict[str, Any]:
        msg.message_id = chat._allocate_id()
        msg.wire = self._wire(chat, msg)
        chat.history[msg.message_id] = msg
        chat.timeline.append(("bot", msg))
        return msg.wire

    def _wire(self, chat: _Chat, msg: SimMessage) -> dict[str, Any]:
        """The Message object for a bot message, as Telegram returns it."""
        d: dict[str, Any] = {"message_id": msg.message_id}
        if chat.kind == "channel":
            d["sender_chat"] = chat.chat_dict()
        else:
            d["from"] = self._me()
        d["chat"] = chat.chat_dict()
        d["date"] = msg.date
        if msg.thread_id is not None:
            d["message_thread_id"] = msg.thread_id
            d["is_topic_message"] = True
        if msg.edit_date is not None:
            d["edit_date"] = msg.edit_date
        if msg.reply_to is not None and msg.reply_to in chat.history:
            d["reply_to_message"] = {
                k: v for k, v in chat.history[msg.reply_to].wire.items() if k != "reply_to_message"
            }
        if msg.forward_origin is not None:
            d["forward_origin"] = msg.forward_origin
        text_key, ent_key = (
            ("text", "entities") if msg.kind == "text" else ("caption", "caption_entities")
        )
        if msg.kind == "photo":
            d["photo"] = _photo_sizes(msg.photo_file_id or "", 0)
        elif msg.kind == "document" and msg.document is not None:
            doc: dict[str, Any] = {
                "file_id": msg.document.file_id,
                "file_unique_id": "u" + msg.document.file_id[-12:],
                "file_size": len(msg.document.data),
            }
            if msg.document.filename:
                doc["file_name"] = msg.document.filename
            if msg.document.mime:
                doc["mime_type"] = msg.document.mime
            d["document"] = doc
        elif msg.kind in ("venue", "location") and msg.venue is not None:
            loc = {"latitude": msg.venue.latitude, "longitude": msg.venue.longitude}
            d["location"] = loc
            if msg.kind == "venue":
                d["venue"] = {
                    "location": loc,
                    "title": msg.venue.title,
                    "address": msg.venue.address,
                }
        if msg.kind == "text" or (msg.kind in ("photo", "document") and msg.text):
            d[text_key] = msg.text
            if msg.entities:
                d[ent_key] = msg.entities
        if msg.buttons:
            d["reply_markup"] = {
                "inline_keyboard": [[_button_dict(b) for b in row] for row in msg.buttons]
            }
        return d

    def _store_file(self, data: bytes, path_hint: str, mime: str | None) -> str:
        file_id = "BQACAgIAAxk" + secrets.token_urlsafe(24)
        folder = path_hint.rsplit("/", 1)[0] if "/" in path_hint else "documents"
        ext = path_hint.rsplit(".", 1)[-1] if "." in path_hint else "bin"
        path = f"{folder}/file_{len(self._files)}.{ext}"
        self._files[file_id] = (path, mime, data)
        self._file_paths[path] = file_id
        return file_id

    def _alias_photo_sizes(self, file_id: str) -> None:
        # Every size of a photo is a file_id the bot may send again (usually the largest).
        if file_id in self._files:
            self._files.setdefault(file_id + "_s", self._files[file_id])

    def _input_file(self, params: Params, name: str) -> tuple[str, Document | None]:
        """Resolve an InputFile parameter: an upload (multipart, maybe attach://) or a file_id."""
        if name in params.files:
            filename, mime, data = params.files[name]
        else:
            value = params.get_str(name)
            if not value:
                raise bad_request(f"there is no {name} in the request")
            if value.startswith("attach://"):
                part = value[len("attach://") :]
                if part not in params.files:
                    raise bad_request(f"file attachment {part} not found")
                filename, mime, data = params.files[part]
            elif value in self._files:
                path, mime, data = self._files[value]
                return value, Document(path.rsplit("/", 1)[-1], mime, data, value)
            elif value.startswith(("http://", "https://")):
                # No network here: a URL stands for a remote file we cannot fetch.
                file_id = self._store_file(b"", "documents/remote.bin", None)
                return file_id, Document(value.rsplit("/", 1)[-1] or None, None, b"", file_id)
            else:
                raise bad_request("wrong file identifier/HTTP URL specified")
        folder = "photos" if name == "photo" else "documents"
        file_id = self._store_file(data, f"{folder}/{filename or 'file.bin'}", mime)
        return file_id, Document(filename, mime, data, file_id)

    # ------------------------------------------------------------------ methods: bot & updates

    async def m_getMe(self, p: Params) -> Any:
        """getMe."""
        return {
            **self._me(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def m_logOut(self, p: Params) -> Any:
        """logOut."""
        return True

    async def m_close(self, p: Params) -> Any:
        """close."""
        return True

    async def m_setWebhook(self, p: Params) -> Any:
        """setWebhook: updates are then POSTed to the URL (http allowed on loopback only)."""
        url = p.get_str("url") or ""
        if not url:
            return await self.m_deleteWebhook(p)
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not loopback:
            # Telegram would connect out; the sandbox never leaves this machine.
            raise bad_request("bad webhook: the sandbox delivers webhooks to loopback only")
        secret = p.get_str("secret_token") or ""
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _ALLOWED_BY_DEFAULT
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = url
        self._webhook_secret = secret
        self._webhook_error = None
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        self._wake()
        return True

    async def m_deleteWebhook(self, p: Params) -> Any:
        """deleteWebhook, honouring drop_pending_updates."""
        self.webhook_url = ""
        self._wake()
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def m_getWebhookInfo(self, p: Params) -> Any:
        """getWebhookInfo."""
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            "max_connections": 40,
        }
        if self.webhook_url and self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _deliver_webhooks(self) -> None:
        """POST pending updates one at a time to the webhook, retrying until it answers 2xx."""
        import aiohttp

        loop = asyncio.get_running_loop()
        backoff = 0.05
        async with aiohttp.ClientSession() as session:
            while self.webhook_url and not self._stopping:
                self._updates = [u for u in self._updates if u["_kind"] in self._allowed_updates]
                if not self._updates:
                    fut: asyncio.Future[None] = loop.create_future()
                    self._waiters.add(fut)
                    try:
                        await asyncio.wait_for(fut, 1.0)
                    except TimeoutError:
                        pass
                    finally:
                        self._waiters.discard(fut)
                    continue
                update = self._updates[0]
                body = {k: v for k, v in update.items() if k != "_kind"}
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                try:
                    async with session.post(
                        self.webhook_url,
                        data=json.dumps(body),
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as resp:
                        ok = 200 <= resp.status < 300
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (aiohttp.ClientError, TimeoutError) as err:
                    ok, error = False, f"Connection error: {type(err).__name__}"
                if ok:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                    backoff = 0.05
                else:
                    self._webhook_error = (int(time.time()), error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def m_getUpdates(self, p: Params) -> Any:
        """Long polling: confirm by offset, wait up to timeout, newest poll wins (409 for others)."""
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.get_int("offset", 0) or 0
        limit = min(max(p.get_int("limit", 100) or 100, 1), 100)
        timeout = max(p.get_int("timeout", 0) or 0, 0)
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _ALLOWED_BY_DEFAULT
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll learns it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT)
            # Updates of types the bot did not ask for are dropped, as Telegram does.
            self._updates = [u for u in self._updates if u["_kind"] in self._allowed_updates]
            if self._updates or self._stopping or loop.time() >= deadline:
                return [{k: v for k, v in u.items() if k != "_kind"} for u in self._updates[:limit]]
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait_for(fut, deadline - loop.time())
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(fut)

    # ------------------------------------------------------------------ methods: commands

    def _command_key(self, p: Params) -> tuple[str, str]:
        scope = p.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        if kind not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise bad_request("unsupported bot command scope type")
        if kind in ("chat", "chat_administrators", "chat_member"):
            kind = f"{kind}:{scope.get('chat_id')}" + (
                f":{scope['user_id']}" if "user_id" in scope else ""
            )
        lang = p.get_str("language_code") or ""
        if lang and (len(lang) != 2 or not lang.isalpha()):
            raise bad_request("invalid language code specified")
        return kind, lang.lower()

    async def m_setMyCommands(self, p: Params) -> Any:
        """setMyCommands: validates like Telegram and stores per (scope, language)."""
        commands = p.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request(
                "commands is empty" if commands is None else "can't parse commands JSON object"
            )
        if len(commands) > 100:
            raise bad_request("too many bot commands specified")
        stored: list[tuple[str, str]] = []
        for c in commands:
            if not isinstance(c, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command = str(c.get("command", "")).lstrip("/")
            description = str(c.get("description", ""))
            if not (1 <= len(command) <= 32) or not all(
                ch.isascii() and (ch.isalnum() or ch == "_") for ch in command
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(description.strip()) <= 256):
                raise bad_request(
                    "BOT_COMMAND_DESCRIPTION_INVALID"
                    if description
                    else "command description is empty"
                )
            stored.append((command.lower(), description))
        self.commands[self._command_key(p)] = stored
        return True

    async def m_getMyCommands(self, p: Params) -> Any:
        """getMyCommands for exactly the given scope and language."""
        return [
            {"command": c, "description": d} for c, d in self.commands.get(self._command_key(p), [])
        ]

    async def m_deleteMyCommands(self, p: Params) -> Any:
        """deleteMyCommands."""
        self.commands.pop(self._command_key(p), None)
        return True

    # ------------------------------------------------------------------ methods: sending

    async def m_sendMessage(self, p: Params) -> Any:
        """sendMessage."""
        chat = self._chat(p)
        if not p.has("text"):
            raise bad_request("message text is empty")
        text, entities, parse_mode = self._format(
            p, "text", "entities", MAX_TEXT, "message is too long"
        )
        if not text:
            raise bad_request("message text is empty")
        buttons, keyboard, _ = self._markup(p)
        thread_id = self._thread(chat, p)
        msg = self._new_bot_message(
            chat,
            "text",
            p,
            thread_id,
            text=text,
            entities=entities,
            parse_mode=parse_mode,
            buttons=buttons,
            reply_keyboard=keyboard,
        )
        self._check_rate(chat, p.get_bool("allow_paid_broadcast"))
        self._check_can_write(chat)
        msg.raw = p.get_str("text") or ""
        return self._store(chat, msg)

    async def _send_media(self, p: Params, kind: str) -> Any:
        chat = self._chat(p)
        file_id, doc = self._input_file(p, kind)
        caption, entities, parse_mode = self._format(
            p, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
        )
        buttons, keyboard, _ = self._markup(p)
        thread_id = self._thread(chat, p)
        msg = self._new_bot_message(
            chat,
            kind,
            p,
            thread_id,
            text=caption,
            entities=entities,
            parse_mode=parse_mode,
            buttons=buttons,
            reply_keyboard=keyboard,
        )
        msg.raw = p.get_str("caption") or ""
        if kind == "photo":
            self._alias_photo_sizes(file_id)
            msg.photo_file_id = file_id
        else:
            msg.document = doc
        self._check_rate(chat, p.get_bool("allow_paid_broadcast"))
        self._check_can_write(chat)
        return self._store(chat, msg)

    async def m_sendPhoto(self, p: Params) -> Any:
        """sendPhoto (upload or file_id)."""
        return await self._send_media(p, "photo")

    async def m_sendDocument(self, p: Params) -> Any:
        """sendDocument (multipart upload; the bytes are kept on SimMessage.document)."""
        return await self._send_media(p, "document")

    async def _send_place(self, p: Params, kind: str) -> Any:
        chat = self._chat(p)
        lat, lon = p.get_float("latitude"), p.get_float("longitude")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request(
                "wrong latitude or longitude specified"
                if kind == "location"
                else "VENUE_GEO_POINT_INVALID"
            )
        venue = Venue(lat, lon)
        if kind == "venue":
            title, address = p.get_str("title") or "", p.get_str("address") or ""
            if not title.strip():
                raise bad_request("title is empty" if not title else "VENUE_TITLE_INVALID")
            if not address.strip():
                raise bad_request("address is empty")
            venue = Venue(lat, lon, title, address)
        buttons, keyboard, _ = self._markup(p)
        thread_id = self._thread(chat, p)
        msg = self._new_bot_message(
            chat, kind, p, thread_id, venue=venue, buttons=buttons, reply_keyboard=keyboard
        )
        if kind == "venue":
            msg.text = f"{venue.title}\n{venue.address}"  # for predicates; not sent as text
        self._check_rate(chat, p.get_bool("allow_paid_broadcast"))
        self._check_can_write(chat)
        return self._store(chat, msg)

    async def m_sendVenue(self, p: Params) -> Any:
        """sendVenue."""
        return await self._send_place(p, "venue")

    async def m_sendLocation(self, p: Params) -> Any:
        """sendLocation."""
        return await self._send_place(p, "location")

    def _source_message(self, p: Params, missing: str) -> tuple[_Chat, SimMessage]:
        source_chat = self._chat(p, "from_chat_id")
        message_id = p.get_int("message_id")
        src = source_chat.history.get(message_id or 0)
        if src is None or src.deleted:
            raise bad_request(missing)
        return source_chat, src

    def _clone(self, chat: _Chat, src: SimMessage, p: Params, thread_id: int | None) -> SimMessage:
        clone = self._new_bot_message(
            chat,
            src.kind,
            p,
            thread_id,
            text=src.text,
            entities=list(src.entities),
            document=src.document,
            venue=src.venue,
            photo_file_id=src.photo_file_id,
            buttons=src.buttons,
        )
        return clone

    async def m_copyMessage(self, p: Params) -> Any:
        """copyMessage: the content without a link to the original; returns a MessageId."""
        chat = self._chat(p)
        _, src = self._source_message(p, "message to copy not found")
        thread_id = self._thread(chat, p)
        msg = self._clone(chat, src, p, thread_id)
        msg.forward_origin = None
        if p.has("caption") and src.kind in ("photo", "document"):
            msg.text, msg.entities, msg.parse_mode = self._format(
                p, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
            )
        buttons, keyboard, markup = self._markup(p)
        if markup is not None:
            msg.buttons, msg.reply_keyboard = buttons, keyboard
        elif not src.from_bot:
            msg.buttons = []
        self._check_rate(chat, p.get_bool("allow_paid_broadcast"))
        self._check_can_write(chat)
        self._store(chat, msg)
        return {"message_id": msg.message_id}

    async def m_forwardMessage(self, p: Params) -> Any:
        """forwardMessage: the copy carries forward_origin."""
        chat = self._chat(p)
        source_chat, src = self._source_message(p, "message to forward not found")
        thread_id = self._thread(chat, p)
        msg = self._clone(chat, src, p, thread_id)
        if src.forward_origin is not None:
            msg.forward_origin = src.forward_origin
        elif isinstance(source_chat, SimChat) and source_chat.kind == "channel":
            msg.forward_origin = {
                "type": "channel",
                "chat": source_chat.chat_dict(),
                "message_id": src.message_id,
                "date": src.date,
            }
        elif src.from_bot:
            msg.forward_origin = {"type": "user", "sender_user": self._me(), "date": src.date}
        else:
            sender = self._chats.get(src.sender_id or 0)
            user = (
                sender.user_dict()
                if isinstance(sender, SimUser)
                else {"id": src.sender_id, "is_bot": False, "first_name": ""}
            )
            msg.forward_origin = {"type": "user", "sender_user": user, "date": src.date}
        self._check_rate(chat, p.get_bool("allow_paid_broadcast"))
        self._check_can_write(chat)
        return self._store(chat, msg)

    async def m_sendChatAction(self, p: Params) -> Any:
        """sendChatAction."""
        chat = self._chat(p)
        action = p.get_str("action")
        if action not in (
            "typing",
            "upload_photo",
            "record_video",
            "upload_video",
            "record_voice",
            "upload_voice",
            "upload_document",
            "choose_sticker",
            "find_location",
            "record_video_note",
            "upload_video_note",
        ):
            raise bad_request("wrong parameter action in request")
        self._check_can_write(chat)
        return True

    # ------------------------------------------------------------------ methods: editing

    def _editable(self, p: Params) -> tuple[_Chat, SimMessage]:
        if p.has("inline_message_id"):
            raise bad_request("message to edit not found")
        chat = self._chat(p)
        msg = chat.history.get(p.get_int("message_id") or 0)
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def _apply_edit(
        self,
        chat: _Chat,
        msg: SimMessage,
        text: str,
        entities: list[dict[str, Any]],
        buttons: list[list[Button]],
        parse_mode: str | None,
        raw: str,
    ) -> Any:
        if text == msg.text and entities == msg.entities and buttons == msg.buttons:
            raise bad_request(_NOT_MODIFIED)
        msg.text, msg.entities, msg.buttons = text, entities, buttons
        msg.parse_mode = parse_mode
        msg.edits += 1
        msg.edit_date = int(time.time())
        msg.raw = raw
        msg.wire = self._wire(chat, msg)
        return msg.wire

    async def m_editMessageText(self, p: Params) -> Any:
        """editMessageText: no reply_markup removes the keyboard, as on Telegram."""
        chat, msg = self._editable(p)
        if not p.has("text"):
            raise bad_request("message text is empty")
        text, entities, parse_mode = self._format(
            p, "text", "entities", MAX_TEXT, "message is too long"
        )
        if not text:
            raise bad_request("message text is empty")
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        buttons, _, _ = self._markup(p)
        return self._apply_edit(
            chat, msg, text, entities, buttons, parse_mode, p.get_str("text") or ""
        )

    async def m_editMessageCaption(self, p: Params) -> Any:
        """editMessageCaption."""
        chat, msg = self._editable(p)
        if msg.kind not in ("photo", "document"):
            raise bad_request("there is no caption in the message to edit")
        text, entities, parse_mode = self._format(
            p, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
        )
        buttons, _, _ = self._markup(p)
        return self._apply_edit(
            chat, msg, text, entities, buttons, parse_mode, p.get_str("caption") or ""
        )

    async def m_editMessageReplyMarkup(self, p: Params) -> Any:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        chat, msg = self._editable(p)
        buttons, _, _ = self._markup(p)
        return self._apply_edit(chat, msg, msg.text, msg.entities, buttons, msg.parse_mode, msg.raw)

    async def m_deleteMessage(self, p: Params) -> Any:
        """deleteMessage."""
        chat = self._chat(p)
        msg = chat.history.get(p.get_int("message_id") or 0)
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        if not msg.from_bot and isinstance(chat, SimChat) and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        msg.deleted = True
        return True

    async def m_deleteMessages(self, p: Params) -> Any:
        """deleteMessages (ids that are gone are skipped, as Telegram does)."""
        chat = self._chat(p)
        ids = p.get_json("message_ids") or []
        for mid in ids:
            msg = chat.history.get(int(mid))
            if msg is not None:
                msg.deleted = True
        return True

    async def m_pinChatMessage(self, p: Params) -> Any:
        """pinChatMessage."""
        chat = self._chat(p)
        msg = chat.history.get(p.get_int("message_id") or 0)
        if msg is None or msg.deleted:
            raise bad_request("message to pin not found")
        if isinstance(chat, SimChat) and not chat.bot_is_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        msg.pinned = True
        return True

    async def m_unpinChatMessage(self, p: Params) -> Any:
        """unpinChatMessage (the newest pinned one when message_id is absent)."""
        chat = self._chat(p)
        mid = p.get_int("message_id")
        pinned = [m for m in chat.history.values() if m.pinned]
        if mid is not None:
            pinned = [m for m in pinned if m.message_id == mid]
            if not pinned:
                raise bad_request("message to unpin not found")
        if pinned:
            pinned[-1].pinned = False
        return True

    async def m_unpinAllChatMessages(self, p: Params) -> Any:
        """unpinAllChatMessages."""
        for m in self._chat(p).history.values():
            m.pinned = False
        return True

    # ------------------------------------------------------------------ methods: callbacks

    async def m_answerCallbackQuery(self, p: Params) -> Any:
        """answerCallbackQuery: once per query, within callback_timeout seconds."""
        query_id = p.get_str("callback_query_id") or ""
        query = self._queries.get(query_id)
        if (
            query is None
            or query.answered
            or time.monotonic() - query.created > self.callback_timeout
        ):
            raise bad_request(_STALE_QUERY)
        text = p.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(query_id, text, p.get_bool("show_alert"), p.get_str("url"))
        query.user.answers.append(answer)
        query.chat.timeline.append(("answer", answer))
        return True

    # ------------------------------------------------------------------ methods: chats

    async def m_getChat(self, p: Params) -> Any:
        """getChat (a ChatFullInfo)."""
        chat = self._chat(p)
        info = {
            **chat.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        pinned = [m for m in chat.history.values() if m.pinned and not m.deleted]
        if pinned:
            info["pinned_message"] = pinned[-1].wire
        return info

    def _member(self, chat: _Chat, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            user = {**self._me()}
            admin = isinstance(chat, SimChat) and chat.bot_is_admin
            status = "administrator" if admin else "member"
        else:
            person = self._chats.get(user_id)
            if not isinstance(person, SimUser):
                raise bad_request("user not found")
            user = person.user_dict()
            if isinstance(chat, SimUser):
                status = "member" if chat.user_id == user_id else "left"
            else:
                status = chat.members.get(user_id, "left") if isinstance(chat, SimChat) else "left"
        d: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            d["is_anonymous"] = False
        elif status == "administrator":
            d.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_post_messages": True,
                    "can_edit_messages": True,
                    "can_pin_messages": True,
                    "can_manage_topics": True,
                }
            )
        return d

    async def m_getChatMember(self, p: Params) -> Any:
        """getChatMember."""
        chat = self._chat(p)
        user_id = p.get_int("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        return self._member(chat, user_id)

    async def m_getChatAdministrators(self, p: Params) -> Any:
        """getChatAdministrators."""
        chat = self._chat(p)
        if not isinstance(chat, SimChat):
            raise bad_request("there are no administrators in the private chat")
        ids = [
            uid for uid, status in chat.members.items() if status in ("creator", "administrator")
        ]
        result = [self._member(chat, uid) for uid in ids]
        if chat.bot_is_admin:
            result.append(self._member(chat, self.bot_id))
        return result

    async def m_getChatMemberCount(self, p: Params) -> Any:
        """getChatMemberCount."""
        chat = self._chat(p)
        if isinstance(chat, SimChat):
            return len(chat.members) + 1
        return 2

    async def m_createForumTopic(self, p: Params) -> Any:
        """createForumTopic."""
        chat = self._chat(p)
        if not (isinstance(chat, SimChat) and chat.is_forum):
            raise bad_request("the chat is not a forum")
        name = p.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        thread_id = chat.add_topic(name)
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    async def m_getFile(self, p: Params) -> Any:
        """getFile: a file_path servable under /file/bot<token>/."""
        file_id = p.get_str("file_id") or ""
        if file_id not in self._files:
            raise bad_request("invalid file_id")
        path, _, data = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-12:],
            "file_size": len(data),
            "file_path": path,
        }


# ---------------------------------------------------------------------- module helpers

_TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def _photo_sizes(file_id: str, size: int) -> list[dict[str, Any]]:
    return [
        {
            "file_id": file_id + "_s",
            "file_unique_id": "s" + file_id[-12:],
            "width": 90,
            "height": 90,
            "file_size": max(size // 10, 1),
        },
        {
            "file_id": file_id,
            "file_unique_id": "m" + file_id[-12:],
            "width": 800,
            "height": 800,
            "file_size": size,
        },
    ]


def _button_dict(b: Button) -> dict[str, Any]:
    d: dict[str, Any] = {"text": b.text}
    if b.callback_data is not None:
        d["callback_data"] = b.callback_data
    if b.url is not None:
        d["url"] = b.url
    return d


def _check_button(b: Any) -> Button:
    if not isinstance(b, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = b.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in b:
        data = b["callback_data"]
        if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
        return Button(text, callback_data=data)
    if "url" in b:
        url = b["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
        return Button(text, url=url)
    kinds = {
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "callback_game",
        "pay",
        "web_app",
        "copy_text",
    }
    if kinds & set(b):
        return Button(text)
    raise bad_request(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )


def _check_entities(raw: Any, text: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    size = utf16_len(text)
    out = []
    for e in raw:
        if not isinstance(e, dict) or "type" not in e:
            raise bad_request("can't parse MessageEntity JSON object")
        try:
            offset, length = int(e.get("offset", -1)), int(e.get("length", 0))
        except (TypeError, ValueError):
            raise bad_request("can't parse MessageEntity JSON object") from None
        if offset < 0 or length <= 0 or offset + length > size:
            continue  # Telegram silently drops entities outside the text
        out.append(dict(e))
    return out


def _json_response(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json",
    )


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = {}
    files: dict[str, tuple[str | None, str | None, bytes]] = {}
    for key, val in request.query.items():
        values[key] = val
    ctype = request.content_type
    if request.method == "POST" and request.can_read_body:
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON request body")
            values.update(body)
            return Params(values, files)
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, field in form.items():
                if isinstance(field, web.FileField):
                    files[name] = (field.filename, field.content_type, field.file.read())
                else:
                    values[name] = field if isinstance(field, str) else bytes(field).decode()
    # Form values arrive as strings; numbers, booleans and nested objects are JSON text.
    for key, val in list(values.items()):
        if isinstance(val, str) and key not in _STRING_FIELDS and val[:1] in "-0123456789[{tf":
            try:
                values[key] = json.loads(val)
            except ValueError:
                pass
    return Params(values, files)
