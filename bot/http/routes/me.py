"""The caller's own account: `DELETE /v1/me` forgets everything kept about them."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bot.http.deps import Acts, ClientTr, Me, within_allowance
from bot.http.models import Forgotten
from bot.ops_texts import FORGET_DONE

router = APIRouter(prefix="/v1/me", dependencies=[Depends(within_allowance)])


@router.delete("", response_model=Forgotten)
async def forget_me(user: Me, acts: Acts, tr: ClientTr) -> Forgotten:
    """Delete the key's learner: decks, cards, reviews, known words, settings, jobs, uploads
    no one else sent, and every API key (this one too: later requests with it are 403)."""
    deleted = await acts.learners.forget(user)
    return Forgotten(deleted=deleted, message=tr(FORGET_DONE))
