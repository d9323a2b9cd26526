"""`tocsin poll-once [--all]`: poll the due sources (or all of them) once and print a summary."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bot.config import Settings

BATCH = 1000


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Poll once and print one line a source and a total; returns the exit status."""
    return asyncio.run(_run(bool(getattr(args, "all", False)), settings))


async def _run(everything: bool, settings: Settings) -> int:
    from bot.services import open_services
    from bot.storage.db import upgrade_if_behind

    await asyncio.to_thread(upgrade_if_behind, settings.database_url)
    services = await open_services(settings)
    try:
        started = time.perf_counter()
        results = await poll_batches(services, everything)
        elapsed = time.perf_counter() - started
    finally:
        await services.close()
    for line in summary_lines(results):
        print(line)
    new = sum(r.new_items for r in results)
    failed = sum(r.status in ("error", "disabled") for r in results)
    print(f"polled {len(results)} sources in {elapsed:.2f} s: {new} new items, {failed} failed")
    return 0


async def poll_batches(services: Any, everything: bool) -> list[Any]:
    """Poll in batches until every due (or every) source had its turn once."""
    from jobs.poll import poll_due_sources

    results: list[Any] = []
    seen: set[int] = set()
    while True:
        batch = await poll_due_sources(services, all=everything, limit=BATCH)
        fresh = [r for r in batch if r.source_id not in seen]
        results.extend(fresh)
        seen.update(r.source_id for r in batch)
        # --all ignores next_check_at, so a full batch may come round again: stop once it repeats
        if len(batch) < BATCH or not fresh:
            return results


def summary_lines(results: list[Any]) -> list[str]:
    """One line a source: what it gave, or why it failed."""
    lines = []
    for r in results:
        if r.status == "new":
            what = f"{r.new_items} new of {r.entries} entries"
        elif r.status == "not-modified":
            what = "not modified (304)"
        elif r.status == "unchanged":
            what = "unchanged body, not parsed"
        else:
            what = f"{r.status}: {r.error}"
        moved = f" (moved to {r.moved_to})" if r.moved_to else ""
        lines.append(f"{r.source_id:>4}  {r.label}: {what}{moved}")
    return lines
