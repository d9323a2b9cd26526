"""Placeholder until its owner lands it."""

from telegram.ext import Application


def register(app: Application) -> None:
    """Nothing to register yet."""
