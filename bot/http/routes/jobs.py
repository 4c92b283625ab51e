"""POST a link, poll or cancel its job (its progress streams in `progress`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from bot.http.deps import Acts, ClientTr, Job, Me, job_of, within_allowance
from bot.http.models import JobCreated, JobIn, JobOut
from bot.http.render import deck_out, job_out, status_url
from core import User, parse_video_id

router = APIRouter(prefix="/v1/jobs", dependencies=[Depends(within_allowance)])


def with_settings(acts: Acts, user: User, body: JobIn) -> User:
    """The user as this request asks, through the settings rule (a BadSetting is a 422)."""
    return acts.learners.with_settings(
        user, learner_language=body.learner_language, level=body.level
    )


@router.post(
    "",
    status_code=202,
    response_model=JobCreated,
    responses={200: {"model": JobCreated, "description": "a cache hit: the deck at once"}},
)
async def create_job(body: JobIn, user: Me, acts: Acts) -> Any:
    handle = await acts.builds.submit(with_settings(acts, user, body), parse_video_id(body.url))
    created = JobCreated(job_id=handle.id, status="queued", status_url=status_url(handle.id))
    if handle.done.done():
        update = handle.done.result()
        if update.deck is not None:
            created.status = "done"
            cards = await acts.decks.cards(user, update.deck.id)
            created.deck = deck_out(update.deck, cards, acts.learners.shown(user, update.deck))
            return JSONResponse(created.model_dump(mode="json"), status_code=200)
    return created


@router.get("/{job_id}", response_model=JobOut)
async def get_job(job: Job, tr: ClientTr) -> JobOut:
    return job_out(job, tr=tr)


@router.delete("/{job_id}", response_model=JobOut)
async def cancel_job(job: Job, user: Me, acts: Acts, tr: ClientTr) -> JobOut:
    await acts.builds.cancel(user, job.id)
    return job_out(await job_of(acts, user, job.id), tr=tr)
