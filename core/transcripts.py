"""Transcript sources: a folder of subtitle files, YouTube, and a chain of them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from core import errors
from core.captions import SUFFIXES, load_transcript_text, parse_srt, parse_txt, parse_vtt
from core.models import Transcript
from core.subtitles import load_transcript_file
from core.youtube import YouTubeSource


class TranscriptSource(Protocol):
    async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript: ...


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
    "SUFFIXES",
    "ChainSource",
    "DirectorySource",
    "TranscriptSource",
    "YouTubeSource",
    "load_transcript_file",
    "load_transcript_text",
    "parse_srt",
    "parse_txt",
    "parse_vtt",
]
