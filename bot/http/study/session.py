"""Who is at the study page: a session cookie (from a sign-in link or the Mini App), or an
API key (scripts). State changes need a CSRF token tied to the session, and a same-origin
request; a request signed in by an API key header carries no ambient cookie, so it needs none.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response

from bot.http.auth import client_address, key_from_headers
from bot.http.deps import Services, services
from core import N_, STUDY_PATH, User, WebSession

log = logging.getLogger(__name__)

COOKIE = "vocabot_study"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
VISITOR_STATE = "study_visitor"  # request.state's attribute: the Visitor, for error pages


class StudyRefused(Exception):
    """A study request refused: its status, and the catalog message the page shows."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


NOT_SIGNED_IN = N_("Please sign in: send /web to the bot and open the link it gives you.")
BAD_FORM = N_("This page was open too long. Reload it and try again.")


@dataclass(frozen=True, slots=True)
class Visitor:
    user: User
    session: str | None  # the cookie's token; None when an API key signed the request in

    @property
    def csrf(self) -> str:
        """The token every form of this session carries (derived from it, never stored)."""
        if self.session is None:
            return ""
        return hmac.new(self.session.encode(), b"csrf", hashlib.sha256).hexdigest()[:32]


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, session: WebSession, *, framed: bool) -> None:
    """The session cookie: HttpOnly, Secure over HTTPS, SameSite=Lax; or SameSite=None for a
    Mini App over HTTPS, which Telegram's web client shows in a frame of another site."""
    cross_site = framed and secure(request)
    response.set_cookie(
        COOKIE,
        session.token,
        expires=session.expires_at,
        path=STUDY_PATH,
        httponly=True,
        secure=secure(request),
        samesite="none" if cross_site else "lax",
    )


async def visitor(request: Request, found: Annotated[Services, Depends(services)]) -> Visitor:
    """The signed-in learner, or StudyRefused 401 (a page that says how to sign in)."""
    token = request.cookies.get(COOKIE)
    if token:
        user = await found.app.actions.study.session_user(token)
        if user is not None:
            return _seen(request, Visitor(user, token))
    key = key_from_headers(request.headers)
    if key:
        user = await found.authenticator.authenticate(key, client_address(request.scope))
        return _seen(request, Visitor(user, None))
    raise StudyRefused(401, NOT_SIGNED_IN)


def _seen(request: Request, who: Visitor) -> Visitor:
    setattr(request.state, VISITOR_STATE, who)
    return who


def same_origin(request: Request) -> bool:
    """The request came from one of our own pages (Origin, else Referer, else no claim), and
    the browser does not say it came from another site (Sec-Fetch-Site, which a page cannot
    forge; "same-site" is a sibling host, which is not us either)."""
    if request.headers.get("sec-fetch-site", "same-origin") in ("cross-site", "same-site"):
        return False
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return True  # old browsers and scripts send neither; the CSRF token still guards
    origin = urlsplit(claimed)
    return f"{origin.scheme}://{origin.netloc}" == f"{request.url.scheme}://{request.url.netloc}"


async def changer(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Visitor:
    """The learner, for a request that changes something: CSRF token and origin checked."""
    if who.session is None:
        return who
    form = await request.form()
    given = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD) or "")
    if not same_origin(request) or not hmac.compare_digest(given, who.csrf):
        log.info("study: refused a change without a valid CSRF token for user %s", who.user.id)
        raise StudyRefused(403, BAD_FORM)
    return who


Learner = Annotated[Visitor, Depends(visitor)]
Changer = Annotated[Visitor, Depends(changer)]
