"""A job's progress as it happens: Server-Sent Events, or the same JSON over a WebSocket.

Once the first chunk of a build answers, the job's JSON holds the deck's first page so far
(`page`, with `found` words so far); the event stream sends it as a `page` event (again
whenever the page grows), before the `end` event with the saved deck's id.

Both end when the job does (at once, with its last state, when it already has).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, WebSocket
from fastapi.responses import StreamingResponse
from starlette.websockets import WebSocketState

from bot.http.auth import WS_SUBPROTOCOL, client_translator
from bot.http.deps import (
    Acts,
    ClientTr,
    Job,
    Me,
    Services,
    SocketJob,
    SocketUser,
    services,
    within_allowance,
)
from bot.http.render import job_json
from core import Actions, JobRecord, JobUpdate, Translator, User

# No router-wide allowance: the Guard lets WebSockets through, so the socket's dependency
# checks its key and spends its allowance itself; the event stream spends it as a route.
router = APIRouter(prefix="/v1/jobs")
ENDED = ("done", "failed", "cancelled")


async def job_updates(
    acts: Actions, user: User, record: JobRecord, tr: Translator, *, idle: float | None = None
) -> AsyncIterator[dict[str, Any] | None]:
    """The job's progress as JSON until it ends (at once if it already has); None after
    every `idle` seconds without news, when `idle` is given."""
    queue: asyncio.Queue[JobUpdate] = asyncio.Queue()

    async def listener(update: JobUpdate) -> None:
        queue.put_nowait(update)

    if not acts.builds.follow(user, record.id, listener):
        yield job_json(record, tr=tr)
        return
    while True:
        try:
            update = await asyncio.wait_for(queue.get(), idle)
        except TimeoutError:
            yield None
            continue
        yield job_json(record, update, tr)
        if update.finished:
            return


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    dependencies=[Depends(within_allowance)],
)
async def job_events(
    job: Job, user: Me, acts: Acts, tr: ClientTr, found: Annotated[Services, Depends(services)]
) -> StreamingResponse:
    idle = found.app.settings.sse_keepalive_seconds

    async def stream() -> AsyncIterator[str]:
        page: list[Any] = []
        async for data in job_updates(acts, user, job, tr, idle=idle):
            if data is None:  # a comment: a proxy's idle timeout does not cut a waiting job
                yield ": keep-alive\n\n"
                continue
            event = "end" if data["status"] in ENDED else "progress"
            if event == "progress" and data["page"] and data["page"] != page:
                event, page = "page", data["page"]  # the first cards, or more of them
            yield f"event: {event}\ndata: {json.dumps(data)}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.websocket("/{job_id}/ws")
async def job_socket(websocket: WebSocket, user: SocketUser, job: SocketJob, acts: Acts) -> None:
    if websocket.client_state is WebSocketState.CONNECTING:
        offered = websocket.scope.get("subprotocols", [])
        await websocket.accept(WS_SUBPROTOCOL if WS_SUBPROTOCOL in offered else None)
    tr = client_translator(websocket.headers)
    async for data in job_updates(acts, user, job, tr):
        if data is not None:  # (no `idle`: never None; the socket pings on its own)
            await websocket.send_json(data)
    await websocket.close()
