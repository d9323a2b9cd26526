"""The demo: the sandbox, a sample feed on loopback, the real bot on a temporary SQLite database.

It plays an operator, a subscriber and an admin, and prints what each of them sees. The demo
keeps its own clock (services.clock) so that it can jump to the hour a reminder is due.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

DEMO_TOKEN = "100000:DEMO-TOKEN-NOT-A-SECRET"
SUBSCRIBER_ID = 5001
ADMIN_ID = 4242
STEP_TIMEOUT = 20.0


class DemoClock:
    """Virtual time for the demo: starts on a Monday morning and only moves when told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def demo_start(real_now: datetime) -> datetime:
    """The Monday 09:00 UTC after `real_now`, so the sample protest ("on Wednesday") is ahead."""
    days = (7 - real_now.weekday()) % 7 or 7
    day = (real_now + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def split_feed(feed: bytes, keep: Callable[[int], bool]) -> bytes:
    """The same RSS document with only the items whose index passes `keep`."""
    root = ET.fromstring(feed)
    channel = root.find("channel")
    assert channel is not None
    for index, item in enumerate(list(channel.findall("item"))):
        if not keep(index):
            channel.remove(item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@contextlib.asynccontextmanager
async def serve_feed(body: Callable[[], bytes]) -> AsyncIterator[str]:
    """Serve `body()` as an RSS feed on loopback; yields its address."""

    async def handle(_request: web.Request) -> web.Response:
        return web.Response(body=body(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.xml", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/feed.xml"
    finally:
        await runner.cleanup()


def say(text: str = "") -> None:
    """Print one line of the demo's narration."""
    print(text, flush=True)


def heading(text: str) -> None:
    """Print a section heading."""
    say()
    say(f"== {text} ==")


def run_demo(keep: str | None = None) -> int:
    """Run the whole demo; returns 0 when every step happened as it should."""
    # The demo narrates; only errors from the parts belong on screen.
    logging.disable(logging.WARNING)
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="tocsin-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(_demo(workdir))
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


async def _demo(workdir: Path) -> int:
    from bot.app import build_application, start_application
    from bot.config import load_settings
    from bot.demo.sample_feed import render_sample_feed
    from bot.sandbox import Sandbox
    from bot.services import open_services
    from bot.storage.db import upgrade_if_behind

    clock = DemoClock(demo_start(datetime.now(UTC)))
    database_url = f"sqlite:///{workdir}/demo.db"
    await asyncio.to_thread(upgrade_if_behind, database_url)

    full_feed = render_sample_feed(clock())
    # The first poll of a new source stores its backlog silently, so the crackdown report
    # (the first item) is published only after the subscriber has subscribed.
    feed_state = {"body": split_feed(full_feed, lambda i: i != 0)}

    say("Tocsin demo: a Bot API sandbox, a sample feed and the real bot, all on this machine.")
    say(f"Demo time starts {clock():%A %d %B %Y, %H:%M} UTC; the database is {workdir}/demo.db")

    # Telegram tolerates short bursts to one chat (a card and its venue, a reply and a menu).
    sandbox = Sandbox(token=DEMO_TOKEN, private_burst=5)
    await sandbox.start()
    async with serve_feed(lambda: feed_state["body"]) as feed_url:
        settings = load_settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=DEMO_TOKEN,
            TELEGRAM_API_URL=sandbox.api_root,
            DATABASE_URL=database_url,
            ADMIN_IDS=str(ADMIN_ID),
            ALLOW_PRIVATE_SOURCES=True,
            TIMEZONE="UTC",
            REMINDER_LEADS="1d,2h",
        )
        services = await open_services(settings, clock=clock)
        app = build_application(services, token=DEMO_TOKEN)
        await start_application(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        from bot.sender import Sender

        sender = Sender(services, app.bot)
        services.extras["sender"] = sender
        sender_task = asyncio.create_task(sender.run())
        try:
            await _play(services, sandbox, feed_url, feed_state, full_feed, clock)
        finally:
            sender_task.cancel()
            await asyncio.gather(sender_task, return_exceptions=True)
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await services.close()
            await sandbox.stop()
    return 0


async def _play(
    services: Any,
    sandbox: Any,
    feed_url: str,
    feed_state: dict[str, bytes],
    full_feed: bytes,
    clock: DemoClock,
) -> None:
    from bot.commands.poll import summary_lines
    from bot.commands.sources import add as add_source
    from jobs.poll import poll_due_sources
    from jobs.remind import queue_due_reminders
    from jobs.scheduler import run_pipeline

    heading("The operator adds a source")
    say(f"$ tocsin sources add {feed_url} --name demo-news")
    args = argparse.Namespace(url=feed_url, kind=None, interval=None, name="demo-news", timezone=None)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = await add_source(services, args)
    say(out.getvalue().rstrip())
    if status != 0:
        raise SystemExit("demo: the sample feed could not be added")
    say("$ tocsin poll-once --all")
    results = await poll_due_sources(services, all=True)
    for line in summary_lines(results):
        say(line)
    await run_pipeline(services)
    say("(the first poll of a new source is its backlog: stored as already seen, nobody is alerted)")

    heading("A subscriber starts the bot, sets a timezone and follows Kazakhstan")
    user = sandbox.add_user(user_id=SUBSCRIBER_ID, first_name="Subscriber", language_code="en")
    await user.send("/start")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.press("English")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.send("/settings")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.press("Timezone")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.send("Almaty")
    await user.next_message(timeout=STEP_TIMEOUT, containing="Almaty")
    # Protests that match are followed automatically by default; this subscriber would rather
    # choose, so the protest card will offer "Remind me".
    await user.send("/settings")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.press("Reminders & quiet hours")
    await user.wait_for(lambda u: any("Auto-follow" in str(m.buttons) for m in u.inbox[-2:]),
                        timeout=STEP_TIMEOUT)
    await user.press("Auto-follow: turn off")
    await user.wait_for(lambda u: any("turn on" in str(m.buttons) for m in u.inbox[-2:]),
                        timeout=STEP_TIMEOUT)
    await user.send("/subscribe Kazakhstan")
    await user.next_message(timeout=STEP_TIMEOUT, containing="Kazakhstan")
    await user.press("Save")
    await user.next_message(timeout=STEP_TIMEOUT)
    await user.send("/filters")
    await user.next_message(timeout=STEP_TIMEOUT, containing="Kazakhstan")
    say("(see the transcript below)")

    heading("A new report appears in the feed and is polled")
    feed_state["body"] = full_feed
    clock.now += timedelta(minutes=10)
    say("$ tocsin poll-once --all")
    for line in summary_lines(await poll_due_sources(services, all=True)):
        say(line)
    understood, matched = await run_pipeline(services)
    say(f"understood {understood} new items, matched {matched}")
    await user.wait_for(lambda u: any("Remind me" in str(m.buttons) for m in u.inbox),
                        timeout=STEP_TIMEOUT)
    say("the subscriber got the crackdown alert and the protest card")

    heading("The subscriber asks to be reminded")
    await user.press("Remind me")
    await user.wait_for(lambda u: any("Reminders on" in str(m.buttons) for m in u.inbox),
                        timeout=STEP_TIMEOUT)
    before = len(user.inbox)
    event_start = await _followed_event_start(services)
    due = event_start - timedelta(days=1)
    clock.now = due + timedelta(minutes=1)
    say(f"(demo clock jumps to {clock():%A %d %B %Y, %H:%M} UTC, one day before the protest)")
    await queue_due_reminders(services)
    await user.wait_for(lambda u: len(u.inbox) > before, timeout=STEP_TIMEOUT)
    say("the reminder went out")

    heading("An admin broadcasts an urgent update")
    admin = sandbox.add_user(user_id=ADMIN_ID, first_name="Organiser", language_code="en")
    await admin.send("/broadcast")
    await admin.next_message(timeout=STEP_TIMEOUT)
    await admin.send("Urgent: the picket moves to the front entrance. Bring warm clothes and water.")
    await _press_when_shown(admin, "Everyone")
    await _press_when_shown(admin, "Urgent")
    before = len(user.inbox)
    await _press_when_shown(admin, "Confirm")
    await user.wait_for(lambda u: len(u.inbox) > before, timeout=STEP_TIMEOUT)
    await admin.wait_for(lambda u: "Cancel" not in str(u.inbox[-1].buttons), timeout=STEP_TIMEOUT)
    say("(see the admin's conversation below)")

    heading("What the subscriber read")
    say(user.transcript())
    heading("What the admin read")
    say(admin.transcript())


async def _press_when_shown(person: Any, label: str) -> None:
    """Wait until a button with `label` is on screen, then press it."""
    await person.wait_for(lambda p: any(label in str(m.buttons) for m in p.inbox), STEP_TIMEOUT)
    await person.press(label)


async def _followed_event_start(services: Any) -> datetime:
    """When the event the subscriber follows starts (read back from the database)."""
    from sqlalchemy import select

    from bot.storage.models import Event, Follow

    async with services.sessions() as session:
        start = await session.scalar(
            select(Event.start_at).join(Follow, Follow.event_id == Event.id).limit(1)
        )
    if start is None:
        raise SystemExit("demo: the subscriber follows no event")
    return start
