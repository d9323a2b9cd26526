"""Pure helpers for feeds: canonical links, story keys, HTML to text, when to check next."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_TEXT = 20_000
MAX_TITLE = 500
MAX_GUID = 512
# Query parameters that only track the reader; dropping them makes one story one link.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "ysclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "igshid",
        "ref_src",
        "ref_url",
        "cmpid",
        "s_cid",
        "spm",
        "__twitter_impression",
        "at_medium",
        "at_campaign",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
    }
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}

MIN_INTERVAL = 30
MAX_INTERVAL = 24 * 3600
BACKOFF_CAP = 24 * 3600
MAX_FAILURES = 10
JITTER = 0.1


def canonical_link(url: str) -> str:
    """The link with tracking parameters, fragment, default port and host case normalised away."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    path = parts.path or "/"
    # http and https copies of one page are the same story; a trailing slash is not a new page.
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", host, path, urlencode(query), ""))


def story_key(link: str | None, fallback: str) -> str:
    """A 64-hex key shared by every copy of a story: the canonical link, else the fallback."""
    basis = "link:" + canonical_link(link) if link else "id:" + fallback
    return hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()


def item_guid(guid: str | None, link: str | None, title: str, date: str | None) -> str:
    """The item's key within its source: the guid, else the link, else a hash of title and date."""
    # NUL is valid in a Python string but PostgreSQL refuses it in text columns.
    value = (guid or "").replace("\x00", "").strip() or (link or "").replace("\x00", "").strip()
    if not value:
        basis = f"{title.strip()}\n{date or ''}"
        value = "sha256:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()
    if len(value) > MAX_GUID:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return value


def body_hash(body: bytes) -> str:
    """The hash that recognises an unchanged body without parsing it."""
    return hashlib.sha256(body).hexdigest()


# Regular expressions run in C, which matters here: the poller converts every entry of every
# feed, and a Python-level HTML parser cost about as much as feedparser itself.
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SKIPPED = re.compile(
    r"<(script|style|head|template|noscript|iframe|svg|object)\b[^>]*>.*?(?:</\1\s*>|$)",
    re.DOTALL | re.IGNORECASE,
)
_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|table|h[1-6]|blockquote|section|article|header|footer|pre|hr"
    r"|dd|dt|dl|figcaption|figure|aside|nav|main)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<![^>]*>|<\?[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LINES = re.compile(r"\n\s*\n+")
_TAGLIKE = re.compile(r"<[a-zA-Z/!?]")


def html_to_text(html: str, limit: int = MAX_TEXT) -> str:
    """Plain text from HTML (or text): tags dropped, entities decoded, whitespace normalised."""
    if not html:
        return ""
    # Work on a bounded slice: a huge body must not cost huge time or memory.
    text = html[: limit * 4]
    if _TAGLIKE.search(text):
        text = _COMMENT.sub("", text)
        text = _SKIPPED.sub(" ", text)
        text = _BLOCK.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = unescape(text)
    return normalise_text(text, limit)


def normalise_text(text: str, limit: int = MAX_TEXT) -> str:
    """Collapse runs of spaces, keep paragraph breaks, strip, and bound the length."""
    text = text.replace("\x00", "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _LINES.sub("\n\n", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def one_line(text: str, limit: int = MAX_TITLE) -> str:
    """A title: HTML dropped and all whitespace made single spaces, bounded."""
    return html_to_text(text, limit * 2).replace("\n", " ").strip()[:limit]


@dataclass(frozen=True)
class Schedule:
    """When to check a source next, and the failure count that goes with it."""

    next_check_at: datetime
    error_count: int
    disable: bool = False


def jittered(seconds: float, rand: float, jitter: float = JITTER) -> float:
    """`seconds` spread by ±jitter, with `rand` in [0, 1) from the caller (so this stays pure)."""
    return seconds * (1.0 + jitter * (2.0 * rand - 1.0))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def parse_max_age(cache_control: str | None) -> float | None:
    """The max-age of a Cache-Control header in seconds, or None."""
    if not cache_control:
        return None
    found = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", cache_control, re.IGNORECASE)
    return float(found.group(1)) if found else None


def next_check_after_success(
    now: datetime,
    interval: int,
    rand: float,
    *,
    ttl_minutes: int | None = None,
    max_age: float | None = None,
) -> Schedule:
    """After a good poll: the interval, lengthened by the feed's TTL or max-age, clamped, jittered."""
    seconds = float(max(MIN_INTERVAL, interval))
    # The publisher asked us to wait at least this long; honour it, within a day.
    if ttl_minutes and ttl_minutes > 0:
        seconds = max(seconds, ttl_minutes * 60.0)
    if max_age and max_age > 0:
        seconds = max(seconds, max_age)
    seconds = min(seconds, float(max(MAX_INTERVAL, interval)))
    return Schedule(now + timedelta(seconds=jittered(seconds, rand)), 0)


def next_check_after_failure(
    now: datetime,
    interval: int,
    error_count: int,
    rand: float,
    *,
    retry_after: float | None = None,
    cap: int = BACKOFF_CAP,
    max_failures: int = MAX_FAILURES,
) -> Schedule:
    """After a failed poll: exponential backoff from the interval up to `cap`, Retry-After honoured."""
    count = error_count + 1
    base = float(max(MIN_INTERVAL, interval))
    seconds = min(float(cap), base * (2.0 ** min(count - 1, 20)))
    seconds = jittered(seconds, rand)
    if retry_after is not None:
        # The server said when to come back: never sooner, and never later than the cap.
        seconds = max(seconds, min(float(cap), retry_after))
    return Schedule(now + timedelta(seconds=seconds), count, disable=count >= max_failures)
