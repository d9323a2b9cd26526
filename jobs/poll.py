"""The poll job: lease the due sources, fetch them concurrently, parse off the loop, store new items.

The schedule is the sources table (`next_check_at`), so a source added or removed from the
command line takes effect at the next tick of `tocsin run`'s scheduler without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from multiprocessing import get_context
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.domain.feeds import (
    MAX_FAILURES,
    body_hash,
    next_check_after_failure,
    next_check_after_success,
    parse_max_age,
    parse_retry_after,
)
from bot.storage import sources as repo
from jobs.feeds import FeedParseError, ParsedFeed, parse_body
from jobs.fetch import FetchError, FetchResult, fetch, make_client

log = logging.getLogger(__name__)

CONCURRENCY = 32
PER_HOST = 8
FETCH_TIMEOUT = 30.0  # seconds for a whole fetch, redirects included
# Bodies this big are parsed in the process pool (both cores); smaller ones in a thread, where
# the hand-off costs less than pickling.
PROCESS_THRESHOLD = 16 * 1024
DISABLED_MSGID = (
    "Source {source} was paused after {count} failed checks in a row (last error: {error}). "
    "Resume it from /sources."
)


@dataclass
class PollResult:
    """What one source gave in one poll."""

    source_id: int
    url: str
    label: str
    status: str  # new | unchanged | not-modified | error | disabled
    new_items: int = 0
    entries: int = 0  # entries in the feed (0 when nothing was parsed)
    error: str | None = None
    http_status: int | None = None
    next_check_at: datetime | None = None
    moved_to: str | None = None
    title: str | None = None


def http_client(services: Any) -> httpx.AsyncClient:
    """The shared client from services.extras["http"], made on first use."""
    client = services.extras.get("http")
    if client is None:
        client = make_client(allow_private=services.settings.allow_private_sources)
        services.extras["http"] = client
    return client  # type: ignore[no-any-return]


def process_pool(services: Any) -> ProcessPoolExecutor:
    """The parsing pool in services.extras["process_pool"], one worker a core, made on first use."""
    pool = services.extras.get("process_pool")
    if pool is None:
        # spawn, not fork: the parent has threads (aiosqlite, the test servers) a fork would copy
        # in whatever state they are.
        pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=get_context("spawn"))
        services.extras["process_pool"] = pool
    return pool  # type: ignore[no-any-return]


async def parse_off_loop(
    services: Any,
    body: bytes,
    *,
    kind: str,
    url: str,
    content_type: str | None,
    timezone: str | None,
    now: datetime,
) -> ParsedFeed:
    """Parse a body in the process pool (big bodies) or a worker thread, never on the loop."""
    work: Callable[[], ParsedFeed] = partial(
        parse_body, body, kind=kind, url=url, content_type=content_type, timezone=timezone, now=now
    )
    if len(body) >= PROCESS_THRESHOLD:
        loop = asyncio.get_running_loop()
        pool = process_pool(services)
        try:
            return await loop.run_in_executor(pool, work)
        except BrokenProcessPool:
            # A worker died (killed for memory, say): a fresh pool for the next parse.
            if services.extras.get("process_pool") is pool:
                services.extras.pop("process_pool", None)
                pool.shutdown(wait=False, cancel_futures=True)
            raise
    return await asyncio.to_thread(work)


class _BatchWriter:
    """Writes poll outcomes in shared transactions (group commit), one writer at a time.

    Per-source transactions cost more than the work in them (a 304 is one UPDATE), and SQLite
    takes one writer anyway; so outcomes queue here and whoever is waiting goes in one commit.
    """

    def __init__(self, services: Any, max_batch: int = 100) -> None:
        self.services = services
        self.max_batch = max_batch
        self.pending: list[tuple[Callable[[Any], Any], asyncio.Future[Any]]] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, work: Callable[[Any], Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append((work, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch :]
            try:
                async with self.services.sessions() as session, session.begin():
                    results = [await work(session) for work, _ in batch]
            except Exception:
                # One bad write must not sink the others: redo them one transaction each.
                for work, future in batch:
                    try:
                        async with self.services.sessions() as session, session.begin():
                            future.set_result(await work(session))
                    except Exception as exc:
                        future.set_exception(exc)
                continue
            for (_work, future), result in zip(batch, results, strict=True):
                future.set_result(result)


class _Poller:
    def __init__(self, services: Any, now: datetime) -> None:
        self.services = services
        self.now = now
        self.client = http_client(services)
        self.hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(PER_HOST)
        )
        self.writer = _BatchWriter(services)
        self.owner = services.instance_id

    async def _write(self, work: Callable[[Any], Any]) -> Any:
        return await self.writer.submit(work)

    def interval(self, source: repo.SourceView) -> int:
        return source.interval or self.services.settings.poll_interval

    async def poll(self, source: repo.SourceView) -> PollResult:
        result = PollResult(source.id, source.url, source.label, "error")
        try:
            host = urlsplit(source.url).hostname or ""
            async with self.hosts[host]:
                fetched = await fetch(
                    self.client,
                    source.url,
                    etag=source.etag,
                    last_modified=source.last_modified,
                    allow_private=self.services.settings.allow_private_sources,
                    total_timeout=FETCH_TIMEOUT,
                )
        except FetchError as exc:
            return await self.failed(
                source, result, exc.reason, str(exc), exc.status, exc.retry_after
            )
        except Exception as exc:  # a hostile or broken server fails this source alone
            log.warning("source %s fetch crashed: %s", source.id, type(exc).__name__)
            return await self.failed(source, result, "error", type(exc).__name__, None, None)
        result.http_status = fetched.status
        result.moved_to = fetched.permanent_url
        if fetched.not_modified:
            result.status = "not-modified"
            return await self.succeeded(source, result, fetched, None, None)
        digest = body_hash(fetched.body)
        if digest == source.body_hash and source.backlog_done:
            result.status = "unchanged"
            return await self.succeeded(source, result, fetched, None, digest)
        try:
            parsed = await parse_off_loop(
                self.services,
                fetched.body,
                kind=source.kind,
                url=fetched.url,
                content_type=fetched.headers.get("content-type"),
                timezone=source.timezone or self.services.settings.timezone,
                now=self.now,
            )
        except FeedParseError as exc:
            return await self.failed(source, result, "parse", str(exc), fetched.status, None)
        except Exception as exc:  # a parser crash on hostile input stays with this source
            log.warning("source %s parse crashed: %s", source.id, type(exc).__name__)
            return await self.failed(source, result, "parse", type(exc).__name__, None, None)
        result.status = "new"
        result.entries = len(parsed.items)
        result.title = parsed.title
        return await self.succeeded(source, result, fetched, parsed, digest)

    async def succeeded(
        self,
        source: repo.SourceView,
        result: PollResult,
        fetched: FetchResult,
        parsed: ParsedFeed | None,
        digest: str | None,
    ) -> PollResult:
        schedule = next_check_after_success(
            self.now,
            self.interval(source),
            random.random(),
            ttl_minutes=parsed.ttl_minutes if parsed else None,
            max_age=parse_max_age(fetched.headers.get("cache-control")),
        )
        values: dict[str, Any] = {
            "next_check_at": schedule.next_check_at,
            "last_checked_at": self.now,
            "last_success_at": self.now,
            "last_error": None,
            "error_count": 0,
        }
        if not fetched.not_modified:
            # Validators always come from the latest 200, so stale ones never linger.
            values["etag"] = (fetched.headers.get("etag") or "")[:512] or None
            values["last_modified"] = (fetched.headers.get("last-modified") or "")[:128] or None
        if digest is not None:
            values["body_hash"] = digest
        if parsed is not None:
            values["backlog_done"] = True
            if parsed.title:
                values["title"] = parsed.title[:300]
        items = []
        if parsed is not None:
            for item in parsed.items:
                items.append(
                    repo.NewItem(
                        guid=item.guid,
                        story_key=item.story_key,
                        link=item.link,
                        title=item.title[:500],
                        text=item.text,
                        lang=item.lang,
                        # No date in the feed, or one from the future: the time we first saw it.
                        published_at=item.published_at
                        if item.published_at is not None and item.published_at <= self.now
                        else self.now,
                        ics_event=item.ics_event,
                    )
                )

        async def store(session: Any) -> int:
            # The write comes first so SQLite takes its write lock before reading anything.
            if not await repo.update_poll_state(session, source.id, self.owner, values):
                if await repo.get_source(session, source.id) is None:
                    return 0  # removed while it was being polled: nothing to store
            if fetched.permanent_url and await repo.move_source(
                session, source.id, fetched.permanent_url[:2048]
            ):
                log.info("source %s moved permanently", source.id)
            return await repo.insert_items(
                session, source.id, items, self.now, backlog=not source.backlog_done
            )

        result.new_items = await self._write(store)
        result.next_check_at = schedule.next_check_at
        log.info(
            "source %s polled: %s, %d entries, %d new",
            source.id,
            result.status,
            result.entries,
            result.new_items,
        )
        return result

    async def failed(
        self,
        source: repo.SourceView,
        result: PollResult,
        reason: str,
        message: str,
        status: int | None,
        retry_after: str | None,
    ) -> PollResult:
        wait = parse_retry_after(retry_after, self.now) if status in (429, 503) else None
        schedule = next_check_after_failure(
            self.now,
            self.interval(source),
            source.error_count,
            random.random(),
            retry_after=wait,
            max_failures=MAX_FAILURES,
        )
        error = f"{reason}: {message}"[:300]
        values: dict[str, Any] = {
            "next_check_at": schedule.next_check_at,
            "last_checked_at": self.now,
            "last_error": error,
            "error_count": schedule.error_count,
        }
        if schedule.disable:
            values["enabled"] = False
            values["disabled_reason"] = f"{schedule.error_count} failures in a row"
        admins = self.services.settings.admin_ids

        async def store(session: Any) -> None:
            await repo.update_poll_state(session, source.id, self.owner, values)
            if schedule.disable:
                await notify_admins_disabled(
                    session, admins, source, schedule.error_count, error, self.now
                )

        await self._write(store)
        result.status = "disabled" if schedule.disable else "error"
        result.error = error
        result.http_status = status
        result.next_check_at = schedule.next_check_at
        log.info("source %s failed: %s (%d in a row)", source.id, reason, schedule.error_count)
        return result


async def notify_admins_disabled(
    session: Any,
    owners: frozenset[int],
    source: repo.SourceView,
    count: int,
    error: str,
    now: datetime,
) -> int:
    """Queue one notice per admin with a private chat that the source was paused."""
    from bot.storage.admins import admin_ids
    from bot.storage.outbox import enqueue

    queued = 0
    for subscriber_id in await repo.admin_subscriber_ids(session, await admin_ids(session, owners)):
        queued += await enqueue(
            session,
            subscriber_id=subscriber_id,
            kind="notice",
            # The time makes a later pause (after a resume) a new notice; within one pause there
            # is only one transition, so each admin hears of it once.
            dedup_key=f"source-disabled:{source.id}:{count}:{now:%Y%m%dT%H%M%S}",
            priority=10,
            payload={
                # "msgid" is what bot/sender.py renders (render_notice escapes the params);
                # "text_msgid" is the name the brief gave it.
                "msgid": DISABLED_MSGID,
                "text_msgid": DISABLED_MSGID,
                "params": {"source": source.label, "count": count, "error": error},
                "source_id": source.id,
            },
        )
    return queued


async def poll_due_sources(
    services: Any,
    *,
    all: bool = False,
    limit: int = 100,  # noqa: A002 - the agreed contract
) -> list[PollResult]:
    """Poll the due sources (every enabled one with `all`), store new items; one result each."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        due = await repo.claim_due(session, now, services.instance_id, everything=all, limit=limit)
    if not due:
        return []
    poller = _Poller(services, now)
    queue: asyncio.Queue[repo.SourceView] = asyncio.Queue()
    for source in due:
        queue.put_nowait(source)
    results: dict[int, PollResult] = {}

    async def worker() -> None:
        while True:
            try:
                source = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                results[source.id] = await poller.poll(source)
            except Exception as exc:  # storage failed for one source: the others go on
                log.exception("source %s poll failed: %s", source.id, type(exc).__name__)
                results[source.id] = PollResult(
                    source.id, source.url, source.label, "error", error=type(exc).__name__
                )

    # A fixed number of workers pulling from a queue: concurrency is bounded however many are due.
    await asyncio.gather(*(worker() for _ in range(min(CONCURRENCY, len(due)))))
    return [results[s.id] for s in due if s.id in results]
