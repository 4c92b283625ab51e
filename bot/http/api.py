"""The HTTP jobs API (FastAPI): the original service's door, on the same core.

Jobs are the runner's jobs (shared with the chat adapters): POST a link, then poll, stream
Server-Sent Events or a WebSocket until the deck is ready. Every route is scoped to the
user of the API key; another user's job or deck is a 404. The original synchronous route
(`POST /v1/videos/{video_id}/vocabulary`, also at `/api/video/{video_id}/vocabulary`)
answers in the original `VocabularyResponse` shape so an old client keeps working.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any, Literal, get_args
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi import Path as FastApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError
from starlette.websockets import WebSocketState

from bot.app import App
from bot.http.auth import (
    AUTH_HINT,
    MAX_KEY_LENGTH,
    WS_SUBPROTOCOL,
    ApiError,
    Authenticator,
    client_address,
    key_from_headers,
    key_from_subprotocols,
    retry_after,
)
from bot.http.guard import USER_STATE, Guard
from core import errors
from core.export import apkg_bytes, csv_bytes
from core.jobs import JobUpdate
from core.models import Phrase, Stage, Word
from core.selection import LEVELS
from core.store import Card, DeckInfo, JobRecord, JobStatus, User
from core.youtube import parse_video_id

log = logging.getLogger(__name__)

# A WebSocket that authenticates with its first message must send it this soon.
FIRST_MESSAGE_SECONDS = 10.0

bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)

# -- request and response bodies ---------------------------------------------------------------


Level = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
assert set(get_args(Level)) == set(LEVELS), "the API's levels are core's levels"


class JobIn(BaseModel):
    url: str = Field(max_length=2000, description="a YouTube link or video id")
    learner_language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    level: Level | None = None


class ErrorOut(BaseModel):
    code: str | None = None
    message: str


class JobOut(BaseModel):
    job_id: str
    video_id: str
    status: str
    stage: str
    done: int
    total: int
    queue_position: int = 0
    deck_id: int | None = None
    error: ErrorOut | None = None
    status_url: str


class CardOut(BaseModel):
    id: int
    kind: str
    front: str
    part_of_speech: str | None
    meaning: str
    sentence: str
    start: float | None
    link: str | None


class GapOut(BaseModel):
    start: float
    end: float
    reason: str


class DeckOut(BaseModel):
    id: int
    video_id: str | None
    title: str | None
    learner_language: str
    level: str
    words: int
    phrases: int
    missing: list[GapOut]
    created_at: str
    simulated: bool = Field(
        default=False, description="meanings come from the bundled simulator (placeholders)"
    )
    cards: list[CardOut] | None = None


class JobCreated(BaseModel):
    job_id: str
    status: str
    status_url: str
    deck: DeckOut | None = None


class LegacyWord(BaseModel):
    word: str
    pos: str
    meanings: list[str]
    synonyms: list[str]
    example: str


class LegacyPhrase(BaseModel):
    phrase: str
    meaning: str
    example: str


class VocabularyResponse(BaseModel):
    """The seed service's response shape."""

    video_id: str
    words: list[LegacyWord]
    phrases: list[LegacyPhrase]
    status: str
    message: str
    job_id: str | None = None
    status_url: str | None = None


# -- rendering -----------------------------------------------------------------------------------


def job_out(record: JobRecord, live: JobUpdate | None = None) -> JobOut:
    progress = live.progress if live else record.progress
    status = record.status
    if live is not None and live.finished:
        status = {
            Stage.DONE: JobStatus.DONE,
            Stage.FAILED: JobStatus.FAILED,
            Stage.CANCELLED: JobStatus.CANCELLED,
        }[progress.stage]
    error = None
    if live is not None and live.error is not None:
        error = ErrorOut(code=live.error.code, message=live.error.user_message)
    elif record.error_code:
        error = ErrorOut(code=record.error_code, message=record.error_message or "")
    deck_id = live.deck.id if live is not None and live.deck else record.deck_id
    return JobOut(
        job_id=record.id,
        video_id=record.video_id,
        status=status.value,
        stage=progress.stage.value,
        done=progress.done,
        total=progress.total,
        queue_position=progress.queue_position,
        deck_id=deck_id,
        error=error,
        status_url=f"/v1/jobs/{record.id}",
    )


def card_out(card: Card) -> CardOut:
    item = card.item
    return CardOut(
        id=card.id,
        kind=card.kind,
        front=card.front,
        part_of_speech=item.pos if isinstance(item, Word) else None,
        meaning=item.meaning,
        sentence=item.sentence,
        start=item.start,
        link=item.link,
    )


def deck_out(info: DeckInfo, cards: list[Card] | None = None) -> DeckOut:
    return DeckOut(
        id=info.id,
        video_id=info.video_id,
        title=info.title,
        learner_language=info.learner_language,
        level=info.level,
        words=info.words,
        phrases=info.phrases,
        missing=[GapOut(start=g.start, end=g.end, reason=g.reason) for g in info.missing],
        created_at=info.created_at.isoformat(),
        simulated=info.simulated,
        cards=[card_out(c) for c in cards] if cards is not None else None,
    )


def legacy_out(video_id: str, cards: list[Card], status: str, message: str) -> VocabularyResponse:
    words = [
        LegacyWord(
            word=c.front, pos=c.item.pos, meanings=[c.item.meaning], synonyms=[],
            example=c.item.sentence,
        )
        for c in cards
        if isinstance(c.item, Word)
    ]  # fmt: skip
    phrases = [
        LegacyPhrase(phrase=c.front, meaning=c.item.meaning, example=c.item.sentence)
        for c in cards
        if isinstance(c.item, Phrase)
    ]
    return VocabularyResponse(
        video_id=video_id, words=words, phrases=phrases, status=status, message=message
    )


def update_json(update: JobUpdate, record: JobRecord) -> dict[str, Any]:
    return job_out(record, update).model_dump(mode="json")


def attachment(name: str, extension: str, *, fallback: str) -> str:
    """Content-Disposition for a download named after a deck title in any script.

    RFC 6266: `filename*=UTF-8''…` for clients that read it, an ASCII `filename=` for the rest
    (header values are Latin-1, so the title itself cannot go there).
    """
    invisible = ("Cc", "Cf", "Zl", "Zp")  # control and bidi-override characters spoof names
    shown = "".join(" " if unicodedata.category(c) in invisible else c for c in name)
    shown = re.sub(r"[/\\\s]+", " ", shown).strip()[:120] or fallback
    ascii_name = unicodedata.normalize("NFKD", shown).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", ascii_name).strip(" _.") or fallback
    encoded = quote(f"{shown}.{extension}", safe="")
    return f"attachment; filename=\"{ascii_name}.{extension}\"; filename*=UTF-8''{encoded}"


class FirstMessage(BaseModel):
    """What a WebSocket client without headers sends first: {"api_key": "<key>"}."""

    api_key: str = Field(max_length=MAX_KEY_LENGTH)


async def first_message_key(websocket: WebSocket) -> str | None:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), FIRST_MESSAGE_SECONDS)
        return FirstMessage.model_validate_json(raw).api_key
    except (TimeoutError, ValidationError, KeyError):  # KeyError: a binary message
        return None


# -- authentication (done by the Guard middleware before the body is read) -----------------


async def current_user(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _header: Annotated[str | None, Depends(header_scheme)],
) -> User:
    """The user of the request's API key (every route is scoped to it).

    The schemes are here for the OpenAPI docs; the key was checked by the Guard already.
    """
    user: User | None = getattr(request.state, USER_STATE, None)
    if user is None:  # a route outside the Guard's prefixes: refuse rather than guess
        raise ApiError(401, "unauthorized", AUTH_HINT, {"WWW-Authenticate": "Bearer"})
    return user


Me = Annotated[User, Depends(current_user)]
# SQLite integers are 64-bit: a larger id is simply not found, never a 500.
DeckId = Annotated[int, FastApiPath(ge=1, le=2**63 - 1)]
JobId = Annotated[str, FastApiPath(min_length=1, max_length=64)]


# -- the app -------------------------------------------------------------------------------------


def create_api(app: App) -> FastAPI:
    api = FastAPI(
        title="vocabot jobs API",
        version="1",
        description="Turn YouTube videos into vocabulary decks. Authenticate with "
        "'Authorization: Bearer <key>'.",
    )
    settings = app.settings
    store, runner = app.store, app.runner
    authenticator = Authenticator(
        store,
        per_minute=settings.api_rate_per_minute,
        failures_per_minute=settings.api_auth_failures_per_minute,
    )
    api.add_middleware(Guard, authenticator=authenticator, max_body=settings.api_max_body_bytes)

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": "The request is not valid.",
                       "details": details}},
            status_code=422,
        )  # fmt: skip

    async def owned_job(user: User, job_id: str) -> JobRecord:
        record = await store.get_job(user.id, job_id)
        if record is None:
            raise ApiError(404, "not_found", "No such job.")
        return record

    async def owned_deck(user: User, deck_id: int) -> DeckInfo:
        info = await store.get_deck(user.id, deck_id)
        if info is None:
            raise ApiError(404, "not_found", "No such deck.")
        return info

    def refused(exc: errors.VocabotError) -> ApiError:
        if isinstance(exc, errors.SlowDown):
            return ApiError(429, exc.code, exc.user_message, retry_after(exc.retry_in))
        if isinstance(exc, errors.TooManyJobs):
            return ApiError(429, exc.code, exc.user_message, retry_after(exc.retry_in))
        if isinstance(exc, errors.NotAVideoLink):
            return ApiError(422, exc.code, exc.user_message)
        if isinstance(exc, errors.ShuttingDown):
            return ApiError(503, exc.code, exc.user_message, {"Retry-After": "30"})
        return ApiError(400, exc.code, exc.user_message)

    async def submit(user: User, video_id: str, body: JobIn | None = None) -> Any:
        if body is not None:
            user = replace(
                user,
                learner_language=body.learner_language or user.learner_language,
                level=body.level or user.level,
            )
        try:
            return await runner.submit(user, video_id)
        except errors.VocabotError as exc:
            raise refused(exc) from exc

    # -- jobs --------------------------------------------------------------------------------

    @api.post(
        "/v1/jobs",
        status_code=202,
        response_model=JobCreated,
        responses={200: {"model": JobCreated, "description": "a cache hit: the deck at once"}},
    )
    async def create_job(body: JobIn, user: Me) -> Any:
        try:
            video_id = parse_video_id(body.url)
        except errors.NotAVideoLink as exc:
            raise refused(exc) from exc
        handle = await submit(user, video_id, body)
        created = JobCreated(job_id=handle.id, status="queued", status_url=f"/v1/jobs/{handle.id}")
        if handle.done.done():
            update = handle.done.result()
            if update.deck is not None:
                cards = await store.deck_cards(user.id, update.deck.id)
                created.status = "done"
                created.deck = deck_out(update.deck, cards)
                return JSONResponse(created.model_dump(mode="json"), status_code=200)
        return created

    @api.get("/v1/jobs/{job_id}", response_model=JobOut)
    async def get_job(job_id: JobId, user: Me) -> JobOut:
        record = await owned_job(user, job_id)
        live = runner.progress(user.id, job_id)
        if live is not None:
            record = replace(record, progress=live)
        return job_out(record)

    @api.delete("/v1/jobs/{job_id}", response_model=JobOut)
    async def cancel_job(job_id: JobId, user: Me) -> JobOut:
        await owned_job(user, job_id)
        await runner.cancel(user.id, job_id)
        return job_out(await owned_job(user, job_id))

    async def job_updates(user: User, record: JobRecord) -> AsyncIterator[dict[str, Any]]:
        """The job's progress until it ends (at once if it already has)."""
        queue: asyncio.Queue[JobUpdate] = asyncio.Queue()

        async def listener(update: JobUpdate) -> None:
            queue.put_nowait(update)

        if not runner.subscribe(user.id, record.id, listener):
            yield job_out(record).model_dump(mode="json")
            return
        while True:
            update = await queue.get()
            yield update_json(update, record)
            if update.finished:
                return

    @api.get(
        "/v1/jobs/{job_id}/events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def job_events(job_id: JobId, user: Me) -> StreamingResponse:
        record = await owned_job(user, job_id)

        async def stream() -> AsyncIterator[str]:
            async for data in job_updates(user, record):
                event = "end" if data["status"] in ("done", "failed", "cancelled") else "progress"
                yield f"event: {event}\ndata: {json.dumps(data)}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @api.websocket("/v1/jobs/{job_id}/ws")
    async def job_socket(websocket: WebSocket, job_id: str) -> None:
        try:
            await stream_job(websocket, job_id)
        except WebSocketDisconnect:
            log.info("websocket for job %s closed by the client", job_id)

    async def stream_job(websocket: WebSocket, job_id: str) -> None:
        offered = websocket.scope.get("subprotocols", [])
        # The legacy ?api_key= still works; log lines redact it (bot/logs.py).
        key = (
            key_from_headers(websocket.headers)
            or key_from_subprotocols(offered)
            or websocket.query_params.get("api_key")
        )
        subprotocol = WS_SUBPROTOCOL if WS_SUBPROTOCOL in offered else None
        if key is None and subprotocol:  # the key comes as the first message
            await websocket.accept(subprotocol)
            key = await first_message_key(websocket)
        try:
            user = await authenticator.authenticate(key, client_address(websocket.scope))
            record = await owned_job(user, job_id)
        except ApiError as exc:
            # Before accept() the client sees an HTTP 403; after it, this close code.
            await websocket.close(code=4000 + exc.status, reason=exc.message[:120])
            return
        if websocket.client_state is WebSocketState.CONNECTING:
            await websocket.accept(subprotocol)
        async for data in job_updates(user, record):
            await websocket.send_json(data)
        await websocket.close()

    # -- decks -------------------------------------------------------------------------------

    @api.get("/v1/decks", response_model=list[DeckOut])
    async def list_decks(user: Me) -> list[DeckOut]:
        return [deck_out(d) for d in await store.list_decks(user.id)]

    @api.get("/v1/decks/{deck_id}", response_model=DeckOut)
    async def get_deck(deck_id: DeckId, user: Me) -> DeckOut:
        info = await owned_deck(user, deck_id)
        return deck_out(info, await store.deck_cards(user.id, deck_id))

    @api.get(
        "/v1/decks/{deck_id}/export",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
    )
    async def export_deck(
        deck_id: DeckId, user: Me, format: Literal["apkg", "csv"] = "csv"
    ) -> Response:
        info = await owned_deck(user, deck_id)
        cards = await store.deck_cards(user.id, deck_id)
        name = info.title or info.video_id or f"deck-{info.id}"
        if format == "csv":
            data, media = csv_bytes(cards), "text/csv; charset=utf-8"
        else:
            data = await apkg_bytes(cards, deck_name=f"vocabot::{name}", owner=str(user.id))
            media = "application/octet-stream"
        disposition = attachment(name, format, fallback=f"deck-{info.id}")
        return Response(data, media_type=media, headers={"Content-Disposition": disposition})

    # -- the original synchronous route ------------------------------------------------------

    async def vocabulary(
        video_id: str,
        user: User,
        wait_seconds: float,
    ) -> Any:
        try:
            video_id = parse_video_id(video_id)
        except errors.NotAVideoLink as exc:
            raise refused(exc) from exc
        handle = await submit(user, video_id)
        try:
            update = await asyncio.wait_for(handle.wait(), wait_seconds)
        except TimeoutError:
            body = VocabularyResponse(
                video_id=video_id, words=[], phrases=[], status="processing",
                message="Still working on it; poll status_url.", job_id=handle.id,
                status_url=f"/v1/jobs/{handle.id}",
            )  # fmt: skip
            return JSONResponse(body.model_dump(mode="json"), status_code=202)
        if update.deck is None:
            message = update.error.user_message if update.error else "failed"
            return legacy_out(video_id, [], "error", message)
        cards = await store.deck_cards(user.id, update.deck.id)
        message = "partial: some parts failed" if update.deck.missing else "ok"
        if update.deck.simulated:
            message += "; simulated meanings (placeholders from the bundled simulator)"
        return legacy_out(video_id, cards, "success", message)

    wait_query = Query(
        60.0, alias="timeout", ge=0, le=600, description="seconds to wait before a 202"
    )

    @api.post(
        "/v1/videos/{video_id}/vocabulary",
        response_model=VocabularyResponse,
        responses={202: {"model": VocabularyResponse}},
    )
    async def video_vocabulary(video_id: str, user: Me, wait: float = wait_query) -> Any:
        return await vocabulary(video_id, user, wait)

    @api.post(
        "/api/video/{video_id}/vocabulary",
        response_model=VocabularyResponse,
        responses={202: {"model": VocabularyResponse}},
        include_in_schema=False,
    )
    async def original_path(video_id: str, user: Me, wait: float = wait_query) -> Any:
        return await vocabulary(video_id, user, wait)

    return api
