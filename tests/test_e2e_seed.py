"""Acceptance: the Zhanaozen seed report, lived by subscribers through the real parts.

An RSS feed on loopback (aiohttp), the real poller, understanding and matching jobs, the real
Sender draining the outbox into the Bot API sandbox, and the real Application long-polling it.
The clock is the FakeClock, set to December 2011 and moved by hand; nothing waits on wall time
except `wait_for` with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa
from aiohttp import web
from icalendar import Calendar
from sqlalchemy import select

from bot.i18n import tr
from bot.storage import sources as sources_repo
from bot.storage.models import Base, Delivery, Event, Item, Reminder, Subscriber
from jobs.poll import poll_due_sources
from jobs.remind import queue_due_reminders
from jobs.scheduler import run_pipeline
from tests.support import BotEnv

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "zhanaozen-2011-international-viewpoint.md"
FIXTURES = Path(__file__).parent / "fixtures" / "e2e"

pytestmark = pytest.mark.skipif(
    not SEED.is_file(), reason=f"the seed report is not at {SEED} (../shared beside the repo)"
)

STORY_LINK = "https://www.internationalviewpoint.org/spip.php?article2413"
TRACKED_LINK = STORY_LINK + "&utm_source=twitter&utm_medium=social&utm_campaign=zhanaozen"
MORNING = datetime(2011, 12, 19, 9, 0, tzinfo=UTC)  # Mon 19 Dec 2011, before the report
PUBLISHED = datetime(2011, 12, 19, 10, 0, tzinfo=UTC)
EVENT_START = datetime(2011, 12, 21, 12, 0, tzinfo=UTC)  # 12 noon in London, GMT in December
WHERE = "Kazakh-British Chamber of Commerce, 62 South Audley Street, Mayfair, London"
WAIT = 15.0  # seconds for any one step; generous, since the sender keeps 1 message a second
ALMATY = {"en": "Almaty", "ru": "Алматы"}


# ----------------------------------------------------------------------------- the stories


@dataclass(frozen=True)
class Story:
    """One news item as a feed carries it."""

    title: str
    link: str
    published: datetime
    paragraphs: list[str]
    guid: str = ""

    def rss(self) -> str:
        """This story as an RSS <item> (the HTML body escaped into <description>)."""
        body = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs)
        return (
            "    <item>\n"
            f"      <title>{escape(self.title)}</title>\n"
            f"      <link>{escape(self.link)}</link>\n"
            f"      <guid isPermaLink=\"false\">{escape(self.guid or self.link)}</guid>\n"
            f"      <pubDate>{format_datetime(self.published, usegmt=True)}</pubDate>\n"
            f"      <description>{escape(body)}</description>\n"
            "    </item>"
        )


def seed_story(link: str = STORY_LINK, guid: str = "") -> Story:
    """The seed report: its title and body paragraphs, markdown markup dropped."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    title = next(line[2:].strip() for line in lines if line.startswith("# "))
    # The body is what follows the last horizontal rule (the masthead and copyright come before).
    rules = [n for n, line in enumerate(lines) if line.strip() == "---"]
    body = "\n".join(lines[rules[-1] + 1 :])
    paragraphs = []
    for block in re.split(r"\n\s*\n", body):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", block.replace("**", ""))
        text = " ".join(text.split())
        if text:
            paragraphs.append(text)
    return Story(title=title, link=link, published=PUBLISHED, paragraphs=paragraphs, guid=guid)


def fixture_story(name: str) -> Story:
    """A companion story from tests/fixtures/e2e/stories.json."""
    data = json.loads((FIXTURES / "stories.json").read_text(encoding="utf-8"))[name]
    return Story(
        title=data["title"],
        link=data["link"],
        published=datetime.fromisoformat(data["published"]),
        paragraphs=list(data["paragraphs"]),
    )


def rss_document(title: str, stories: list[Story]) -> bytes:
    """A whole RSS 2.0 document holding `stories`."""
    template = Template((FIXTURES / "channel.xml").read_text(encoding="utf-8"))
    items = "\n".join(s.rss() for s in stories)
    return template.substitute(
        title=escape(title), link="https://feeds.example.org/", items=items
    ).encode("utf-8")


# ----------------------------------------------------------------------------- the feed server


@dataclass
class FeedSite:
    """RSS feeds served on loopback by aiohttp; `publish` changes what a path serves."""

    base: str = ""
    bodies: dict[str, bytes] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """The address of a feed path."""
        return f"{self.base}/{path}"

    def publish(self, path: str, title: str, stories: list[Story]) -> None:
        """Serve these stories at `path` from now on."""
        self.bodies[path] = rss_document(title, stories)


@contextlib.asynccontextmanager
async def serve_feeds() -> AsyncIterator[FeedSite]:
    """A FeedSite listening on 127.0.0.1, on the test's own event loop."""
    site = FeedSite()

    async def handle(request: web.Request) -> web.Response:
        body = site.bodies.get(request.match_info["path"])
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")

    app = web.Application()
    app.router.add_get("/{path}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield site
    finally:
        await runner.cleanup()


@pytest.fixture
async def feeds() -> AsyncIterator[FeedSite]:
    """The loopback feed site for one test."""
    async with serve_feeds() as site:
        yield site


# ----------------------------------------------------------------------------- steps


def prepare(env: BotEnv) -> BotEnv:
    """Set the clock to the morning of Mon 19 Dec 2011; let a person's quick replies through."""
    env.clock.set(MORNING)
    # Telegram tolerates short bursts of replies to one chat; the sender keeps 1/s on its own.
    env.sandbox.private_burst = 50
    return env


async def add_source(env: BotEnv, url: str, name: str) -> int:
    """Add a source as the operator would, and poll its backlog (which alerts nobody)."""
    async with env.services.sessions() as session, session.begin():
        source = await sources_repo.add_source(session, url, env.clock(), name=name)
    results = await poll_due_sources(env.services, all=True)
    assert [r.status for r in results if r.source_id == source.id] == ["new"]
    await run_pipeline(env.services)
    return source.id


async def poll_and_process(env: BotEnv) -> None:
    """One poll of every source, then understanding and matching; what was queued is due now."""
    results = await poll_due_sources(env.services, all=True)
    assert results and all(r.status in ("new", "unchanged", "not-modified") for r in results), [
        (r.status, r.error) for r in results
    ]
    await run_pipeline(env.services)
    # Alerts and cards go out at once: each row written by matching must be due by the
    # services' clock (a row due later would silently wait; fail here, not after a timeout).
    async with env.services.sessions() as session:
        later = [
            (d.kind, d.next_attempt_at)
            for d in await session.scalars(
                select(Delivery).where(
                    Delivery.status == "pending", Delivery.next_attempt_at > env.clock()
                )
            )
        ]
    assert later == [], f"queued at {env.clock()} but due only at {later}"


def has_button(label: str) -> Callable[[Any], bool]:
    """A wait_for predicate: some message on screen shows a button containing `label`."""
    return lambda u: any(label in text for m in u.inbox for text in m.button_texts())


async def join(
    env: BotEnv,
    user_id: int,
    lang: str,
    query: str,
    *,
    city: str | None = None,
    auto_follow: bool = True,
) -> Any:
    """A person starts the bot, sets a timezone through /settings, and saves a filter."""
    user = env.user(user_id, lang)
    await user.send("/start")
    await user.next_message(timeout=WAIT)
    if city is not None:
        await user.send("/settings")
        await user.next_message(timeout=WAIT)
        await user.press(tr(lang, "🕒 Timezone"))
        await user.next_message(timeout=WAIT)
        await user.send(city)
        await user.next_message(timeout=WAIT, containing="Asia/Almaty")
    if not auto_follow:
        await user.send("/settings")
        await user.next_message(timeout=WAIT)
        await user.press(tr(lang, "Reminders & quiet hours"))
        await user.wait_for(has_button(tr(lang, "Auto-follow: turn off")), timeout=WAIT)
        await user.press(tr(lang, "Auto-follow: turn off"))
        await user.wait_for(has_button(tr(lang, "Auto-follow: turn on")), timeout=WAIT)
    await user.send(f"/subscribe {query}")
    await user.next_message(timeout=WAIT, containing=query)
    await user.press(tr(lang, "✅ Save"))
    await user.wait_for(lambda u: any(m.text.startswith("✅") for m in u.inbox), timeout=WAIT)
    return user


async def subscriber(env: BotEnv, chat_id: int) -> Subscriber | None:
    """The subscriber row of a chat, if any."""
    async with env.services.sessions() as session:
        return await session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))


async def settled(env: BotEnv, timeout: float = WAIT) -> None:
    """Wait until the outbox holds nothing due: every row was sent, dropped or held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with env.services.sessions() as session:
            due = await session.scalar(
                select(sa.func.count())
                .select_from(Delivery)
                .where(
                    Delivery.status.in_(("pending", "sending")),
                    Delivery.next_attempt_at <= env.clock(),
                )
            )
        if not due:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"{due} deliveries still due after {timeout}s")
        await asyncio.sleep(0.05)  # polling the outbox, not a timing assertion


async def restart_sender(env: BotEnv) -> None:
    """Stop the running sender as a shutdown would, and start a fresh one."""
    for task in env.tasks:
        task.cancel()
    await asyncio.gather(*env.tasks, return_exceptions=True)
    env.tasks.clear()
    env.start_sender()


def alerts(user: Any) -> list[Any]:
    """The crackdown alerts in a chat."""
    return [m for m in user.inbox if m.kind == "text" and m.text.startswith("🚨")]


def cards(user: Any) -> list[Any]:
    """The protest cards in a chat (a call-to-protest alert has the same mark, no buttons)."""
    return [
        m
        for m in user.inbox
        if m.kind == "text"
        and m.text.startswith("📣")
        and any((b.callback_data or "").startswith("dl:rm:") for row in m.buttons for b in row)
    ]


def reminders(user: Any) -> list[Any]:
    """The reminders in a chat."""
    return [m for m in user.inbox if m.kind == "text" and m.text.startswith("⏰")]


def cyrillic(text: str) -> bool:
    """Whether a text has Russian letters in it."""
    return re.search(r"[а-яё]", text, re.IGNORECASE) is not None


async def seed_item(env: BotEnv) -> Item:
    """The stored seed item (the one whose link is the story's)."""
    async with env.services.sessions() as session:
        found = await session.scalar(select(Item).where(Item.link == STORY_LINK))
    assert found is not None, "the seed report was not stored"
    return found


async def seed_event(env: BotEnv) -> Event:
    """The one event the seed report announces."""
    async with env.services.sessions() as session:
        events = list(await session.scalars(select(Event)))
    assert len(events) == 1, [(e.title, e.start_at) for e in events]
    return events[0]


async def reminder_rows(env: BotEnv, chat_id: int) -> list[Reminder]:
    """A chat's reminder rows, soonest first."""
    async with env.services.sessions() as session:
        return list(
            await session.scalars(
                select(Reminder)
                .join(Subscriber, Subscriber.id == Reminder.subscriber_id)
                .where(Subscriber.chat_id == chat_id)
                .order_by(Reminder.due_at)
            )
        )


async def wait_rows(env: BotEnv, chat_id: int, count: int) -> list[Reminder]:
    """Wait (polling the database) until a chat has `count` pending reminders."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        rows = await reminder_rows(env, chat_id)
        if sum(r.status == "pending" for r in rows) == count:
            return rows
        if loop.time() > deadline:
            raise TimeoutError(f"reminders {[(r.lead_minutes, r.status) for r in rows]}")
        await asyncio.sleep(0.05)


async def publish_the_seed(env: BotEnv, feeds: FeedSite, *extra: Story) -> None:
    """The report appears in the feed an hour after it was written and is polled and processed."""
    env.clock.set(PUBLISHED + timedelta(hours=1))
    feeds.publish("iv.xml", "International Viewpoint", [seed_story(), *extra])
    await poll_and_process(env)


async def live_the_seed(env: BotEnv, feeds: FeedSite, lang: str, user_id: int) -> list[str]:
    """Scenario 1 for a subscriber in Almaty speaking `lang`; returns the language problems seen.

    Everything that does not depend on the language is asserted on the spot; what the Russian
    texts get wrong is collected, so one untranslated word does not hide a later bug.
    """
    problems: list[str] = []
    prepare(env)
    # The source exists (holding an unrelated item) before anyone subscribes: its backlog
    # is stored silently.
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated")])
    await add_source(env, feeds.url("iv.xml"), "International Viewpoint")
    auto = lang == "en"  # en keeps the default (auto-follow); ru chooses with "Remind me"
    user = await join(env, user_id, lang, "Kazakhstan", city=ALMATY[lang], auto_follow=auto)
    sub = await subscriber(env, user_id)
    assert sub is not None
    assert (sub.language, sub.timezone, sub.auto_follow) == (lang, "Asia/Almaty", auto)
    assert not alerts(user) and not cards(user)  # the backlog alerted nobody

    await publish_the_seed(env, feeds)
    item = await seed_item(env)
    assert item.stage == "matched" and not item.backlog
    assert (item.category, item.killed, item.injured, item.arrested) == ("crackdown", 10, 70, 70)
    event = await seed_event(env)
    assert event.start_at == EVENT_START
    assert (event.venue, event.address, event.city, event.timezone) == (
        "Kazakh-British Chamber of Commerce",
        "62 South Audley Street, Mayfair",
        "London",
        "Europe/London",
    )
    located = event.lat is not None and event.lon is not None

    env.start_sender()
    await user.wait_for(lambda u: alerts(u) and cards(u), timeout=WAIT)
    if located:
        await user.wait_for(lambda u: any(m.kind == "venue" for m in u.inbox), timeout=WAIT)
    await settled(env)

    # The alert: crackdown mark, title, source, the figures in its sentences, link, why.
    [alert] = alerts(user)
    lines = alert.text.splitlines()
    assert "Stop police violence against strikers" in alert.text
    assert "International Viewpoint" in alert.text
    assert "Ten people were shot dead, more than 70 wounded, and 70 arrested" in alert.text
    assert f'href="{STORY_LINK.replace("&", "&amp;")}"' in alert.raw or STORY_LINK in alert.raw
    assert "kazakhstan" in lines[-1].lower()
    if lang == "en":
        assert lines[0] == "🚨 Crackdown"
        assert lines[-1].startswith("Matched your filter")
    else:
        if not cyrillic(lines[0]):
            problems.append(f"alert category line not in Russian: {lines[0]!r}")
        if not cyrillic(lines[-1]):
            problems.append(f"alert 'why it matched' not in Russian: {lines[-1]!r}")

    # The protest card: when in Almaty and in London, where, a map link, the three buttons.
    [card] = cards(user)
    assert "Stop police violence against strikers" in card.text
    assert WHERE in card.text
    assert "openstreetmap.org" in card.raw
    when_line = next(line for line in card.text.splitlines() if line.startswith("🕒"))
    assert "18:00" in when_line and "12:00" in when_line, when_line
    callbacks = [b.callback_data for row in card.buttons for b in row]
    assert callbacks == [f"dl:rm:{event.id}", f"dl:ics:{event.id}", f"dl:no:{event.id}"]
    if lang == "en":
        assert when_line == "🕒 Wed 21 Dec, 18:00 (12:00 local time)"
        assert card.text.startswith("📣 Protest: ")
        assert card.button_texts() == ["✓ Reminders on", "📅 Add to calendar", "Not interested"]
    else:
        assert "ср 21 дек." in when_line, when_line
        if not cyrillic(when_line.replace("ср 21 дек.", "")):
            problems.append(f"card: the London time is not explained in Russian: {when_line!r}")
        if not cyrillic(card.text.split(":", 1)[0]):
            problems.append(f"card heading not in Russian: {card.text.splitlines()[0]!r}")
        english = [t for t in card.button_texts() if not cyrillic(t)]
        if english:
            problems.append(f"card buttons not in Russian: {english}")
    venues = [m for m in user.inbox if m.kind == "venue"]
    if located:
        assert len(venues) == 1 and venues[0].venue is not None
        assert abs(venues[0].venue.latitude - 51.51) < 0.1
        assert abs(venues[0].venue.longitude + 0.15) < 0.2
    else:
        assert venues == []

    # Add to calendar: a valid .ics for 12:00 London time at the address.
    await user.press(data=f"dl:ics:{event.id}", message=card)
    await user.wait_for(lambda u: any(m.kind == "document" for m in u.inbox), timeout=WAIT)
    [doc_msg] = [m for m in user.inbox if m.kind == "document"]
    assert doc_msg.document is not None and (doc_msg.document.filename or "").endswith(".ics")
    calendar = Calendar.from_ical(doc_msg.document.data)
    [vevent] = calendar.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert isinstance(start, datetime) and start.tzinfo is not None
    assert start == EVENT_START
    assert str(vevent["DTSTART"].params.get("TZID", "Europe/London")) == "Europe/London"
    assert "62 South Audley Street" in str(vevent.get("LOCATION"))
    if lang != "en" and not cyrillic(doc_msg.text):
        problems.append(f".ics caption not in Russian: {doc_msg.text!r}")

    # Remind me: followed automatically (en, the default) or by the button (ru).
    if auto:
        rows = await wait_rows(env, user_id, 2)
    else:
        assert await reminder_rows(env, user_id) == []
        offer = card.button_texts()[0]
        await user.press(data=f"dl:rm:{event.id}", message=card)
        rows = await wait_rows(env, user_id, 2)
        # the card's first button turns from "Remind me" into "Reminders on" (edited in place)
        await user.wait_for(lambda u: card.button_texts()[0] != offer, timeout=WAIT)
        assert card.button_texts()[0].startswith("✓")
        toast = user.answers[-1].text or ""
        if not cyrillic(toast):
            problems.append(f"'Remind me' answer not in Russian: {toast!r}")
    assert [(r.lead_minutes, r.due_at) for r in rows] == [
        (1440, EVENT_START - timedelta(days=1)),
        (120, EVENT_START - timedelta(hours=2)),
    ]

    # Nothing is due before the first lead time.
    env.clock.set(EVENT_START - timedelta(days=1, minutes=1))
    assert (await queue_due_reminders(env.services)).queued == 0
    # A day before: "Tomorrow, Wed 21 Dec, 18:00 (12:00 local time) — protest at ...".
    env.clock.set(EVENT_START - timedelta(days=1))
    assert (await queue_due_reminders(env.services)).queued == 1
    await user.wait_for(lambda u: len(reminders(u)) == 1, timeout=WAIT)
    assert (await queue_due_reminders(env.services)).queued == 0  # no second copy
    first = reminders(user)[0]
    assert WHERE in first.text and "openstreetmap.org" in first.raw
    head = first.text.split(WHERE)[0]
    if lang == "en":
        assert first.text.startswith(
            f"⏰ Tomorrow, Wed 21 Dec, 18:00 (12:00 local time) — protest at {WHERE}"
        ), first.text
    else:
        assert "ср 21 дек., 18:00" in head and "12:00" in head, first.text
        if "завтра" not in head.lower():
            problems.append(f"reminder does not say 'завтра': {head!r}")
        if not cyrillic(head.lower().replace("завтра", "").replace("ср 21 дек.", "")):
            problems.append(f"reminder sentence not in Russian: {head!r}")
    # The bot restarts between the two reminders: nothing is lost and nothing repeats.
    await settled(env)
    await restart_sender(env)
    assert (await queue_due_reminders(env.services)).queued == 0
    # Two hours before: the second and last reminder, still before noon UTC on the 21st.
    env.clock.set(EVENT_START - timedelta(hours=2))
    assert (await queue_due_reminders(env.services)).queued == 1
    await user.wait_for(lambda u: len(reminders(u)) == 2, timeout=WAIT)
    second = reminders(user)[1]
    if lang == "en":
        assert second.text.startswith("⏰ Today, Wed 21 Dec, 18:00 (12:00 local time)")
    elif "сегодня" not in second.text.lower():
        problems.append(f"second reminder does not say 'сегодня': {second.text!r}")
    # The sender stamps sent_at when it commits the answer: let it, before noon passes.
    await settled(env)
    env.clock.set(EVENT_START + timedelta(minutes=30))
    assert (await queue_due_reminders(env.services)).queued == 0
    await settled(env)
    assert len(reminders(user)) == 2
    async with env.services.sessions() as session:
        sent = list(
            await session.scalars(
                select(Delivery).where(
                    Delivery.subscriber_id == sub.id, Delivery.kind == "reminder"
                )
            )
        )
    assert sorted(d.dedup_key for d in sent) == [
        f"reminder:{event.id}:120",
        f"reminder:{event.id}:1440",
    ]
    assert all(d.status == "sent" and d.sent_at is not None for d in sent)
    assert all(d.sent_at < EVENT_START for d in sent)  # type: ignore[operator]
    # Exactly one alert and one card, however long the sender ran.
    assert len(alerts(user)) == 1 and len(cards(user)) == 1
    return problems


# ----------------------------------------------------------------------------- scenarios

async def test_seed_report_reaches_an_almaty_subscriber(
    any_bot_env: BotEnv, feeds: FeedSite
) -> None:
    """Scenarios 1 and 5: alert, card, .ics and reminders in English, on each database."""
    problems = await live_the_seed(any_bot_env, feeds, "en", 5101)
    assert problems == [], "\n".join(problems)


async def test_seed_report_in_russian(bot_env: BotEnv, feeds: FeedSite) -> None:
    """Scenario 2: the same for a Russian speaker, who asks to be reminded with the button."""
    problems = await live_the_seed(bot_env, feeds, "ru", 5102)
    assert problems == [], "\n".join(problems)


async def rows_about(env: BotEnv, subscriber_id: int, chat_id: int) -> dict[str, int]:
    """Rows in any table that point at this subscriber or carry this chat id."""
    found: dict[str, int] = {}
    async with env.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.name == "subscriber_id":
                    condition = column == subscriber_id
                elif isinstance(column.type, sa.Integer | sa.BigInteger) and not column.primary_key:
                    condition = column == chat_id
                else:
                    continue
                count = await session.scalar(
                    select(sa.func.count()).select_from(table).where(condition)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = int(count)
    return found


async def test_only_the_followers_hear_it_and_pause_and_forget_hold(
    bot_env: BotEnv, feeds: FeedSite
) -> None:
    """Scenario 3: football and Chile followers do not get the Kazakh story; a paused
    subscriber gets nothing until /resume; one who /forget-s mid-way gets nothing more."""
    env = prepare(bot_env)
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated")])
    await add_source(env, feeds.url("iv.xml"), "International Viewpoint")
    follower = await join(env, 7_710_001, "en", "Kazakhstan")
    football = await join(env, 7_710_002, "en", "football")
    chile = await join(env, 7_710_003, "en", "Chile")
    paused = await join(env, 7_710_004, "en", "Kazakhstan")
    leaver = await join(env, 7_710_005, "en", "Kazakhstan")
    await paused.send("/pause")
    await paused.next_message(timeout=WAIT, containing="/resume")
    row = await subscriber(env, paused.chat_id)
    assert row is not None and row.paused
    seen = {u.chat_id: len(u.inbox) for u in (follower, football, chile, paused, leaver)}

    def news(user: Any) -> list[Any]:
        return user.inbox[seen[user.chat_id] :]

    # The seed report and, in the same poll, a strike in Chile.
    await publish_the_seed(env, feeds, fixture_story("chile"))
    env.start_sender()
    for user in (follower, leaver):
        await user.wait_for(lambda u: alerts(u) and cards(u), timeout=WAIT)
    await chile.wait_for(lambda u: any(m.text.startswith("✊") for m in news(u)), timeout=WAIT)
    await settled(env)
    # The Chile follower hears of the Chile strike alone; the football follower of nothing.
    assert [m.text.splitlines()[1] for m in news(chile)] == [
        "Chile: miners strike at the Escondida copper mine"
    ]
    assert news(football) == []
    assert news(paused) == []
    assert "Escondida" not in " ".join(m.text for m in follower.inbox)

    # The leaver erases themselves after the alert and card (and the automatic follow).
    leaver_row = await subscriber(env, leaver.chat_id)
    assert leaver_row is not None
    assert len(await reminder_rows(env, leaver.chat_id)) == 2
    await leaver.send("/forget")
    await leaver.next_message(timeout=WAIT, containing="?")
    await leaver.press("Yes, erase everything")
    await leaver.next_message(timeout=WAIT, containing="erased")
    assert await rows_about(env, leaver_row.id, leaver.chat_id) == {}
    seen[leaver.chat_id] = len(leaver.inbox)

    # The paused subscriber comes back; the next Kazakh story reaches them.
    await paused.send("/resume")
    await paused.next_message(timeout=WAIT)
    seen[paused.chat_id] = len(paused.inbox)
    env.clock.set(datetime(2011, 12, 20, 8, 30, tzinfo=UTC))
    followup = fixture_story("followup")
    feeds.publish("iv.xml", "International Viewpoint", [seed_story(), followup])
    await poll_and_process(env)
    await paused.wait_for(lambda u: len(alerts(u)) == 1, timeout=WAIT)
    await follower.wait_for(lambda u: len(alerts(u)) == 2, timeout=WAIT)
    await settled(env)
    assert followup.title in alerts(paused)[0].text
    # The day before the protest: the follower is reminded, the leaver is not.
    env.clock.set(EVENT_START - timedelta(days=1))
    assert (await queue_due_reminders(env.services)).queued == 1
    await follower.wait_for(lambda u: len(reminders(u)) == 1, timeout=WAIT)
    await settled(env)
    assert news(leaver) == []
    assert news(football) == []
    assert len(news(paused)) == 1  # the follow-up alone: the seed was matched while paused
    assert len(alerts(follower)) == 2 and len(cards(follower)) == 1  # the seed polled again: no repeat
    assert await rows_about(env, leaver_row.id, leaver.chat_id) == {}


async def test_same_story_from_a_second_source_alerts_once(
    bot_env: BotEnv, feeds: FeedSite
) -> None:
    """Scenario 4: the report republished elsewhere with utm_ parameters alerts once."""
    env = prepare(bot_env)
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated")])
    feeds.publish("mirror.xml", "Chtodelat News", [])
    await add_source(env, feeds.url("iv.xml"), "International Viewpoint")
    await add_source(env, feeds.url("mirror.xml"), "Chtodelat News")
    user = await join(env, 7_720_001, "en", "Kazakhstan")

    await publish_the_seed(env, feeds)
    env.start_sender()
    await user.wait_for(lambda u: alerts(u) and cards(u), timeout=WAIT)
    await settled(env)  # the card's venue too, before the clock moves on
    # An hour later the mirror carries the same report, its link dressed with tracking tags.
    env.clock.advance(timedelta(hours=1))
    feeds.publish("mirror.xml", "Chtodelat News", [seed_story(TRACKED_LINK, "chtodelat-2413")])
    await poll_and_process(env)
    await settled(env)
    async with env.services.sessions() as session:
        items = list(await session.scalars(select(Item).where(Item.title == seed_story().title)))
        events = list(await session.scalars(select(Event)))
        queued = list(await session.scalars(select(Delivery.dedup_key)))
    assert len(items) == 2 and items[0].source_id != items[1].source_id
    assert items[0].story_key == items[1].story_key
    assert all(i.stage == "matched" for i in items)
    assert len(events) == 1
    assert sorted(queued) == [f"card:{events[0].id}", f"story:{items[0].story_key}"]
    assert len(alerts(user)) == 1 and len(cards(user)) == 1


async def test_protest_moved_to_1pm_reaches_the_follower_and_moves_the_reminders(
    bot_env: BotEnv, feeds: FeedSite
) -> None:
    """A later report moves the London protest to 1pm: the follower is told, reminders move."""
    env = prepare(bot_env)
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated")])
    await add_source(env, feeds.url("iv.xml"), "International Viewpoint")
    user = await join(env, 7_760_001, "en", "Kazakhstan", city="Almaty")
    await publish_the_seed(env, feeds)
    env.start_sender()
    await user.wait_for(lambda u: cards(u), timeout=WAIT)
    await settled(env)
    env.clock.set(datetime(2011, 12, 20, 9, 0, tzinfo=UTC))
    feeds.publish("iv.xml", "International Viewpoint", [seed_story(), fixture_story("moved")])
    await poll_and_process(env)
    later = EVENT_START + timedelta(hours=1)
    event = await seed_event(env)
    assert (event.start_at, event.version, event.status) == (later, 2, "scheduled")
    await user.wait_for(lambda u: any(m.text.startswith("🔄") for m in u.inbox), timeout=WAIT)
    [update] = [m for m in user.inbox if m.text.startswith("🔄")]
    assert "Now: Tomorrow, Wed 21 Dec, 19:00 (13:00 local time)" in update.text
    assert WHERE in update.text
    rows = await reminder_rows(env, user.chat_id)
    assert [(r.lead_minutes, r.due_at, r.status) for r in rows] == [
        (1440, later - timedelta(days=1), "pending"),
        (120, later - timedelta(hours=2), "pending"),
    ]
    await settled(env)
    # Noon on the 20th was the old reminder time: nothing; an hour later, the moved one.
    env.clock.set(EVENT_START - timedelta(days=1))
    assert (await queue_due_reminders(env.services)).queued == 0
    env.clock.set(later - timedelta(days=1))
    assert (await queue_due_reminders(env.services)).queued == 1
    await user.wait_for(lambda u: reminders(u), timeout=WAIT)
    assert reminders(user)[0].text.startswith("⏰ Tomorrow, Wed 21 Dec, 19:00 (13:00 local time)")
    await settled(env)
    assert len(cards(user)) == 1 and len(reminders(user)) == 1


async def test_card_goes_once_when_its_venue_waits_out_a_long_flood_wait(
    bot_env: BotEnv, feeds: FeedSite
) -> None:
    """The card's venue pin is held back by Telegram past the sender's lease: still one card."""
    env = prepare(bot_env)
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated")])
    await add_source(env, feeds.url("iv.xml"), "International Viewpoint")
    user = await join(env, 7_730_001, "en", "Kazakhstan")
    await publish_the_seed(env, feeds)
    event = await seed_event(env)
    assert event.lat is not None  # London is in the gazetteer: the card has a venue part
    env.sandbox.fail_next("sendVenue", status=429, retry_after=2)
    env.start_sender()
    await user.wait_for(lambda u: cards(u), timeout=WAIT)
    # While the pin waits out the 429, two minutes pass on the services' clock (a stalled
    # loop or a long flood wait): longer than the sender's 60-second lease.
    env.clock.advance(timedelta(minutes=2))
    await user.wait_for(lambda u: any(m.kind == "venue" for m in u.inbox), timeout=WAIT)
    await settled(env)
    assert len(cards(user)) == 1, user.transcript()
    assert len([m for m in user.inbox if m.kind == "venue"]) == 1
    assert len(alerts(user)) == 1


async def test_source_added_after_the_report_still_announces_the_protest(
    bot_env: BotEnv, feeds: FeedSite
) -> None:
    """The seed is already in a new source's backlog: no alert, but the protest card (still ahead)."""
    env = prepare(bot_env)
    user = await join(env, 7_740_001, "en", "Kazakhstan")
    env.clock.set(PUBLISHED + timedelta(hours=1))
    feeds.publish("iv.xml", "International Viewpoint", [fixture_story("unrelated"), seed_story()])
    async with env.services.sessions() as session, session.begin():
        await sources_repo.add_source(session, feeds.url("iv.xml"), env.clock(), name="IV")
    await poll_and_process(env)
    item = await seed_item(env)
    assert item.backlog and item.stage == "matched" and item.category == "crackdown"
    env.start_sender()
    await user.wait_for(lambda u: cards(u), timeout=WAIT)
    await settled(env)
    assert alerts(user) == []
    [card] = cards(user)
    assert "Wed 21 Dec, 12:00" in card.text and WHERE in card.text
    assert len(await reminder_rows(env, user.chat_id)) == 2  # followed automatically
