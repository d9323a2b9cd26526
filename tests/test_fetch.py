"""Safe fetching against hostile servers on loopback: limits, timeouts, refused addresses."""

from __future__ import annotations

import gzip
import ipaddress
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from jobs.fetch import (
    USER_AGENT,
    FetchTimeout,
    HTTPStatus,
    RefusedAddress,
    TooLarge,
    TooManyRedirects,
    address_allowed,
    check_url,
    fetch,
    make_client,
)
from tests.feeds_server import FeedServer, Reply

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback feed server for one test."""
    with FeedServer() as srv:
        yield srv


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The safe client, allowing 127.0.0.1 only (as if it were a public address)."""
    c = make_client(allow_private=False, allowed=LOOPBACK_ONLY, connect_timeout=1.0)
    try:
        yield c
    finally:
        await c.aclose()


async def get(client: httpx.AsyncClient, url: str, **kw: object) -> object:
    return await fetch(client, url, allow_private=False, allowed=LOOPBACK_ONLY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4009:81f::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("ff02::1", False),
    ],
)
def test_address_policy(ip: str, allowed: bool) -> None:
    assert address_allowed(ip, allow_private=False) is allowed
    assert address_allowed(ip, allow_private=True) is True


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/feed",
        "gopher://x/",
        "http://",
        "javascript:alert(1)",
        "http://user:pw@example.org/feed",
    ],
)
def test_only_plain_http_and_https(url: str) -> None:
    with pytest.raises(RefusedAddress):
        check_url(url)


async def test_private_address_refused_before_connecting(server: FeedServer) -> None:
    url = server.route("/feed", Reply(200, b"<rss/>"))
    strict = make_client(allow_private=False)
    try:
        with pytest.raises(RefusedAddress):
            await fetch(strict, url, allow_private=False)
        # even with the pre-check skipped, the connection itself refuses the address
        with pytest.raises(RefusedAddress):
            await strict.get(url)
    finally:
        await strict.aclose()
    assert server.requests == []


async def test_redirect_to_refused_address(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.route("/to-private", Reply(302, b"", {"Location": f"http://127.0.0.2:{server.port}/x"}))
    server.route("/to-metadata", Reply(301, b"", {"Location": "http://169.254.169.254/latest/"}))
    server.route("/to-file", Reply(302, b"", {"Location": "file:///etc/passwd"}))
    for path in ("/to-private", "/to-metadata", "/to-file"):
        with pytest.raises(RefusedAddress):
            await get(client, server.url(path))
    assert server.hits("/x") == []


async def test_redirect_limit(server: FeedServer, client: httpx.AsyncClient) -> None:
    for n in range(7):
        server.route(f"/r{n}", Reply(302, b"", {"Location": f"/r{n + 1}"}))
    server.route("/r7", Reply(200, b"<rss/>"))
    with pytest.raises(TooManyRedirects):
        await get(client, server.url("/r0"))
    result = await get(client, server.url("/r2"))  # five hops is fine
    assert result.status == 200 and result.url == server.url("/r7")  # type: ignore[attr-defined]
    assert result.permanent_url is None  # type: ignore[attr-defined]


async def test_body_over_the_limit(server: FeedServer, client: httpx.AsyncClient) -> None:
    big = b"<rss>" + b"x" * 300_000 + b"</rss>"
    server.route("/big", Reply(200, big))
    server.route("/exact", Reply(200, big[:1000]))
    with pytest.raises(TooLarge):
        await get(client, server.url("/big"), max_bytes=100_000)
    result = await get(client, server.url("/exact"), max_bytes=1000)
    assert len(result.body) == 1000  # type: ignore[attr-defined]


async def test_body_over_the_limit_without_content_length(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    # chunked, no length announced: the limit is counted while reading
    server.route("/chunked", Reply(200, b"y" * 200_000, {"Transfer-Encoding": "chunked"}))
    with pytest.raises(TooLarge):
        await get(client, server.url("/chunked"), max_bytes=100_000)
    result = await get(client, server.url("/chunked"), max_bytes=300_000)
    assert result.body == b"y" * 200_000  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compression_bomb(
    server: FeedServer, client: httpx.AsyncClient, encoding: str
) -> None:
    zeros = b"\0" * (50 * 1024 * 1024)
    packed = gzip.compress(zeros, 9) if encoding == "gzip" else zlib.compress(zeros, 9)
    assert len(packed) < 100_000  # 50 MB in well under 100 kB on the wire
    server.route("/bomb", Reply(200, packed, encoding=encoding, raw_body=True))
    with pytest.raises(TooLarge):
        await get(client, server.url("/bomb"), max_bytes=1024 * 1024)


async def test_compressed_body_within_limit(server: FeedServer, client: httpx.AsyncClient) -> None:
    body = b"<rss>" + b"news " * 10_000 + b"</rss>"
    server.route("/gz", Reply(200, body, encoding="gzip"))
    result = await get(client, server.url("/gz"))
    assert result.body == body  # type: ignore[attr-defined]


async def test_server_that_never_answers(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.route("/hang", Reply(hang=True))
    with pytest.raises(FetchTimeout):
        await get(client, server.url("/hang"), total_timeout=0.5)


async def test_error_status_keeps_retry_after(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/busy", Reply(503, b"", {"Retry-After": "120"}))
    with pytest.raises(HTTPStatus) as info:
        await get(client, server.url("/busy"))
    assert info.value.status == 503 and info.value.retry_after == "120"


async def test_honest_user_agent(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.route("/ua", Reply(200, b"<rss/>"))
    await get(client, server.url("/ua"))
    assert server.hits("/ua")[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("Tocsin/") and "news alert bot" in USER_AGENT
