"""`tocsin sources add|list|remove|import|export`: manage the feeds Tocsin polls."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from bot.config import Settings
from bot.storage import sources as repo
from jobs.fetch import RefusedAddress, check_url, make_client, preview_feed

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: one line on stderr, exit status 2."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `sources` action; returns the exit status."""
    try:
        return asyncio.run(_run(args, settings))
    except UsageError as exc:
        print(f"tocsin sources: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services import open_services
    from bot.storage.db import upgrade_if_behind

    action = args.action
    if action == "add":
        _check_add_args(args)
    elif action == "import":
        entries = read_opml(args.file)
    await asyncio.to_thread(upgrade_if_behind, settings.database_url)
    services = await open_services(settings)
    try:
        if action == "add":
            return await add(services, args)
        if action == "list":
            return await list_(services, bool(getattr(args, "json", False)))
        if action == "remove":
            return await remove(services, int(args.id))
        if action == "import":
            return await import_(services, entries)
        if action == "export":
            async with services.sessions() as session:
                print(write_opml(await repo.list_sources(session), services.clock()))
            return EXIT_OK
        raise UsageError(f"unknown action {action!r}")
    finally:
        await services.close()


def _check_add_args(args: argparse.Namespace) -> None:
    try:
        check_url(args.url)
    except RefusedAddress as exc:
        raise UsageError(f"{args.url!r}: {exc}") from None
    if getattr(args, "timezone", None):
        check_timezone(args.timezone)
    interval = getattr(args, "interval", None)
    if interval is not None and not 30 <= interval <= 7 * 86400:
        raise UsageError("--interval must be between 30 seconds and 7 days")


def check_timezone(name: str) -> str:
    """The name when it is an IANA timezone, else UsageError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{name!r} is not an IANA timezone such as Europe/London") from None
    return name


async def add(services: Any, args: argparse.Namespace) -> int:
    """Fetch the address once, show what it is, and save it."""
    client = make_client(allow_private=services.settings.allow_private_sources)
    try:
        preview = await preview_feed(
            client,
            args.url,
            kind=getattr(args, "kind", None),
            timezone=getattr(args, "timezone", None) or services.settings.timezone,
            now=services.clock(),
            allow_private=services.settings.allow_private_sources,
        )
    finally:
        await client.aclose()
    if preview.error is not None:
        status = (
            EXIT_USAGE
            if preview.error.startswith(("refused", "parse", "a web page"))
            else EXIT_FAILED
        )
        print(f"tocsin sources: {args.url}: not added: {preview.error}", file=sys.stderr)
        return status
    async with services.sessions() as session, session.begin():
        try:
            source = await repo.add_source(
                session,
                preview.url,
                services.clock(),
                kind=preview.kind,
                name=getattr(args, "name", None),
                title=preview.title,
                timezone=getattr(args, "timezone", None),
                interval=getattr(args, "interval", None),
            )
        except repo.SourceExists as exc:
            raise UsageError(f"{preview.url} is already source {exc.source_id}") from None
    found = " (found on the page)" if preview.discovered else ""
    print(
        f"added source {source.id}: {preview.title or '(untitled)'} — {preview.kind}, "
        f"{preview.items} items now{found}\n  {source.url}"
    )
    return EXIT_OK


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def source_dict(health: repo.SourceHealth) -> dict[str, Any]:
    """A source as `sources list --json` prints it."""
    s = health.source
    return {
        "id": s.id,
        "url": s.url,
        "kind": s.kind,
        "name": s.name,
        "title": s.title,
        "timezone": s.timezone,
        "interval": s.interval,
        "enabled": s.enabled,
        "disabled_reason": s.disabled_reason,
        "last_checked_at": _when(s.last_checked_at),
        "last_success_at": _when(s.last_success_at),
        "next_check_at": _when(s.next_check_at),
        "last_error": s.last_error,
        "error_count": s.error_count,
        "items_7d": health.items_7d,
    }


async def list_(services: Any, as_json: bool) -> int:
    """Print every source with its health."""
    async with services.sessions() as session:
        rows = await repo.source_health(session, services.clock())
    if as_json:
        print(json.dumps([source_dict(h) for h in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no sources yet: add one with `tocsin sources add URL`")
        return EXIT_OK
    for h in rows:
        s = h.source
        state = "on" if s.enabled else f"paused ({s.disabled_reason or 'by an admin'})"
        ok = _when(s.last_success_at) or "never"
        line = f"{s.id:>4}  {s.kind:<3}  {state}  last ok {ok}  {h.items_7d} items/7d  {s.label}"
        if s.error_count:
            line += f"  [{s.error_count} errors: {s.last_error}]"
        print(line)
        print(f"      {s.url}")
    return EXIT_OK


async def remove(services: Any, source_id: int) -> int:
    """Delete a source and its items."""
    async with services.sessions() as session, session.begin():
        removed = await repo.remove_source(session, source_id)
    if not removed:
        raise UsageError(f"there is no source {source_id} (see `tocsin sources list`)")
    print(f"removed source {source_id}")
    return EXIT_OK


def read_opml(path: str) -> list[dict[str, Any]]:
    """The feed outlines of an OPML file (nested folders included); UsageError when unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(20 * 1024 * 1024 + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > 20 * 1024 * 1024:
        raise UsageError(f"{path} is over 20 MB")
    try:
        # defusedxml: an OPML file is input from anywhere, entity tricks included.
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise UsageError(f"{path} is not OPML: {type(exc).__name__}") from None
    if root.tag != "opml":
        raise UsageError(f"{path} is not OPML (the root element is <{root.tag}>)")
    out = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        kind = (
            "ics" if (outline.get("type") or "").lower() in ("ics", "ical", "icalendar") else "rss"
        )
        interval = outline.get("interval")
        timezone = outline.get("timezone")
        out.append(
            {
                "url": url,
                "kind": kind,
                "name": outline.get("name") or None,
                "title": outline.get("title") or outline.get("text") or None,
                "interval": int(interval) if interval and interval.isdigit() else None,
                "timezone": timezone if timezone and _zone_ok(timezone) else None,
            }
        )
    return out


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def import_(services: Any, entries: list[dict[str, Any]]) -> int:
    """Add every feed of an OPML file that is not there yet; they are polled at the next tick."""
    added = skipped = refused = 0
    now = services.clock()
    async with services.sessions() as session, session.begin():
        for entry in entries:
            try:
                check_url(entry["url"])
            except RefusedAddress:
                refused += 1
                continue
            try:
                await repo.add_source(
                    session,
                    entry["url"][:2048],
                    now,
                    **{k: entry[k] for k in ("kind", "name", "title", "interval", "timezone")},
                )
            except repo.SourceExists:
                skipped += 1
                continue
            added += 1
    print(f"imported {added} sources, {skipped} already there, {refused} refused")
    return EXIT_OK


def write_opml(sources: list[repo.SourceView], now: datetime) -> str:
    """The sources as an OPML 2.0 document."""
    from email.utils import format_datetime

    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = "Tocsin sources"
    SubElement(head, "dateCreated").text = format_datetime(now)
    body = SubElement(root, "body")
    for s in sources:
        attrs = {"type": "ics" if s.kind == "ics" else "rss", "text": s.label, "xmlUrl": s.url}
        if s.title:
            attrs["title"] = s.title
        if s.name:
            attrs["name"] = s.name
        if s.interval:
            attrs["interval"] = str(s.interval)
        if s.timezone:
            attrs["timezone"] = s.timezone
        SubElement(body, "outline", attrs)
    indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode")
