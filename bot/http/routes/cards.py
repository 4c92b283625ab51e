""" "Translate the sentence" of one of the caller's cards: `POST /v1/cards/{id}/translation`.

One LLM call the first time, kept with the deck, so asking again costs nothing (`cached`);
`simulated` says the bundled simulator wrote it. Another learner's card is a 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bot.http.deps import Acts, DeckId, Me, within_allowance
from bot.http.models import TranslationOut

router = APIRouter(prefix="/v1/cards", dependencies=[Depends(within_allowance)])


@router.post("/{card_id}/translation", response_model=TranslationOut)
async def translate_sentence(card_id: DeckId, user: Me, acts: Acts) -> TranslationOut:
    """The card's sentence in the learner's language (their learner language setting)."""
    done = await acts.translations.translate(user, card_id)
    return TranslationOut(
        card_id=done.card_id,
        sentence=done.sentence,
        translation=done.text,
        language=done.language,
        simulated=done.simulated,
        cached=done.cached,
    )
