"""Benchmark one poll cycle of N loopback feeds against a naive feedparser baseline.

    python bench/poll.py [--feeds 500] [--items 50]

Three cycles over the same sources, each timed around `poll_due_sources(all=True)`:
  new        every feed and every entry new (parsed in the process pool, stored);
  304        the server honours the ETag and answers 304 (nothing parsed);
  unchanged  the server ignores conditional GET and sends the same body (hash, nothing parsed).
The baseline, in the same run: `feedparser.parse(url)` for each feed, one after another.
The feed server runs in a process of its own so it does not share the poller's GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = (
    "workers union strike wages oil field police protest court arrest picket shift contract "
    "factory port miners nurses teachers drivers hunger march rally square city regional"
).split()


def make_feed(index: int, items: int, generation: int) -> bytes:
    """One RSS 2.0 feed of `items` entries with HTML descriptions of a few hundred characters."""
    base = datetime(2026, 11, 1, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>Bench feed {index}</title><link>https://feed{index}.example/</link>",
        "<description>benchmark</description>",
    ]
    for n in range(items):
        words = " ".join(WORDS[(index + n + k) % len(WORDS)] for k in range(60))
        when = format_datetime(base + timedelta(minutes=index * items + n))
        parts.append(
            f"<item><title>Item {generation}-{index}-{n}: {WORDS[n % len(WORDS)]}</title>"
            f"<link>https://feed{index}.example/{generation}/{n}?utm_source=rss</link>"
            f'<guid isPermaLink="false">g{generation}-{index}-{n}</guid><pubDate>{when}</pubDate>'
            f"<description>&lt;p&gt;{words}&lt;/p&gt;&lt;p&gt;&lt;b&gt;{n}&lt;/b&gt; "
            f"{words[:120]}&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(feeds: int, items: int, port_queue: Any) -> None:
    """The feed server process: /c/i honours ETags, /s/i ignores them, /n/i is generation 1."""
    from tests.feeds_server import FeedServer, Reply, conditional

    server = FeedServer()
    for i in range(feeds):
        body = make_feed(i, items, 0)
        server.routes[f"/c/{i}"] = conditional(body, etag=f'"c{i}"')
        server.routes[f"/s/{i}"] = Reply(200, body, {"Content-Type": "application/rss+xml"})
    import threading

    def report() -> None:
        server._ready.wait()  # noqa: SLF001
        port_queue.put(server.port)

    threading.Thread(target=report, daemon=True).start()
    server.serve_forever()


def peak_rss_mb(pid: int | str = "self") -> float:
    """The peak resident set (VmHWM) of a process in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cycles(base: str, feeds: int) -> dict[str, Any]:
    """Run the three timed cycles; returns timings and memory."""
    from sqlalchemy import update

    from bot.config import load_settings
    from bot.services import open_services
    from bot.storage import sources as repo
    from bot.storage.db import upgrade
    from bot.storage.models import Source
    from jobs.poll import poll_due_sources, process_pool

    tmp = tempfile.mkdtemp(prefix="tocsin-bench-")
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    settings = load_settings(_env_file=None, DATABASE_URL=url, ALLOW_PRIVATE_SOURCES=True)
    services = await open_services(settings)
    out: dict[str, Any] = {}
    try:
        async with services.sessions() as session, session.begin():
            for i in range(feeds):
                await repo.add_source(session, f"{base}/c/{i}", services.clock())
        # The pool lives as long as `tocsin run`; start its workers before timing.
        pool = process_pool(services)
        await asyncio.gather(*(asyncio.wrap_future(pool.submit(sum, [i])) for i in range(4)))

        workers = list(getattr(pool, "_processes", {}).keys())

        async def timed(name: str) -> None:
            cpu, pool_cpu = time.process_time(), sum(cpu_seconds(p) for p in workers)
            started = time.perf_counter()
            results = await poll_due_sources(services, all=True, limit=feeds + 10)
            out[name] = time.perf_counter() - started
            out[name + "_cpu"] = time.process_time() - cpu
            out[name + "_pool_cpu"] = sum(cpu_seconds(p) for p in workers) - pool_cpu
            statuses: dict[str, int] = {}
            for r in results:
                statuses[r.status] = statuses.get(r.status, 0) + 1
            out[name + "_statuses"] = statuses
            out[name + "_new_items"] = sum(r.new_items for r in results)

        await timed("new")
        await timed("304")
        async with services.sessions() as session, session.begin():
            # Point every source at the server that ignores conditional GET.
            for i in range(feeds):
                await session.execute(
                    update(Source).where(Source.url == f"{base}/c/{i}").values(url=f"{base}/s/{i}")
                )
        await timed("unchanged")
        out["rss_main_mb"] = peak_rss_mb()
        out["rss_workers_mb"] = [round(peak_rss_mb(p), 1) for p in workers]
    finally:
        await services.close()
    return out


def baseline(base: str, feeds: int) -> tuple[float, float]:
    """The naive poller: feedparser.parse(url) for each feed, one after another (wall, CPU)."""
    import feedparser

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(feeds):
        parsed = feedparser.parse(f"{base}/s/{i}")
        assert parsed.entries, "baseline fetched nothing"
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.feeds, args.items, ports), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=120)
        base = f"http://127.0.0.1:{port}"
        size = len(make_feed(0, args.items, 0))
        print(
            f"{args.feeds} feeds x {args.items} items on loopback ({size / 1024:.0f} KB a feed),"
            f" {os.cpu_count()} cores, Python {sys.version.split()[0]}"
        )
        figures = asyncio.run(cycles(base, args.feeds))
        naive, naive_cpu = baseline(base, args.feeds)
        load = os.getloadavg()[0]
    finally:
        server.terminate()
        server.join(5)
    total_mem = figures["rss_main_mb"] + sum(figures["rss_workers_mb"])
    print(f"load average during the run: {load:.1f} (other processes share these cores)")
    print(f"baseline (feedparser.parse(url), sequential): {naive:.2f} s (CPU {naive_cpu:.2f} s)")
    for name, target in (("new", 15.0), ("304", 3.0), ("unchanged", 3.0)):
        took = figures[name]
        print(
            f"cycle {name:<9} {took:6.2f} s  ({naive / took:5.1f}x baseline, target < {target:.0f} s)"
            f"  statuses {figures[name + '_statuses']}  new items {figures[name + '_new_items']}"
        )
        print(
            f"                 CPU: poller {figures[name + '_cpu']:.2f} s, "
            f"parse workers {figures[name + '_pool_cpu']:.2f} s"
        )
    print(
        f"peak memory: poller {figures['rss_main_mb']:.0f} MB + parse workers "
        f"{figures['rss_workers_mb']} MB = {total_mem:.0f} MB (target < 300 MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
