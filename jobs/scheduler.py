"""APScheduler wiring: one job per tick (never one per subscriber), each claiming rows itself."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services import Services

log = logging.getLogger(__name__)

# Every job: a missed tick is run once late (coalesce) rather than skipped or piled up, and a
# stalled loop does not silently drop it (the default misfire_grace_time is one second).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


async def run_pipeline(services: Services) -> tuple[int, int]:
    """Understand what polling stored, then match what was understood."""
    from jobs.match import match_understood_items
    from jobs.understand import understand_new_items

    understood = await understand_new_items(services)
    matched = await match_understood_items(services)
    return understood, matched


async def _poll(services: Services) -> None:
    from jobs.poll import poll_due_sources

    await poll_due_sources(services)


async def _remind(services: Services) -> None:
    from jobs.remind import queue_due_reminders

    await queue_due_reminders(services)


async def _digest(services: Services) -> None:
    from jobs.remind import queue_digests

    await queue_digests(services)


def _guarded(name: str, job: Callable[[Services], Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
    async def run(services: Services) -> None:
        try:
            await job(services)
        except Exception as exc:  # one failed tick must not stop the schedule
            # the frames, not the message: an exception's text can quote feed content
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("job %s failed: %s\n%s", name, type(exc).__name__, frames)

    return run


def build_scheduler(services: Services, *, tick: float = 1.0) -> AsyncIOScheduler:
    """The scheduler with the poll, pipeline, reminder and digest ticks (`tick` scales them)."""
    scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
    jobs: list[tuple[str, Callable[[Services], Awaitable[Any]], float]] = [
        ("poll", _poll, 5.0),
        ("pipeline", run_pipeline, 2.0),
        ("remind", _remind, 5.0),
        ("digest", _digest, 60.0),
    ]
    for name, job, seconds in jobs:
        scheduler.add_job(
            _guarded(name, job),
            "interval",
            seconds=max(seconds * tick, 0.2),
            args=[services],
            id=name,
            name=name,
        )
    return scheduler
