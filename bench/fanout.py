"""Fan-out benchmark: N subscribers, one alert each, through the sandbox at its global limit.

Usage:
    python bench/fanout.py                 # 10,000 subscribers at 30/s, then at 1,000/s (paid)
    python bench/fanout.py --quick         # 1,000 subscribers (iteration)
    python bench/fanout.py --mode paid -n 10000

The sandbox runs in a child process (its own core, as Telegram would be elsewhere) and enforces
exactly the limits (sliding windows measured at arrival). Printed per mode: messages, the
achieved rate (from the sandbox's arrival times) as a share of the limit, 429s, duplicates,
and the baseline measured in the same run: a naive loop that sends one message at a time and
sleeps 1/limit between sends.

Knobs for investigating (not needed for the figures): BENCH_IN_FLIGHT=n fixes the requests in
flight, BENCH_TRACE=1 prints the sender's queues every half second, BENCH_PROFILE=file writes a
cProfile of the sender, BENCH_NODELAY=1 sets TCP_NODELAY on the client sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = "123456:BENCH-TOKEN"
FIRST_CHAT = 500_000
BASELINE_CHAT = 900_000


# --------------------------------------------------------------------------- sandbox child


async def _child(rate: float, paid_rate: float, users: int, baseline: int) -> None:
    from bot.sandbox import Sandbox

    sb = Sandbox(token=TOKEN, global_rate=rate, paid_rate=paid_rate)
    for n in range(users):
        sb.add_user(FIRST_CHAT + n, first_name="U")
    for n in range(baseline):
        sb.add_user(BASELINE_CHAT + n, first_name="B")
    await sb.start()
    print(f"ROOT {sb.api_root}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            break
        first, last = (int(x) for x in line.split()[1:3])
        print(json.dumps(_report(sb, first, last)), flush=True)
    await sb.stop()


def _report(sb: Any, first: int, last: int) -> dict[str, Any]:
    """Arrival-time rate, 429s and duplicates for chats in [first, last)."""
    ok = sorted(
        r.at
        for r in sb.requests
        if r.method.lower() == "sendmessage"
        and r.status == 200
        and first <= int(r.params.get("chat_id", 0)) < last
    )
    limited = sum(
        1
        for r in sb.requests
        if r.status == 429 and first <= int(r.params.get("chat_id", 0) or 0) < last
    )
    per_chat: dict[int, int] = {}
    for chat in range(first, last):
        per_chat[chat] = len(sb.sent_to(chat))
    dups = sum(n - 1 for n in per_chat.values() if n > 1)
    missing = sum(1 for n in per_chat.values() if n == 0)
    span = ok[-1] - ok[0] if len(ok) > 1 else 0.0
    return {
        "messages": len(ok),
        "span": span,
        "rate": (len(ok) - 1) / span if span > 0 else 0.0,
        "too_many_requests": limited,
        "duplicates": dups,
        "missing": missing,
    }


class Child:
    """The sandbox child process and its tiny line protocol."""

    def __init__(self, rate: float, paid_rate: float, users: int, baseline: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                str(rate),
                str(paid_rate),
                str(users),
                str(baseline),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line.startswith("ROOT "), line
        self.root = line.split()[1]

    def report(self, first: int, last: int) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"report {first} {last}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- the run


async def _prepare(url: str, users: int) -> None:
    from bot.services import open_services
    from bot.storage import db
    from bot.storage.models import Item, Subscriber
    from bot.storage.outbox import enqueue

    db.upgrade(url)
    services = await open_services(_settings(url, "http://127.0.0.1:1", 30, False))
    async with services.sessions() as session, session.begin():
        item = Item(
            guid="bench",
            story_key="bench",
            title="Oil workers detained in Zhanaozen",
            text="Police detained 70 striking oil workers on Monday. The strike goes on.",
            link="https://example.org/news/1",
            published_at=services.clock(),
            stage="matched",
            category="crackdown",
        )
        session.add(item)
        session.add_all(Subscriber(chat_id=FIRST_CHAT + n, language="en") for n in range(users))
        await session.flush()
        subscriber_ids = list(range(1, users + 1))
        for sid in subscriber_ids:
            await enqueue(
                session,
                subscriber_id=sid,
                kind="alert",
                dedup_key="story:bench",
                item_id=item.id,
                payload={"filter_id": 1, "filter": "zhanaozen", "terms": ["zhanaozen"]},
            )
    await services.close()


def _settings(url: str, root: str, rate: float, paid: bool) -> Any:
    from bot.config import load_settings

    return load_settings(
        _env_file=None,
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=root,
        SEND_RATE=rate,
        ALLOW_PAID_BROADCAST=paid,
    )


async def _bot(root: str) -> Any:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    options = (
        [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)] if os.environ.get("BENCH_NODELAY") else None
    )
    bot = Bot(
        TOKEN,
        base_url=f"{root}/bot",
        request=HTTPXRequest(connection_pool_size=256, socket_options=options),
    )
    await bot.initialize()
    return bot


async def _baseline(root: str, rate: float, paid: bool, count: int) -> float:
    """A naive sender: one message at a time, sleeping 1/rate between them; returns wall time."""
    bot = await _bot(root)
    start = time.monotonic()
    for n in range(count):
        kwargs = {"allow_paid_broadcast": True} if paid else {}
        try:
            await bot.send_message(BASELINE_CHAT + n, "baseline", **kwargs)
        except Exception:  # a 429 here is part of what the baseline shows
            pass
        await asyncio.sleep(1.0 / rate)
    await bot.shutdown()
    return time.monotonic() - start


async def _run_sender(url: str, root: str, rate: float, paid: bool, users: int) -> float:
    from sqlalchemy import func, select

    from bot.sender import Sender
    from bot.services import open_services
    from bot.storage.models import Delivery

    services = await open_services(_settings(url, root, rate, paid))
    bot = await _bot(root)
    sender = Sender(
        services, bot, max_in_flight=int(os.environ.get("BENCH_IN_FLIGHT", "0")) or None
    )
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    start = time.monotonic()
    task = asyncio.create_task(sender.run())
    while True:
        await asyncio.sleep(0.5)
        if os.environ.get("BENCH_TRACE"):
            print(
                f"  t={time.monotonic() - start:.1f} jobs={sender._jobs} in_flight={len(sender._in_flight)} "
                f"allowed={sender.allowed_in_flight()} rtt={sender._round_trip * 1000:.1f}ms "
                f"ready={len(sender._ready)} waiting={len(sender._waiting)} sent={sender.sent}"
            )
        async with services.sessions() as session:
            done = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status != "pending", Delivery.status != "sending")
            )
        if done >= users or task.done():
            break
    elapsed = time.monotonic() - start
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await bot.shutdown()
    await services.close()
    print(f"  sender stats: {json.dumps(sender.stats, sort_keys=True)}")
    return elapsed


async def bench(mode: str, users: int, baseline: int) -> dict[str, Any]:
    """One mode: 'free' (30/s) or 'paid' (1,000/s with allow_paid_broadcast)."""
    paid = mode == "paid"
    rate = 1000.0 if paid else 30.0
    child = Child(30.0, 1000.0, users, baseline)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            await _prepare(url, users)
            elapsed = await _run_sender(url, child.root, rate, paid, users)
            result = child.report(FIRST_CHAT, FIRST_CHAT + users)
            await _baseline(child.root, rate, paid, baseline)
            base = child.report(BASELINE_CHAT, BASELINE_CHAT + baseline)
    finally:
        child.close()
    share = result["rate"] / rate
    print(
        f"[{mode}] limit {rate:.0f}/s, {users} subscribers: sent {result['messages']} in "
        f"{result['span']:.1f}s (wall {elapsed:.1f}s) -> {result['rate']:.1f} msg/s = "
        f"{share:.1%} of the limit; 429s {result['too_many_requests']}; duplicates "
        f"{result['duplicates']}; missing {result['missing']}"
    )
    print(
        f"[{mode}] baseline (one at a time, sleep 1/limit), {baseline} messages: "
        f"{base['rate']:.1f} msg/s = {base['rate'] / rate:.1%} of the limit; "
        f"429s {base['too_many_requests']}"
    )
    return {"mode": mode, "limit": rate, **result, "share": share, "baseline": base}


def main() -> None:
    """Parse arguments and run the modes."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        rate, paid_rate, users, baseline = sys.argv[2:6]
        asyncio.run(_child(float(rate), float(paid_rate), int(users), int(baseline)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--subscribers", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 subscribers")
    parser.add_argument("--mode", choices=("free", "paid", "both"), default="both")
    parser.add_argument("--baseline", type=int, default=300, help="messages the baseline sends")
    args = parser.parse_args()
    users = 1000 if args.quick else args.subscribers
    modes = ("free", "paid") if args.mode == "both" else (args.mode,)
    print(
        f"fan-out bench: {users} subscribers, python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    for mode in modes:
        asyncio.run(bench(mode, users, args.baseline))


if __name__ == "__main__":
    main()
