"""The `tocsin` command line (DESIGN.md lists the contract)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tocsin",
        description="Alerts on crackdowns, strikes and protest calls, delivered in Telegram.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser("db", help="manage the database schema")
    db_actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_actions.add_parser("upgrade", help="apply the Alembic migrations to DATABASE_URL")
    down = db_actions.add_parser("downgrade", help="undo migrations down to a revision")
    down.add_argument("revision", help='target revision, "base" for none')
    db_actions.add_parser("current", help="print the revision the database is at")

    commands.add_parser("run", help="the bot and the scheduler in one process (long polling)")
    demo = commands.add_parser(
        "demo", help="the whole pipeline on the embedded defaults: no token, no network"
    )
    demo.add_argument("--keep", metavar="DIR", help="keep the demo database in DIR")

    sources = commands.add_parser("sources", help="manage the feeds Tocsin polls")
    src = sources.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = src.add_parser("add", help="add a feed (or a web page whose feed is discovered)")
    add.add_argument("url")
    add.add_argument("--kind", choices=("rss", "ics"), help="rss (RSS or Atom) or ics")
    add.add_argument("--interval", type=_positive_int, help="seconds between polls")
    add.add_argument("--name", help="a short name, used by the source: filter qualifier")
    add.add_argument("--timezone", help="IANA timezone for dates without one")
    listing = src.add_parser("list", help="list sources and their health")
    listing.add_argument("--json", action="store_true", help="one JSON array")
    remove = src.add_parser("remove", help="remove a source")
    remove.add_argument("id", type=_positive_int)
    imp = src.add_parser("import", help="import sources from an OPML 2.0 file")
    imp.add_argument("file")
    src.add_parser("export", help="print the sources as OPML 2.0")

    poll = commands.add_parser("poll-once", help="poll every due source once and print a summary")
    poll.add_argument("--all", action="store_true", help="poll every enabled source, due or not")

    extract = commands.add_parser("extract", help="understand one text the way the jobs do")
    extract.add_argument("file", nargs="?", default=None, help="a text file, or - for stdin")
    extract.add_argument("--published", help="publication date (default: now)")
    extract.add_argument("--timezone", help="timezone when the text names no city")
    extract.add_argument("--json", action="store_true", help="print the JSON contract")

    match = commands.add_parser("match", help="run the filter engine offline")
    match.add_argument("--filters", required=True, help="a file with one filter a line")
    match.add_argument("items", nargs="?", default=None, help="JSON Lines of items, or -")
    match.add_argument("--json", action="store_true", help='one {"matches": [...]} a line')
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be above zero")
    return number


# Libraries that log whole updates, requests or URLs (with the bot token) below INFO or WARNING.
# They stay at these levels even with --verbose: message text and names never reach a log.
QUIET_LOGGERS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "aiosqlite": logging.INFO,
}
CHATTY_LOGGERS = ("apscheduler", "alembic")  # narrate every tick and step at INFO


def configure_logging(verbose: bool = False) -> None:
    """Log to stderr; never at levels where libraries print message text or tokens."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tocsin` console script."""
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(keep=args.keep)
        settings = load_settings()
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"tocsin: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        return _db(args, settings)
    if args.command == "run":
        return _run(settings)
    module = {
        "sources": "bot.commands.sources",
        "poll-once": "bot.commands.poll",
        "extract": "bot.commands.extract",
        "match": "bot.commands.match",
    }[args.command]
    return int(importlib.import_module(module).run(args, settings))


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import db

    if args.action == "upgrade":
        db.upgrade(settings.database_url)
        print(f"database at revision {db.current_revision(settings.database_url)}")
    elif args.action == "downgrade":
        db.downgrade(settings.database_url, args.revision)
        print(f"database at revision {db.current_revision(settings.database_url)}")
    else:
        print(db.current_revision(settings.database_url) or "none")
    return 0


def _run(settings: Settings) -> int:
    token = settings.token  # raises ConfigError with a clear line when missing
    from bot.storage.db import upgrade_if_behind

    if upgrade_if_behind(settings.database_url):
        logging.getLogger(__name__).info("database upgraded to the latest revision")
    asyncio.run(_run_async(settings, token))
    return 0


async def _run_async(settings: Settings, token: str) -> None:
    from bot.app import build_application
    from bot.runtime import serve
    from bot.services import open_services

    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        app = build_application(services, token=token)
        await serve(services, app, stop)
    finally:
        await services.close()


if __name__ == "__main__":
    sys.exit(main())
