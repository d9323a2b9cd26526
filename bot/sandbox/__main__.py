"""Run the sandbox standalone: ``python -m bot.sandbox --port 8081`` (then TELEGRAM_API_URL=...).

With a terminal attached it also reads lines from stdin as a simulated user:
``hello`` sends text, ``/start`` a command, ``!press Remove`` presses a button,
``!user 1002`` switches user, ``!show`` prints the conversation, ``!quit`` stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.sandbox.people import SimUser
from bot.sandbox.server import Sandbox


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--token", default="123456:TEST-TOKEN", help="the token the bot must use")
    p.add_argument("--global-rate", type=float, default=30.0, help="messages a second overall")
    p.add_argument("--paid-rate", type=float, default=1000.0, help="with allow_paid_broadcast")
    p.add_argument(
        "--private-rate", type=float, default=1.0, help="messages a second per private chat"
    )
    p.add_argument("--private-burst", type=int, default=1)
    p.add_argument("--group-per-minute", type=int, default=20)
    p.add_argument("--no-limits", action="store_true", help="never answer 429")
    p.add_argument("--user", type=int, default=1001, help="id of the simulated user you type as")
    p.add_argument("--lang", default="en", help="their Telegram language_code")
    p.add_argument(
        "--users",
        type=int,
        default=0,
        help="also create this many users (ids from 100000), e.g. for benchmarks",
    )
    p.add_argument("--no-repl", action="store_true", help="do not read stdin")
    p.add_argument("--repl", action="store_true", help="read stdin even when it is not a terminal")
    return p.parse_args(argv)


async def _settle(user: SimUser, first: float = 1.5, quiet: float = 0.2) -> None:
    """Wait for the bot to react (up to ``first`` s), then until it is quiet for ``quiet`` s."""

    def state() -> tuple[int, int, int]:
        return len(user.inbox), sum(m.edits for m in user.inbox), len(user.answers)

    before = state()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + first
    while state() == before and loop.time() < deadline:
        await asyncio.sleep(0.02)
    last, quiet_since = state(), loop.time()
    while loop.time() - quiet_since < quiet and loop.time() < deadline + first:
        await asyncio.sleep(0.02)
        if state() != last:
            last, quiet_since = state(), loop.time()


async def _repl(sb: Sandbox, user_id: int, lang: str, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    user = sb.add_user(user_id, "You", language_code=lang)
    shown = 0
    print(f"typing as user {user_id}; !help for commands", flush=True)
    while not stop.is_set():
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        line = line.rstrip("\n")
        try:
            if line in ("!quit", "!exit"):
                break
            if line == "!help":
                print(__doc__, flush=True)
            elif line == "!show":
                print(user.transcript(), flush=True)
            elif line.startswith("!user "):
                user = sb.add_user(int(line.split()[1]), "You", language_code=lang)
                shown = len(user.inbox)
            elif line.startswith("!press "):
                await user.press(line[len("!press ") :])
            elif line:
                await user.send(line)
        except (LookupError, ValueError) as err:
            print(f"! {err}", flush=True)
            continue
        if line.startswith("!"):
            if not line.startswith("!press"):
                continue
        await _settle(user)
        for msg in user.inbox[shown:]:
            print(msg.render(), flush=True)
        shown = len(user.inbox)
    stop.set()


async def _main(args: argparse.Namespace) -> int:
    sb = Sandbox(
        token=args.token,
        global_rate=args.global_rate,
        paid_rate=args.paid_rate,
        private_rate=args.private_rate,
        group_per_minute=args.group_per_minute,
        enforce_limits=not args.no_limits,
        private_burst=args.private_burst,
    )
    await sb.start(args.host, args.port)
    for n in range(args.users):
        sb.add_user(100000 + n, f"User{n}")
    print(
        f"sandbox listening: TELEGRAM_API_URL={sb.api_root} TELEGRAM_BOT_TOKEN={sb.token}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    repl = None
    if args.repl or (not args.no_repl and sys.stdin.isatty()):
        repl = asyncio.create_task(_repl(sb, args.user, args.lang, stop))
    await stop.wait()
    if repl is not None:
        repl.cancel()
    await sb.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot.sandbox``."""
    return asyncio.run(_main(_parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
