"""MarkdownV2 and legacy Markdown as the sandbox implements them (Telegram's wording)."""

from __future__ import annotations

import pytest

from bot.sandbox.htmlparse import EntityParseError
from bot.sandbox.mdparse import parse_markdown, parse_markdown_v2

S = "🏟 🏟"  # 9 UTF-8 bytes, 5 UTF-16 code units

V2_VALID = [
    ("", "", []),
    ("\\\\", "\\", []),
    (
        "*bold* _italic_ __under__ ~strike~ ||spoiler||",
        "bold italic under strike spoiler",
        [
            ("bold", 0, 4),
            ("italic", 5, 6),
            ("underline", 12, 5),
            ("strikethrough", 18, 6),
            ("spoiler", 25, 7),
        ],
    ),
    (f"{S}_abac \\* asd _", f"{S}abac * asd ", [("italic", 5, 11)]),
    (f"{S}_🏟 *🏟*_", f"{S}🏟 🏟", [("italic", 5, 5), ("bold", 8, 2)]),
    (f"{S}_🏟 __🏟___", f"{S}🏟 🏟", [("italic", 5, 5), ("underline", 8, 2)]),
    (f"{S}`🏟 🏟```", f"{S}🏟 🏟", [("code", 5, 5)]),
    (f"{S}``", S, []),
    ("`a\\`b`", "a`b", [("code", 0, 3)]),
    ("Price 5\\.00\\!", "Price 5.00!", []),
    ("[ ](as)", " ", []),
    ("[telegram\\.org](telegram.dog)", "telegram.org", [("text_link", 0, 12)]),
    (">a", "a", [("blockquote", 0, 1)]),
    (
        "abc\n>def\n>def\n\r>ghi2\njkl",
        "abc\ndef\ndef\n\rghi2\njkl",
        [("blockquote", 4, 8), ("blockquote", 13, 5)],
    ),
    (
        ">asd\n>q||e||w||\nasdad",
        "asd\nqew\nasdad",
        [("expandable_blockquote", 0, 8), ("spoiler", 5, 1)],
    ),
    (">asd\n>q||ew||\nasdad", "asd\nqew\nasdad", [("blockquote", 0, 8), ("spoiler", 5, 2)]),
]


@pytest.mark.parametrize(("source", "text", "entities"), V2_VALID)
def test_markdown_v2_valid(source: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    parsed = parse_markdown_v2(source)
    assert parsed.text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_markdown_v2_pre_link_and_emoji_details() -> None:
    pre = parse_markdown_v2(f"{S}```🏟\n🏟```")
    assert pre.text == f"{S}🏟" and pre.entities == [
        {"type": "pre", "offset": 5, "length": 2, "language": "🏟"}
    ]
    link = parse_markdown_v2("[telegram\\.org](https://telegram.dog?)")
    assert link.entities[0]["url"] == "https://telegram.dog/?"
    emoji = parse_markdown_v2(f"{S}![👍](TG://EMoJI/?test=1231&id=25#id=32)a")
    assert emoji.entities == [
        {"type": "custom_emoji", "offset": 5, "length": 2, "custom_emoji_id": "25"}
    ]


V2_INVALID = [
    (f"{S}_abacaba", "Can't find end of Italic entity at byte offset 9"),
    (f"{S}_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
    (f"{S}_abac * asd _", "Can't find end of Italic entity at byte offset 21"),
    (f"{S}`", "Can't find end of Code entity at byte offset 9"),
    (f"{S}```", "Can't find end of Pre entity at byte offset 9"),
    (f"{S}```a", "Can't find end of Pre entity at byte offset 9"),
    (f"{S}```a ", "Can't find end of PreCode entity at byte offset 9"),
    (f"{S}__🏟 🏟_", "Can't find end of Italic entity at byte offset 20"),
    (f"{S}_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
    ("[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"),
    (f"{S}||test\\|", "Can't find end of Spoiler entity at byte offset 9"),
    (f"{S}!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
    (f"{S}>", "Character '>' is reserved and must be escaped with the preceding '\\'"),
    ("Price 5.00", "Character '.' is reserved and must be escaped with the preceding '\\'"),
    (f"{S}![", "Can't find end of CustomEmoji entity at byte offset 9"),
    (f"{S}![👍]", "Custom emoji entity must contain a tg://emoji URL"),
    (f"{S}![👍](tg://emoji?test=1231&id=025)", "Invalid custom emoji identifier specified"),
]


@pytest.mark.parametrize(("source", "error"), V2_INVALID)
def test_markdown_v2_invalid(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_markdown_v2(source)
    assert str(info.value) == error


def test_legacy_markdown() -> None:
    parsed = parse_markdown("*bold* _it_ `code` [x](http://t.me) snake\\_case")
    assert parsed.text == "bold it code x snake_case"
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
        ("bold", 0, 4),
        ("italic", 5, 2),
        ("code", 8, 4),
        ("text_link", 13, 1),
    ]
    assert parse_markdown("```py\nx = 1```").entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "py"}
    ]
    with pytest.raises(
        EntityParseError, match="Can't find end of the entity starting at byte offset 5"
    ):
        parse_markdown("snake_case")
