"""Transcript sources: subtitle files (.srt, .vtt, .txt), a folder of them, and YouTube."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import srt
import webvtt

from core import errors
from core.models import Segment, Transcript
from core.youtube import YouTubeSource

log = logging.getLogger(__name__)

SUFFIXES = (".srt", ".vtt", ".txt")
_WORDS_PER_SECOND = 2.5  # speech rate used to estimate times in untimed text
_TXT_TIME = re.compile(r"^\s*\[?((?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?)\]?\s+(.*)$")
_TAGS = re.compile(r"<[^>]+>")


class TranscriptSource(Protocol):
    async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript: ...


def _clean(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text).split())


def _segments(rows: list[tuple[float, float, str]]) -> tuple[Segment, ...]:
    """Numbered segments, dropping empty lines and the rolling repeats of auto captions."""
    out: list[Segment] = []
    previous = ""
    for start, end, raw in rows:
        lines = [_clean(line) for line in raw.splitlines()]
        lines = [line for line in lines if line and line != previous]
        text = " ".join(lines)
        if not text:
            continue
        previous = lines[-1]
        out.append(Segment(len(out), round(start, 3), round(max(end - start, 0.0), 3), text))
    return tuple(out)


def _seconds(stamp: str) -> float:
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


def parse_srt(text: str) -> tuple[Segment, ...]:
    rows = [
        (s.start.total_seconds(), s.end.total_seconds(), s.content)
        for s in srt.parse(text, ignore_errors=True)
    ]
    return _segments(rows)


def parse_vtt(text: str) -> tuple[Segment, ...]:
    rows = [
        (float(c.start_in_seconds), float(c.end_in_seconds), c.text)
        for c in webvtt.from_string(text).captions
    ]
    return _segments(rows)


def parse_txt(text: str) -> tuple[tuple[Segment, ...], bool]:
    """Lines of text, with optional leading timestamps ("1:02 text"); else estimated times."""
    lines = [line for line in text.splitlines() if line.strip()]
    stamped = [_TXT_TIME.match(line) for line in lines]
    if lines and all(stamped):
        starts = [_seconds(m.group(1)) for m in stamped if m]
        texts = [m.group(2) for m in stamped if m]
        ends = [*starts[1:], starts[-1] + len(texts[-1].split()) / _WORDS_PER_SECOND]
        return _segments(list(zip(starts, ends, texts, strict=True))), True
    rows: list[tuple[float, float, str]] = []
    clock = 0.0
    for line in lines:
        length = len(line.split()) / _WORDS_PER_SECOND
        rows.append((clock, clock + length, line))
        clock += length
    return _segments(rows), False


def load_transcript_text(
    text: str, suffix: str, *, video_id: str | None = None, language: str = "en"
) -> Transcript:
    """Parse subtitle text by its file suffix (.srt, .vtt, .txt)."""
    suffix = suffix.lower()
    timed = True
    try:
        if suffix == ".srt":
            segments = parse_srt(text)
        elif suffix == ".vtt":
            segments = parse_vtt(text)
        elif suffix == ".txt":
            segments, timed = parse_txt(text)
        else:
            raise errors.TranscriptFileError(f"unsupported suffix {suffix!r}")
    except errors.VocabotError:
        raise
    except Exception as exc:  # the parsers raise many kinds on malformed files
        raise errors.TranscriptFileError(f"{type(exc).__name__}: {exc}") from exc
    if not segments:
        raise errors.EmptyTranscript(f"no text in {suffix} transcript")
    return Transcript(video_id=video_id, language=language, segments=segments, timed=timed)


def load_transcript_file(path: Path, *, video_id: str | None = None) -> Transcript:
    """A transcript from a subtitle file; a file named `<video_id>.srt` links to that video."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.TranscriptFileError(f"{path}: {exc}") from exc
    stem = path.name.split(".")[0]
    if video_id is None and re.fullmatch(r"[A-Za-z0-9_-]{11}", stem):
        video_id = stem
    # "talk.en.srt" names its language the way yt-dlp does.
    parts = path.name.split(".")
    has_language = len(parts) >= 3 and 2 <= len(parts[-2]) <= 3
    language = parts[-2] if has_language else "en"
    title = ".".join(parts[:-2] if has_language else parts[:-1])
    transcript = load_transcript_text(text, path.suffix, video_id=video_id, language=language)
    return Transcript(
        video_id=transcript.video_id,
        language=transcript.language,
        segments=transcript.segments,
        title=title,
        timed=transcript.timed,
    )


class DirectorySource:
    """Transcripts from `<dir>/<video_id>.{srt,vtt,txt}` (also `<video_id>.<lang>.srt`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find(self, video_id: str) -> Path | None:
        for suffix in SUFFIXES:
            for path in sorted(self.directory.glob(f"{video_id}*{suffix}")):
                if path.name.split(".")[0] == video_id:
                    return path
        return None

    async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript:
        path = self.find(video_id)
        if path is None:
            raise errors.NoCaptions(f"no file for {video_id} in {self.directory}")
        return await asyncio.to_thread(load_transcript_file, path, video_id=video_id)


class ChainSource:
    """Try local folders first (free, instant), then YouTube."""

    def __init__(self, *sources: TranscriptSource) -> None:
        self.sources = sources

    async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript:
        last: errors.VocabotError = errors.NoCaptions(video_id)
        for source in self.sources:
            try:
                return await source.fetch(video_id, languages)
            except errors.NoCaptions as exc:
                last = exc
        raise last


__all__ = [
    "ChainSource",
    "DirectorySource",
    "TranscriptSource",
    "YouTubeSource",
    "load_transcript_file",
    "load_transcript_text",
]
