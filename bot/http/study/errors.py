"""The study page's answers to what goes wrong: a short page in the learner's language.

The JSON API answers errors as JSON (bot/http/api.py); these routes are for people, so
a deck that is not theirs, a used sign-in link or a bad form gets a page with one
sentence and a way on, and the reason goes to the log, never a traceback to the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from bot.http.auth import ApiError, client_translator
from bot.http.study.render import page
from bot.http.study.session import VISITOR_STATE, StudyRefused, Visitor
from core import (
    N_,
    DeckNotFound,
    SignInRefused,
    Translator,
    VocabotError,
    error_message,
    translator,
)

log = logging.getLogger(__name__)

NOT_FOUND = N_("There is no such page here, or it is not yours.")
INVALID = N_("That request is not valid.")


def _translator(request: Request) -> tuple[Translator, Visitor | None]:
    who = getattr(request.state, VISITOR_STATE, None)
    if isinstance(who, Visitor):
        return translator(who.user.ui_language), who
    return client_translator(request.headers), None


async def refusal(request: Request, exc: Exception) -> Response:
    """One page per kind of failure; the log line says what happened."""
    tr, who = _translator(request)
    if isinstance(exc, StudyRefused):
        status, said = exc.status, tr(exc.message)
    elif isinstance(exc, ApiError):
        status, said = exc.status, exc.text(tr)
    elif isinstance(exc, DeckNotFound):
        status, said = 404, tr(NOT_FOUND)
    elif isinstance(exc, SignInRefused):
        status, said = 403, error_message(exc, tr)
    elif isinstance(exc, VocabotError):
        status, said = 400, error_message(exc, tr)
    elif isinstance(exc, RequestValidationError):
        status, said = 422, tr(INVALID)
    else:
        raise exc
    log.info("study page %s %s refused: %s %s", request.method, request.url.path, status, exc)
    return page(request, "error.html", tr, who, status=status, message=said)


class StudyRoute(APIRoute):
    """A route whose refusals are pages (see `refusal`), not the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (StudyRefused, ApiError, VocabotError, RequestValidationError) as exc:
                return await refusal(request, exc)

        return guarded
