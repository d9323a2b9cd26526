"""The only way out: drains the outbox under Telegram's limits, once per delivery.

Three cooperating tasks:

* the feeder claims due rows (a lease: status "sending", lease_owner, lease_until), decides in
  the same transaction what cannot go now (blocked, paused, quiet hours, digest, event passed),
  renders the rest and hands them over;
* the dispatcher sends, in priority order, as fast as the global, per-chat and 429 limits allow
  (bot/domain/ratelimit.py), each request in its own task, a bounded number in flight;
* the writer commits each answer right after it arrives (group commit: whatever answers came in
  while the previous commit ran go in the next one), so the window in which a message has gone
  out but its row does not say so is one commit long.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.domain.ratelimit import Limits, RateLimiter, Ticket, backoff
from bot.domain.schedule import quiet_until, zone_or
from bot.render.alerts import (
    DigestEntry,
    event_info,
    plain_text,
    render_alert,
    render_card,
    render_digest,
    render_notice,
    render_reminder,
    render_update,
    split_html,
)
from bot.render.message import Outgoing
from bot.services import Services
from bot.storage import outbox
from bot.storage.models import Broadcast, Delivery, Event, Follow, Item, Source, Subscriber

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # timeouts and 5xx, then the row is failed (gave up)
IN_MEMORY_RETRY = 10.0  # retries sooner than this wait in memory; later ones go back to the table
PER_CHAT_QUEUE = 3  # rows of one chat held in memory at once; more go back with a later time
GROUP_KINDS = ("group", "supergroup", "channel")


@dataclass
class Part:
    """One request: a text, photo, document or venue, with the follow-up actions."""

    out: Outgoing
    plain: bool = False  # Telegram refused the markup: send as plain text


@dataclass
class Job:
    """One claimed delivery on its way out."""

    delivery_id: int
    subscriber_id: int
    chat_id: int
    thread_id: int | None
    group: bool
    priority: int
    kind: str
    lease_until: datetime
    parts: list[Part]
    index: int = 0
    first_message_id: int | None = None
    attempts: int = 1
    paid: bool = False  # send with allow_paid_broadcast
    broadcast_id: int | None = None
    not_before: float = 0.0  # monotonic time before which it must not go (backoff)
    extra_ids: list[int] = field(default_factory=list)  # held alerts a digest carries


@dataclass
class Outcome:
    """What happened to a job, for the writer to commit."""

    job: Job
    status: str  # sent | retry | failed | dropped | blocked | migrated
    error: str | None = None
    retry_at: datetime | None = None
    new_chat_id: int | None = None


@dataclass
class _Sent:
    """What we keep of Telegram's answer: the message id."""

    message_id: int


class Sender:
    """Drains the outbox with the real PTB Bot; run() until cancelled, send_due() for tests."""

    def __init__(
        self,
        services: Services,
        bot: Bot,
        *,
        lease: timedelta = timedelta(seconds=60),
        margin: float = 0.005,
        private_per_second: float = 1.0,
        group_per_minute: int = 20,
        max_in_flight: int | None = None,
        idle: float = 0.25,
        batch: int | None = None,
        retry_base: float = 0.5,
    ) -> None:
        self.services = services
        self.bot = bot
        settings = services.settings
        rate = settings.global_rate
        self.paid = bool(settings.allow_paid_broadcast and rate > 30)
        self.limits = Limits(
            global_rate=rate,
            private_per_second=private_per_second,
            group_per_minute=group_per_minute,
            margin=margin,
        )
        self.limiter = RateLimiter(self.limits)
        self.lease = lease
        self.idle = idle
        # Requests in flight: by Little's law, rate x round trip with some headroom: a few on
        # loopback, dozens against the real Telegram. More than needed only costs
        # (connection-pool bookkeeping on both ends: 256 in flight ran 4x slower here).
        self.fixed_in_flight = max_in_flight
        self.max_in_flight = max_in_flight or 256
        # the shortest round trip among the last 100 answers: the network, not our own queueing
        self._round_trip = 0.05  # seconds; starts at a typical Telegram round trip
        self._rtt_window_min = math.inf
        self._rtt_samples = 0
        self._in_flight_count = 0
        self._stopping = False
        self._held: dict[int, Job] = {}  # every job in memory, queued or in flight, by row id
        self._renew_soon = False
        self.batch = batch or max(20, min(1000, int(rate * 2)))
        self.owner = services.instance_id
        self.retry_base = retry_base  # first backoff after a timeout or 5xx, doubling
        self._seq = itertools.count()
        self._ready: list[tuple[int, int, int]] = []  # (priority, seq, chat_id) heads ready now
        self._waiting: list[tuple[float, int, int]] = []  # (monotonic time, seq, chat_id)
        self._chats: dict[int, deque[Job]] = {}
        self._scheduled: set[int] = set()  # chats whose head is in a heap
        self._busy: set[int] = set()  # chats with a request in flight (keeps each chat in order)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[Outcome] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._jobs = 0  # jobs in memory (queued or in flight)
        self.sent = 0
        self.stats: dict[str, int] = {}

    # ------------------------------------------------------------------ public

    async def run(self) -> None:
        """Send until cancelled; on cancel, finish the requests in flight and commit them."""
        writer = asyncio.create_task(self._writer(), name="sender-writer")
        heartbeat = asyncio.create_task(self._heartbeat(), name="sender-heartbeat")
        dispatcher = asyncio.create_task(
            self._dispatch(stop_when_empty=False), name="sender-dispatch"
        )
        try:
            while True:
                try:
                    claimed = 0
                    # refill at half: claiming a few rows at a time costs a transaction each
                    if self._jobs <= self.batch // 2:
                        claimed = await self._shielded_feed(self.batch - self._jobs)
                    if claimed == 0:
                        await asyncio.sleep(self.idle if self._jobs == 0 else 0.05)
                    else:
                        await asyncio.sleep(0)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a database hiccup must not stop the sender
                    log.exception("sender feed failed: %s", type(exc).__name__)
                    await asyncio.sleep(1.0)
        finally:
            self._stopping = True
            dispatcher.cancel()
            heartbeat.cancel()
            await asyncio.gather(dispatcher, heartbeat, return_exceptions=True)
            # requests already on the wire finish and are committed: a clean stop sends no
            # message twice
            if self._in_flight:
                await asyncio.wait(list(self._in_flight), timeout=10)
            for queue in list(self._chats.values()):
                for job in queue:
                    # not sent (or only partly): back to pending so a restart sends it at once
                    self._finish(job, "sent" if job.index > 0 else "release")
            self._chats.clear()
            await self._results.put(Outcome(job=None, status="stop"))  # type: ignore[arg-type]
            await asyncio.gather(writer, return_exceptions=True)

    async def _shielded_feed(self, limit: int) -> int:
        # a stop in the middle of a claim lets the transaction finish (cancelling a database
        # call half way can leave the connection stuck); what it claimed is released below
        feed = asyncio.ensure_future(self._feed(limit))
        try:
            return await asyncio.shield(feed)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(feed, timeout=30)
            raise

    async def send_due(self, limit: int = 1000) -> int:
        """Claim up to `limit` due rows, send them all (waiting out the limits), return how many
        went out."""
        before = self.sent
        writer = asyncio.create_task(self._writer())
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await self._feed(limit)
            await self._dispatch(stop_when_empty=True)
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await self._results.put(Outcome(job=None, status="stop"))  # type: ignore[arg-type]
            await writer
        return self.sent - before

    async def wait_turn(self, chat_id: int, group: bool = False) -> Ticket:
        """Wait until one more message to `chat_id` fits the limits and take its slots (for
        handlers that answer with a new message); settle the ticket when the answer came."""
        while True:
            now = time.monotonic()
            at = self.limiter.ready_at(chat_id, group, now)
            if at <= now:
                return self.limiter.record(chat_id, group, now)
            # inf: a send to this chat is still in flight; look again shortly
            await asyncio.sleep(min(at - now, 0.05))

    # ------------------------------------------------------------------ feeding

    async def _feed(self, limit: int) -> int:
        """Claim, triage and render up to `limit` rows; returns how many were claimed."""
        services = self.services
        now = services.clock()
        # three short transactions, so that the write lock (one writer on SQLite) is never held
        # while rendering: the writer's commits of sent marks must not wait behind us
        async with services.sessions() as session, session.begin():
            await outbox.release_quiet(session, now)
            rows = await outbox.claim_due(
                session, owner=self.owner, now=now, limit=limit, lease=self.lease
            )
        if not rows:
            return 0
        async with services.sessions() as session:
            context = await _Context.load(session, rows)
        jobs: list[Job] = []
        finals: list[tuple[int, str, str | None, datetime | None, int]] = []
        depth: dict[int, int] = {}
        for row in rows:
            job = self._triage(finals, context, row, now)
            if job is None:
                continue
            position = len(self._chats.get(job.chat_id, ())) + depth.get(job.chat_id, 0)
            wait = self._chat_wait(position, job.group)
            if wait > self.lease.total_seconds() / 2:
                # it could not go before our lease ends: back to the table, due when its
                # turn comes, so one busy chat never holds leases it cannot use
                finals.append(
                    (row.id, "pending", None, now + timedelta(seconds=wait), row.attempts - 1)
                )
                continue
            depth[job.chat_id] = depth.get(job.chat_id, 0) + 1
            jobs.append(job)
        if finals:
            async with services.sessions() as session, session.begin():
                for delivery_id, status, error, at, attempts in finals:
                    if status == "pending":
                        await outbox.mark_retry(
                            session, delivery_id, self.owner, at or now, error, attempts=attempts
                        )
                    else:
                        await outbox.mark_final(
                            session, delivery_id, self.owner, status, error, at, attempts=attempts
                        )
                    self.stats[status] = self.stats.get(status, 0) + 1
        for job in jobs:
            self._enqueue_job(job)
        return len(rows)

    def _note_round_trip(self, seconds: float) -> None:
        self._rtt_window_min = min(self._rtt_window_min, seconds)
        self._rtt_samples += 1
        if self._rtt_samples >= 100:
            self._round_trip = self._rtt_window_min
            self._rtt_window_min, self._rtt_samples = math.inf, 0

    def allowed_in_flight(self) -> int:
        """How many requests may be in flight now: rate x shortest round trip, plus one, at
        least 4."""
        if self.fixed_in_flight:
            return self.fixed_in_flight
        rate = self.limits.global_rate * self.limiter.factor
        return max(4, min(self.max_in_flight, math.ceil(rate * self._round_trip) + 1))

    def _chat_wait(self, position: int, group: bool) -> float:
        """About how long the message at `position` in a chat's queue waits for its turn."""
        if group:
            return (position // self.limits.group_per_minute) * 60.0
        return position * (1.0 / self.limits.private_per_second + self.limits.margin)

    def _triage(
        self,
        finals: list[tuple[int, str, str | None, datetime | None, int]],
        ctx: _Context,
        row: Delivery,
        now: datetime,
    ) -> Job | None:
        """Decide what happens to one claimed row; a Job when it should go now."""
        sub = ctx.subscribers.get(row.subscriber_id)
        settings = self.services.settings
        urgent = row.priority == outbox.PRIORITY_URGENT and row.kind == "broadcast"

        def final(status: str, error: str, at: datetime | None = None) -> None:
            # nothing was tried: the claim's attempt does not count
            finals.append((row.id, status, error, at, row.attempts - 1))

        if sub is None or sub.blocked:
            final("dropped", "Blocked")
            return None
        if sub.paused and not urgent:
            final("dropped", "Paused")
            return None
        zone = zone_or(sub.timezone, settings.timezone)
        event = ctx.events.get(row.event_id) if row.event_id else None
        if row.kind in ("card", "reminder", "update"):
            if event is None:
                final("dropped", "EventGone")
                return None
            if row.kind != "update" and event.status == "cancelled":
                final("cancelled", "EventCancelled")
                return None
            if row.kind == "reminder" and event.start_at <= now:
                final("dropped", "EventPassed")
                return None
            ends = event.end_at or event.start_at + timedelta(
                days=1 if event.all_day else 0, hours=3
            )
            if row.kind == "card" and ends <= now:
                final("dropped", "EventPassed")
                return None
            if row.kind == "card" and ctx.dismissed(row.subscriber_id, event.id):
                final("cancelled", "NotInterested")
                return None
        if row.kind == "alert" and sub.digest_hour is not None:
            final("held", outbox.HOLD_DIGEST)
            return None
        if not urgent and row.kind != "digest":
            until = quiet_until(now, zone, sub.quiet_start, sub.quiet_end)
            if until is not None:
                final("held", outbox.HOLD_QUIET, until)
                return None
        try:
            out, extra = self._render(ctx, row, sub, zone, event, now)
        except Exception as exc:  # a rendering bug must not block the queue: give this row up
            log.exception(
                "render failed for delivery %s (%s): %s", row.id, row.kind, type(exc).__name__
            )
            final("failed", f"Render:{type(exc).__name__}")
            return None
        if out is None:
            final("dropped", "Gone")
            return None
        return Job(
            delivery_id=row.id,
            subscriber_id=sub.id,
            chat_id=sub.chat_id,
            thread_id=sub.thread_id,
            group=sub.kind in GROUP_KINDS or sub.chat_id < 0,
            priority=row.priority,
            kind=row.kind,
            lease_until=row.lease_until or now + self.lease,
            parts=_parts(out),
            attempts=row.attempts,
            extra_ids=extra,
            paid=self.paid,
            broadcast_id=row.broadcast_id,
        )

    def _render(
        self,
        ctx: _Context,
        row: Delivery,
        sub: Subscriber,
        zone: Any,
        event: Event | None,
        now: datetime,
    ) -> tuple[Outgoing | None, list[int]]:
        lang = sub.language or "en"
        payload = row.payload or {}
        if row.kind == "alert":
            item = ctx.items.get(row.item_id) if row.item_id else None
            if item is None:
                return None, []
            return render_alert(
                lang,
                title=item.title,
                text=item.text,
                link=item.link,
                category=item.category,
                source=ctx.source_name(item.source_id),
                payload=payload,
            ), []
        if row.kind == "card" and event is not None:
            following = ctx.following(row.subscriber_id, event.id)
            return render_card(lang, event_info(event), zone, now, following), []
        if row.kind == "reminder" and event is not None:
            return render_reminder(lang, event_info(event), zone, now), []
        if row.kind == "update" and event is not None:
            return render_update(
                lang, event_info(event), zone, now, str(payload.get("change", ""))
            ), []
        if row.kind == "broadcast":
            broadcast = ctx.broadcasts.get(row.broadcast_id) if row.broadcast_id else None
            if broadcast is None:
                return None, []
            from bot.render.broadcast import render_broadcast

            return render_broadcast(lang, broadcast), []
        if row.kind == "notice":
            return render_notice(lang, str(payload.get("msgid", "")), payload.get("params")), []
        if row.kind == "digest":
            ids = [int(i) for i in payload.get("ids", [])]
            entries = []
            for alert_id in ids:
                alert = ctx.digest_alerts.get(alert_id)
                item = ctx.items.get(alert.item_id) if alert and alert.item_id else None
                if item is not None:
                    entries.append(
                        DigestEntry(
                            item.title, item.link, item.category, ctx.source_name(item.source_id)
                        )
                    )
            if not entries:
                return None, ids
            return render_digest(lang, entries), ids
        return None, []

    # ------------------------------------------------------------------ dispatching

    def _enqueue_job(self, job: Job) -> None:
        self._chats.setdefault(job.chat_id, deque()).append(job)
        self._held[job.delivery_id] = job
        self._jobs += 1
        self._schedule_head(job.chat_id)
        self._wake.set()

    def _schedule_head(self, chat_id: int) -> None:
        queue = self._chats.get(chat_id)
        if not queue or chat_id in self._scheduled or chat_id in self._busy:
            return
        head = queue[0]
        now = time.monotonic()
        at = max(head.not_before, self.limiter.chat_ready_at(chat_id, head.group, now))
        at = min(at, now + 0.05) if at == math.inf else at  # a handler's answer in flight
        self._scheduled.add(chat_id)
        if at <= now:
            heapq.heappush(self._ready, (head.priority, next(self._seq), chat_id))
        else:
            heapq.heappush(self._waiting, (at, next(self._seq), chat_id))

    async def _heartbeat(self) -> None:
        """Keep the leases of the jobs in memory alive (a long 429 pause, a card's venue still
        to send), so a row is never claimed again while we still hold it."""
        while not self._stopping:
            await asyncio.sleep(0.1)
            try:
                await self._renew_leases()
            except Exception as exc:  # retried on the next beat
                log.warning("lease renewal failed: %s", type(exc).__name__)

    async def _renew_leases(self) -> None:
        now = self.services.clock()
        margin = self.lease / 3
        if not self._renew_soon and all(j.lease_until - now > margin for j in self._held.values()):
            return
        self._renew_soon = False
        ids = list(self._held)
        if not ids:
            return
        until = now + self.lease
        async with self.services.sessions() as session, session.begin():
            kept = await outbox.renew_leases(session, ids, self.owner, until)
        for delivery_id in ids:
            job = self._held.get(delivery_id)
            if job is None:
                continue
            if delivery_id in kept:
                job.lease_until = until
                continue
            # someone else has the row now (our lease had run out): let them send it
            log.warning("delivery %s lease lost; left to its new owner", delivery_id)
            queue = self._chats.get(job.chat_id)
            if queue is not None and job in queue:
                queue.remove(job)
                if not queue:
                    del self._chats[job.chat_id]
                self._held.pop(delivery_id, None)
                self._jobs -= 1
        self._wake.set()

    async def _nap(self, timeout: float) -> None:
        """Sleep until woken (an answer, a new job) or `timeout`.

        Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that arrives as the
        event fires, and the dispatcher would then never stop.
        """
        self._wake.clear()
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()

    async def _dispatch(self, stop_when_empty: bool) -> None:
        while not self._stopping:
            now = time.monotonic()
            while self._waiting and self._waiting[0][0] <= now:
                _, _, chat_id = heapq.heappop(self._waiting)
                waiting = self._chats.get(chat_id)
                if not waiting:
                    self._scheduled.discard(chat_id)
                    continue
                heapq.heappush(self._ready, (waiting[0].priority, next(self._seq), chat_id))
            if not self._ready:
                if stop_when_empty and self._jobs == 0:
                    return
                timeout = (
                    self._waiting[0][0] - now
                    if self._waiting
                    else (0.2 if stop_when_empty else 1.0)
                )
                await self._nap(max(0.001, timeout))
                continue
            at = self.limiter.global_ready_at(now)
            if at > now:
                if at == math.inf:
                    # the window is full of requests in flight: the next answer frees a slot
                    await self._nap(0.05)
                else:
                    await asyncio.sleep(at - now)
                continue
            _, _, chat_id = self._ready[0]
            queue = self._chats.get(chat_id)
            if not queue:
                heapq.heappop(self._ready)
                self._scheduled.discard(chat_id)
                continue
            job = queue[0]
            chat_at = max(job.not_before, self.limiter.chat_ready_at(chat_id, job.group, now))
            if chat_at == math.inf:
                chat_at = now + 0.05
            if chat_at > now:
                heapq.heappop(self._ready)
                heapq.heappush(self._waiting, (chat_at, next(self._seq), chat_id))
                continue
            if self.services.clock() >= job.lease_until - timedelta(seconds=1):
                # our lease is (nearly) over: never send on it; the heartbeat renews it (or,
                # if someone else took the row meanwhile, forgets the job)
                heapq.heappop(self._ready)
                heapq.heappush(self._waiting, (now + 0.1, next(self._seq), chat_id))
                self._renew_soon = True
                continue
            if self._in_flight_count >= self.allowed_in_flight():
                await self._nap(0.05)
                continue  # things may have moved while we waited: decide again
            self._in_flight_count += 1
            heapq.heappop(self._ready)
            self._scheduled.discard(chat_id)
            queue.popleft()
            if not queue:
                del self._chats[chat_id]
            self._busy.add(chat_id)
            ticket = self.limiter.record(chat_id, job.group, time.monotonic())
            task = asyncio.create_task(self._send_part(job, ticket))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _send_part(self, job: Job, ticket: Ticket) -> None:
        """Send the job's current part; requeue it for the next part or hand the outcome over."""
        try:
            part = job.parts[job.index]
            cancelled = self.services.extras.get("cancelled_broadcasts") or ()
            if job.index == 0 and job.broadcast_id is not None and job.broadcast_id in cancelled:
                # the admin cancelled it after we claimed the row (bot/handlers/broadcast.py)
                ticket.settle(time.monotonic())
                self._finish(job, "cancelled", "BroadcastCancelled")
                return
            started = time.monotonic()
            try:
                try:
                    message = await self._request(job, part)
                finally:
                    # the request arrived at the latest now: it counts from here
                    answered = time.monotonic()
                    ticket.settle(answered)
                    self._note_round_trip(answered - started)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self.limiter.on_retry_after(seconds, time.monotonic())
                self._count("retry_after")
                log.warning(
                    "429 from Telegram: pausing %.1fs (delivery %s)", seconds, job.delivery_id
                )
                self._requeue(job)  # a 429 is not the message's fault: no attempt counted
                return
            except Forbidden as exc:
                self._count("forbidden")
                self._finish(job, "blocked", type(exc).__name__)
                return
            except ChatMigrated as exc:
                self._finish(job, "migrated", "ChatMigrated", new_chat_id=exc.new_chat_id)
                return
            except BadRequest as exc:
                self._bad_request(job, part, exc)
                return
            except NetworkError as exc:  # timeouts and 5xx
                self._count("network")
                self._retry_later(job, type(exc).__name__)
                return
            except TelegramError as exc:
                self._finish(job, "failed", type(exc).__name__)
                return
            if job.index == 0 and message is not None:
                job.first_message_id = message.message_id
            if part.out.pin and message is not None:
                await self._pin(job, message)
            job.index += 1
            if job.index < len(job.parts):
                self._requeue(job)
            else:
                self._finish(job, "sent")
        except Exception as exc:  # never lose a job to a bug: give it up and say which class
            log.exception("sending delivery %s failed: %s", job.delivery_id, type(exc).__name__)
            self._finish(job, "failed", type(exc).__name__)
        finally:
            self._busy.discard(job.chat_id)
            self._schedule_head(job.chat_id)
            self._in_flight_count -= 1
            self._wake.set()

    def _bad_request(self, job: Job, part: Part, exc: BadRequest) -> None:
        message = str(exc.message).lower()
        if (
            "chat not found" in message
            or "user not found" in message
            or "chat_id is empty" in message
        ):
            self._count("chat_not_found")
            self._finish(job, "blocked", "ChatNotFound")
        elif ("can't parse entities" in message or "can't find end" in message) and not part.plain:
            # a rendering defect: count it (no text in logs) and fall back to plain text
            self._count("parse_defect")
            log.error(
                "defect: Telegram refused the markup of delivery %s (%s); sending plain text",
                job.delivery_id,
                job.kind,
            )
            part.plain = True
            self._requeue(job)
        elif "thread not found" in message and job.thread_id is not None:
            job.thread_id = None
            self._requeue(job)
        elif "not enough rights" in message or "have no rights" in message or "kicked" in message:
            self._finish(job, "blocked", "NoRights")
        else:
            self._count("bad_request")
            log.error("delivery %s refused: BadRequest (%s)", job.delivery_id, job.kind)
            if job.index > 0:
                self._finish(job, "sent", "BadRequest")  # the main message already went
            else:
                self._finish(job, "failed", "BadRequest")

    async def _request(self, job: Job, part: Part) -> Any:
        out = part.out
        common: dict[str, Any] = {"disable_notification": out.disable_notification}
        if job.thread_id is not None:
            common["message_thread_id"] = job.thread_id
        if job.paid:
            common["allow_paid_broadcast"] = True
        bot = self.bot
        if out.kind == "venue" and out.venue:
            return await bot.send_venue(job.chat_id, **out.venue, **common)
        parse_mode = None if part.plain else ParseMode.HTML
        text = plain_text(out.text) if part.plain else out.text
        if out.kind == "photo" and out.photo:
            return await bot.send_photo(
                job.chat_id,
                out.photo,
                caption=text or None,
                parse_mode=parse_mode,
                reply_markup=out.reply_markup,
                **common,
            )
        if out.kind == "document" and out.document:
            name, data = out.document
            return await bot.send_document(
                job.chat_id,
                data,
                filename=name,
                caption=text or None,
                parse_mode=parse_mode,
                reply_markup=out.reply_markup,
                **common,
            )
        # Plain sendMessage through the public do_api_request: the same request, errors and
        # retries as send_message, without building a full Message from the answer (we keep
        # only its id); that parsing was a quarter of the sender's CPU per message in
        # bench/fanout.py. PTB suggests send_message for known methods; here we mean this.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'")
            answer = await bot.do_api_request(
                "sendMessage",
                api_kwargs={
                    "chat_id": job.chat_id,
                    "text": text,
                    "parse_mode": parse_mode,
                    "reply_markup": out.reply_markup,
                    **common,
                },
            )
        return _Sent(int(answer["message_id"])) if isinstance(answer, dict) else None

    async def _pin(self, job: Job, message: Any) -> None:
        try:
            await self.bot.pin_chat_message(
                job.chat_id, message.message_id, disable_notification=True
            )
        except TelegramError as exc:  # pinning is a courtesy; the message went out
            log.warning("pin failed for delivery %s: %s", job.delivery_id, type(exc).__name__)

    def _requeue(self, job: Job) -> None:
        # back at the head of its chat; scheduled again once the request in flight is done
        self._chats.setdefault(job.chat_id, deque()).appendleft(job)

    def _retry_later(self, job: Job, error: str) -> None:
        # job.attempts: tries made so far, this one included
        if job.attempts >= MAX_ATTEMPTS:
            self._finish(job, "failed", error)
            return
        wait = backoff(job.attempts, base=self.retry_base)
        if (
            wait <= IN_MEMORY_RETRY
            and self.services.clock() + timedelta(seconds=wait + 2) < job.lease_until
        ):
            job.attempts += 1
            job.not_before = time.monotonic() + wait
            self._requeue(job)
            return
        self._finish(job, "retry", error, retry_at=self.services.clock() + timedelta(seconds=wait))

    def _finish(self, job: Job, status: str, error: str | None = None, **extra: Any) -> None:
        self._jobs -= 1
        self._held.pop(job.delivery_id, None)
        if status == "blocked":
            # the rest of this chat's queue is dropped with it (drop_subscriber_pending)
            gone = self._chats.pop(job.chat_id, None)
            self._jobs -= len(gone) if gone else 0
            for other in gone or ():
                self._held.pop(other.delivery_id, None)
        self._results.put_nowait(Outcome(job=job, status=status, error=error, **extra))
        self._wake.set()

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1

    # ------------------------------------------------------------------ writing results

    async def _writer(self) -> None:
        """Commit outcomes as they come; each commit takes whatever arrived meanwhile."""
        stop = False
        while not stop:
            batch = [await self._results.get()]
            if self._in_flight and self.limits.global_rate > 100:
                # at high rates let a few more answers join this commit (a few ms later)
                await asyncio.sleep(0.005)
            while not self._results.empty() and len(batch) < 500:
                batch.append(self._results.get_nowait())
            outcomes = [o for o in batch if o.status != "stop"]
            stop = len(outcomes) != len(batch)
            if not outcomes:
                continue
            for attempt in range(60):
                try:
                    await self._commit(outcomes)
                    break
                except Exception as exc:  # keep the outcomes and try again: they are facts
                    log.exception("sender could not record outcomes: %s", type(exc).__name__)
                    await asyncio.sleep(min(2.0, 0.1 * (attempt + 1)))

    async def _commit(self, outcomes: list[Outcome]) -> None:
        now = self.services.clock()
        async with self.services.sessions() as session, session.begin():
            # the common case in one round trip; the rest row by row
            await outbox.mark_sent_many(
                session,
                self.owner,
                [
                    (o.job.delivery_id, o.job.first_message_id, o.job.attempts)
                    for o in outcomes
                    if o.status == "sent"
                ],
                now,
            )
            for o in outcomes:
                job = o.job
                if o.status == "sent":
                    if job.extra_ids:
                        await session.execute(
                            update(Delivery)
                            .where(Delivery.id.in_(job.extra_ids), Delivery.status == "held")
                            .values(
                                status="sent",
                                sent_at=now,
                                message_id=job.first_message_id,
                                last_error=None,
                            )
                        )
                elif o.status == "release":
                    await outbox.mark_retry(
                        session, job.delivery_id, self.owner, now, None, count_attempt=False
                    )
                elif o.status == "retry":
                    await outbox.mark_retry(
                        session,
                        job.delivery_id,
                        self.owner,
                        o.retry_at or now,
                        o.error,
                        attempts=job.attempts,
                    )
                elif o.status == "blocked":
                    await outbox.mark_final(
                        session, job.delivery_id, self.owner, "dropped", o.error
                    )
                    dropped = await outbox.drop_subscriber_pending(
                        session, job.subscriber_id, o.error or "Blocked"
                    )
                    log.info(
                        "subscriber %s unreachable (%s): %d rows dropped",
                        job.subscriber_id,
                        o.error,
                        dropped,
                    )
                elif o.status == "migrated":
                    await session.execute(
                        update(Subscriber)
                        .where(Subscriber.id == job.subscriber_id)
                        .values(chat_id=o.new_chat_id)
                    )
                    await outbox.mark_retry(
                        session, job.delivery_id, self.owner, now, o.error, count_attempt=False
                    )
                else:
                    await outbox.mark_final(
                        session,
                        job.delivery_id,
                        self.owner,
                        o.status,
                        o.error,
                        attempts=job.attempts,
                    )
        for o in outcomes:
            self.stats[o.status] = self.stats.get(o.status, 0) + 1
            if o.status == "sent":
                self.sent += 1


class _Context:
    """Everything the claimed rows refer to, loaded in a few queries."""

    def __init__(self) -> None:
        self.subscribers: dict[int, Subscriber] = {}
        self.items: dict[int, Item] = {}
        self.events: dict[int, Event] = {}
        self.broadcasts: dict[int, Broadcast] = {}
        self.sources: dict[int, Source] = {}
        self.follows: dict[tuple[int, int], str] = {}
        self.digest_alerts: dict[int, Delivery] = {}

    @classmethod
    async def load(cls, session: Any, rows: list[Delivery]) -> _Context:
        ctx = cls()
        sub_ids = {r.subscriber_id for r in rows}
        ctx.subscribers = {
            s.id: s
            for s in await session.scalars(select(Subscriber).where(Subscriber.id.in_(sub_ids)))
        }
        digest_ids = [
            int(i) for r in rows if r.kind == "digest" for i in (r.payload or {}).get("ids", [])
        ]
        if digest_ids:
            ctx.digest_alerts = {
                d.id: d
                for d in await session.scalars(select(Delivery).where(Delivery.id.in_(digest_ids)))
            }
        item_ids = {r.item_id for r in rows if r.item_id} | {
            d.item_id for d in ctx.digest_alerts.values() if d.item_id
        }
        if item_ids:
            ctx.items = {
                i.id: i for i in await session.scalars(select(Item).where(Item.id.in_(item_ids)))
            }
            source_ids = {i.source_id for i in ctx.items.values() if i.source_id}
            if source_ids:
                ctx.sources = {
                    s.id: s
                    for s in await session.scalars(select(Source).where(Source.id.in_(source_ids)))
                }
        event_ids = {r.event_id for r in rows if r.event_id}
        if event_ids:
            ctx.events = {
                e.id: e for e in await session.scalars(select(Event).where(Event.id.in_(event_ids)))
            }
            follows = await session.execute(
                select(Follow.subscriber_id, Follow.event_id, Follow.state).where(
                    Follow.event_id.in_(event_ids), Follow.subscriber_id.in_(sub_ids)
                )
            )
            ctx.follows = {(s, e): st for s, e, st in follows}
        broadcast_ids = {r.broadcast_id for r in rows if r.broadcast_id}
        if broadcast_ids:
            ctx.broadcasts = {
                b.id: b
                for b in await session.scalars(
                    select(Broadcast).where(Broadcast.id.in_(broadcast_ids))
                )
            }
        return ctx

    def source_name(self, source_id: int | None) -> str | None:
        source = self.sources.get(source_id) if source_id else None
        if source is None:
            return None
        return source.name or source.title or None

    def following(self, subscriber_id: int, event_id: int) -> bool:
        return self.follows.get((subscriber_id, event_id)) == "following"

    def dismissed(self, subscriber_id: int, event_id: int) -> bool:
        return self.follows.get((subscriber_id, event_id)) == "dismissed"


def _parts(out: Outgoing) -> list[Part]:
    """The requests one Outgoing needs: long texts split on paragraphs, then its follow-ups."""
    parts: list[Part] = []
    if out.kind == "text" and len(out.text) > 4096:
        pieces = split_html(out.text)
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            parts.append(
                Part(
                    Outgoing(
                        text=piece,
                        reply_markup=out.reply_markup if last else None,
                        disable_notification=out.disable_notification or n > 0,
                        pin=out.pin and n == 0,
                    )
                )
            )
    else:
        parts.append(Part(out))
    for follow in out.then:
        parts.extend(_parts(follow))
    return parts


def retry_seconds(exc: RetryAfter) -> float:
    """The pause a RetryAfter asks for, in seconds (int or timedelta across PTB versions)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
