"""The match job: understood items against every filter, deliveries written in one transaction."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.domain.filters import FilterHit, MatcherIndex
from bot.storage import matching
from bot.storage.outbox import enqueue

log = logging.getLogger(__name__)

PRIORITY_ALERT = 20
# Past this many new filters at once (a start, a big import) the index is built off the loop.
_BULK = 200


def matcher_of(services: Any) -> MatcherIndex:
    """The process's filter index, kept in services.extras["matcher"]."""
    index = services.extras.get("matcher")
    if index is None:
        index = services.extras["matcher"] = MatcherIndex()
    return index  # type: ignore[no-any-return]


async def sync_matcher(services: Any) -> tuple[int, int]:
    """Bring the index in line with the filters table: add new ids, drop vanished ones.

    Returns (added, removed). Filters are immutable rows (editing is delete + add), so ids
    are enough; only the new rows are read in full.
    """
    index = matcher_of(services)
    skipped: set[int] = services.extras.setdefault("matcher_skipped", set())
    async with services.sessions() as session:
        current = await matching.filter_ids(session)
        known = index.filter_ids()
        new = current - known - skipped
        rows = await matching.load_filters(session, new) if new else []
    removed = 0
    for filter_id in known - current:
        removed += index.remove(filter_id)
    skipped &= current

    def add_all() -> list[tuple[int, Exception]]:
        failed = index.add_many(rows)
        index.refresh()
        return failed

    failed = await asyncio.to_thread(add_all) if len(rows) > _BULK else add_all()
    for filter_id, exc in failed:
        # Saved filters were parsed before saving; one that no longer parses (the language
        # changed) is skipped rather than retried every run.
        skipped.add(filter_id)
        log.warning("filter %s skipped: %s", filter_id, type(exc).__name__)
    return len(rows) - len(failed), removed


def _one_per_subscriber(hits: list[FilterHit]) -> dict[int, FilterHit]:
    """The subscriber's lowest-numbered matching filter explains the alert."""
    chosen: dict[int, FilterHit] = {}
    for hit in hits:
        best = chosen.get(hit.subscriber_id)
        if best is None or hit.filter_id < best.filter_id:
            chosen[hit.subscriber_id] = hit
    return chosen


def _match_one(index: MatcherIndex, item: matching.ItemToMatch) -> dict[int, FilterHit]:
    """The chosen hit per subscriber for one item; an item the matcher chokes on matches none.

    One bad item must not hold back the ones behind it (it would be claimed again forever).
    """
    try:
        return _one_per_subscriber(index.match(item.matchable))
    except Exception as exc:  # noqa: BLE001 - logged by class, the item moves on
        log.error("item %s could not be matched: %s", item.id, type(exc).__name__)
        return {}


async def match_understood_items(services: Any, limit: int = 500) -> int:
    """Match up to `limit` understood items; write alerts and cards; returns the items matched."""
    lock: asyncio.Lock = services.extras.setdefault("matcher_lock", asyncio.Lock())
    async with lock:
        await sync_matcher(services)
        index = matcher_of(services)
        queries: dict[int, str] = {}
        now = services.clock()
        alerts = cards = follows = 0
        async with services.sessions() as session, session.begin():
            claimed = await matching.claim_understood_items(session, limit, now)
            if not claimed:
                return 0
            # Matching is CPU work: off the event loop (the lock keeps the index unchanged).
            results = await asyncio.to_thread(lambda: [_match_one(index, c) for c in claimed])
            wanted = {sid for chosen in results for sid in chosen}
            flags = await matching.subscriber_flags(session, wanted)
            need_queries = {hit.filter_id for chosen in results for hit in chosen.values()}
            queries = {
                fid: q for fid, _sid, q in await matching.load_filters(session, need_queries)
            }
            for item, chosen in zip(claimed, results, strict=True):
                for subscriber_id, hit in sorted(chosen.items()):
                    flag = flags.get(subscriber_id)
                    if flag is None or flag.paused or flag.blocked:
                        continue
                    if not item.backlog:
                        alerts += await enqueue(
                            session,
                            subscriber_id=subscriber_id,
                            kind="alert",
                            dedup_key=f"story:{item.story_key}",
                            priority=PRIORITY_ALERT,
                            item_id=item.id,
                            payload={
                                "filter_id": hit.filter_id,
                                "filter": queries.get(hit.filter_id, ""),
                                "terms": list(hit.terms),
                            },
                            not_before=now,
                        )
                    for event in item.upcoming:
                        cards += await enqueue(
                            session,
                            subscriber_id=subscriber_id,
                            kind="card",
                            dedup_key=f"card:{event.id}",
                            priority=PRIORITY_ALERT,
                            item_id=item.id,
                            event_id=event.id,
                            not_before=now,
                        )
                        if flag.auto_follow:
                            from bot.storage.follows import follow_event

                            follows += bool(
                                await follow_event(
                                    session,
                                    subscriber_id,
                                    event.id,
                                    now,
                                    auto=True,
                                    default_leads=services.settings.reminder_leads,
                                )
                            )
            await matching.mark_matched(session, [c.id for c in claimed])
        log.info(
            "matched %d items: %d alerts, %d cards, %d auto-follows (%d filters indexed)",
            len(claimed),
            alerts,
            cards,
            follows,
            len(index),
        )
        return len(claimed)
