"""`tocsin extract` through the real command line, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_understand import SEED_EXPECTED

SEED = Path(__file__).parent / "fixtures" / "understand" / "seed-zhanaozen.md"
CLI = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


def _tocsin(tmp_path: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "TIMEZONE": "UTC"}
    return subprocess.run(
        [sys.executable, "-c", CLI, "extract", *args], input=stdin, capture_output=True,
        cwd=tmp_path, env=env, timeout=60, check=False,
    )


def test_seed_json_is_the_design_example(tmp_path: Path) -> None:
    out = _tocsin(tmp_path, str(SEED), "--published", "2011-12-19", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == SEED_EXPECTED


def test_stdin_and_human_summary(tmp_path: Path) -> None:
    out = _tocsin(tmp_path, "-", "--published", "19 December 2011", stdin=SEED.read_bytes())
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "category: crackdown" in text
    assert "killed 10, injured 70, arrested 70" in text
    assert "Wed 21 Dec 2011 12:00 (Europe/London)" in text


def test_timezone_is_used_when_no_city_is_named(tmp_path: Path) -> None:
    text = b"Join the picket tomorrow at 18:00 outside the factory gates!"
    out = _tocsin(tmp_path, "--published", "2024-03-01", "--timezone", "Asia/Almaty", "--json", stdin=text)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout)["events"]
    assert events[0]["start"] == "2024-03-02T18:00:00+05:00"
    assert events[0]["timezone"] == "Asia/Almaty"


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    for args in (["--published", "the day after never"], ["--timezone", "Mars/Olympus"], [str(tmp_path / "missing.txt")]):
        out = _tocsin(tmp_path, *args, stdin=b"text")
        assert out.returncode == 2
        assert out.stdout == b""
        assert len(out.stderr.decode().strip().splitlines()) == 1


def test_binary_garbage_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4096)
    out = _tocsin(tmp_path, str(junk), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["events"] == []
