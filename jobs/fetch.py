"""Safe HTTP fetching of feeds: address checks, redirects, limits, conditional GET.

Every hop is checked twice: before the request (a clear "refused" error) and again inside the
connection (the network backend connects only to the address it just checked, so a name that
resolves differently a second time cannot reach a private address).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx


def _version() -> str:
    try:
        return metadata.version("tocsin")
    except metadata.PackageNotFoundError:
        return "0"


def _project_url() -> str | None:
    # The address publishers can look us up at: the package's declared homepage when it has one.
    try:
        urls = metadata.metadata("tocsin").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, address = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return address.strip()
    return None  # no address of our own to give: we name ourselves and claim no other


PROJECT_URL = _project_url()
USER_AGENT = f"Tocsin/{_version()} (news alert bot" + (f"; +{PROJECT_URL})" if PROJECT_URL else ")")
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 30.0
PERMANENT = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, text/calendar, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)


class FetchError(Exception):
    """A fetch failed; `reason` is a short, log-safe word (no feed text)."""

    reason = "error"

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RefusedAddress(FetchError):
    """The address is not one we fetch: not http(s), or a private/loopback/reserved network."""

    reason = "refused"


class TooLarge(FetchError):
    """The body passed the limit, before or after decompression."""

    reason = "too-large"


class TooManyRedirects(FetchError):
    """More than MAX_REDIRECTS redirects."""

    reason = "redirects"


class FetchTimeout(FetchError):
    """Connecting or the whole fetch took too long."""

    reason = "timeout"


class HTTPStatus(FetchError):
    """The server answered with an error status."""

    reason = "http"


class NetworkError(FetchError):
    """The connection failed."""

    reason = "network"


@dataclass
class FetchResult:
    """A successful fetch: 200 with a body, or 304 with none."""

    url: str  # where the body came from, after redirects
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when every redirect was permanent

    @property
    def not_modified(self) -> bool:
        """True for a 304."""
        return self.status == 304


Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]


def address_allowed(ip: str, allow_private: bool, allowed: Networks = ()) -> bool:
    """Whether we may connect to this IP address (`allowed`: networks let through anyway)."""
    if allow_private:
        return True
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if any(addr in network for network in allowed):
        return True
    return addr.is_global and not addr.is_multicast


async def resolve_checked(
    host: str, port: int, allow_private: bool, allowed: Networks = ()
) -> list[str]:
    """The host's addresses, refusing the host when any of them is not a public address."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NetworkError(f"cannot resolve host: {type(exc).__name__}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise NetworkError("host has no address")
    for address in addresses:
        if not address_allowed(address, allow_private, allowed):
            raise RefusedAddress("address is on a private or reserved network")
    return addresses


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; RefusedAddress for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress("not a valid address") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress("only http and https addresses are fetched")
    if not parts.hostname:
        raise RefusedAddress("the address has no host")
    if parts.username or parts.password:
        raise RefusedAddress("addresses with credentials are not fetched")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


class SafeBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses that pass the check, to the very address it checked."""

    def __init__(self, allow_private: bool, allowed: Networks = ()) -> None:
        self.allow_private = allow_private
        self.allowed = allowed
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check, then connect to the checked address."""
        addresses = await resolve_checked(host, port, self.allow_private, self.allowed)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never feed addresses."""
        raise RefusedAddress("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        """Delegate to anyio."""
        await self.inner.sleep(seconds)


class SafeTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool built on SafeBackend."""

    def __init__(
        self, *, allow_private: bool, allowed: Networks = (), max_connections: int = 100
    ) -> None:
        super().__init__(retries=0)
        # httpx gives no public hook for the network backend, so the pool is rebuilt here with
        # the same defaults httpx uses.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=5.0,
            network_backend=SafeBackend(allow_private, allowed),
        )


def make_client(
    *, allow_private: bool, allowed: Networks = (), connect_timeout: float = CONNECT_TIMEOUT
) -> httpx.AsyncClient:
    """The shared client for feeds: safe transport, no environment proxies, our User-Agent."""
    return httpx.AsyncClient(
        transport=SafeTransport(allow_private=allow_private, allowed=allowed),
        timeout=httpx.Timeout(connect_timeout, read=connect_timeout * 2, pool=None),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
    )


class _Decoder:
    """Incremental gzip/deflate decoding that never inflates past the limit."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        enc = encoding.strip().lower()
        self.first = True
        if enc in ("", "identity"):
            self.obj: Any = None
        elif enc in ("gzip", "x-gzip"):
            self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.obj = zlib.decompressobj()
        else:
            raise FetchError("unsupported content encoding")
        self.deflate = enc == "deflate"

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge("body over the limit")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self.obj is None:
            self._add(chunk)
            return
        if self.first and self.deflate:
            # Some servers send raw deflate without the zlib header.
            self.first = False
            probe = zlib.decompressobj()
            try:
                probe.decompress(chunk[:2])
            except zlib.error:
                self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
        self.first = False
        data = chunk
        try:
            while data:
                out = self.obj.decompress(data, self.limit - self.size + 1)
                self._add(out)
                data = self.obj.unconsumed_tail
        except zlib.error:
            raise FetchError("corrupt compressed body") from None

    def finish(self) -> bytes:
        if self.obj is not None:
            try:
                self._add(self.obj.flush())
            except zlib.error:
                raise FetchError("corrupt compressed body") from None
        return b"".join(self.parts)


_KEPT_HEADERS = (
    "etag",
    "last-modified",
    "content-type",
    "cache-control",
    "retry-after",
    "expires",
    "content-location",
)


async def _fetch_once(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int
) -> tuple[int, dict[str, str], bytes, str | None]:
    async with client.stream("GET", url, headers=headers) as response:
        kept = {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}
        status = response.status_code
        if status in REDIRECTS:
            return status, kept, b"", response.headers.get("location")
        if status == 304:
            return status, kept, b"", None
        if status >= 400 or status < 200:
            raise HTTPStatus(
                f"HTTP {status}", status=status, retry_after=response.headers.get("retry-after")
            )
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge("declared body over the limit")
        decoder = _Decoder(response.headers.get("content-encoding", ""), max_bytes)
        raw = 0
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if raw > max_bytes:
                raise TooLarge("body over the limit")
            decoder.feed(chunk)
        return status, kept, decoder.finish(), None


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    allowed: Networks = (),
    max_bytes: int = MAX_BYTES,
    total_timeout: float = TOTAL_TIMEOUT,
) -> FetchResult:
    """GET a feed safely: conditional, redirects checked (≤5), size- and time-bounded."""
    headers = {"Accept-Encoding": "gzip, deflate", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    all_permanent = True
    try:
        async with asyncio.timeout(total_timeout):
            for _hop in range(MAX_REDIRECTS + 1):
                host, port = check_url(current)
                await resolve_checked(host, port, allow_private, allowed)
                status, kept, body, location = await _fetch_once(
                    client, current, headers, max_bytes
                )
                if location is None and status in REDIRECTS:
                    raise HTTPStatus(f"HTTP {status} without Location", status=status)
                if location is not None:
                    all_permanent = all_permanent and status in PERMANENT
                    current = urljoin(current, location.strip())
                    continue
                moved = current if current != url and all_permanent else None
                return FetchResult(current, status, body, kept, moved)
            raise TooManyRedirects("too many redirects")
    except TimeoutError:
        raise FetchTimeout("timed out") from None
    except httpx.TimeoutException:
        raise FetchTimeout("timed out") from None
    except httpx.HTTPError as exc:
        raise NetworkError(type(exc).__name__) from None


@dataclass
class Preview:
    """A feed fetched once before it is saved: where it is, what it is, how many items."""

    url: str
    kind: str = "rss"
    title: str | None = None
    items: int = 0
    discovered: bool = False  # the address was a web page announcing this feed
    error: str | None = None  # a log-safe reason when the address is not a usable feed


async def preview_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    kind: str | None,
    timezone: str | None,
    now: Any,
    allow_private: bool,
) -> Preview:
    """Fetch an address once (a web page: the feed it announces) and parse it, off the loop."""
    from jobs.feeds import (
        FeedParseError,
        discover_feeds,
        looks_like_html,
        looks_like_ics,
        parse_body,
    )

    current = url.strip()
    discovered = False
    for _attempt in range(2):
        try:
            result = await fetch(client, current, allow_private=allow_private)
        except FetchError as exc:
            return Preview(current, kind or "rss", error=f"{exc.reason}: {exc}")
        body = result.body
        content_type = result.headers.get("content-type")
        final = result.permanent_url or current
        if kind != "ics" and not discovered and looks_like_html(body, content_type):
            found = discover_feeds(body, result.url)
            if not found:
                return Preview(final, kind or "rss", error="a web page that announces no feed")
            current, discovered = found[0], True
            continue
        detected = kind or ("ics" if looks_like_ics(body) else "rss")
        try:
            parsed = await asyncio.to_thread(
                parse_body,
                body,
                kind=detected,
                url=result.url,
                content_type=content_type,
                timezone=timezone,
                now=now,
            )
        except FeedParseError as exc:
            return Preview(final, detected, discovered=discovered, error=f"parse: {exc}")
        return Preview(final, detected, parsed.title, len(parsed.items), discovered)
    return Preview(
        current, kind or "rss", discovered=True, error="the announced feed is a web page"
    )
