"""`tocsin extract [FILE|-] [--published DATE] [--timezone TZ] [--json]`: one text, understood
the way the understand job does it."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.understand import Understanding, to_contract, understand

# Reading more than this gains nothing: the extractor looks at the first 20,000 characters.
MAX_BYTES = 4 * 1024 * 1024


class UsageError(Exception):
    """A bad argument; the message is the one line printed on stderr."""


def parse_published(value: str, zone: ZoneInfo) -> datetime:
    """A publication time from ISO 8601, RFC 2822, '19 December 2011', '19.12.2011' and the like."""
    text = value.strip()
    if not text:
        raise UsageError("--published: empty date")
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None and re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
        day, month, year = (int(x) for x in text.split("."))
        try:
            parsed = datetime.combine(date(year, month, day), time(0, 0))
        except ValueError:
            raise UsageError(f"--published: {text!r} is not a real date") from None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        try:
            from dateutil import parser as dateutil_parser

            parsed = dateutil_parser.parse(text, dayfirst=not re.match(r"^[A-Za-z]", text))
        except (ValueError, OverflowError):
            parsed = None
    if parsed is None:
        raise UsageError(f"--published: cannot read {text!r} as a date; try 2011-12-19 or 2011-12-19T10:00+00:00")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def parse_zone(value: str | None, default: str) -> ZoneInfo:
    """The IANA zone named by --timezone, else the configured default."""
    name = (value or default or "UTC").strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone: {name!r} is not an IANA timezone such as Europe/London") from None


def read_input(file: str | None, stdin: TextIO) -> str:
    """The text from a path, or from stdin for None or '-'; undecodable bytes are replaced."""
    if file in (None, "-"):
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            return buffer.read(MAX_BYTES).decode("utf-8", errors="replace")
        return stdin.read(MAX_BYTES)
    try:
        with open(file, "rb") as handle:
            return handle.read(MAX_BYTES).decode("utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or type(exc).__name__}") from None


def summary(u: Understanding) -> str:
    """A short human-readable account of an Understanding."""
    def fig(value: int | None) -> str:
        return "?" if value is None else str(value)

    lines = [
        f"category: {u.category}",
        f"figures: killed {fig(u.killed)}, injured {fig(u.injured)}, arrested {fig(u.arrested)}",
    ]
    if not u.events:
        lines.append("events: none")
    for n, e in enumerate(u.events, 1):
        when = e.start.strftime("%a %d %b %Y") + ("" if e.all_day else e.start.strftime(" %H:%M"))
        if e.end is not None:
            when += e.end.strftime("–%H:%M")
        where = ", ".join(x for x in (e.venue, e.address, e.city) if x) or "place unknown"
        flag = " CANCELLED" if e.cancelled else ""
        lines.append(f"event {n}: {when} ({e.timezone}) — {where} (confidence {e.confidence:g}){flag}")
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Any) -> int:
    """Entry point for bot/cli.py: prints the result, returns the exit status."""
    stdout = sys.stdout
    stderr = sys.stderr
    try:
        zone = parse_zone(getattr(args, "timezone", None), getattr(settings, "timezone", "UTC"))
        raw_published = getattr(args, "published", None)
        published = (
            parse_published(raw_published, zone) if raw_published else datetime.now(UTC).astimezone(zone)
        )
        text = read_input(getattr(args, "file", None), sys.stdin)
    except UsageError as exc:
        print(f"tocsin extract: {exc}", file=stderr)
        return 2
    result = understand(text, published=published, default_tz=zone.key)
    if getattr(args, "json", False):
        stdout.write(json.dumps(to_contract(result), ensure_ascii=False) + "\n")
    else:
        stdout.write(summary(result) + "\n")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sub-command's arguments, for bot/cli.py if it wants them from here."""
    parser.add_argument("file", nargs="?", default=None, help="text file to read; '-' or nothing for stdin")
    parser.add_argument("--published", default=None, help="publication date, e.g. 2011-12-19 (default: now)")
    parser.add_argument("--timezone", default=None, help="IANA timezone for the source (default: TIMEZONE)")
    parser.add_argument("--json", action="store_true", help="print the JSON object of DESIGN.md")
