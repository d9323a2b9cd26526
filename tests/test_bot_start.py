"""Conversations through the sandbox: /start, languages, /help, /privacy, menus, the fallback."""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import string
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.handlers.start import publish_commands
from bot.i18n import _catalogs, tr
from bot.render import subscriber as render
from bot.render.filters import help_filters
from bot.storage.models import Subscriber
from bot.storage.subscribers import find_subscriber
from tests.support import BotEnv


@pytest.fixture
def env(bot_env: BotEnv) -> BotEnv:
    """The bot, with the sandbox allowing a person's quick replies in a row.

    Telegram tolerates short bursts of replies to one chat; the sandbox's strict default of one
    message a second is for the sender's tests.
    """
    bot_env.sandbox.private_burst = 50
    return bot_env


async def subscriber_row(env: BotEnv, chat_id: int) -> Subscriber | None:
    async with env.services.sessions() as session:
        return await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_start_welcomes_in_the_telegram_language(env: BotEnv, lang: str) -> None:
    user = env.user(1001, lang)
    await user.send("/start")
    message = await user.next_message()
    assert tr(lang, "Choose your language:") in message.text
    assert "/privacy" in message.text and "/forget" in message.text
    expected = ["✓ English", "Русский"] if lang == "en" else ["English", "✓ Русский"]
    assert message.button_texts() == expected
    if lang == "ru":
        assert "Скажите, за чем следить" in message.text
    else:
        assert "Tell me what to follow" in message.text
    row = await subscriber_row(env, 1001)
    assert row is not None and row.language == lang and row.kind == "private"
    # The least data: no name, no username kept for a person.
    assert row.title is None


async def test_unknown_telegram_language_falls_back_to_english(env: BotEnv) -> None:
    user = env.user(1002, "de")
    await user.send("/start")
    assert "Tell me what to follow" in (await user.next_message()).text
    row = await subscriber_row(env, 1002)
    assert row is not None and row.language == "en"


async def test_language_button_rewrites_the_welcome_and_sticks(env: BotEnv) -> None:
    user = env.user(1003, "ru")
    await user.send("/start")
    welcome = await user.next_message()
    assert "Скажите" in welcome.text
    await user.press("English")
    confirmation = await user.next_message()
    assert confirmation.text == "I will speak English with you. /help lists what I can do."
    assert "Tell me what to follow" in welcome.text
    assert "✓ English" in welcome.button_texts()
    assert user.answers[-1].text == "English"
    row = await subscriber_row(env, 1003)
    assert row is not None and row.language == "en"
    await user.send("/help")
    assert "/subscribe" in (await user.next_message(containing="What to follow")).text
    # And back to Russian.
    await user.press("Русский")
    await user.next_message(containing="Русский")
    assert "Скажите" in welcome.text
    await user.send("/help")
    await user.next_message(containing="За чем следить")


async def test_start_again_welcomes_back_and_reactivates(env: BotEnv) -> None:
    user = env.user(1004, "en")
    await user.send("/start")
    await user.next_message()
    async with env.services.sessions() as session, session.begin():
        row = await session.scalar(select(Subscriber).where(Subscriber.chat_id == 1004))
        assert row is not None
        row.blocked = True
    await user.send("/start")
    again = await user.next_message()
    assert "Welcome back" in again.text and "You follow 0 filters." in again.text
    row = await subscriber_row(env, 1004)
    assert row is not None and row.blocked is False


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_help_lists_every_command(env: BotEnv, lang: str) -> None:
    user = env.user(1005, lang)
    await user.send("/help")
    text = (await user.next_message()).text
    for command in ("/subscribe", "/filters", "/unsubscribe", "/settings", "/pause", "/resume",
                    "/privacy", "/forget", "/help filters"):
        assert command in text
    assert tr(lang, "<b>What to follow</b>").removeprefix("<b>").removesuffix("</b>") in text


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_help_filters_explains_the_filter_language(env: BotEnv, lang: str) -> None:
    user = env.user(1006, lang)
    await user.send("/help filters")
    message = await user.next_message()
    expected = help_filters(lang)
    assert message.raw == expected
    assert "OR" in message.text


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_privacy_says_what_is_kept(env: BotEnv, lang: str) -> None:
    user = env.user(1007, lang)
    await user.send("/privacy")
    before = await user.next_message()
    assert tr(lang, "Nothing: you have not started the bot, or you erased yourself.") in before.text
    await user.send("/start")
    await user.next_message()
    await user.send("/privacy")
    text = (await user.next_message()).text
    assert tr(lang, "• your filters: {n}", n=0) in text
    assert tr(lang, "/forget erases all of it at once.") in text
    # The person's Telegram name never appears in what is stored or said back.
    assert "Test" not in text


async def test_commands_menu_in_both_languages(env: BotEnv) -> None:
    # Published once the application starts, however it was started.
    for _ in range(250):
        if ("default", "ru") in env.sandbox.commands:
            break
        await _pause()
    english = dict(env.sandbox.commands[("default", "")])
    russian = dict(env.sandbox.commands[("default", "ru")])
    mine = {"start", "help", "subscribe", "filters", "unsubscribe", "settings", "pause", "resume",
            "privacy", "forget"}
    assert mine <= set(english) and mine <= set(russian)
    assert set(english) == set(russian)
    assert english["subscribe"] == "Follow a topic, place or union"
    assert russian["subscribe"] == tr("ru", "Follow a topic, place or union") != english["subscribe"]
    # Only commands that some handler answers are offered.
    assert set(english) <= {name for name, _ in render.COMMANDS}
    # publish_commands itself (what post_init calls) sets the same menus again.
    await publish_commands(env.app.bot)
    assert dict(env.sandbox.commands[("default", "")]) == english


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_unknown_command_and_stray_message(env: BotEnv, lang: str) -> None:
    user = env.user(1008, lang)
    await user.send("/frobnicate now")
    answer = await user.next_message()
    assert answer.text == tr(lang, "I don't know the command {command}. /help lists what I can do.",
                             command="/frobnicate")
    await user.send("Kazakhstan <oil> & gas")
    stray = await user.next_message()
    assert "/subscribe Kazakhstan <oil> & gas" in stray.text and "/help" in stray.text
    await user.send("a long story\n" + "about many things " * 10)
    long = await user.next_message()
    assert "/subscribe" in long.text and "about many things" not in long.text
    await user.send_photo(caption="a picture")
    assert "/subscribe" in (await user.next_message()).text
    # Nothing of what was written is stored.
    assert await subscriber_row(env, 1008) is None


async def test_unknown_command_escapes_html(env: BotEnv) -> None:
    user = env.user(1009, "en")
    await user.send("/x<b>")
    answer = await user.next_message()
    assert "/x<b>" in answer.text


async def test_command_to_a_bot_the_user_blocked_is_handled_quietly(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    user = env.user(1010, "en")
    await user.send("/start")
    await user.next_message()
    caplog.set_level(logging.INFO)
    # The person sends a command and blocks the bot before the answer arrives.
    await user.send("/help")
    user.block()

    async def blocked() -> bool:
        row = await subscriber_row(env, 1010)
        return row is not None and row.blocked

    for _ in range(200):
        if await blocked():
            break
        await _pause()
    assert await blocked()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert env.sandbox.count("sendMessage", status=403) == 1
    # Coming back (Telegram unblocks on the next message) makes them active again.
    await user.send("/start")
    await user.next_message(containing="Welcome back")
    async with env.services.sessions() as session:
        found = await find_subscriber(session, 1010)
    assert found is not None and not found.blocked


async def test_block_and_unblock_updates_are_noted(env: BotEnv) -> None:
    user = env.user(1011, "en")
    await user.send("/start")
    await user.next_message()
    user.block()
    for _ in range(200):
        row = await subscriber_row(env, 1011)
        if row is not None and row.blocked:
            break
        await _pause()
    assert row is not None and row.blocked
    user.unblock()
    for _ in range(200):
        row = await subscriber_row(env, 1011)
        if row is not None and not row.blocked:
            break
        await _pause()
    assert row is not None and not row.blocked
    # Someone who never started the bot leaves no row by blocking it.
    stranger = env.user(1012, "en")
    stranger.block()
    stranger.unblock()
    await stranger.send("/help")
    await stranger.next_message()
    assert await subscriber_row(env, 1012) is None


async def test_an_answer_waits_out_a_short_flood_wait(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    user = env.user(1013, "en")
    env.sandbox.fail_next("sendMessage", status=429, retry_after=1)
    await user.send("/help")
    assert "/subscribe" in (await user.next_message()).text
    assert env.sandbox.count("sendMessage", status=429) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # A long flood wait drops the answer rather than stalling every other update.
    env.sandbox.fail_next("sendMessage", status=429, retry_after=60)
    await user.send("/help")
    await user.send("/privacy")
    assert "/forget" in (await user.next_message()).text
    assert len(user.inbox) == 2


async def _pause() -> None:
    await asyncio.sleep(0.02)


SUBSCRIBER_MODULES = (
    "bot/render/subscriber.py",
    "bot/handlers/start.py",
    "bot/handlers/subscribe.py",
    "bot/handlers/settings.py",
    "bot/handlers/fallback.py",
)


def test_every_subscriber_text_has_a_russian_translation() -> None:
    root = Path(__file__).resolve().parents[1]
    msgids: set[str] = {description for _, description in render.COMMANDS}
    for module in SUBSCRIBER_MODULES:
        tree = ast.parse((root / module).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("tr", "trn")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                msgids.add(node.args[1].value)
    russian = _catalogs()["ru"]
    missing = sorted(m for m in msgids if m not in russian)
    assert missing == []
    for msgid in msgids:
        found = russian[msgid]
        forms = found if isinstance(found, tuple) else (found,)
        for form in forms:
            # Same placeholders and the same HTML tags in the translation as in the English.
            assert _placeholders(form) <= _placeholders(msgid) | {"n"}, msgid
            assert _tags(form) == _tags(msgid), msgid


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?[a-z]+>", text))


def test_every_callback_fits_telegram_limit() -> None:
    from datetime import UTC, datetime
    from zoneinfo import available_timezones

    from bot.domain.timezones import Place
    from bot.storage.subscribers import FilterView

    now = datetime(2026, 1, 1, tzinfo=UTC)
    longest_zone = max(available_timezones(), key=len)
    keyboards = [
        render.language_keyboard("en"),
        render.language_keyboard("ru", welcome=True),
        render.settings_keyboard("ru"),
        render.forget_confirm("ru")[1],
        render.preview("ru", "q" * 300, 10**6, [("t" * 500, "https://x/" + "y" * 2000)], "A" * 8)[1],
        render.filters_list("ru", [FilterView(2**62, 50, "й" * 300, now)])[1],
        render.timezone_set("ru", Place("UTC"), [Place(longest_zone, "Ж" * 200, "KZ")], now)[1],
        render.timezone_unknown("ru", "x", [Place(longest_zone)], now)[1],
    ]
    for keyboard in keyboards:
        assert keyboard is not None
        for row in keyboard.inline_keyboard:
            for button in row:
                assert button.callback_data is not None
                assert len(str(button.callback_data).encode()) <= 64, button.callback_data
                assert len(button.text) <= 64
