"""A stand-in for YouTube's HTTP layer, serving youtube-transcript-api's own recorded pages.

The library's wheel ships real recorded responses under youtube_transcript_api/test/assets:
the watch page, innertube player JSON (normal, blocked, age-restricted, unplayable,
transcripts disabled, PO token required...) and timedtext XML. `stub_session` returns a
requests.Session whose every request is answered from those files, so the real library
code runs end to end and nothing leaves the machine.
"""

from __future__ import annotations

import socket
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict

ASSETS = resources.files("youtube_transcript_api") / "test" / "assets"

# innertube variants by scenario name
PLAYER = {
    "ok": "youtube.innertube.json.static",
    "blocked": "youtube_request_blocked.innertube.json.static",
    "age_restricted": "youtube_age_restricted.innertube.json.static",
    "unplayable": "youtube_unplayable.innertube.json.static",
    "unavailable": "youtube_video_unavailable.innertube.json.static",
    "disabled": "youtube_transcripts_disabled.innertube.json.static",
    "disabled2": "youtube_transcripts_disabled2.innertube.json.static",
    "po_token": "youtube_po_token_required.innertube.json.static",
}


def asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


class RecordedYouTube(BaseAdapter):
    """Answers watch, player and timedtext requests from the recorded assets."""

    def __init__(
        self, scenario: str = "ok", *, watch_status: int = 200, offline_at: str | None = None
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.watch_status = watch_status
        self.offline_at = offline_at
        self.requests: list[str] = []

    def send(  # the signature of BaseAdapter.send; only the request matters here
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        self.requests.append(url)
        if self.offline_at and self.offline_at in url:  # the network went away mid-fetch
            raise requests.ConnectionError(f"Failed to establish a new connection: {url}")
        if "/watch" in url:
            return _response(request, self.watch_status, asset("youtube.html.static"))
        if "/youtubei/v1/player" in url:
            return _response(request, 200, asset(PLAYER[self.scenario]))
        if "/api/timedtext" in url:
            return _response(request, 200, asset("transcript.xml.static"))
        return _response(request, 404, b"not recorded")

    def close(self) -> None:
        return None


def _response(request: requests.PreparedRequest, status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers = CaseInsensitiveDict({"Content-Type": "text/html; charset=utf-8"})
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response


def stub_session(
    scenario: str = "ok", *, watch_status: int = 200, offline_at: str | None = None
) -> requests.Session:
    """Recorded YouTube; `offline_at` (a URL part) makes those requests fail to connect."""
    session = requests.Session()
    adapter = RecordedYouTube(scenario, watch_status=watch_status, offline_at=offline_at)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def closed_port() -> int:
    """A loopback port nobody listens on (connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class _NowhereAdapter(HTTPAdapter):
    """Sends every request, for real, to a closed loopback port: a machine with no way out."""

    def __init__(self, port: int) -> None:
        super().__init__(max_retries=0)
        self.port = port

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.url = parts._replace(scheme="http", netloc=f"127.0.0.1:{self.port}").geturl()
        return super().send(request, **kwargs)


def unreachable_session() -> requests.Session:
    """A real requests session whose every connection is refused (no network at all)."""
    session = requests.Session()
    adapter = _NowhereAdapter(closed_port())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
