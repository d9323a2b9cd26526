"""Conversations through the sandbox: /subscribe (preview, Save), /filters, /unsubscribe, /cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.filters import FilterSyntaxError, parse_filter
from bot.i18n import tr
from bot.render.filters import syntax_error
from bot.storage.models import Filter, Item, Subscriber
from bot.storage.subscribers import MAX_FILTERS, add_filter, ensure_subscriber
from tests.support import BotEnv


@pytest.fixture
def env(bot_env: BotEnv) -> BotEnv:
    """The bot, with the sandbox allowing a person's quick replies in a row."""
    bot_env.sandbox.private_burst = 50
    return bot_env


async def queries(env: BotEnv, chat_id: int) -> list[str]:
    """The filters stored for a chat, oldest first."""
    async with env.services.sessions() as session:
        rows = await session.scalars(
            select(Filter.query)
            .join(Subscriber, Subscriber.id == Filter.subscriber_id)
            .where(Subscriber.chat_id == chat_id)
            .order_by(Filter.id)
        )
        return list(rows)


async def given_filters(env: BotEnv, chat_id: int, lang: str, *texts: str) -> None:
    """Store filters directly, as if subscribed earlier."""
    async with env.services.sessions() as session, session.begin():
        subscriber, _ = await ensure_subscriber(session, chat_id, lang)
        for text in texts:
            await add_filter(session, subscriber.id, text, env.clock())


async def given_items(env: BotEnv) -> None:
    """Items of the last days the preview can find (and an old one it must not count)."""
    now = env.clock()
    rows = [
        ("Oil workers strike in Zhanaozen, Kazakhstan", "crackdown", timedelta(days=1)),
        ("Police detain striking miners in Kazakhstan", "crackdown", timedelta(days=2)),
        ("Kazakhstan: protest called for Saturday", "protest_call", timedelta(days=3)),
        ("Kazakhstan strike from last month", "strike", timedelta(days=20)),
    ]
    async with env.services.sessions() as session, session.begin():
        for n, (title, category, age) in enumerate(rows):
            session.add(
                Item(
                    guid=f"g{n}",
                    story_key=f"s{n}",
                    link=f"https://news.example/{n}",
                    title=title,
                    text=title,
                    lang="en",
                    published_at=now - age,
                    seen_at=now - age,
                    stage="matched",
                    category=category,
                )
            )


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_subscribe_previews_then_saves(env: BotEnv, lang: str) -> None:
    await given_items(env)
    user = env.user(3001, lang)
    await user.send("/subscribe Kazakhstan")
    preview = await user.next_message()
    assert "Kazakhstan" in preview.text
    assert tr(lang, "Save this filter?") in preview.text
    assert "3" in preview.text  # three items of the last 7 days, not the 20-day-old one
    assert len([e for e in preview.entities if e["type"] == "text_link"]) == 2
    assert await queries(env, 3001) == []  # nothing saved before the button
    await user.press(tr(lang, "✅ Save"))
    saved = await user.next_message()
    assert "Kazakhstan" in saved.text and "/filters" in saved.text
    # The preview stays, settled: its figures without the question and the buttons.
    assert preview.buttons == [] and tr(lang, "Save this filter?") not in preview.text
    assert tr(lang, "For example:") in preview.text
    assert len([e for e in preview.entities if e["type"] == "text_link"]) == 2
    assert await queries(env, 3001) == ["Kazakhstan"]


async def test_subscribe_without_words_asks_and_takes_the_next_message(env: BotEnv) -> None:
    user = env.user(3002, "en")
    await user.send("/subscribe")
    question = await user.next_message()
    assert "What should I follow?" in question.text
    await user.send('"oil workers" OR нефтяники')
    preview = await user.next_message()
    assert "oil workers" in preview.text and "нефтяники" in preview.text
    await user.press("✅ Save")
    await user.next_message(containing="Saved filter 1")
    assert await queries(env, 3002) == ['"oil workers" OR нефтяники']
    # The question was answered: the next plain text is a stray message again.
    await user.send("Zhanaozen")
    assert "/subscribe" in (await user.next_message()).text
    assert len(await queries(env, 3002)) == 1


async def test_cancel_on_the_preview_saves_nothing(env: BotEnv) -> None:
    user = env.user(3003, "ru")
    await user.send("/subscribe Жанаозен")
    preview = await user.next_message()
    await user.press("Отмена")
    assert (await user.next_message()).text == "Не сохранено."
    assert preview.buttons == []
    assert await queries(env, 3003) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_malformed_filter_points_at_the_spot_and_is_not_saved(env: BotEnv, lang: str) -> None:
    user = env.user(3004, lang)
    await user.send('/subscribe "oil workers')
    answer = await user.next_message()
    with pytest.raises(FilterSyntaxError) as err:
        parse_filter('"oil workers')
    assert answer.raw == syntax_error(lang, err.value)
    assert answer.buttons == []
    assert await queries(env, 3004) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_over_long_filter_is_refused(env: BotEnv, lang: str) -> None:
    user = env.user(3005, lang)
    await user.send("/subscribe " + "kazakhstan " * 30)  # 329 characters
    answer = await user.next_message()
    assert "300" in answer.text and answer.buttons == []
    assert await queries(env, 3005) == []


@pytest.mark.parametrize("text", ['/subscribe ""', "/subscribe ()", "/subscribe -"])
async def test_empty_filters_are_refused(env: BotEnv, text: str) -> None:
    user = env.user(3018, "en")
    await user.send(text)
    answer = await user.next_message()
    assert answer.buttons == [] and "/help filters" in answer.text
    assert await queries(env, 3018) == []


async def test_a_filter_over_several_lines_is_kept_on_one(env: BotEnv) -> None:
    user = env.user(3020, "en")
    await user.send("/subscribe Kazakhstan\nstrike\tminers")
    await user.next_message()
    await user.press("✅ Save")
    await user.next_message(containing="Saved")
    assert await queries(env, 3020) == ["Kazakhstan strike miners"]


async def test_cancel_stops_the_question(env: BotEnv) -> None:
    user = env.user(3006, "en")
    await user.send("/subscribe")
    await user.next_message()
    await user.send("/cancel")
    assert (await user.next_message()).text == "OK, cancelled."
    await user.send("/cancel")
    assert (await user.next_message()).text == "There is nothing to cancel."


async def test_duplicate_and_double_save_store_one_filter(env: BotEnv) -> None:
    user = env.user(3007, "en")
    await user.send("/subscribe Kazakhstan")
    first = await user.next_message()
    await user.send("/subscribe Kazakhstan")
    second = await user.next_message()
    await user.press("✅ Save", message=first)
    assert "Saved filter 1" in (await user.next_message()).text
    await user.press("✅ Save", message=second)
    assert "already follow" in (await user.next_message()).text
    assert await queries(env, 3007) == ["Kazakhstan"]
    await user.send("/subscribe kazakhstan")
    assert "already follow" in (await user.next_message()).text


async def test_filters_list_with_remove_buttons(env: BotEnv) -> None:
    await given_filters(env, 3008, "en", "Kazakhstan", "oil workers", "city:London strike")
    user = env.user(3008, "en")
    await user.send("/filters")
    listing = await user.next_message()
    assert "1. Kazakhstan" in listing.text and "3. city:London strike" in listing.text
    assert listing.button_texts() == [
        "Remove 1: Kazakhstan",
        "Remove 2: oil workers",
        "Remove 3: city:London strike",
    ]
    await user.press("Remove 2")
    await user.wait_for(lambda chat: listing.edits >= 1)
    assert user.answers[-1].text == "Removed: oil workers"
    assert "2. city:London strike" in listing.text
    assert await queries(env, 3008) == ["Kazakhstan", "city:London strike"]


async def test_old_remove_button_of_a_gone_filter(env: BotEnv) -> None:
    await given_filters(env, 3009, "ru", "Казахстан", "нефтяники")
    user = env.user(3009, "ru")
    await user.send("/filters")
    old = await user.next_message()
    await user.send("/filters")
    fresh = await user.next_message()
    await user.press("Удалить 1", message=fresh)
    await user.wait_for(lambda chat: fresh.edits >= 1)
    # The same button on the older message: the filter is already gone.
    await user.press("Удалить 1", message=old)
    await user.wait_for(lambda chat: old.edits >= 1)
    assert user.answers[-1].text == "Этот фильтр уже удалён."
    assert "1. нефтяники" in old.text
    assert await queries(env, 3009) == ["нефтяники"]


async def test_remove_button_of_someone_else_removes_nothing(env: BotEnv) -> None:
    await given_filters(env, 3010, "en", "Kazakhstan")
    await given_filters(env, 3011, "en", "Belarus")
    victim = env.user(3010, "en")
    await victim.send("/filters")
    listing = await victim.next_message()
    data = listing.buttons[0][0].callback_data
    other = env.user(3011, "en")
    await other.send("/filters")
    own = await other.next_message()
    # A forged button: the other person's filter id on one's own message.
    assert data is not None
    env.sandbox.callback_query(other, other, own, data)
    await other.wait_for(lambda chat: len(chat.answers) == 1)
    assert await queries(env, 3010) == ["Kazakhstan"]
    assert await queries(env, 3011) == ["Belarus"]


async def test_empty_filters_list(env: BotEnv) -> None:
    user = env.user(3012, "ru")
    await user.send("/filters")
    answer = await user.next_message()
    assert "У вас пока нет фильтров" in answer.text and answer.buttons == []


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_unsubscribe_by_number_and_all(env: BotEnv, lang: str) -> None:
    await given_filters(env, 3013, lang, "Kazakhstan", "oil workers", "Belarus")
    user = env.user(3013, lang)
    await user.send("/unsubscribe")
    assert "/unsubscribe 2" in (await user.next_message()).text
    await user.send("/unsubscribe 2")
    assert (await user.next_message()).text == tr(
        lang, "Removed filter {n}: <code>{query}</code>.", n=2, query="oil workers"
    ).replace("<code>", "").replace("</code>", "")
    assert await queries(env, 3013) == ["Kazakhstan", "Belarus"]
    await user.send("/unsubscribe 7")
    assert "7" in (await user.next_message()).text
    await user.send("/unsubscribe banana")
    await user.next_message()
    assert await queries(env, 3013) == ["Kazakhstan", "Belarus"]
    await user.send("/unsubscribe all")
    assert "2" in (await user.next_message()).text
    assert await queries(env, 3013) == []
    await user.send("/unsubscribe all")
    assert (await user.next_message()).text == tr(lang, "You had no filters to remove.")


async def test_filter_text_is_escaped_everywhere(env: BotEnv) -> None:
    await given_filters(env, 3014, "en", "<b>bold</b> & co")
    user = env.user(3014, "en")
    await user.send("/filters")
    assert "<b>bold</b> & co" in (await user.next_message()).text
    await user.send("/unsubscribe 1")
    assert "<b>bold</b> & co" in (await user.next_message()).text


async def test_filter_limit(env: BotEnv) -> None:
    await given_filters(env, 3015, "en", *[f"topic{n}" for n in range(MAX_FILTERS)])
    user = env.user(3015, "en")
    await user.send("/subscribe one more")
    answer = await user.next_message()
    assert str(MAX_FILTERS) in answer.text and answer.buttons == []
    assert len(await queries(env, 3015)) == MAX_FILTERS


async def test_the_longest_list_fits_one_message(env: BotEnv) -> None:
    long = [f"{n} " + "solidarity " * 27 for n in range(MAX_FILTERS)]  # about 300 characters
    await given_filters(env, 3017, "en", *long)
    user = env.user(3017, "en")
    await user.send("/filters")
    listing = await user.next_message()
    assert len(listing.text) <= 4096
    assert f"{MAX_FILTERS}. {MAX_FILTERS - 1} solidarity" in listing.text
    assert len(listing.button_texts()) == MAX_FILTERS
    assert env.sandbox.count("sendMessage", status=400) == 0


async def test_save_after_forget_asks_to_start(env: BotEnv) -> None:
    user = env.user(3016, "en")
    await user.send("/subscribe Kazakhstan")
    preview = await user.next_message()
    await user.send("/forget")
    await user.next_message()
    await user.press("Yes, erase everything")
    await user.wait_for(lambda chat: any("erased" in m.text for m in chat.inbox))
    await user.press("✅ Save", message=preview)
    await user.wait_for(lambda chat: chat.answers and chat.answers[-1].text == "Send /start first.")
    assert await queries(env, 3016) == []


async def test_the_whole_filter_life_on_each_backend(any_bot_env: BotEnv) -> None:
    env = any_bot_env
    env.sandbox.private_burst = 50
    await given_items(env)
    user = env.user(3019, "ru")
    await user.send("/subscribe Kazakhstan")
    await user.next_message()
    await user.press("Сохранить")
    await user.next_message(containing="Фильтр 1 сохранён")
    await user.send("/subscribe нефтяники")
    await user.next_message()
    await user.press("Сохранить")
    await user.next_message(containing="Фильтр 2 сохранён")
    await user.send("/filters")
    listing = await user.next_message()
    await user.press("Удалить 1", message=listing)
    await user.wait_for(lambda chat: listing.edits >= 1)
    assert await queries(env, 3019) == ["нефтяники"]
    await user.send("/unsubscribe all")
    await user.next_message()
    assert await queries(env, 3019) == []
