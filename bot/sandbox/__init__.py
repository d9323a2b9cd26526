"""A faithful local emulator of the Telegram Bot API, with simulated users (tests and demo)."""

from bot.sandbox.objects import Button, CallbackAnswer, Document, RecordedRequest, SimMessage, Venue
from bot.sandbox.people import SimChat, SimUser
from bot.sandbox.server import Sandbox

__all__ = [
    "Button",
    "CallbackAnswer",
    "Document",
    "RecordedRequest",
    "Sandbox",
    "SimChat",
    "SimMessage",
    "SimUser",
    "Venue",
]
