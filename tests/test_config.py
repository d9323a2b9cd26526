"""Configuration errors stop `tocsin run` with one line naming the key and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, format_leads, load_settings

TOKEN = "123456:TEST-TOKEN"


def run_tocsin(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`tocsin run` in a clean environment, in a folder with no .env unless the test wrote one."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60,
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], key: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert key in lines[0]
    assert lines[0].startswith("tocsin: configuration error:")


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://db/tocsin"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TIMEZONE": "Mars/Olympus_Mons"}, "TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_LEADS": "1x,2h"}, "REMINDER_LEADS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_LEADS": "0m"}, "REMINDER_LEADS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_LEADS": ","}, "REMINDER_LEADS"),
    ],
    ids=["no-token", "empty-token", "url-garbage", "url-mysql", "timezone", "leads-unit",
         "leads-zero", "leads-empty"],
)
def test_run_refuses_bad_configuration(tmp_path: Path, env: dict[str, str], key: str) -> None:
    result = run_tocsin(tmp_path, env)
    assert_one_line_naming(result, key)
    # It stopped before touching anything: no database file appeared.
    assert not list(tmp_path.glob("*.db"))


def test_dotenv_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTIMEZONE=Nowhere/Special\n")
    assert_one_line_naming(run_tocsin(tmp_path, {}), "TIMEZONE")


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Europe/London\nREMINDER_LEADS=3h\n")
    result = run_tocsin(tmp_path, {"REMINDER_LEADS": "5q"})
    assert_one_line_naming(result, "REMINDER_LEADS")


@pytest.mark.parametrize(
    ("key", "value"),
    [("ADMIN_IDS", "12,abc"), ("POLL_INTERVAL", "5"), ("TELEGRAM_API_URL", "ftp://x")],
)
def test_other_keys_name_themselves(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None, **{key: value})
    assert str(err.value).startswith(f"{key}:")


def test_defaults_match_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "ADMIN_IDS", "TIMEZONE",
                "REMINDER_LEADS", "POLL_INTERVAL", "ALLOW_PRIVATE_SOURCES"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite:///tocsin.db"
    assert settings.admin_ids == frozenset()
    assert settings.timezone == "UTC"
    assert settings.reminder_leads == (timedelta(days=1), timedelta(hours=2))
    assert format_leads(settings.reminder_leads) == "1d,2h"
    assert settings.poll_interval == 600
    assert settings.allow_private_sources is False
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        _ = settings.token


def test_values_are_parsed() -> None:
    settings = load_settings(
        _env_file=None,
        ADMIN_IDS=" 42, 7 ,",
        REMINDER_LEADS="2h, 30m,1d,2h",
        TIMEZONE="Asia/Almaty",
        TELEGRAM_API_URL="http://127.0.0.1:8081/",
    )
    assert settings.admin_ids == frozenset({42, 7})
    assert settings.reminder_leads == (timedelta(days=1), timedelta(hours=2), timedelta(minutes=30))
    assert settings.zone.key == "Asia/Almaty"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
