"""/test through the sandbox: which of my filters match this text, and why."""

from __future__ import annotations

import pytest

from bot.handlers.filtertest import understood_item
from bot.storage.subscribers import add_filter, ensure_subscriber
from tests.support import BotEnv


@pytest.fixture
def env(bot_env: BotEnv) -> BotEnv:
    """The bot, with the sandbox allowing quick replies in a row to one person."""
    bot_env.sandbox.private_burst = 50
    # The first understanding loads the gazetteers (seconds): do it before the clock of a reply.
    understood_item("warm up", bot_env.clock())
    return bot_env


async def given_filters(env: BotEnv, chat_id: int, lang: str, *texts: str) -> None:
    async with env.services.sessions() as session, session.begin():
        subscriber, _ = await ensure_subscriber(session, chat_id, lang)
        for text in texts:
            await add_filter(session, subscriber.id, text, env.clock())


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_test_command_explains_matches(env: BotEnv, lang: str) -> None:
    await given_filters(env, 4001, lang, "Kazakhstan", "zhanaozen OR жанаозен", "miners")
    user = env.user(4001, lang)
    await user.send(
        "/test Police detained 40 striking oil workers in Zhanaozen, Kazakhstan, on Monday."
    )
    reply = await user.next_message()
    lines = reply.text.splitlines()
    assert lines[1] == "✅ Kazakhstan — kazakhstan"
    assert lines[2] == "✅ zhanaozen OR жанаозен — zhanaozen"
    assert lines[3].startswith("▫️ miners — ")
    assert (
        ("нет" in lines[3] or "не совпало" in lines[3]) if lang == "ru" else "no match" in lines[3]
    )


async def test_test_command_without_text_or_filters(env: BotEnv) -> None:
    user = env.user(4002, "en")
    await user.send("/test")
    assert "followed by a text" in (await user.next_message()).text
    await user.send("/test some words")
    assert "no filters yet" in (await user.next_message()).text
