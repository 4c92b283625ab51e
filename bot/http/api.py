"""The HTTP jobs API (FastAPI): the original service's door, on the same core.

Jobs are the runner's jobs (shared with the chat adapters): POST a link, then poll, stream
Server-Sent Events or a WebSocket until the deck is ready. Every route is scoped to the
user of the API key; another user's job or deck is a 404. The original synchronous route
(`POST /v1/videos/{video_id}/vocabulary`, also at `/api/video/{video_id}/vocabulary`)
answers in the original `VocabularyResponse` shape so an old client keeps working.

Here the app is put together: the Guard in front (keys before bodies), one answer per kind
of error, and the routers of bot/http/routes, which act through core's `Actions`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.app import App
from bot.http.auth import ApiError, Authenticator, client_translator, retry_after
from bot.http.deps import SERVICES_STATE, Services
from bot.http.guard import Guard
from bot.http.ops import ops_routes
from bot.http.routes import cards, decks, jobs, legacy, me, progress, root
from bot.http.study import mount as mount_study
from core import (
    N_,
    BadSetting,
    BudgetExhausted,
    BuildsBlocked,
    DatabaseDown,
    DeckNotFound,
    InternalError,
    NotAVideoLink,
    QuotaExceeded,
    ShuttingDown,
    SlowDown,
    TooManyJobs,
    TranslationUnavailable,
    VocabotError,
)

log = logging.getLogger(__name__)


def create_api(app: App) -> FastAPI:
    """The API on `app`'s actions, store and jobs (what `vocabot serve-api` serves)."""
    api = FastAPI(
        title="vocabot jobs API",
        version="1",
        description="Turn YouTube videos into vocabulary decks. Authenticate with "
        "'Authorization: Bearer <key>'.",
    )
    settings = app.settings
    authenticator = Authenticator(
        app.actions,
        per_minute=settings.api_rate_per_minute,
        failures_per_minute=settings.api_auth_failures_per_minute,
    )
    setattr(api.state, SERVICES_STATE, Services(app, authenticator))
    api.add_middleware(Guard, authenticator=authenticator, max_body=settings.api_max_body_bytes)
    api.add_exception_handler(ApiError, refuse)
    api.add_exception_handler(VocabotError, told)
    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(WebSocketDisconnect, gone)
    api.add_exception_handler(Exception, internal)
    for module in (jobs, progress, decks, cards, legacy, me, root):
        api.include_router(module.router)
    mount_study(api)
    api.router.routes.extend(ops_routes(app.metrics, app.health))  # no key: no user data
    return api


# -- one answer per kind of error -------------------------------------------------------------


def refused(exc: VocabotError) -> ApiError:
    """A core error as the API answers it: its status, code, sentence and Retry-After."""
    if isinstance(exc, SlowDown | TooManyJobs | QuotaExceeded | BudgetExhausted):
        return ApiError(429, exc.code, exc.message, retry_after(exc.retry_in), error=exc)
    if isinstance(exc, BuildsBlocked):
        return ApiError(403, exc.code, exc.message, error=exc)
    if isinstance(exc, NotAVideoLink | BadSetting):
        return ApiError(422, exc.code, exc.message, error=exc)
    if isinstance(exc, DeckNotFound):
        return ApiError(404, "not_found", N_("No such deck."))
    if isinstance(exc, TranslationUnavailable):
        return ApiError(503, exc.code, exc.message, {"Retry-After": "60"}, error=exc)
    if isinstance(exc, ShuttingDown):
        return ApiError(503, exc.code, exc.message, {"Retry-After": "30"}, error=exc)
    if isinstance(exc, DatabaseDown):
        return ApiError(503, exc.code, exc.message, retry_after(exc.retry_in), error=exc)
    return ApiError(400, exc.code, exc.message, error=exc)


async def refuse(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response(client_translator(request.headers))


async def told(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VocabotError)
    return refused(exc).response(client_translator(request.headers))


async def invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in exc.errors()
    ]
    tr = client_translator(request.headers)
    message = tr("The request is not valid.")
    return JSONResponse(
        {"error": {"code": "invalid_request", "message": message, "details": details}},
        status_code=422,
    )


async def gone(websocket: WebSocket, exc: Exception) -> None:
    log.info("websocket %s closed by the client", websocket.url.path)


async def internal(request: Request, exc: Exception) -> Response:
    """A bug: the sentence for it, in the API's error shape (the traceback goes to the log).
    A core error that got here (raised by a middleware, outside the routes' handlers) is
    answered as the routes answer it."""
    if isinstance(exc, VocabotError):
        return await told(request, exc)
    error = ApiError(500, InternalError.code, InternalError.message)
    return error.response(client_translator(request.headers))
