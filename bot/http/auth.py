"""Who is asking: API keys from headers (or a WebSocket subprotocol), checked before anything else.

The order is the point: an address that keeps failing is refused before its key is even
looked at; a key is validated before it gets a rate-limit bucket (so random keys cost no
memory); only then does the key's own allowance count. `identify` is the first two steps
(the Guard runs it before a body is read), `spend` the last (a route dependency runs it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from bot.http.limits import RateLimiter
from core import (
    DEFAULT_LANGUAGE,
    N_,
    Actions,
    Translator,
    User,
    VocabotError,
    error_message,
    from_accept_language,
    hash_api_key,
    translator,
)

log = logging.getLogger(__name__)

AUTH_HINT = N_(
    "Send your API key as 'Authorization: Bearer <key>' (or 'X-API-Key: <key>'). "
    "Create one with `vocabot api-key create --user NAME`."
)
# Browsers cannot set headers on a WebSocket: they offer WS_SUBPROTOCOL (which the server
# accepts, so the key is never echoed back) plus WS_KEY_PREFIX + the key, or send the key as
# the first message.
WS_SUBPROTOCOL = "vocabot"
WS_KEY_PREFIX = "vocabot.key."
MAX_KEY_LENGTH = 200  # ours are 46 characters; longer is not a key, and not worth hashing


class ApiError(Exception):
    """An error answer: `message` is a catalog message (with `params`), or `error`'s own
    sentence; either is told in the client's language (Accept-Language)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        error: VocabotError | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers
        self.error, self.params = error, params

    def text(self, tr: Translator) -> str:
        return error_message(self.error, tr) if self.error else tr(self.message, **self.params)

    def response(self, tr: Translator | None = None) -> JSONResponse:
        """The error as every route answers it: {"error": {"code", "message"}}."""
        tr = tr or translator(DEFAULT_LANGUAGE)
        return JSONResponse(
            {"error": {"code": self.code, "message": self.text(tr)}},
            status_code=self.status,
            headers=self.headers,
        )


def client_translator(headers: Headers) -> Translator:
    """The client's language for error messages, from its Accept-Language header."""
    return translator(from_accept_language(headers.get("accept-language")))


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(seconds)))}


def key_from_headers(headers: Headers) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return headers.get("x-api-key", "").strip() or None


def key_from_subprotocols(offered: Iterable[str]) -> str | None:
    for protocol in offered:
        if protocol.startswith(WS_KEY_PREFIX):
            return protocol[len(WS_KEY_PREFIX) :] or None
    return None


def client_address(scope: Mapping[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: the key's user, and the key's digest its allowance is counted by."""

    user: User
    key_digest: str


class Authenticator:
    """API keys to users, with a per-key rate limit and a per-address limit on failures."""

    def __init__(self, actions: Actions, *, per_minute: int, failures_per_minute: int) -> None:
        self.actions = actions
        self.per_key = RateLimiter(per_minute)
        self.failures = RateLimiter(failures_per_minute)

    async def authenticate(self, key: str | None, address: str) -> User:
        """The key's user with one request of its allowance spent, or an ApiError."""
        caller = await self.identify(key, address)
        self.spend(caller)
        return caller.user

    async def identify(self, key: str | None, address: str) -> Caller:
        """Who the key belongs to, or an ApiError (401, 403, or 429 for a failing address)."""
        blocked = self.failures.wait(address)
        if blocked:
            raise ApiError(
                429,
                "too_many_failures",
                N_("Too many requests without a valid API key; try again in {seconds} s."),
                retry_after(blocked),
                seconds=f"{blocked:.0f}",
            )
        if not key:
            self._failed(address, "no API key")
            raise ApiError(401, "unauthorized", AUTH_HINT, {"WWW-Authenticate": "Bearer"})
        user: User | None = None
        digest = hash_api_key(key) if len(key) <= MAX_KEY_LENGTH else ""
        if digest:
            user = await self.actions.learners.api_key_user(digest)
        if user is None:
            self._failed(address, "an API key that is not valid")
            raise ApiError(403, "forbidden", N_("That API key is not valid."))
        return Caller(user, digest)

    def spend(self, caller: Caller) -> None:
        """Count one request against the caller's key, or raise ApiError 429 when it is over."""
        wait = self.per_key.take(caller.key_digest)
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                N_("Too many requests for this key; try again in {seconds} s."),
                retry_after(wait),
                seconds=f"{wait:.0f}",
            )

    def _failed(self, address: str, what: str) -> None:
        self.failures.take(address)
        log.info("refused a request from %s: %s", address, what)
