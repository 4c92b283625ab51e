"""A learner's decks, one deck with its cards, and a deck as an Anki package or CSV."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from bot.http.deps import Acts, DeckId, Me, within_allowance
from bot.http.models import DeckOut
from bot.http.render import attachment, deck_out
from core import ExportFormat

router = APIRouter(prefix="/v1/decks", dependencies=[Depends(within_allowance)])


@router.get("", response_model=list[DeckOut])
async def list_decks(user: Me, acts: Acts) -> list[DeckOut]:
    return [deck_out(d) for d in await acts.decks(user)]


@router.get("/{deck_id}", response_model=DeckOut)
async def get_deck(deck_id: DeckId, user: Me, acts: Acts) -> DeckOut:
    info = await acts.deck(user, deck_id)
    return deck_out(info, await acts.cards(user, info.id))


@router.get(
    "/{deck_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
)
async def export_deck(
    deck_id: DeckId, user: Me, acts: Acts, format: ExportFormat = "csv"
) -> Response:
    exported = await acts.export(user, format, deck_id)
    disposition = attachment(exported.filename, fallback=f"deck-{deck_id}")
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )
