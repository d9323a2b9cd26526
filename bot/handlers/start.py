"""Placeholder until its owner lands it."""

from telegram.ext import Application


def register(app: Application) -> None:
    """Nothing to register yet."""


async def publish_commands(bot: object) -> None:
    """Placeholder: the subscriber part registers the command menus here."""
