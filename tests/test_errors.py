"""The one error handler: the person hears something went wrong; logs never carry their words."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, MessageHandler, filters

from bot.cli import configure_logging
from tests.support import BotEnv


async def test_a_failing_handler_answers_and_logs_no_text(
    bot_env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "meet at the back door of the union hall"

    async def explode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        raise ValueError(f"could not read {update.effective_message.text!r}")

    # Ahead of every real handler, for this test only.
    bot_env.app.add_handler(CommandHandler("boom", explode), group=-10)
    bot_env.app.add_handler(MessageHandler(filters.Regex("union hall"), explode), group=-10)
    configure_logging(verbose=True)  # what `tocsin -v run` sets up: the most it ever logs
    user = bot_env.user(7001, "ru")
    with caplog.at_level(logging.DEBUG):
        await user.send(secret)
        reply = await user.next_message(timeout=10, containing="пошло не так")
    assert "Попробуйте ещё раз" in reply.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged
    assert secret not in logged and "union hall" not in logged
