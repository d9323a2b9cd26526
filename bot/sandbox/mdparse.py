"""Telegram's MarkdownV2 and legacy Markdown parse modes (the common cases, Telegram's errors).

Rules from the Bot API documentation and the Bot API server's behaviour: in MarkdownV2 every
character of ``_*[]()~`>#+-=|{}.!`` that does not start or end an entity must be escaped with
a backslash; inside code only `` ` `` and ``\\`` are special; inside a link URL only ``)`` and
``\\``. Legacy Markdown knows ``*bold*``, ``_italic_``, ``[text](url)``, `` `code` `` and
```` ```pre``` ````, without nesting. Errors carry UTF-8 byte offsets, entities UTF-16 offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.sandbox.htmlparse import (
    EntityParseError,
    ParsedText,
    entity_order,
    normalise_url,
    utf16_len,
)

__all__ = ["parse_markdown", "parse_markdown_v2"]

_RESERVED = set("_*[]()~`>#+-=|{}.!")
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_EMOJI_URL = re.compile(r"tg://emoji/?\?(?:[^#]*&)?id=(\d+)(?:&[^#]*)?(?:#.*)?", re.IGNORECASE)


def _bytes_at(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Open:
    kind: str
    offset: int  # UTF-16 offset in the output
    at: int  # index in the source, for error messages
    extra: dict[str, str] = field(default_factory=dict)


class _Builder:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.pos = 0
        self.entities: list[dict[str, object]] = []

    def add(self, s: str) -> None:
        self.out.append(s)
        self.pos += utf16_len(s)

    def close(self, top: _Open, **extra: object) -> None:
        if self.pos > top.offset:
            self.entities.append(
                {"type": top.kind, "offset": top.offset, "length": self.pos - top.offset, **extra}
            )


def _unclosed(src: str, top: _Open) -> EntityParseError:
    name = "PreCode" if "language" in top.extra else _NAMES.get(top.kind, top.kind)
    return EntityParseError(
        f"Can't find end of {name} entity at byte offset {_bytes_at(src, top.at)}"
    )


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(src: str) -> ParsedText:
    """Parse MarkdownV2 into plain text and entities, or raise EntityParseError."""
    b = _Builder()
    stack: list[_Open] = []
    quote_start: int | None = None  # UTF-16 offset where the current blockquote began
    quote_expandable = False
    n = len(src)
    i = 0
    line_start = True
    while i < n:
        ch = src[i]
        top = stack[-1] if stack else None
        if top is not None and top.kind in ("code", "pre"):
            i = _inside_code(src, i, b, stack, top)
            line_start = False
            continue
        if line_start:
            line_start = False
            # "**>" (an empty bold, then ">") starts a new quote, the way expandable ones begin.
            starts_new = src.startswith("**>", i)
            if quote_start is not None and (starts_new or ch != ">"):
                _end_quote(b, quote_start, quote_expandable)
                quote_start = None
            if ch == ">" or starts_new:
                if quote_start is None:
                    quote_start = b.pos
                    quote_expandable = False
                i += 3 if starts_new else 1
                continue
        if ch == "\\":
            if i + 1 < n and 0 < ord(src[i + 1]) < 127:
                b.add(src[i + 1])
                i += 2
            else:
                b.add("\\")
                i += 1
            continue
        if ch in "\n\r":
            b.add(ch)
            i += 1
            line_start = ch == "\n" or not src.startswith("\n", i)
            continue
        if quote_start is not None and src.startswith("||", i):
            rest = src[i + 2 : i + 3]
            if rest in ("", "\n", "\r") and not (stack and stack[-1].kind == "spoiler"):
                quote_expandable = True  # "||" ending a quote line makes the quote expandable
                i += 2
                continue
        if ch in "*_~|":
            kind, width = {
                "*": ("bold", 1),
                "~": ("strikethrough", 1),
                "|": ("spoiler", 2),
            }.get(ch, ("underline", 2) if src.startswith("__", i) else ("italic", 1))
            if ch == "|" and not src.startswith("||", i):
                raise _reserved("|")
            _toggle(src, b, stack, kind, i)
            i += width
            continue
        if ch == "`":
            if src.startswith("```", i):
                i = _open_pre(src, i + 3, b, stack, i)
            else:
                stack.append(_Open("code", b.pos, i))
                i += 1
            continue
        if ch == "[" or (ch == "!" and src.startswith("![", i)):
            stack.append(_Open("custom_emoji" if ch == "!" else "text_link", b.pos, i))
            i += 2 if ch == "!" else 1
            continue
        if ch == "]" and top is not None and top.kind in ("text_link", "custom_emoji"):
            i = _close_link(src, i + 1, b, stack.pop())
            continue
        if ch in _RESERVED:
            raise _reserved(ch)
        b.add(ch)
        i += 1
    if stack:
        raise _unclosed(src, stack[-1])
    if quote_start is not None:
        _end_quote(b, quote_start, quote_expandable)
    return ParsedText("".join(b.out), sorted(b.entities, key=entity_order))


def _end_quote(b: _Builder, start: int, expandable: bool) -> None:
    # Telegram's quote includes the newline that ends its last line.
    end = b.pos
    if end > start:
        kind = "expandable_blockquote" if expandable else "blockquote"
        b.entities.append({"type": kind, "offset": start, "length": end - start})


def _toggle(src: str, b: _Builder, stack: list[_Open], kind: str, i: int) -> None:
    # Only the innermost entity can be closed; otherwise the marker opens a new one (and the
    # error at the end names it), as Telegram does.
    if stack and stack[-1].kind == kind:
        b.close(stack.pop())
    else:
        stack.append(_Open(kind, b.pos, i))


def _inside_code(src: str, i: int, b: _Builder, stack: list[_Open], top: _Open) -> int:
    ch = src[i]
    if ch == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
        b.add(src[i + 1])
        return i + 2
    if top.kind == "pre" and src.startswith("```", i):
        stack.pop()
        if "language" in top.extra:
            b.close(top, language=top.extra["language"])
        else:
            b.close(top)
        return i + 3
    if top.kind == "code" and ch == "`":
        b.close(stack.pop())
        return i + 1
    b.add(ch)
    return i + 1


def _open_pre(src: str, i: int, b: _Builder, stack: list[_Open], at: int) -> int:
    """After ```: an optional language up to whitespace; a newline after it is dropped."""
    j = i
    while j < len(src) and not src[j].isspace() and src[j] != "`":
        j += 1
    entity = _Open("pre", b.pos, at)
    if j > i and j < len(src) and src[j].isspace():
        entity.extra["language"] = src[i:j]
        i = j
        if src.startswith(("\r\n", "\n\r"), i):
            i += 2
        elif src[i] in "\r\n":
            i += 1
    stack.append(entity)
    return i


def _close_link(src: str, i: int, b: _Builder, top: _Open) -> int:
    """After ']': read an optional (url) and emit the link or custom emoji entity."""
    url: str | None = None
    if i < len(src) and src[i] == "(":
        start = i + 1
        j = start
        chars: list[str] = []
        while j < len(src) and src[j] != ")":
            if src[j] == "\\" and j + 1 < len(src):
                j += 1
            chars.append(src[j])
            j += 1
        if j >= len(src):
            what = "a custom emoji URL" if top.kind == "custom_emoji" else "a URL"
            raise EntityParseError(
                f"Can't find end of {what} at byte offset {_bytes_at(src, start)}"
            )
        url = "".join(chars)
        i = j + 1
    if top.kind == "custom_emoji":
        if url is None:
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        match = _EMOJI_URL.fullmatch(url)
        if match is None:
            raise EntityParseError("Custom emoji URL must have an emoji identifier")
        emoji_id = int(match.group(1))
        if emoji_id == 0 or match.group(1).startswith("0") or emoji_id >= 2**63:
            raise EntityParseError("Invalid custom emoji identifier specified")
        b.close(top, custom_emoji_id=str(emoji_id))
        return i
    text = "".join(b.out)
    if url is None:
        content = text.encode("utf-16-le")[top.offset * 2 :].decode("utf-16-le")
        url = content
    mention = re.fullmatch(r"tg:(?://)?user\?id=(\d{1,19})", url)
    if mention:
        b.close(top, user={"id": int(mention.group(1)), "is_bot": False, "first_name": ""})
        if b.entities and b.entities[-1]["type"] == "text_link":
            b.entities[-1]["type"] = "text_mention"
        return i
    normal = normalise_url(url)
    if normal is not None:
        b.close(top, url=normal)
    return i


def parse_markdown(src: str) -> ParsedText:
    """Parse legacy Markdown (no nesting, no underline/spoiler), or raise EntityParseError."""
    b = _Builder()
    n = len(src)
    i = 0
    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            b.add(src[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            b.add(ch)
            i += 1
            continue
        at = i
        if ch == "[":
            end = src.find("]", i + 1)
            if end == -1:
                raise _legacy_unclosed(src, at)
            label = src[i + 1 : end]
            url = None
            i = end + 1
            if src.startswith("(", i):
                close = src.find(")", i + 1)
                if close == -1:
                    raise _legacy_unclosed(src, at)
                url = src[i + 1 : close]
                i = close + 1
            start = b.pos
            b.add(label)
            normal = normalise_url(url if url is not None else label)
            if normal is not None and b.pos > start:
                b.entities.append(
                    {"type": "text_link", "offset": start, "length": b.pos - start, "url": normal}
                )
            continue
        fence = "```" if src.startswith("```", i) else ch
        end = src.find(fence, i + len(fence))
        if end == -1:
            raise _legacy_unclosed(src, at)
        body = src[i + len(fence) : end]
        i = end + len(fence)
        language = None
        if fence == "```":
            first, sep, rest = body.partition("\n")
            if sep and first and not any(c.isspace() for c in first):
                language, body = first, rest
        start = b.pos
        b.add(body)
        if b.pos > start:
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
            entity: dict[str, object] = {"type": kind, "offset": start, "length": b.pos - start}
            if language:
                entity["language"] = language
            b.entities.append(entity)
    return ParsedText("".join(b.out), b.entities)


def _legacy_unclosed(src: str, at: int) -> EntityParseError:
    return EntityParseError(
        f"Can't find end of the entity starting at byte offset {_bytes_at(src, at)}"
    )
