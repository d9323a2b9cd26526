"""Runs the bot, the scheduler and the sender together until asked to stop."""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

from bot.services import Services

log = logging.getLogger(__name__)


async def serve(
    services: Services,
    app: Application,
    stop: asyncio.Event,
    *,
    tick: float = 1.0,
    poll_timeout: int = 10,
    run_jobs: bool = True,
) -> None:
    """Long-poll updates, run the scheduled jobs and drain the outbox until `stop` is set."""
    from bot.app import start_application
    from bot.sender import Sender
    from jobs.scheduler import build_scheduler

    await start_application(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, drop_pending_updates=False)
    scheduler = build_scheduler(services, tick=tick) if run_jobs else None
    if scheduler is not None:
        scheduler.start()
    sender = Sender(services, app.bot)
    services.extras["sender"] = sender
    sender_task = asyncio.create_task(sender.run(), name="sender")
    try:
        await stop.wait()
    finally:
        sender_task.cancel()
        await asyncio.gather(sender_task, return_exceptions=True)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
