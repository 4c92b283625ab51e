"""The original synchronous route: wait for the deck, answer in the seed service's shape.

`POST /v1/videos/{video_id}/vocabulary`, also at the seed's own `/api/video/{video_id}/...`
(kept out of the docs); past `timeout` seconds it answers 202 with the job to poll instead.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from bot.http.deps import Acts, ClientTr, Me, within_allowance
from bot.http.models import VocabularyResponse
from bot.http.render import legacy_out, status_url
from core import error_message, parse_video_id

router = APIRouter(dependencies=[Depends(within_allowance)])

Wait = Annotated[
    float, Query(alias="timeout", ge=0, le=600, description="seconds to wait before a 202")
]
ANSWERS: dict[int | str, dict[str, Any]] = {202: {"model": VocabularyResponse}}


@router.post(
    "/api/video/{video_id}/vocabulary",
    response_model=VocabularyResponse,
    responses=ANSWERS,
    include_in_schema=False,
)
@router.post(
    "/v1/videos/{video_id}/vocabulary", response_model=VocabularyResponse, responses=ANSWERS
)
async def video_vocabulary(
    video_id: str, user: Me, acts: Acts, tr: ClientTr, wait: Wait = 60.0
) -> Any:
    video_id = parse_video_id(video_id)
    handle = await acts.builds.submit(user, video_id)
    try:
        update = await asyncio.wait_for(handle.wait(), wait)
    except TimeoutError:
        body = VocabularyResponse(
            video_id=video_id, words=[], phrases=[], status="processing",
            message="Still working on it; poll status_url.", job_id=handle.id,
            status_url=status_url(handle.id),
        )  # fmt: skip
        return JSONResponse(body.model_dump(mode="json"), status_code=202)
    if update.deck is None:
        message = error_message(update.error, tr) if update.error else "failed"
        return legacy_out(video_id, [], "error", message)
    message = "partial: some parts failed" if update.deck.missing else "ok"
    if update.deck.simulated:
        message += "; simulated meanings (placeholders from the bundled simulator)"
    return legacy_out(video_id, await acts.decks.cards(user, update.deck.id), "success", message)
