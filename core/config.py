"""Settings, read once at the composition root (bot/app.py) and passed down."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "Qwen/Qwen2.5-14B-Instruct-AWQ"


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
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    discord_bot_token: SecretStr | None = None
    discord_guild_id: int | None = None

    # No LLM_BASE_URL: the bundled simulated vLLM server is started in-process.
    llm_base_url: str | None = None
    llm_model: str = DEFAULT_MODEL
    llm_api_key: SecretStr | None = None
    llm_max_concurrency: int = Field(default=16, ge=1, le=1024)
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
    sim_speedup: float = Field(default=1.0, gt=0)

    chunk_tokens: int = Field(default=2000, ge=100)
    chunk_max_items: int = Field(default=12, ge=1)

    db_path: Path = Path("vocabot.sqlite3")
    transcripts_dir: Path | None = None
    upload_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    youtube_proxy_url: str | None = None
    youtube_languages: list[str] = ["en"]

    default_learner_language: str = "ko"
    default_level: str = "B1"
    max_video_minutes: int = Field(default=180, ge=1)
    max_parallel_videos: int = Field(default=8, ge=1)
    user_max_running_jobs: int = Field(default=2, ge=1)
    user_cooldown_seconds: float = Field(default=3.0, ge=0)
    daily_new_cards: int = Field(default=10, ge=0)

    api_rate_per_minute: int = Field(default=60, ge=1)
    api_auth_failures_per_minute: int = Field(default=20, ge=1)
    api_max_body_bytes: int = Field(default=8192, ge=1024)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    # Keys the learner's id into the pseudonymous `user` of JSON log lines (HMAC); without
    # it a random key per process (lines of one run still match each other).
    log_user_salt: SecretStr | None = None

    # Operating in public: metrics and health on this port for `vocabot run` (serve-api has
    # them on its own port), readiness, cost control, admins, broadcasts.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    ready_llm_seconds: float = Field(default=30.0, ge=0)
    user_daily_builds: int = Field(default=20, ge=0)  # 0: no quota
    daily_token_budget: int = Field(default=0, ge=0)  # 0: no budget
    admin_user_ids: Annotated[list[str], NoDecode] = []
    broadcast_per_second: float = Field(default=20.0, gt=0, le=30)

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
