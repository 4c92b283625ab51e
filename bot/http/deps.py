"""What routes depend on: the caller the Guard established, its allowance, the actions, a job.

`create_api` leaves the Services in the FastAPI app's state; everything else is derived per
request from them and from what the Guard put in the request's state.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, WebSocket, WebSocketException
from fastapi import Path as FastApiPath
from fastapi.requests import HTTPConnection
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from bot.app import App
from bot.http.auth import (
    AUTH_HINT,
    WS_SUBPROTOCOL,
    ApiError,
    Authenticator,
    Caller,
    client_address,
    client_translator,
    key_from_headers,
    key_from_subprotocols,
)
from bot.http.guard import CALLER_STATE
from bot.http.models import FirstMessage
from core import N_, Actions, JobRecord, Translator, User

SERVICES_STATE = "vocabot"  # the FastAPI app's state attribute that holds the Services
# A WebSocket that authenticates with its first message must send it this soon.
FIRST_MESSAGE_SECONDS = 10.0

bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True, slots=True)
class Services:
    app: App
    authenticator: Authenticator


def services(connection: HTTPConnection) -> Services:
    found = getattr(connection.app.state, SERVICES_STATE, None)
    if not isinstance(found, Services):
        raise RuntimeError("this FastAPI app was not made by create_api")
    return found


def actions(found: Annotated[Services, Depends(services)]) -> Actions:
    return found.app.actions


Acts = Annotated[Actions, Depends(actions)]


# -- who is asking ------------------------------------------------------------------------


async def caller(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _header: Annotated[str | None, Depends(header_scheme)],
) -> Caller:
    """The caller the Guard authenticated (every route is scoped to its user).

    The schemes are here for the OpenAPI docs; the key was checked by the Guard already.
    """
    found = getattr(request.state, CALLER_STATE, None)
    if not isinstance(found, Caller):  # a route outside the Guard's prefixes: refuse, never guess
        raise ApiError(401, "unauthorized", AUTH_HINT, {"WWW-Authenticate": "Bearer"})
    await services(request).app.actions.learners.seen(found.user)  # daily active users
    return found


def within_allowance(
    who: Annotated[Caller, Depends(caller)], found: Annotated[Services, Depends(services)]
) -> None:
    """Spend one request of the caller's key (429 with Retry-After when it is used up)."""
    found.authenticator.spend(who)


def current_user(who: Annotated[Caller, Depends(caller)]) -> User:
    return who.user


Me = Annotated[User, Depends(current_user)]


async def socket_user(websocket: WebSocket, found: Annotated[Services, Depends(services)]) -> User:
    """A WebSocket's user: the Guard lets sockets through, so the key is checked here.

    The key comes from a header, a `vocabot.key.<key>` subprotocol, the legacy ?api_key=
    (log lines redact it, bot/logs.py), or the first message when only `vocabot` is offered.
    """
    offered = websocket.scope.get("subprotocols", [])
    key = (
        key_from_headers(websocket.headers)
        or key_from_subprotocols(offered)
        or websocket.query_params.get("api_key")
    )
    if key is None and WS_SUBPROTOCOL in offered:
        await websocket.accept(WS_SUBPROTOCOL)
        key = await first_message_key(websocket)
    try:
        return await found.authenticator.authenticate(key, client_address(websocket.scope))
    except ApiError as exc:
        raise closing(exc) from exc


async def first_message_key(websocket: WebSocket) -> str | None:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), FIRST_MESSAGE_SECONDS)
        return FirstMessage.model_validate_json(raw).api_key
    except (TimeoutError, ValidationError, KeyError):  # KeyError: a binary message
        return None


def closing(exc: ApiError) -> WebSocketException:
    """A refusal on a WebSocket: close code 4000 + the HTTP status (an HTTP 403 before the
    handshake is accepted)."""
    return WebSocketException(4000 + exc.status, exc.message[:120])


SocketUser = Annotated[User, Depends(socket_user)]


# -- what the path names ---------------------------------------------------------------------

# SQLite integers are 64-bit: a larger id is simply not found, never a 500.
DeckId = Annotated[int, FastApiPath(ge=1, le=2**63 - 1)]
JobId = Annotated[str, FastApiPath(min_length=1, max_length=64)]


async def job_of(acts: Actions, user: User, job_id: str) -> JobRecord:
    """The user's job, or a 404 (someone else's job is not found either)."""
    record = await acts.builds.job(user, job_id)
    if record is None:
        raise ApiError(404, "not_found", N_("No such job."))
    return record


async def owned_job(job_id: JobId, user: Me, acts: Acts) -> JobRecord:
    return await job_of(acts, user, job_id)


Job = Annotated[JobRecord, Depends(owned_job)]


async def socket_job(job_id: str, user: SocketUser, acts: Acts) -> JobRecord:
    try:
        return await job_of(acts, user, job_id)
    except ApiError as exc:
        raise closing(exc) from exc


SocketJob = Annotated[JobRecord, Depends(socket_job)]


def client_tr(request: Request) -> Translator:
    """The client's language (Accept-Language) for the sentences an answer carries."""
    return client_translator(request.headers)


ClientTr = Annotated[Translator, Depends(client_tr)]
