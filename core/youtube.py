"""YouTube: find the video id in a message, and fetch its captions.

youtube-transcript-api is blocking (requests) and not thread-safe per instance, so every
fetch builds its own instance and runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import youtube_transcript_api as yta  # its errors, from the public package (not ._errors)
from requests.adapters import HTTPAdapter
from youtube_transcript_api import YouTubeTranscriptApi
from youtube_transcript_api.proxies import GenericProxyConfig

from core import errors
from core.models import Segment, Transcript

log = logging.getLogger(__name__)

_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_ID_CHARS = re.compile(r"[A-Za-z0-9_-]*")
_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
    "youtu.be",
    "www.youtu.be",
}
_PATH_PREFIXES = ("shorts", "live", "embed", "v", "e")
# A host we accept, optionally with scheme, then anything up to whitespace or a bracket.
_URL = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:[A-Za-z0-9-]+\.)?(?:youtube(?:-nocookie)?\.com|youtu\.be)/[^\s<>\"')\]]*",
    re.IGNORECASE,
)


def _id_from_url(url: str) -> str | None:
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in _HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    if host.endswith("youtu.be"):
        candidate = path[0] if path else ""
    elif path and path[0] == "watch":
        candidate = parse_qs(parts.query).get("v", [""])[0]
    elif len(path) >= 2 and path[0] in _PATH_PREFIXES:
        candidate = path[1]
    else:
        candidate = ""
    # The id ends where id characters end: "youtu.be/ID!!" or "…?v=ID," still name ID.
    run = _ID_CHARS.match(candidate)
    found = run.group(0) if run else ""
    return found if len(found) == 11 else None


def parse_video_id(text: str) -> str:
    """The 11-character video id in `text`, or `NotAVideoLink`.

    Accepts every URL form (watch?v=, youtu.be/, shorts/, live/, embed/, v/, m./music./www.,
    no scheme, extra params) with text around it, or a bare id sent alone. A bare id made of
    lowercase letters only is taken for a word, not an id ("informative" is 11 letters).
    """
    for match in _URL.finditer(text):
        video_id = _id_from_url(match.group(0))
        if video_id:
            return video_id
    bare = text.strip()
    if _ID.fullmatch(bare) and not (bare.isalpha() and bare.islower()):
        return bare
    raise errors.NotAVideoLink(text[:200])


def find_video_id(text: str) -> str | None:
    """Like `parse_video_id`, but None when there is no video link."""
    try:
        return parse_video_id(text)
    except errors.NotAVideoLink:
        return None


def map_youtube_error(exc: Exception) -> errors.VocabotError:
    """The core error for a youtube-transcript-api (or requests) failure."""
    table: list[tuple[type[Exception], type[errors.VocabotError]]] = [
        (yta.IpBlocked, errors.YouTubeBlocked),
        (yta.RequestBlocked, errors.YouTubeBlocked),
        (yta.PoTokenRequired, errors.YouTubeBlocked),
        (yta.FailedToCreateConsentCookie, errors.YouTubeBlocked),
        (yta.TranscriptsDisabled, errors.CaptionsDisabled),
        (yta.NoTranscriptFound, errors.NoCaptions),
        (yta.NotTranslatable, errors.NoCaptions),
        (yta.TranslationLanguageNotAvailable, errors.NoCaptions),
        (yta.AgeRestricted, errors.AgeRestricted),
        (yta.InvalidVideoId, errors.InvalidVideoId),
        (yta.VideoUnavailable, errors.VideoUnavailable),
        (yta.VideoUnplayable, errors.VideoUnavailable),
        (yta.YouTubeRequestFailed, errors.YouTubeFailed),
        (yta.YouTubeDataUnparsable, errors.YouTubeFailed),
        # No answer at all is not a bad answer: say what is wrong and what helps. Order
        # matters: ProxyError and ConnectTimeout are both ConnectionErrors.
        (requests.exceptions.ProxyError, errors.YouTubeProxyFailed),
        (requests.ConnectionError, errors.YouTubeUnreachable),
        (requests.Timeout, errors.YouTubeTimeout),
        (requests.RequestException, errors.YouTubeFailed),
    ]
    for source, target in table:
        if isinstance(exc, source):
            return target(type(exc).__name__)
    return errors.YouTubeFailed(type(exc).__name__)


class _TimeoutAdapter(HTTPAdapter):
    """requests has no default timeout: without one a stalled YouTube answer would hold a
    worker thread forever, even after we stopped waiting for it."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def session_with_timeouts(connect: float = 5.0, read: float = 20.0) -> requests.Session:
    session = requests.Session()
    adapter = _TimeoutAdapter((connect, read))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class YouTubeSource:
    """Captions from YouTube: preferred languages, then generated ones, then a translation."""

    def __init__(
        self,
        *,
        proxy_url: str | None = None,
        timeout: float = 30.0,
        session_factory: Callable[[], requests.Session] = session_with_timeouts,
    ) -> None:
        self._proxy_url = proxy_url
        self._timeout = timeout
        self._session_factory = session_factory

    async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._fetch_blocking, video_id, tuple(languages)),
                timeout=self._timeout,
            )
        except TimeoutError as exc:
            raise errors.YouTubeTimeout("timed out") from exc

    def _fetch_blocking(self, video_id: str, languages: tuple[str, ...]) -> Transcript:
        proxy = (
            GenericProxyConfig(http_url=self._proxy_url, https_url=self._proxy_url)
            if self._proxy_url
            else None
        )
        api = YouTubeTranscriptApi(proxy_config=proxy, http_client=self._session_factory())
        try:
            listing = api.list(video_id)
            try:
                found = listing.find_transcript(languages)
            except yta.NoTranscriptFound:
                # Any transcript that YouTube can translate into the first preferred language.
                translatable = [t for t in listing if t.is_translatable]
                if not translatable:
                    raise
                found = translatable[0].translate(languages[0])
            fetched = found.fetch()
        except Exception as exc:
            mapped = map_youtube_error(exc)
            log.warning(
                "youtube %s: %s -> %s %s",
                *(video_id, type(exc).__name__, mapped.code, mapped.operator_hint),
            )
            errors.note_problem(mapped)
            raise mapped from exc
        lines = [(s, " ".join(s.text.split())) for s in fetched.snippets]
        segments = tuple(
            Segment(index=i, start=float(s.start), duration=float(s.duration), text=text)
            for i, (s, text) in enumerate((s, t) for s, t in lines if t)
        )
        if not segments:
            raise errors.EmptyTranscript(video_id)
        return Transcript(
            video_id=video_id,
            language=fetched.language_code,
            segments=segments,
            is_generated=fetched.is_generated,
        )
