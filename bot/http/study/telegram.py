"""Telegram Mini App sign-in: initData checked exactly as Telegram documents it.

The Mini App is opened with `#tgWebAppData=<initData>` in its URL; the page sends that
query string here. data-check-string = every field but `hash` (the newer `signature`, an
Ed25519 signature for third parties, stays in it), as `key=value` sorted by key and joined
by a line feed; secret_key = HMAC-SHA256(key="WebAppData", msg=bot_token); the data is
Telegram's when hex(HMAC-SHA256(key=secret_key, msg=data_check_string)) equals `hash`.
`auth_date` older than the allowed age is refused too, so a copied initData soon stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_INIT_DATA = 4096  # Telegram's are a few hundred bytes


class InitDataRefused(Exception):
    """initData that is not Telegram's, not for this bot, or too old (the reason says which)."""


@dataclass(frozen=True, slots=True)
class MiniAppUser:
    id: int
    language_code: str | None


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The `hash` Telegram puts on these fields for this bot."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = data_check_string(fields).encode()
    return hmac.new(secret, check, hashlib.sha256).hexdigest()


def validate(
    init_data: str, bot_token: str, *, max_age: float, now: float | None = None
) -> MiniAppUser:
    """The Telegram user the initData was signed for, or InitDataRefused."""
    if not init_data or len(init_data) > MAX_INIT_DATA:
        raise InitDataRefused("no initData, or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataRefused("initData is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("a field appears twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(sign(fields, bot_token), given):
        raise InitDataRefused("bad hash")
    try:
        auth_date = int(fields.get("auth_date", ""))
        user = json.loads(fields.get("user", ""))
        user_id = int(user["id"])
    except (ValueError, TypeError, KeyError) as exc:
        raise InitDataRefused("no auth_date or user") from exc
    age = (time.time() if now is None else now) - auth_date
    if age > max_age:
        raise InitDataRefused(f"auth_date is {age:.0f} s old")
    language = user.get("language_code")
    return MiniAppUser(user_id, language if isinstance(language, str) else None)
