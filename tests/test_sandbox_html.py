"""Telegram's HTML parse_mode as the sandbox implements it, table-driven.

Expected values come from the behaviour of the Bot API server (tdlib's published parser table):
error wording, UTF-8 byte offsets in errors, UTF-16 entity offsets, literal unknown entities.
"""

from __future__ import annotations

import pytest

from bot.sandbox.htmlparse import (
    EntityParseError,
    bot_command_entities,
    parse_html,
    strip_text,
    utf16_len,
)

STADIUM = "🏟 🏟"  # 9 UTF-8 bytes, 5 UTF-16 code units

VALID = [
    ("", "", []),
    ("plain", "plain", []),
    ("<b>bold</b>", "bold", [("bold", 0, 4)]),
    ("<strong>x</strong><em>y</em>", "xy", [("bold", 0, 1), ("italic", 1, 1)]),
    ("<u>a</u><ins>b</ins>", "ab", [("underline", 0, 1), ("underline", 1, 1)]),
    (
        "<s>a</s><strike>b</strike><del>c</del>",
        "abc",
        [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)],
    ),
    ('<span class="tg-spoiler">x</span>', "x", [("spoiler", 0, 1)]),
    ("<tg-spoiler>x</tg-spoiler>", "x", [("spoiler", 0, 1)]),
    ("<code>x</code>", "x", [("code", 0, 1)]),
    ("<pre>x</pre>", "x", [("pre", 0, 1)]),
    ("<blockquote>q</blockquote>", "q", [("blockquote", 0, 1)]),
    ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
    ("&lt;&gt;&amp;&quot;", '<>&"', []),
    ("&#65;&#x42;", "AB", []),
    # Unknown named entities and a bare '&' stay literal, as on Telegram.
    ("AT&T &ge; &laquo;", "AT&T &ge; &laquo;", []),
    ("&lt without semicolon", "< without semicolon", []),
    (f"{STADIUM}<i>{STADIUM}</i>", STADIUM * 2, [("italic", 5, 5)]),
    ("<b>x</>", "x", [("bold", 0, 1)]),  # </> closes the innermost tag
    ("<B>x</b>", "x", [("bold", 0, 1)]),  # tag names are case-insensitive
    ("<b></b>x", "x", []),  # empty entities are dropped
    ("<i>a<b>b</b></i>", "ab", [("italic", 0, 2), ("bold", 1, 1)]),
    ("<i   aba  =  190azAz-.>a</i>", "a", [("italic", 0, 1)]),  # unknown attributes ignored
]


@pytest.mark.parametrize(("source", "text", "entities"), VALID)
def test_valid_markup(source: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    parsed = parse_html(source)
    assert parsed.text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_links_are_normalised_like_telegram() -> None:
    parsed = parse_html('<a href="telegram.org">x</a> <a href="https://e.org/a?b=1&amp;c">y</a>')
    assert [e["url"] for e in parsed.entities] == ["http://telegram.org/", "https://e.org/a?b=1&c"]
    assert parse_html("<a>telegram.org</a>").entities[0]["url"] == "http://telegram.org/"
    assert parse_html('<a href="not a url">x</a>').entities == []
    mention = parse_html('<a href="tg://user?id=1001">A</a>').entities[0]
    assert mention["type"] == "text_mention" and mention["user"]["id"] == 1001  # type: ignore[index]


def test_pre_with_language() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_custom_emoji() -> None:
    parsed = parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    assert parsed.entities == [
        {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}
    ]


INVALID = [
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("Hello world <foo>", 'Unsupported start tag "foo" at byte offset 12'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<i>x</em>", 'Unmatched end tag at byte offset 4, expected "</i>", found "</em>"'),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("x <b", "Unclosed start tag at byte offset 2"),
    ("<a href", 'Unclosed start tag "a" at byte offset 0'),
    ('<a href="x', "Unclosed start tag at byte offset 0"),
    ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
    ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
    (f"{STADIUM}&lt;<abac>", 'Unsupported start tag "abac" at byte offset 13'),
    (f"{STADIUM}&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    (f"{STADIUM}&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    (
        "&#xDFDF;",
        "Text contains invalid Unicode characters after decoding HTML entities, "
        "check for unmatched surrogate code units",
    ),
]


@pytest.mark.parametrize(("source", "error"), INVALID)
def test_invalid_markup(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert str(info.value) == error


def test_utf16_lengths() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("👍") == 2
    assert utf16_len("é") == 1
    parsed = parse_html("👍👍 <b>Жанаозен</b> 🏭<i>x</i>")
    assert [(e["offset"], e["length"]) for e in parsed.entities] == [(5, 8), (16, 1)]


def test_strip_shifts_entities() -> None:
    parsed = parse_html("  <b>hi</b> there \n")
    text, entities = strip_text(parsed.text, parsed.entities)
    assert text == "hi there"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_user_text_entities() -> None:
    entities = bot_command_entities("/start@tocsin_bot hi 👍 /help #strike https://example.org")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 17),
        ("bot_command", 24, 5),
        ("hashtag", 30, 7),
        ("url", 38, 19),
    ]
    assert bot_command_entities("path/to/file") == []
