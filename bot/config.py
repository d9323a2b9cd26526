"""One Settings object, read from the environment and `.env`, validated at start."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_LEAD = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the key."""


def parse_leads(value: str) -> tuple[timedelta, ...]:
    """Parse a lead list such as ``1d,2h`` into distinct timedeltas, longest first."""
    leads: set[timedelta] = set()
    for part in value.split(","):
        if not part.strip():
            continue
        found = _LEAD.match(part)
        if not found or int(found.group(1)) == 0:
            raise ValueError(f"{part.strip()!r} is not a lead like 30m, 2h or 1d")
        leads.add(timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2)]))
    if not leads:
        raise ValueError("give at least one lead, e.g. 1d,2h")
    return tuple(sorted(leads, reverse=True))


def format_leads(leads: tuple[timedelta, ...]) -> str:
    """Write leads back in the `1d,2h` form."""
    out = []
    for lead in leads:
        seconds = int(lead.total_seconds())
        for unit in ("d", "h", "m"):
            if seconds % _UNIT_SECONDS[unit] == 0:
                out.append(f"{seconds // _UNIT_SECONDS[unit]}{unit}")
                break
    return ",".join(out)


class Settings(BaseSettings):
    """Every configuration key of DESIGN.md, with its default."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    database_url: str = Field(default="sqlite:///tocsin.db", alias="DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="ADMIN_IDS"
    )
    timezone: str = Field(default="UTC", alias="TIMEZONE")
    reminder_leads: Annotated[tuple[timedelta, ...], NoDecode] = Field(
        default=(timedelta(days=1), timedelta(hours=2)), alias="REMINDER_LEADS"
    )
    poll_interval: int = Field(default=600, alias="POLL_INTERVAL", ge=30, le=7 * 86400)
    allow_private_sources: bool = Field(default=False, alias="ALLOW_PRIVATE_SOURCES")
    # Sender limits: Telegram's published ceilings; paid broadcasts raise the global one.
    send_rate: float = Field(default=30.0, alias="SEND_RATE", gt=0, le=1000)
    allow_paid_broadcast: bool = Field(default=False, alias="ALLOW_PAID_BROADCAST")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone such as Europe/London") from None
        return value

    @field_validator("reminder_leads", mode="before")
    @classmethod
    def _leads(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_leads(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"{value!r} is not a SQLAlchemy URL like sqlite:///tocsin.db") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite and postgresql databases are supported")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) address")
        return value.rstrip("/")

    @property
    def token(self) -> str:
        """The bot token, or a ConfigError naming the key when it is missing."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ConfigError("TELEGRAM_BOT_TOKEN: missing; set it to the token @BotFather gave you")
        return self.telegram_bot_token.get_secret_value()

    @property
    def zone(self) -> ZoneInfo:
        """The default timezone as a ZoneInfo."""
        return ZoneInfo(self.timezone)

    @property
    def global_rate(self) -> float:
        """Messages a second the sender may send overall."""
        return self.send_rate if self.allow_paid_broadcast else min(self.send_rate, 30.0)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{key.upper()}: {message}") from None
