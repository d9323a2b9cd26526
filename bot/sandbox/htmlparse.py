"""Telegram's HTML parse_mode, re-implemented from its documented behaviour.

The rules follow what the Bot API server does (tdlib's parser), as observed in its published
test table: byte offsets in error messages are UTF-8 byte offsets in the original text, entity
offsets in the result are UTF-16 code units, unknown ``&names;`` stay literal, and an end tag
must match the innermost open tag by name (``</>`` closes whatever is open).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "EntityParseError",
    "ParsedText",
    "bot_command_entities",
    "normalise_url",
    "parse_html",
    "strip_text",
    "utf16_len",
]

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Sorting order for entities that share a range, so the output is stable like Telegram's.
_TYPE_ORDER = {
    t: n
    for n, t in enumerate(
        [
            "blockquote",
            "expandable_blockquote",
            "pre",
            "code",
            "text_link",
            "text_mention",
            "custom_emoji",
            "bold",
            "italic",
            "underline",
            "strikethrough",
            "spoiler",
        ]
    )
}
_SPACES = " \t\r\n\f\v"
_URL_HOST = re.compile(r"^[A-Za-z0-9\-._~%]+(?::\d{1,5})?$")


class EntityParseError(ValueError):
    """The markup is invalid; str(error) is Telegram's description after "can't parse entities: "."""


@dataclass(frozen=True)
class ParsedText:
    """Plain text and its entities (dicts shaped like the Bot API's MessageEntity)."""

    text: str
    entities: list[dict[str, object]]


def entity_order(entity: dict[str, object]) -> tuple[int, int, int]:
    """Sort key for entities: by offset, longer first, then a fixed order of types."""
    offset, length = entity["offset"], entity["length"]
    assert isinstance(offset, int) and isinstance(length, int)
    return offset, -length, _TYPE_ORDER.get(str(entity["type"]), 99)


_entity_order = entity_order


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML character reference at text[i] == '&'; None leaves the '&' literal."""
    n = len(text)
    j = i + 1
    if j < n and text[j] == "#":
        j += 1
        base = 10
        if j < n and text[j] in "xX":
            base = 16
            j += 1
        start = j
        digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        while j < n and text[j] in digits:
            j += 1
        if j == start or j - start > 8:
            return None
        code = int(text[start:j], base)
        if code == 0 or code > 0x10FFFF:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        if j < n and text[j] == ";":
            j += 1
        return chr(code), j
    start = j
    while j < n and text[j].isascii() and text[j].isalpha():
        j += 1
    name = text[start:j]
    if name not in _NAMED_ENTITIES:
        return None
    if j < n and text[j] == ";":
        j += 1
    return _NAMED_ENTITIES[name], j


def normalise_url(url: str) -> str | None:
    """Return the URL as Telegram stores it for a text_link, or None if it is not a URL."""
    url = url.strip()
    if not url:
        return None
    if url.startswith("tg://"):
        return url
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "ftp", "tonsite") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if not _URL_HOST.match(host) or "." not in host.split(":")[0]:
        return None
    path = parts.path or "/"
    out = f"{parts.scheme.lower()}://{parts.netloc}{path}"
    if parts.query or "?" in url.split("#", 1)[0]:
        out += "?" + parts.query  # Telegram keeps even an empty query
    if parts.fragment:
        out += "#" + parts.fragment
    return out


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the output where the tag's content starts


def parse_html(source: str) -> ParsedText:
    """Parse Telegram-flavoured HTML into plain text and entities, or raise EntityParseError."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, object]] = []
    anchors: list[tuple[int, int]] = []
    n = len(source)
    i = 0
    while i < n:
        ch = source[i]
        if ch == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                pos16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.append(ch)
            pos16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            i = _close_tag(source, i + 1, begin, stack, entities, pos16, anchors)
            continue
        tag_start = i
        while i < n and source[i] not in _SPACES and source[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(source, begin)}"
            )
        tag = source[tag_start:i].lower()
        if tag not in SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
            )
        attrs, i = _read_attributes(source, i, tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, begin)}'
            )
        stack.append(_Open(tag, attrs, pos16))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    text = "".join(out)
    anchor_links(text, entities, anchors)
    entities = _merge_pre_code(entities)
    entities.sort(key=_entity_order)
    return ParsedText(text, entities)


def _read_attributes(source: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Read attributes up to and past the closing '>' of a start tag."""
    n = len(source)
    attrs: dict[str, str] = {}
    at = _byte_offset(source, begin)
    while True:
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        if source[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and source[i] not in _SPACES and source[i] not in "=>":
            i += 1
        name = source[name_start:i].lower()
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if source[i] != "=":
            attrs.setdefault(name, "")
            continue
        i += 1
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if source[i] in "\"'":
            quote = source[i]
            i += 1
            value: list[str] = []
            while i < n and source[i] != quote:
                if source[i] == "&":
                    decoded = _decode_entity(source, i)
                    if decoded is not None:
                        value.append(decoded[0])
                        i = decoded[1]
                        continue
                value.append(source[i])
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {at}")
            i += 1
            attrs.setdefault(name, "".join(value))
        else:
            token_start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] in ".-"):
                i += 1
            if i >= n or (source[i] not in _SPACES and source[i] != ">"):
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(source, token_start)}"
                )
            attrs.setdefault(name, source[token_start:i])


def _close_tag(
    source: str,
    i: int,
    begin: int,
    stack: list[_Open],
    entities: list[dict[str, object]],
    pos16: int,
    anchors: list[tuple[int, int]],
) -> int:
    """Handle an end tag starting at ``begin`` ("</"); returns the index after it."""
    n = len(source)
    at = _byte_offset(source, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {at}")
    name_start = i
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    name = source[name_start:i].lower()
    while i < n and source[i] in _SPACES:
        i += 1
    if i >= n or source[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {at}")
    top = stack.pop()
    if name and name != top.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", found "</{name}>"'
        )
    length = pos16 - top.offset
    if length <= 0:
        return i + 1  # Telegram drops empty entities
    entity = _make_entity(top, length)
    if entity is not None:
        entities.append(entity)
    elif top.tag == "a" and "href" not in top.attrs:
        anchors.append((top.offset, length))
    return i + 1


def _make_entity(top: _Open, length: int) -> dict[str, object] | None:
    entity: dict[str, object] = {"offset": top.offset, "length": length}
    tag = top.tag
    if tag in _SIMPLE_TYPES:
        entity["type"] = _SIMPLE_TYPES[tag]
    elif tag == "code":
        entity["type"] = "code"
        cls = top.attrs.get("class", "")
        if cls.startswith("language-") and len(cls) > len("language-"):
            entity["_language"] = cls[len("language-") :]
    elif tag == "pre":
        entity["type"] = "pre"
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in top.attrs else "blockquote"
    elif tag == "tg-emoji":
        raw = top.attrs.get("emoji-id", "")
        if not raw.isdigit() or int(raw) == 0 or int(raw) >= 2**63:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = raw
    elif tag == "a":
        href = top.attrs.get("href")
        if href is None:
            return None  # <a>url</a>: the caller checks whether the content is a URL
        match = re.fullmatch(r"tg://user\?id=(\d{1,19})", href.strip())
        if match:
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
            return entity
        url = normalise_url(href)
        if url is None:
            return None  # Telegram silently drops a link whose href is not a URL
        entity["type"] = "text_link"
        entity["url"] = url
    return entity


def _merge_pre_code(entities: list[dict[str, object]]) -> list[dict[str, object]]:
    """A <code class="language-x"> covering exactly a <pre> becomes one pre with a language."""
    result: list[dict[str, object]] = []
    pres = {(e["offset"], e["length"]): e for e in entities if e["type"] == "pre"}
    for e in entities:
        language = e.pop("_language", None)
        if e["type"] == "code" and (e["offset"], e["length"]) in pres:
            if language:
                pres[(e["offset"], e["length"])]["language"] = language
            continue
        result.append(e)
    return result


def anchor_links(
    text: str, entities: list[dict[str, object]], anchors: list[tuple[int, int]]
) -> None:
    """Turn <a> tags without href whose content is a URL into text_link entities (in place)."""
    for offset, length in anchors:
        content = _slice16(text, offset, length)
        url = normalise_url(content) if content == content.strip() else None
        if url is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})


def _slice16(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le")
    return data[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def strip_text(text: str, entities: list[dict[str, object]]) -> tuple[str, list[dict[str, object]]]:
    """Trim leading/trailing whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    out: list[dict[str, object]] = []
    for e in entities:
        start = max(int(e["offset"]) - lead, 0)  # type: ignore[call-overload]
        end = min(int(e["offset"]) + int(e["length"]) - lead, size)  # type: ignore[call-overload]
        if end > start:
            out.append({**e, "offset": start, "length": end - start})
    return stripped, out


_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)")
_HASHTAG = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")
# Telegram checks a bare domain against the real list of TLDs; a short list of common ones
# keeps "Almaty.Kazakhstan" from becoming a link while "example.org" and any http(s):// URL do.
_TLDS = (
    "com org net info io me edu gov int biz app dev news online site ru kz ua by uz kg tj am "
    "az ge md su uk de fr es it nl pl cz eu us ca au jp cn in br tr ir il ch at se no fi dk"
)
_URL = re.compile(
    r"(?<![\w@/])(?:https?://(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+"
    rf"|(?:[A-Za-z0-9-]+\.)+(?:{'|'.join(_TLDS.split())})(?![A-Za-z0-9-]))"
    r"(?::\d{1,5})?(?:/[^\s]*)?",
    re.IGNORECASE,
)


def bot_command_entities(text: str) -> list[dict[str, object]]:
    """Entities Telegram detects in a user's plain text: bot commands, mentions, hashtags, URLs."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in (
        ("bot_command", _COMMAND),
        ("mention", _MENTION),
        ("hashtag", _HASHTAG),
        ("url", _URL),
    ):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            found.append((m.start(), m.end(), kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:s]), "length": utf16_len(text[s:e])}
        for s, e, kind in found
    ]
