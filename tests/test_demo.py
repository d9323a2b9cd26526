"""`tocsin demo` as a newcomer runs it: a subprocess, no token, no network, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_whole_path_and_prints_the_transcript(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    # the operator adds and polls the sample feed
    assert "added source 1" in out and "demo-news" in out
    # the subscriber's subscription and /filters
    transcript = out.split("== What the subscriber read ==", 1)[1]
    assert "> /subscribe Kazakhstan" in transcript
    assert "1. Kazakhstan" in transcript
    # the crackdown alert, the protest card with the venue, the reminder and the broadcast
    assert "Crackdown" in transcript
    assert "Kazakh-British Chamber of Commerce" in transcript
    assert "62 South Audley Street" in transcript
    assert "⏰ Tomorrow" in transcript
    assert "from the organisers" in transcript
    # the football "striker" is a hard negative: never alerted
    assert "late double" not in transcript
