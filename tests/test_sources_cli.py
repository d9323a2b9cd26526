"""`tocsin sources ...` and `tocsin poll-once` against a real database and loopback feeds."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands import poll as poll_cmd
from bot.commands import sources as cmd
from bot.config import Settings
from tests.feeds_server import FeedServer, Reply
from tests.support import make_settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS = (FEEDS / "rss2.xml").read_bytes()
ATOM = (FEEDS / "atom.xml").read_bytes()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback feed server for one test."""
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Test settings on a fresh database."""
    return make_settings(db_url)


def sources(settings: Settings, action: str, **kw: Any) -> int:
    defaults = {
        "url": None,
        "kind": None,
        "interval": None,
        "name": None,
        "timezone": None,
        "json": False,
        "id": None,
        "file": None,
    }
    return cmd.run(argparse.Namespace(action=action, **{**defaults, **kw}), settings)


def listed(settings: Settings, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert sources(settings, "list", json=True) == 0
    return json.loads(capsys.readouterr().out)


def test_add_shows_title_and_count_then_poll_once(
    settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/rss", Reply(200, RSS, {"Content-Type": "application/rss+xml"}))
    assert (
        sources(settings, "add", url=url, name="wire", interval=900, timezone="Europe/London") == 0
    )
    out = capsys.readouterr().out
    assert "added source 1: Workers' Wire" in out and "3 items" in out
    [row] = listed(settings, capsys)
    assert row["url"] == url and row["name"] == "wire" and row["interval"] == 900
    assert row["timezone"] == "Europe/London" and row["title"] == "Workers' Wire"
    assert row["enabled"] and row["last_success_at"] is None
    assert poll_cmd.run(argparse.Namespace(all=False), settings) == 0
    out = capsys.readouterr().out
    assert "wire: 3 new of 3 entries" in out and "polled 1 sources" in out
    assert poll_cmd.run(argparse.Namespace(all=False), settings) == 0
    assert "polled 0 sources" in capsys.readouterr().out  # nothing due
    assert poll_cmd.run(argparse.Namespace(all=True), settings) == 0
    assert "unchanged body, not parsed" in capsys.readouterr().out
    [row] = listed(settings, capsys)
    assert row["items_7d"] == 3 and row["last_success_at"] is not None


def test_add_web_page_discovers_its_feed(
    settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/", Reply(200, (FEEDS / "page.html").read_bytes(), {"Content-Type": "text/html"}))
    server.route("/feed.xml", Reply(200, ATOM, {"Content-Type": "application/atom+xml"}))
    assert sources(settings, "add", url=server.url("/")) == 0
    assert "found on the page" in capsys.readouterr().out
    [row] = listed(settings, capsys)
    assert row["url"] == server.url("/feed.xml") and row["title"] == "Рабочая хроника"


def test_add_ics_detected(
    settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"
    url = server.route("/cal.ics", Reply(200, ics, {"Content-Type": "text/calendar"}))
    assert sources(settings, "add", url=url) == 0
    [row] = listed(settings, capsys)
    assert row["kind"] == "ics"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"url": "ftp://example.org/feed"}, "only http and https"),
        ({"url": "not a url"}, "only http and https"),
        ({"url": "https://example.org/f", "timezone": "Mars/Olympus"}, "not an IANA timezone"),
    ],
)
def test_add_bad_input_exits_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], kw: dict[str, Any], message: str
) -> None:
    assert sources(settings, "add", **kw) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_add_not_a_feed_or_duplicate_exits_2(
    settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = server.route(
        "/page", Reply(200, b"<html><body>no feed</body></html>", {"Content-Type": "text/html"})
    )
    assert sources(settings, "add", url=page) == 2
    assert "announces no feed" in capsys.readouterr().err
    url = server.route("/rss", Reply(200, RSS))
    assert sources(settings, "add", url=url) == 0
    assert sources(settings, "add", url=url) == 2
    assert "already source 1" in capsys.readouterr().err


def test_add_unreachable_exits_1(
    settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/down", Reply(503, b""))
    assert sources(settings, "add", url=url) == 1
    assert "not added: http" in capsys.readouterr().err
    assert listed(settings, capsys) == []


def test_remove(settings: Settings, server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    sources(settings, "add", url=server.route("/rss", Reply(200, RSS)))
    assert poll_cmd.run(argparse.Namespace(all=True), settings) == 0
    assert sources(settings, "remove", id=1) == 0
    assert listed(settings, capsys) == []
    assert sources(settings, "remove", id=1) == 2
    assert "no source 1" in capsys.readouterr().err


def test_opml_round_trip(
    settings: Settings,
    db_url: str,
    tmp_path: Path,
    server: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        """<?xml version="1.0"?>
<opml version="2.0"><head><title>Union feeds</title></head><body>
  <outline text="News">
    <outline type="rss" text="Wire" title="Workers' Wire" xmlUrl="https://wire.example.org/feed.xml"/>
    <outline type="rss" text="Chronicle &amp; co" xmlUrl="https://chronicle.example.net/atom"/>
  </outline>
  <outline type="ics" text="Actions" xmlUrl="https://union.example/cal.ics" timezone="Europe/London" interval="1800"/>
  <outline type="rss" text="Bad" xmlUrl="file:///etc/passwd"/>
</body></opml>""",
        encoding="utf-8",
    )
    assert sources(settings, "import", file=str(opml)) == 0
    assert "imported 3 sources, 0 already there, 1 refused" in capsys.readouterr().out
    assert sources(settings, "import", file=str(opml)) == 0
    assert "imported 0 sources, 3 already there" in capsys.readouterr().out
    assert sources(settings, "export") == 0
    exported = capsys.readouterr().out
    assert exported.startswith('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">')
    # into a second database, and out again: the same sources
    other = make_settings(db_url.replace(".db", "-2.db"))
    (tmp_path / "out.opml").write_text(exported, encoding="utf-8")
    assert sources(other, "import", file=str(tmp_path / "out.opml")) == 0
    capsys.readouterr()
    first = [
        {k: r[k] for k in ("url", "kind", "timezone", "interval", "title")}
        for r in listed(settings, capsys)
    ]
    second = [
        {k: r[k] for k in ("url", "kind", "timezone", "interval", "title")}
        for r in listed(other, capsys)
    ]
    assert first == second and len(first) == 3
    assert {r["kind"] for r in first} == {"rss", "ics"}


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",
        b"<html><body/></html>",
        b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaa">]><opml><body/></opml>',
    ],
)
def test_import_bad_file_exits_2(
    settings: Settings, tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.opml"
    path.write_bytes(content)
    assert sources(settings, "import", file=str(path)) == 2
    assert "is not OPML" in capsys.readouterr().err
    assert sources(settings, "import", file=str(tmp_path / "missing.opml")) == 2


def test_through_the_command_line_parser(
    settings: Settings,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot import cli

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ALLOW_PRIVATE_SOURCES", "true")
    monkeypatch.chdir(server_dir := Path(settings.database_url.split("///", 1)[1]).parent)
    assert server_dir.exists()
    url = server.route("/rss", Reply(200, RSS))
    assert cli.main(["sources", "add", url, "--kind", "rss", "--interval", "600"]) == 0
    assert cli.main(["poll-once", "--all"]) == 0
    assert "3 new of 3 entries" in capsys.readouterr().out
