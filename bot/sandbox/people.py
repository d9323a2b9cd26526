"""Simulated Telegram users and group chats that talk to the bot through the sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.objects import Button, CallbackAnswer, SimMessage

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

__all__ = ["SimChat", "SimUser"]

_POLL_INTERVAL = 0.01


class _Chat:
    """State shared by private chats and groups: history, message ids, a readable timeline."""

    chat_id: int
    kind: str

    def __init__(self, sandbox: Sandbox) -> None:
        self._sb = sandbox
        self.history: dict[int, SimMessage] = {}
        self._next_id = 1
        # Timeline for transcripts: ("user", SimMessage) | ("bot", SimMessage) | ("press", str)
        # | ("answer", CallbackAnswer)
        self.timeline: list[tuple[str, Any]] = []
        self._cursor = 0
        self.topics: dict[int, str] = {}

    def _allocate_id(self) -> int:
        mid = self._next_id
        self._next_id += 1
        return mid

    @property
    def inbox(self) -> list[SimMessage]:
        """Messages the bot sent to this chat, in order, edits applied (deleted ones flagged)."""
        return [m for m in self.history.values() if m.from_bot]

    def chat_dict(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        raise NotImplementedError

    def transcript(self) -> str:
        """The conversation as a person would read it."""
        lines: list[str] = []
        for kind, item in self.timeline:
            if kind == "user":
                lines.append("> " + item.render().replace("\n", "\n> "))
            elif kind == "press":
                lines.append(f"> [pressed {item}]")
            elif kind == "answer":
                if item.text:
                    lines.append(f"  ({'alert' if item.show_alert else 'toast'}: {item.text})")
            else:
                lines.append(item.render())
        return "\n".join(lines)

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> None:
        """Poll until predicate(self) is true; TimeoutError shows the conversation so far.

        A predicate that raises LookupError/AttributeError/TypeError (``u.inbox[-1]`` on an
        empty inbox) counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                if predicate(self):
                    return
            except (LookupError, AttributeError, TypeError) as err:
                last_error = err
            if time.monotonic() >= deadline:
                hint = f" (last check raised {last_error!r})" if last_error is not None else ""
                raise TimeoutError(
                    f"condition not met within {timeout}s for chat {self.chat_id}{hint}; "
                    f"conversation so far:\n{self.transcript() or '(empty)'}"
                )
            await asyncio.sleep(_POLL_INTERVAL)

    async def next_message(self, timeout: float = 5.0, containing: str | None = None) -> SimMessage:
        """The next bot message not returned before (optionally containing a substring).

        Messages passed over while looking for ``containing`` count as returned.
        """
        deadline = time.monotonic() + timeout
        while True:
            inbox = self.inbox
            while self._cursor < len(inbox):
                msg = inbox[self._cursor]
                self._cursor += 1
                if containing is None or containing in msg.text:
                    return msg
            if time.monotonic() >= deadline:
                wanted = f" containing {containing!r}" if containing else ""
                raise TimeoutError(
                    f"no new bot message{wanted} within {timeout}s for chat {self.chat_id}; "
                    f"conversation so far:\n{self.transcript() or '(empty)'}"
                )
            await asyncio.sleep(_POLL_INTERVAL)

    def add_topic(self, name: str) -> int:
        """Create a forum topic; returns its message_thread_id."""
        thread_id = self._allocate_id()
        self.topics[thread_id] = name
        return thread_id


class SimUser(_Chat):
    """A simulated person; their private chat with the bot has chat id == user id."""

    kind = "private"

    def __init__(
        self,
        sandbox: Sandbox,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = True,
    ) -> None:
        super().__init__(sandbox)
        self.user_id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.deactivated = False
        # Telegram refuses to let a bot write first; users made by add_user have started it.
        self.started = started
        self.answers: list[CallbackAnswer] = []

    def user_dict(self) -> dict[str, Any]:
        """The Bot API User object."""
        d: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d

    def chat_dict(self) -> dict[str, Any]:
        """The Bot API Chat object of the private chat."""
        d: dict[str, Any] = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        return d

    def block(self) -> None:
        """The user blocks the bot: sends get 403, and the bot gets a my_chat_member update."""
        if not self.blocked:
            self.blocked = True
            self._sb.member_update(self, self, old="member", new="kicked")

    def unblock(self) -> None:
        """The user unblocks the bot (a my_chat_member update: kicked -> member)."""
        if self.blocked:
            self.blocked = False
            self._sb.member_update(self, self, old="kicked", new="member")

    def deactivate(self) -> None:
        """The account is deleted: sends get 403 "user is deactivated"."""
        self.deactivated = True

    async def send(self, text: str, reply_to: SimMessage | None = None) -> SimMessage:
        """Write ``text`` to the bot (commands get bot_command entities like Telegram's)."""
        self._restart()
        return self._sb.user_message(self, self, kind="text", text=text, reply_to=reply_to)

    def _restart(self) -> None:
        # Writing to a bot you blocked unblocks it first (Telegram's "Restart" button).
        self.unblock()
        self.started = True

    async def edit(self, message: SimMessage, new_text: str) -> SimMessage:
        """Edit one of this user's own messages (an edited_message update)."""
        return self._sb.user_edit(self, self, message, new_text)

    async def send_photo(self, caption: str = "", data: bytes | None = None) -> SimMessage:
        """Send the bot a photo (a fake file the bot can fetch with getFile)."""
        self._restart()
        return self._sb.user_message(self, self, kind="photo", text=caption, photo_data=data)

    async def forward(
        self,
        msg_text: str,
        from_chat_title: str | None = "Channel",
        from_user: SimUser | None = None,
    ) -> SimMessage:
        """Forward a message (from a channel by default, or from another user) to the bot."""
        self._restart()
        now = int(time.time())
        if from_user is not None:
            origin: dict[str, Any] = {
                "type": "user",
                "date": now,
                "sender_user": from_user.user_dict(),
            }
        elif from_chat_title is not None:
            origin = {
                "type": "channel",
                "date": now,
                "chat": {"id": -1009999999999, "type": "channel", "title": from_chat_title},
                "message_id": 42,
            }
        else:
            origin = {"type": "hidden_user", "date": now, "sender_user_name": "Hidden"}
        return self._sb.user_message(self, self, kind="text", text=msg_text, forward_origin=origin)

    async def press(
        self, text: str | None = None, *, data: str | None = None, message: SimMessage | None = None
    ) -> str:
        """Press an inline button (by text, exact first then substring, or by callback data)."""
        if text is None and data is None:
            raise ValueError("press() needs a button text or data=")
        candidates = [message] if message is not None else list(reversed(self.inbox))
        for msg in candidates:
            button = _pick_button(msg, text, data)
            if button is not None:
                if button.callback_data is None:
                    raise ValueError(
                        f"button {button.text!r} is a URL button, it cannot be pressed"
                    )
                self.timeline.append(("press", button.text))
                return self._sb.callback_query(self, self, msg, button.callback_data)
        raise LookupError(
            f"no button {text or data!r} in chat {self.chat_id}; conversation:\n{self.transcript()}"
        )


def _pick_button(msg: SimMessage, text: str | None, data: str | None) -> Button | None:
    """The button on ``msg`` with this data, else with exactly this text, else containing it."""
    if msg.deleted:
        return None
    if data is not None:
        return _find_button(msg, None, data, True)
    return _find_button(msg, text, None, True) or _find_button(msg, text, None, False)


def _find_button(msg: SimMessage, text: str | None, data: str | None, exact: bool) -> Button | None:
    for row in msg.buttons:
        for b in row:
            if data is not None:
                if b.callback_data == data:
                    return b
            elif text is not None and (b.text == text if exact else text in b.text):
                return b
    return None


class SimChat(_Chat):
    """A simulated group, supergroup or channel."""

    def __init__(
        self,
        sandbox: Sandbox,
        chat_id: int,
        title: str,
        kind: str,
        is_forum: bool = False,
        bot_is_admin: bool = True,
        username: str | None = None,
    ) -> None:
        super().__init__(sandbox)
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        self.chat_id = chat_id
        self.title = title
        self.kind = kind
        self.is_forum = is_forum and kind == "supergroup"
        self.bot_is_admin = bot_is_admin
        self.username = username
        self.members: dict[int, str] = {}  # user id -> status (creator/administrator/member)
        self.bot_member = True
        self.migrated_to: int | None = None

    def chat_dict(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        d: dict[str, Any] = {"id": self.chat_id, "type": self.kind, "title": self.title}
        if self.username:
            d["username"] = self.username
        if self.is_forum:
            d["is_forum"] = True
        return d

    def add_member(self, user: SimUser, status: str = "member") -> None:
        """Make ``user`` a member (or "administrator"/"creator") of this chat."""
        self.members[user.user_id] = status

    async def send(
        self,
        user: SimUser,
        text: str,
        thread_id: int | None = None,
        reply_to: SimMessage | None = None,
    ) -> SimMessage:
        """``user`` writes ``text`` in this group (a channel post if this is a channel).

        With privacy mode on (the default) and the bot not an admin, the bot gets the update
        only for commands, replies to its messages and mentions of it, as on Telegram.
        """
        self.members.setdefault(user.user_id, "member")
        return self._sb.user_message(
            self, user, kind="text", text=text, thread_id=thread_id, reply_to=reply_to
        )

    async def press(
        self, user: SimUser, text: str | None = None, *, data: str | None = None
    ) -> str:
        """``user`` presses a button on the newest bot message in this chat that has it."""
        for msg in reversed(self.inbox):
            button = _pick_button(msg, text, data)
            if button is not None and button.callback_data is not None:
                self.timeline.append(("press", button.text))
                return self._sb.callback_query(user, self, msg, button.callback_data)
        raise LookupError(f"no button {text or data!r} in chat {self.chat_id}")

    async def edit(self, user: SimUser, message: SimMessage, new_text: str) -> SimMessage:
        """``user`` edits their message in this chat (edited_message / edited_channel_post)."""
        return self._sb.user_edit(self, user, message, new_text)

    def kick_bot(self) -> None:
        """Remove the bot from the chat: later sends get 403 "bot was kicked ..."."""
        if self.bot_member:
            self.bot_member = False
            old = "administrator" if self.bot_is_admin else "member"
            self._sb.member_update(self, None, old=old, new="kicked")

    def migrate(self) -> SimChat:
        """Upgrade this basic group to a supergroup and return it.

        Sends to the old id then get 400 with migrate_to_chat_id (PTB raises ChatMigrated).
        """
        if self.kind != "group":
            raise ValueError("only a basic group migrates")
        new = self._sb.add_group(
            title=self.title, kind="supergroup", bot_is_admin=self.bot_is_admin
        )
        new.members = dict(self.members)
        self.migrated_to = new.chat_id
        return new
