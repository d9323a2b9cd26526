"""A small HTTP/1.1 server on loopback for feed tests and the poll benchmark.

Routes map a path to a Reply or to a function of the Request; every request is recorded. It runs
its own event loop in a thread, so tests and the poller under test never share a loop.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate


@dataclass
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    """What to answer: status, headers, body; `encoding` compresses it, `hang` never answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None  # gzip | deflate | None
    hang: bool = False
    raw_body: bool = False  # the body is already encoded as `encoding` says


Route = Reply | Callable[[Request], Reply]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def conditional(
    body: bytes,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str = "application/rss+xml",
) -> Callable[[Request], Reply]:
    """A route that honours If-None-Match / If-Modified-Since with a 304."""

    def answer(request: Request) -> Reply:
        headers = {"Content-Type": content_type}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        if etag and request.headers.get("if-none-match") == etag:
            return Reply(304, b"", headers)
        if last_modified and request.headers.get("if-modified-since") == last_modified:
            return Reply(304, b"", headers)
        return Reply(200, body, headers)

    return answer


class FeedServer:
    """Serves routes on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._hanging: set[asyncio.Task[None]] = set()

    def url(self, path: str) -> str:
        """The full address of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, reply: Route) -> str:
        """Serve `reply` at `path`; returns the address."""
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        """The requests made for a path."""
        return [r for r in self.requests if r.path == path]

    def start(self) -> FeedServer:
        """Start serving in a background thread."""
        self._thread = threading.Thread(target=self._run, name="feeds-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("feed server did not start")
        return self

    def stop(self) -> None:
        """Stop serving and drop hanging connections."""
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def serve_forever(self) -> None:
        """Serve in the calling thread (the benchmark runs the server in its own process)."""
        self._run()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = (lines[0].split(" ") + ["", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                path = target
                request = Request(method, path, headers)
                self.requests.append(request)
                route = self.routes.get(path)
                if route is None:
                    reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    reply = route(request) if callable(route) else route
                if reply.hang:
                    await asyncio.sleep(3600)
                    return
                writer.write(self._encode(reply, method))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            try:
                writer.close()
            except Exception:
                pass

    @staticmethod
    def _encode(reply: Reply, method: str) -> bytes:
        body = reply.body
        headers = dict(reply.headers)
        if reply.encoding and not reply.raw_body:
            if reply.encoding == "gzip":
                body = gzip.compress(body)
            elif reply.encoding == "deflate":
                body = zlib.compress(body)
        if reply.encoding:
            headers["Content-Encoding"] = reply.encoding
        if reply.status == 304 or method == "HEAD":
            body = b""
        if headers.get("Transfer-Encoding") == "chunked":
            # no length announced: the reader only learns the size by reading
            step = 16 * 1024
            chunks = [body[i : i + step] for i in range(0, len(body), step)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        else:
            headers.setdefault("Content-Length", str(len(body)))
        headers.setdefault("Date", formatdate(usegmt=True))
        reason = REASONS.get(reply.status, "Status")
        out = [f"HTTP/1.1 {reply.status} {reason}"]
        out += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body
