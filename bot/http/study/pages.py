"""The study page's routes for a signed-in learner: decks, a deck's cards, flashcards.

Each route parses, calls one action of core's Actions (the same ones every chat face calls)
and renders a template. Forms post and redirect (303), so everything works without
JavaScript; study.js adds the player, keyboard shortcuts and swipes on top.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from bot.http.deps import Acts, DeckId
from bot.http.render import attachment
from bot.http.study.errors import StudyRoute
from bot.http.study.render import page
from bot.http.study.session import Changer, Learner
from core import STUDY_PATH, ExportFormat, QuestionExpired

log = logging.getLogger(__name__)

router = APIRouter(prefix=STUDY_PATH, route_class=StudyRoute, include_in_schema=False)

Kind = Literal["word", "phrase"]


def back_to(path: str, fallback: str = f"{STUDY_PATH}/") -> RedirectResponse:
    """Back to one of our own pages (never to another site), after a form."""
    safe = path.startswith(f"{STUDY_PATH}/") and not path.startswith("//") and "\\" not in path
    return RedirectResponse(path if safe else fallback, status_code=303)


@router.get("/")
async def home(request: Request, who: Learner, acts: Acts) -> Response:
    home = await acts.study.home(who.user)
    tr = acts.learners.translator(who.user)
    return page(request, "decks.html", tr, who, decks=home.decks, review=home)


@router.get("/decks/{deck_id}")
async def deck(
    request: Request,
    deck_id: DeckId,
    who: Learner,
    acts: Acts,
    kind: Kind | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    more: bool = False,
) -> Response:
    """A tab of a deck: its first DECK_SIZE cards, or (`more`) all of them."""
    shown = await acts.study.cards(who.user, deck_id, kind, q, more=more)
    tr = acts.learners.translator(who.user)
    translations = await acts.translations.kept_all(who.user, [c.card for c in shown.cards])
    return page(request, "deck.html", tr, who, shown=shown, translations=translations)


@router.post("/decks/{deck_id}/known")
async def known(
    deck_id: DeckId,
    who: Changer,
    acts: Acts,
    card: Annotated[int, Form(ge=1, le=2**63 - 1)],
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    await acts.known.mark_card(who.user, deck_id, card)
    return back_to(f"{back}#card-{card}" if back else f"{STUDY_PATH}/decks/{deck_id}")


@router.get("/decks/{deck_id}/export")
async def export(deck_id: DeckId, who: Learner, acts: Acts, format: ExportFormat) -> Response:
    exported = await acts.decks.export(who.user, format, deck_id)
    disposition = attachment(exported.filename, fallback=f"deck-{deck_id}")
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )


@router.get("/review")
async def review(request: Request, who: Learner, acts: Acts, flip: bool = False) -> Response:
    card = await acts.study.flashcard(who.user)
    tr = acts.learners.translator(who.user)
    shown = [card.card.card] if card.card else []
    translations = await acts.translations.kept_all(who.user, shown)
    return page(
        request, "review.html", tr, who, review=card, flipped=flip, translations=translations
    )


@router.post("/review/more")
async def learn_more(who: Changer, acts: Acts) -> Response:
    """ "Learn 10 more": today's new cards grow, and the review goes on."""
    await acts.habits.learn_more(who.user)
    return back_to(f"{STUDY_PATH}/review")


@router.post("/review/{question_id}")
async def rate(
    question_id: Annotated[str, Path(max_length=64)],
    who: Changer,
    acts: Acts,
    rating: Annotated[int, Form(ge=1, le=4)],
) -> Response:
    try:
        await acts.study.grade(who.user, question_id, rating)
    except QuestionExpired:  # a second tap after the next card opened, or /cancel in a chat
        log.info("study: user %s rated question %s, which is over", who.user.id, question_id)
    return back_to(f"{STUDY_PATH}/review")


@router.post("/cards/{card_id}/translate")
async def translate(
    card_id: DeckId,
    who: Changer,
    acts: Acts,
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """ "Translate the sentence": one call the first time, then the page shows it kept."""
    done = await acts.translations.translate(who.user, card_id)
    if back.startswith(f"{STUDY_PATH}/review"):
        return back_to(back)
    return back_to(f"{back}#card-{done.card_id}" if back else f"{STUDY_PATH}/")


@router.post("/language")
async def language(
    who: Changer,
    acts: Acts,
    language: Annotated[str, Form(max_length=8)],
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    await acts.learners.update_settings(who.user, interface_language=language)
    return back_to(back)
