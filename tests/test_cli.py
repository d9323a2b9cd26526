"""The `tocsin` command line as an operator uses it: sub-commands, help, database upgrades."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import db


def tocsin(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `tocsin ARGS` in a clean environment (no .env in cwd, no inherited settings)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd, env=clean, capture_output=True, text=True, timeout=120,
    )


def test_db_upgrade_current_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    env = {"DATABASE_URL": url}
    assert tocsin("db", "current", cwd=tmp_path, env=env).stdout.strip() == "none"
    upgraded = tocsin("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert db.current_revision(url) == db.head_revision()
    assert tocsin("db", "current", cwd=tmp_path, env=env).stdout.strip() == db.head_revision()
    down = tocsin("db", "downgrade", "base", cwd=tmp_path, env=env)
    assert down.returncode == 0, down.stderr
    assert db.current_revision(url) is None


@pytest.mark.parametrize(
    "command",
    [["db"], ["run"], ["demo"], ["sources"], ["sources", "add"], ["poll-once"], ["extract"], ["match"]],
)
def test_every_sub_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = tocsin(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: tocsin" in result.stdout


def test_unknown_argument_is_a_clear_usage_error(tmp_path: Path) -> None:
    result = tocsin("poll-once", "--everything", cwd=tmp_path)
    assert result.returncode == 2
    assert "unrecognized arguments: --everything" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_interval_names_the_argument(tmp_path: Path) -> None:
    result = tocsin("sources", "add", "https://example.org/feed", "--interval", "soon", cwd=tmp_path)
    assert result.returncode == 2
    assert "--interval" in result.stderr and "'soon' is not a whole number" in result.stderr
