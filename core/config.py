"""Settings, read once at the composition root (bot/app.py) and passed down."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.learner import MAX_DECK_SIZE, MIN_DECK_SIZE

DEFAULT_MODEL = "Qwen/Qwen2.5-14B-Instruct-AWQ"
# What Telegram accepts as a webhook's secret_token: 1-256 of A-Z a-z 0-9 _ -
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DB_FILE = "vocabot.sqlite3"


def default_db_path() -> Path:
    """The local learner's SQLite file when DB_PATH is not set: in the user's data folder
    (~/.local/share/vocabot on Linux, XDG_DATA_HOME honoured), the same from any folder."""
    return user_data_path("vocabot", appauthor=False) / DB_FILE


# The settings rule's choices (core.actions checks every request against these)
LEARNER_LANGUAGES = ("ko", "ja", "zh", "es", "fr", "de", "pt", "ru", "vi", "en")
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class StructuredOutput(StrEnum):
    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    PROMPT = "prompt"


class LogFormat(StrEnum):
    TEXT = "text"  # for a terminal
    JSON = "json"  # one JSON object per line, for a log collector


class Settings(BaseSettings):
    """Every setting has a default that works on one machine (see .env.example)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        # A check across settings sees them all: its error must not print the tokens.
        hide_input_in_errors=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None
    # Webhook mode (several fronts behind a load balancer); without a URL: long polling.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=0, le=65535)
    discord_bot_token: SecretStr | None = None
    discord_guild_id: int | None = None
    # Sharding: this process runs the shards DISCORD_SHARD_IDS ("0,1") of
    # DISCORD_SHARD_COUNT; a count alone runs every shard here.
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: Annotated[list[int] | None, NoDecode] = None

    # No LLM_BASE_URL: the bundled simulated vLLM server is started in-process.
    # Several servers (replicas of one model): comma-separated.
    llm_base_url: str | None = None
    llm_model: str = DEFAULT_MODEL
    llm_api_key: SecretStr | None = None
    # The most LLM calls in flight (with the adaptive limit, its ceiling).
    llm_max_concurrency: int = Field(default=128, ge=1, le=1024)
    # Size the calls in flight to what the server sustains (AIMD on 429/503 and on answers
    # slowing down), starting at LLM_START_CONCURRENCY, up to LLM_MAX_CONCURRENCY. Off:
    # LLM_MAX_CONCURRENCY calls at once, fixed.
    llm_adaptive_concurrency: bool = True
    llm_start_concurrency: int = Field(default=16, ge=1, le=1024)
    # The LLM connections are split into pools of at most this many (httpcore's bookkeeping
    # grows with the square of a pool's connections); 1024: one pool, as httpx has it.
    llm_pool_connections: int = Field(default=16, ge=1, le=1024)
    llm_timeout: float = Field(default=120.0, gt=0)
    # One call's deadline: this allowance (queue, prefill, first token) plus the time per
    # output token it may produce (max_tokens), never more than llm_timeout.
    llm_deadline_seconds: float = Field(default=15.0, gt=0)
    llm_deadline_per_token: float = Field(default=0.04, ge=0)
    # Ask a straggling call again in parallel (the first answer wins) once the rest of its
    # video is done and it has run this long, and twice its siblings' median. 0: never.
    llm_hedge_after_seconds: float = Field(default=5.0, ge=0)
    llm_max_attempts: int = Field(default=4, ge=1, le=10)
    llm_backoff_seconds: float = Field(default=0.5, gt=0)
    llm_structured_output: StructuredOutput = StructuredOutput.AUTO
    # With several servers: failures in a row that take one out, and for how long.
    llm_server_max_failures: int = Field(default=3, ge=1)
    llm_server_cooldown_seconds: float = Field(default=30.0, ge=0)
    sim_speedup: float = Field(default=1.0, gt=0)

    chunk_tokens: int = Field(default=2000, ge=100)
    chunk_max_items: int = Field(default=12, ge=1)
    # The first chunk is the video's best-ranked words (this many), with their lines: it is
    # small, so it answers first and the learner's first page comes in under two seconds.
    chunk_first_items: int = Field(default=4, ge=1)

    # The SQLite file; by default in the user's data folder (`vocabot where` prints it).
    db_path: Path = Field(default_factory=default_db_path)
    # postgresql://user:password@host:port/database: PostgreSQL instead of the SQLite file.
    database_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1, le=1000)
    # The job queue (with DATABASE_URL): how often a worker says it is alive, and after how
    # long without a word its builds are handed to another worker.
    queue_heartbeat_seconds: float = Field(default=10.0, gt=0)
    queue_stalled_seconds: float = Field(default=30.0, gt=0)
    transcripts_dir: Path | None = None
    upload_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    youtube_proxy_url: str | None = None
    youtube_languages: list[str] = ["en"]

    default_learner_language: str = "ko"
    default_level: str = "B1"
    max_video_minutes: int = Field(default=180, ge=1)
    max_build_tokens: int = Field(default=0, ge=0)  # 0: what MAX_VIDEO_MINUTES of talk costs
    max_parallel_videos: int = Field(default=8, ge=1)
    user_max_running_jobs: int = Field(default=2, ge=1)
    user_cooldown_seconds: float = Field(default=3.0, ge=0)
    daily_new_cards: int = Field(default=10, ge=0)
    # How many of a deck's best cards a learner gets first (the rest: "More words").
    deck_size: int = Field(default=30, ge=MIN_DECK_SIZE, le=MAX_DECK_SIZE)

    api_rate_per_minute: int = Field(default=60, ge=1)
    api_auth_failures_per_minute: int = Field(default=20, ge=1)
    api_max_body_bytes: int = Field(default=8192, ge=1024)
    sse_keepalive_seconds: float = Field(default=15.0, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # A finished job's last update (its deck page, its row) at shutdown, even when the
    # builds' grace above is shorter (a worker's is 0): or its chat is told twice.
    shutdown_last_update_grace_seconds: float = Field(default=5.0, ge=0)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    # Keys the learner's id into the pseudonymous `user` of JSON log lines (HMAC); without
    # it a random key per process (lines of one run still match each other).
    log_user_salt: SecretStr | None = None

    # The study page (served by `vocabot serve-api` under /study/).
    # Where a browser reaches serve-api, for the /web sign-in links. Default: WEB_APP_URL,
    # else http://127.0.0.1:8080 (serve-api's own default address).
    web_base_url: str | None = None
    # Public HTTPS address of serve-api: deck pages and /quiz in Telegram get a "Study" button
    # that opens the page there as a Mini App. Empty: no button.
    web_app_url: str | None = Field(default=None, pattern=r"^https://")
    web_link_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    web_session_days: float = Field(default=30.0, gt=0)
    # A Mini App's Telegram initData older than this (auth_date) is refused.
    web_init_data_max_age: int = Field(default=3600, ge=10)

    # Operating in public: metrics and health on this port for `vocabot run` (serve-api has
    # them on its own port), readiness, cost control, admins, broadcasts.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    ready_llm_seconds: float = Field(default=30.0, ge=0)
    user_daily_builds: int = Field(default=20, ge=0)  # 0: no quota
    daily_token_budget: int = Field(default=0, ge=0)  # 0: no budget
    admin_user_ids: Annotated[list[str], NoDecode] = []
    broadcast_per_second: float = Field(default=20.0, gt=0, le=30)
    # Daily reminders (/remind): `vocabot run` sends each learner's at their time, paced
    # like a broadcast; with several fronts each one checks and the store lets one send.
    reminders: bool = True

    @property
    def study_base_url(self) -> str:
        """Where a browser reaches the study page's server (no trailing slash)."""
        return (self.web_base_url or self.web_app_url or "http://127.0.0.1:8080").rstrip("/")

    @field_validator("default_learner_language")
    @classmethod
    def _a_learner_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in LEARNER_LANGUAGES:
            raise ValueError(
                f"DEFAULT_LEARNER_LANGUAGE must be one of {', '.join(LEARNER_LANGUAGES)}"
            )
        return value

    @field_validator("default_level")
    @classmethod
    def _a_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in LEVELS:
            raise ValueError(f"DEFAULT_LEVEL must be one of {', '.join(LEVELS)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _a_postgresql_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(POSTGRES_SCHEMES):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (unset it for SQLite)")
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: Any) -> Any:
        """DISCORD_SHARD_IDS as people write it: "0,1" (a JSON list works too)."""
        if isinstance(value, str):
            text = value.strip().strip("[]")
            return [part.strip() for part in text.split(",") if part.strip()] or None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_webhook()
        self._check_shards()
        urls = [url.strip() for url in (self.llm_base_url or "").split(",") if url.strip()]
        if len(urls) > 1 and any(url.lower() == "sim" for url in urls):
            raise ValueError(
                "LLM_BASE_URL=sim starts the bundled simulator; it cannot be listed with "
                "other servers"
            )
        return self

    def _check_webhook(self) -> None:
        if not self.telegram_webhook_url:
            return
        if urlsplit(self.telegram_webhook_url).scheme != "https":
            raise ValueError("TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram's rule)")
        secret = self.telegram_webhook_secret
        if secret is None or not WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of "
                "A-Z a-z 0-9 _ - (the same on every front), e.g. from `openssl rand -hex 32`"
            )

    def _check_shards(self) -> None:
        ids, count = self.discord_shard_ids, self.discord_shard_count
        if ids is None:
            return
        if count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total)")
        if len(set(ids)) != len(ids) or not all(0 <= i < count for i in ids):
            raise ValueError(
                f"DISCORD_SHARD_IDS must be different numbers from 0 to {count - 1} "
                "(DISCORD_SHARD_COUNT - 1)"
            )

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        """`telegram:1,discord:2` (commas or spaces), or a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part for part in text.replace(",", " ").split() if part]
        return value
