"""`tocsin demo`: the whole pipeline on the embedded defaults, with no token and no network."""

from __future__ import annotations


def run_demo(keep: str | None = None) -> int:
    """Run the demo and print the subscriber's transcript; returns the exit status."""
    from bot.demo.run import run_demo as _run

    return _run(keep=keep)
