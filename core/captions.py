"""Caption text to segments: .srt, .vtt and plain .txt (with or without time stamps)."""

from __future__ import annotations

import re

import srt
import webvtt

from core import errors
from core.models import Segment, Transcript

SUFFIXES = (".srt", ".vtt", ".txt")
_WORDS_PER_SECOND = 2.5  # speech rate used to estimate times in untimed text
_TXT_TIME = re.compile(r"^\s*\[?((?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?)\]?\s+(.*)$")
_TAGS = re.compile(r"<[^>]+>")


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
