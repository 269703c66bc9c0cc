"""All settings, read once at start-up: environment variables win over `.env`.

This is the only module that reads the environment; everything else is handed values.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")


class SettingsError(Exception):
    """Settings that cannot work; the message is safe to show (it never contains the token)."""


class Settings(BaseSettings):
    """storybot's configuration. See `.env.example` for every key with a comment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_api_base_file_url: str | None = None
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    # Sources and index
    sources_dir: Path = Path("seeds")
    sources_metadata: Path | None = None
    index_dir: Path = Path(".index")
    state_dir: Path | None = None
    embedding_model: Path | None = None
    encoder_backend: Literal["auto", "onnx", "torch"] = "auto"
    encoders: Literal["both", "minilm", "e5"] = "both"
    e5_threads: int = Field(default=2, ge=1, le=64)
    model_cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "storybot")

    # Answers
    top_k: int = Field(default=3, ge=1, le=10)
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)

    # Limits
    max_upload_bytes: int = Field(default=1_000_000, ge=1_000, le=20_000_000)
    flood_questions: int = Field(default=8, ge=1, le=1000)
    flood_window_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_question_chars: int = Field(default=1000, ge=20, le=4096)

    # Adding a source by URL (/add, `storybot add`)
    fetch_max_bytes: int = Field(default=2_000_000, ge=10_000, le=50_000_000)
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    fetch_allow_networks: Annotated[
        tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], NoDecode
    ] = ()

    # Long reloads edit their status message with progress: first after `after`, then at most
    # every `every` seconds (a group may receive about 20 messages a minute, edits included)
    reload_progress_after_seconds: float = Field(default=3.0, ge=0, le=3600)
    reload_progress_every_seconds: float = Field(default=3.0, gt=0, le=3600)

    log_level: str = "INFO"

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("ADMIN_USER_IDS must be comma-separated numeric ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("fetch_allow_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return tuple(ipaddress.ip_network(p, strict=False) for p in parts)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("model_cache_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return Path.home() / ".cache" / "storybot"
        return value

    @field_validator(
        "telegram_bot_token",
        "webhook_secret",
        "telegram_api_base_url",
        "telegram_api_base_file_url",
        "webhook_url",
        "sources_metadata",
        "embedding_model",
        "state_dir",
        "min_score",
        mode="before",
    )
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def metadata_file(self) -> Path | None:
        """The sources' metadata file: the setting, or `sources.toml` in the sources folder."""
        if self.sources_metadata is not None:
            return self.sources_metadata
        default = self.sources_dir / "sources.toml"
        return default if default.is_file() else None

    @property
    def state_file(self) -> Path:
        """Where the bot saves what it knows of its chats: STATE_DIR, or INDEX_DIR/state."""
        return (self.state_dir or self.index_dir / "state") / "chats.pickle"

    def require_token(self) -> str:
        """The bot token, checked for shape; raises SettingsError with a one-line reason."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
                "in .env (see .env.example)."
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if not _TOKEN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (expected '123456:ABC…' "
                "as given by @BotFather)."
            )
        return token


def load_settings(**overrides: object) -> Settings:
    """Reads the settings; raises SettingsError with a readable, token-free message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]).upper() or "settings"
            lines.append(f"{key}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with some keys replaced, for a child process (benchmarks)."""
    return {**os.environ, **overrides}
