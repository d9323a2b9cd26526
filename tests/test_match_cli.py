"""`tocsin match`: filters by line number, items in order, bad lines named, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FILTERS = """Kazakhstan
zhanaozen OR жанаозен

"oil workers" -police
category:any Kazakh*
city:London category:protest
"""
ITEMS = [
    {
        "title": "Oil workers strike in Kazakhstan",
        "text": "Zhanaozen remembers",
        "category": "strike",
    },
    {"title": "Kazakhstan wins at football", "text": "A match", "category": "other", "lang": "en"},
    {"title": "Picket", "text": "Come", "category": "protest_call", "city": "London"},
    {
        "title": "Забастовка в Жанаозене",
        "text": "Нефтяники бастуют третий день, требуя повышения зарплаты.",
    },
]


def tocsin(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_match_prints_line_numbers_per_item(tmp_path: Path) -> None:
    filters = tmp_path / "filters.txt"
    filters.write_text(FILTERS, encoding="utf-8")
    items = tmp_path / "items.jsonl"
    items.write_text(
        "\n".join(json.dumps(i, ensure_ascii=False) for i in ITEMS) + "\n", encoding="utf-8"
    )
    done = tocsin("match", "--filters", str(filters), str(items))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["0 1 3 4", "4", "5"]
    # the Russian item has no category: it is understood first, as the jobs would
    assert "1" in lines[3].split()
    as_json = tocsin(
        "match", "--filters", str(filters), "-", "--json", stdin=items.read_text(encoding="utf-8")
    )
    assert as_json.returncode == 0, as_json.stderr
    assert [json.loads(line) for line in as_json.stdout.splitlines()][:3] == [
        {"matches": [0, 1, 3, 4]},
        {"matches": [4]},
        {"matches": [5]},
    ]


def test_bad_filter_line_is_named_and_exits_2(tmp_path: Path) -> None:
    filters = tmp_path / "filters.txt"
    filters.write_text('Kazakhstan\n\n(miners OR "teachers\n', encoding="utf-8")
    done = tocsin("match", "--filters", str(filters), "-", stdin="{}\n")
    assert done.returncode == 2
    assert f"{filters}:3: filter 2 does not parse: Missing closing quote" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_item_line_exits_2(tmp_path: Path) -> None:
    filters = tmp_path / "filters.txt"
    filters.write_text("Kazakhstan\n", encoding="utf-8")
    done = tocsin(
        "match",
        "--filters",
        str(filters),
        "-",
        stdin='{"title": "Kazakhstan", "category": "strike"}\nnot json\n',
    )
    assert done.returncode == 2
    assert done.stdout == "0\n"
    assert "<stdin>:2" in done.stderr
