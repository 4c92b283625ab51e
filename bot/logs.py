"""Logging for every vocabot process, with no secret in any line.

Redaction happens in the formatter, on the finished text, so messages, arguments and
tracebacks are all covered, whoever logged them (our code, python-telegram-bot, httpx,
uvicorn's access log, websockets' frame dumps). It removes the secret values Settings holds
and anything shaped like a secret: Telegram bot tokens, our API keys, passwords in URLs,
key/token query parameters and Authorization headers.

LOG_FORMAT=json writes one JSON object per line (for a log collector): the time, level,
logger and message, the job, video, stage and duration the line is about (core.log_context),
the learner as a pseudonymous key, and any traceback, each text field redacted before it
is encoded. `text` (the default) is for a terminal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import quote, quote_plus, unquote, urlsplit

from rich.console import Console
from rich.logging import RichHandler

from core import LOG_FIELDS, LogFormat, Settings, log_fields

MASK = "***"
MIN_SECRET_LENGTH = 6  # a shorter "secret" would blank out ordinary words
QUERY_SECRETS = ("api_key", "apikey", "key", "token", "access_token", "password", "secret")

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens, bare or in Bot API URLs (…/bot123456:AA…/getUpdates)
    (re.compile(r"(?<!\d)\d{3,}:[A-Za-z0-9_-]{30,}"), MASK),
    # Our API keys (core.api_keys.PREFIX), wherever they are glued
    (re.compile(r"vk_[A-Za-z0-9_-]{8,}"), "vk_" + MASK),
    # Discord bot tokens (base64 user id . timestamp . HMAC)
    (re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"), MASK),
    # user:password@ in any URL
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@"), rf"\1:{MASK}@"),
    # ?api_key=… &token=… and friends
    (
        re.compile(rf"(?i)([?&;](?:{'|'.join(QUERY_SECRETS)})=)[^&;#\s\"']+"),
        rf"\1{MASK}",
    ),
    # Authorization: Bearer … / Bot … / Basic …, and X-API-Key: … as headers are dumped
    (
        re.compile(
            r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|bot|basic)?\s*)[^\s\"',]+"
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"(?i)\b(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',]+"), rf"\1{MASK}"),
)

_OURS = "_vocabot_handler"  # marks the handler setup_logging added, so a second call replaces it


class Redactor:
    """Removes known secret values, then secret-shaped text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                values |= {secret, quote(secret, safe=""), quote_plus(secret)}
        # longest first, so a secret that contains another is masked whole
        self.secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then redacts the whole text."""

    def __init__(self, inner: logging.Formatter | None, redactor: Redactor) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(self.inner.format(record))


class JsonFormatter(RedactingFormatter):
    """One JSON object per line; every text field is redacted before it is encoded (an
    escaped secret would slip past a redactor run on the encoded line)."""

    def __init__(self, redactor: Redactor, user_salt: bytes | None = None) -> None:
        super().__init__(None, redactor)
        self.user_salt = user_salt or secrets.token_bytes(16)

    def user_key(self, user_id: object) -> str:
        """A learner's pseudonymous key: stable for one salt, not their id or account."""
        digest = hmac.new(self.user_salt, str(user_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    def format(self, record: logging.LogRecord) -> str:
        redact = self.redactor
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        fields = dict(log_fields())
        fields.update({k: getattr(record, k) for k in LOG_FIELDS if hasattr(record, k)})
        for name in ("job_id", "video_id", "stage"):
            if name in fields:
                line[name] = redact(str(fields[name]))
        if "duration" in fields:
            line["duration"] = fields["duration"]
        if "user_id" in fields:
            line["user"] = self.user_key(fields["user_id"])
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold: tokens, keys and passwords inside URLs."""
    tokens = (
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.discord_bot_token,
        settings.llm_api_key,
        settings.log_user_salt,
    )
    found = [secret.get_secret_value() for secret in tokens if secret is not None]
    llm_urls = (settings.llm_base_url or "").split(",")  # it may list several servers
    urls = (
        settings.youtube_proxy_url,
        *llm_urls,
        settings.telegram_api_base_url,
        settings.database_url,
    )
    for url in urls:
        try:
            password = urlsplit(url or "").password
        except ValueError:
            continue
        if password:
            found += [password, unquote(password)]
    return found


def redact_handlers(redactor: Redactor) -> None:
    """Put the redactor on every handler of every logger that exists now."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            formatter = handler.formatter
            if isinstance(formatter, RedactingFormatter):
                formatter.redactor = redactor
            else:
                handler.setFormatter(RedactingFormatter(formatter, redactor))


def setup_logging(
    level: str,
    secrets: Iterable[str] = (),
    log_format: LogFormat = LogFormat.TEXT,
    user_salt: str | None = None,
) -> Redactor:
    """Log to stderr at `level` with every line redacted; returns the redactor.

    As JSON lines with `log_format` json. Otherwise, on a terminal lines are Rich's; in a
    service or a pipe one plain line per record with the time. Handlers already on the root
    logger (pytest's) are kept and redacted too. uvicorn must be started with
    log_config=None so its loggers propagate here.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    redactor = Redactor(secrets)
    if not root.handlers:
        ours = _stderr_handler(log_format, redactor, user_salt)
        setattr(ours, _OURS, True)
        root.addHandler(ours)
        _log_uncaught_exceptions()
    redact_handlers(redactor)
    known = logging.getLevelNamesMapping().get(level.upper())
    root.setLevel(known if known is not None else logging.INFO)
    if known is None:
        logging.getLogger("vocabot").warning("LOG_LEVEL=%s is not a level; using INFO", level)
    # Request lines of our HTTP clients only when debugging (they are redacted either way).
    quiet = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(quiet)
    return redactor


def adopt_uvicorn_loggers() -> None:
    """Send uvicorn's loggers (errors, WebSocket lines, the access log) to our handlers.

    Any uvicorn.Config built with a log_config (an in-process server, such as the bundled
    simulated vLLM) rewires these process-wide loggers with its own unredacted handlers and
    levels; call this just before starting a server with log_config=None and log_level=None.
    """
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def _stderr_handler(
    log_format: LogFormat, redactor: Redactor, user_salt: str | None
) -> logging.Handler:
    if log_format == LogFormat.JSON:
        logging.captureWarnings(True)  # a warning too is one JSON line, not raw text
        json_lines = logging.StreamHandler()  # sys.stderr
        json_lines.setFormatter(JsonFormatter(redactor, user_salt.encode() if user_salt else None))
        return json_lines
    if sys.stderr.isatty():
        handler: logging.Handler = RichHandler(
            console=Console(stderr=True), show_path=False, rich_tracebacks=False
        )
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        return handler
    handler = logging.StreamHandler()  # sys.stderr
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def _log_uncaught_exceptions() -> None:
    """A crash's traceback goes through the redacting handlers, not straight to stderr."""
    crash = logging.getLogger("vocabot")

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        crash.critical("unexpected error", exc_info=(kind, value, tb))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            crash.critical(
                "unexpected error in thread %s",
                args.thread.name if args.thread else "?",
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
