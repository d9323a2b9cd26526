"""Conversations through the sandbox: /settings (timezone by city or zone, language), /pause, /resume."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.i18n import tr
from bot.storage.models import Subscriber
from tests.support import BotEnv


@pytest.fixture
def env(bot_env: BotEnv) -> BotEnv:
    """The bot, with the sandbox allowing a person's quick replies in a row."""
    bot_env.sandbox.private_burst = 50
    return bot_env


async def row(env: BotEnv, chat_id: int) -> Subscriber:
    async with env.services.sessions() as session:
        found = await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("lang", "city", "zone"),
    [("en", "Almaty", "Asia/Almaty"), ("ru", "Алматы", "Asia/Almaty"), ("ru", "Лондон", "Europe/London")],
)
async def test_timezone_by_city_name(env: BotEnv, lang: str, city: str, zone: str) -> None:
    user = env.user(2001, lang)
    await user.send("/settings")
    overview = await user.next_message()
    assert tr(lang, "Set your timezone so that protest times are shown in it.") in overview.text
    assert "UTC" in overview.text
    await user.press(tr(lang, "🕒 Timezone"))
    await user.next_message(containing="Asia/Almaty")  # the question shows examples
    await user.send(city)
    done = await user.next_message()
    assert zone in done.text and city in done.text
    assert (await row(env, 2001)).timezone == zone
    await user.send("/settings")
    assert zone in (await user.next_message()).text


async def test_timezone_by_iana_name_and_offset_shortcut(env: BotEnv) -> None:
    user = env.user(2002, "en")
    await user.send("/settings timezone europe/berlin")
    assert "Europe/Berlin" in (await user.next_message()).text
    assert (await row(env, 2002)).timezone == "Europe/Berlin"
    await user.send("/settings tz UTC+5")
    assert "UTC+05:00" in (await user.next_message()).text
    assert (await row(env, 2002)).timezone == "Etc/GMT-5"


async def test_near_miss_offers_suggestions(env: BotEnv) -> None:
    user = env.user(2003, "en")
    await user.send("/settings timezone Almatty")
    offer = await user.next_message()
    assert "Did you mean" in offer.text
    assert any("Asia/Almaty" in text for text in offer.button_texts())
    assert (await row(env, 2003)).timezone is None
    await user.press("Almaty, KZ")
    done = await user.next_message()
    assert "Timezone set" in done.text
    assert offer.buttons == []  # the suggestions are settled
    assert (await row(env, 2003)).timezone == "Asia/Almaty"


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_unknown_timezone_changes_nothing_and_asks_again(env: BotEnv, lang: str) -> None:
    user = env.user(2004, lang)
    await user.send("/settings timezone Asia/Almaty")
    await user.next_message()
    await user.send("/settings timezone Qwxzzqj")
    refusal = await user.next_message()
    assert "Qwxzzqj" in refusal.text and "UTC+3" in refusal.text
    assert (await row(env, 2004)).timezone == "Asia/Almaty"
    # The corrected name can simply be typed next.
    await user.send("Europe/London")
    assert "Europe/London" in (await user.next_message()).text
    assert (await row(env, 2004)).timezone == "Europe/London"
    # And then plain text is no longer taken as a timezone.
    await user.send("Berlin")
    assert "/subscribe" in (await user.next_message()).text
    assert (await row(env, 2004)).timezone == "Europe/London"


async def test_place_names_are_escaped(env: BotEnv) -> None:
    user = env.user(2005, "en")
    await user.send("/settings timezone <b>&")
    assert "<b>&" in (await user.next_message()).text
    assert (await row(env, 2005)).timezone is None


async def test_namesakes_offered_as_other_choices(env: BotEnv) -> None:
    user = env.user(2006, "en")
    await user.send("/settings timezone London")
    reply = await user.next_message()
    assert "Europe/London" in reply.text
    assert any("America/Toronto" in b for b in reply.button_texts())
    await user.press("America/Toronto")
    assert "America/Toronto" in (await user.next_message()).text
    assert (await row(env, 2006)).timezone == "America/Toronto"


async def test_cancel_stops_the_timezone_question(env: BotEnv) -> None:
    user = env.user(2007, "en")
    await user.send("/settings")
    await user.next_message()
    await user.press("🕒 Timezone")
    await user.next_message()
    await user.send("/cancel")
    assert (await user.next_message()).text == "OK, cancelled."
    await user.send("Almaty")
    assert "/subscribe" in (await user.next_message()).text
    assert (await row(env, 2007)).timezone is None


async def test_language_from_settings(env: BotEnv) -> None:
    user = env.user(2008, "en")
    await user.send("/settings")
    overview = await user.next_message()
    assert overview.button_texts() == ["🕒 Timezone", "🌐 Language", "Reminders & quiet hours"]
    await user.press("🌐 Language")
    menu = await user.next_message()
    await user.press("Русский", message=menu)
    confirmation = await user.next_message()
    assert "Русский" in confirmation.text and "/help" in confirmation.text
    assert menu.buttons == []
    assert (await row(env, 2008)).language == "ru"
    await user.send("/settings")
    russian = await user.next_message()
    assert "Настройки" in russian.text
    assert russian.button_texts() == ["🕒 Часовой пояс", "🌐 Язык", "Напоминания и тихие часы"]


async def test_language_shortcut(env: BotEnv) -> None:
    user = env.user(2012, "en")
    await user.send("/settings language ru")
    assert "Русский" in (await user.next_message()).text
    assert (await row(env, 2012)).language == "ru"
    await user.send("/settings language xx")
    menu = await user.next_message()
    assert menu.text == "Выберите язык:" and len(menu.button_texts()) == 2
    assert (await row(env, 2012)).language == "ru"


async def test_reminders_button_belongs_to_the_delivery_part(env: BotEnv) -> None:
    user = env.user(2009, "en")
    await user.send("/settings")
    overview = await user.next_message()
    datas = [b.callback_data for line in overview.buttons for b in line]
    assert "dl:settings" in datas
    assert all(len(d.encode()) <= 64 for d in datas if d)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_pause_and_resume(env: BotEnv, lang: str) -> None:
    user = env.user(2010, lang)
    await user.send("/pause")
    assert (await user.next_message()).text == tr(
        lang, "Alerts are paused. Send /resume to get them again."
    )
    assert (await row(env, 2010)).paused is True
    await user.send("/settings")
    assert "/resume" in (await user.next_message()).text
    await user.send("/resume")
    assert (await user.next_message()).text == tr(lang, "Alerts are on again.")
    assert (await row(env, 2010)).paused is False


async def test_timezone_button_after_forget_asks_to_start(env: BotEnv) -> None:
    user = env.user(2011, "en")
    await user.send("/settings")
    overview = await user.next_message()
    await user.send("/forget")
    await user.next_message()
    await user.press("Yes, erase everything")
    await user.wait_for(lambda chat: any("erased" in m.text for m in chat.inbox))
    await user.press("🕒 Timezone", message=overview)
    await user.wait_for(lambda chat: chat.answers and chat.answers[-1].text == "Send /start first.")
