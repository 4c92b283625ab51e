"""A learner's decks, one deck with its cards, and a deck as an Anki package or CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from bot.http.deps import Acts, DeckId, Me, within_allowance
from bot.http.models import DeckOut
from bot.http.render import attachment, deck_out
from core import ExportFormat

router = APIRouter(prefix="/v1/decks", dependencies=[Depends(within_allowance)])


@router.get("", response_model=list[DeckOut])
async def list_decks(user: Me, acts: Acts) -> list[DeckOut]:
    return [deck_out(d, shown=acts.learners.shown(user, d)) for d in await acts.decks.all(user)]


@router.get("/{deck_id}", response_model=DeckOut)
async def get_deck(
    deck_id: DeckId,
    user: Me,
    acts: Acts,
    every: Annotated[
        bool, Query(alias="all", description="every card, not only the first DECK_SIZE")
    ] = False,
) -> DeckOut:
    """A deck with its first DECK_SIZE cards (the learner's own size), best first; `more`
    counts the rest, and `?all=true` (`more_url`) returns every card."""
    info = await acts.decks.get(user, deck_id)
    cards = await acts.decks.cards(user, info.id, shown_only=not every)
    return deck_out(info, cards, acts.learners.shown(user, info))


@router.get(
    "/{deck_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
)
async def export_deck(
    deck_id: DeckId,
    user: Me,
    acts: Acts,
    format: ExportFormat = "csv",
    part: Annotated[
        Literal["all", "shown"],
        Query(description="every card (the default), or only the first DECK_SIZE"),
    ] = "all",
) -> Response:
    """The deck as a file: every card by default, or `part=shown` for its first DECK_SIZE."""
    exported = await acts.decks.export(user, format, deck_id, shown_only=part == "shown")
    disposition = attachment(exported.filename, fallback=f"deck-{deck_id}")
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )
