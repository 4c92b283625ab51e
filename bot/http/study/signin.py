"""Signing a browser in: a /web link (single-use, short-lived), or Telegram's Mini App data.

A sign-in link is a GET that only shows a button: link previews and mail scanners fetch
URLs, and a GET that spent the token would sign them in instead of the learner. The button
posts the token, which is spent once (atomically) for a session cookie.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.http.auth import client_translator
from bot.http.deps import Acts, Services, services
from bot.http.study.errors import StudyRoute
from bot.http.study.pages import back_to
from bot.http.study.render import page
from bot.http.study.session import (
    BAD_FORM,
    COOKIE,
    Changer,
    StudyRefused,
    same_origin,
    secure,
    set_session,
)
from bot.http.study.telegram import InitDataRefused, validate
from core import N_, STUDY_PATH

log = logging.getLogger(__name__)

router = APIRouter(prefix=STUDY_PATH, route_class=StudyRoute, include_in_schema=False)

Token = Annotated[str, Query(min_length=10, max_length=100)]
MINI_APP_OFF = N_("Sign-in from Telegram is not set up on this server.")
MINI_APP_REFUSED = N_("Telegram's sign-in data was not valid or is too old. Open the page again.")


@router.get("/signin")
async def sign_in_form(request: Request, token: Token) -> Response:
    tr = client_translator(request.headers)
    return page(request, "signin.html", tr, token=token)


@router.post("/signin")
async def sign_in(
    request: Request, acts: Acts, token: Annotated[str, Form(min_length=10, max_length=100)]
) -> Response:
    if not same_origin(request):
        raise StudyRefused(403, BAD_FORM)
    session = await acts.study.redeem_sign_in(token)
    log.info("study: user %s signed in with a link", session.user.id)
    response = RedirectResponse(f"{STUDY_PATH}/", status_code=303)
    set_session(response, request, session, framed=False)
    return response


@router.get("/tg")
async def mini_app(request: Request, next: Annotated[str, Query(max_length=300)] = "") -> Response:
    """The Mini App's first page: its script sends Telegram's initData (in the URL's
    fragment, never seen by servers) back here, then opens the page asked for."""
    return page(request, "miniapp.html", client_translator(request.headers), next=next)


@router.post("/tg")
async def mini_app_sign_in(
    request: Request,
    acts: Acts,
    found: Annotated[Services, Depends(services)],
    init_data: Annotated[str, Form(max_length=4096)],
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    if not same_origin(request):
        # login CSRF: another site posting its own valid initData would swap the session
        log.info("study: refused a Mini App sign-in posted from another site")
        raise StudyRefused(403, BAD_FORM)
    settings = found.app.settings
    if settings.telegram_bot_token is None:
        raise StudyRefused(403, MINI_APP_OFF)
    try:
        tg_user = validate(
            init_data,
            settings.telegram_bot_token.get_secret_value(),
            max_age=settings.web_init_data_max_age,
        )
    except InitDataRefused as exc:
        log.info("study: refused Mini App sign-in: %s", exc)
        raise StudyRefused(403, MINI_APP_REFUSED) from exc
    session = await acts.study.mini_app_session(tg_user.id, tg_user.language_code)
    log.info("study: user %s signed in from the Telegram Mini App", session.user.id)
    response = JSONResponse({"next": back_to(next).headers["location"]})
    set_session(response, request, session, framed=True)
    return response


@router.post("/signout")
async def sign_out(request: Request, who: Changer, acts: Acts) -> Response:
    if who.session is not None:
        await acts.study.sign_out(who.session)
    response = page(request, "signedout.html", acts.learners.translator(who.user))
    response.delete_cookie(COOKIE, path=STUDY_PATH, secure=secure(request), httponly=True)
    return response
