"""The study page, served by `vocabot serve-api` at /study/ (same process, store and actions).

Server-rendered HTML (Jinja2) with one small script and one stylesheet, no build step:
decks, a deck's cards with search, FSRS flashcards on /quiz's own queue, the YouTube player
at a card's sentence, known words and exports. Signed in by a /web link or as a Telegram
Mini App; every response carries a strict Content-Security-Policy (our own scripts and
styles only, frames from YouTube's privacy-enhanced player only).

Its parts: `session` (who is asking, cookies, CSRF), `telegram` (Mini App initData),
`signin` and `pages` (the routes), `render` (templates), `errors` (refusals as pages).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.http.study import pages, signin
from bot.http.study.render import STATIC
from core import STUDY_PATH

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src https://www.youtube-nocookie.com",
        "form-action 'self'",
        "base-uri 'none'",
        # Telegram's web client shows a Mini App in a frame; nothing else may frame it
        "frame-ancestors 'self' https://web.telegram.org",
    )
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # YouTube's player wants the embedding origin (never a path, which could hold a token)
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cache-control", b"no-store"),
]


class StudyHeaders:
    """Adds the study page's security headers to every response under /study/."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(f"{STUDY_PATH}/"):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{STUDY_PATH}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                extra = HEADERS[:-1] if static else HEADERS
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount(api: FastAPI) -> None:
    """The study page's routes, static files and headers on the API's app."""
    api.include_router(signin.router)
    api.include_router(pages.router)
    api.mount(f"{STUDY_PATH}/static", StaticFiles(directory=STATIC), name="study-static")
    api.add_middleware(StudyHeaders)
