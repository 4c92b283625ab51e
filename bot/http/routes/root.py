"""The server's root address: a browser goes to the study page, an API client gets JSON.

Which one asks is told by `Accept`: a browser asks for text/html first; curl, httpx and
other clients send */* or application/json and get a small map of the service instead of
FastAPI's `{"detail":"Not Found"}`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from core import STUDY_PATH

router = APIRouter(include_in_schema=False)

SERVICE = {
    "name": "vocabot",
    "api": "/v1",
    "docs": "/docs",
    "study": f"{STUDY_PATH}/",
    "health": "/healthz",
}


def wants_html(accept: str) -> bool:
    """The client lists text/html (or XHTML) with a weight above zero: a browser."""
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() in ("text/html", "application/xhtml+xml"):
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for p in params)
    return False


@router.get("/")
async def root(request: Request) -> Response:
    headers = {"Vary": "Accept"}
    if wants_html(request.headers.get("accept", "")):
        return RedirectResponse(f"{STUDY_PATH}/", status_code=303, headers=headers)
    return JSONResponse(SERVICE, headers=headers)
