"""Subtitle files from a learner: read them safely, whatever tool wrote them.

One loader for every way a file arrives (the CLI's `vocabot build talk.srt`, a document sent
in Telegram, an attachment in Discord): a size cap, the encodings real files come in (UTF-8
with or without BOM, UTF-16 from Windows tools, cp949/EUC-KR from Korean subtitle editors),
and a clear refusal for what is not a subtitle file (empty, binary, an HTML error page saved
as .srt, text without a single cue). A file is kept under a hash of its content, so the same
file twice is one deck (and, with the same settings, zero LLM calls the second time).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePath

from charset_normalizer import from_bytes

from core import errors
from core.captions import SUFFIXES, load_transcript_text
from core.models import Transcript
from core.youtube import find_video_id

UPLOAD_PREFIX = "file:"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings tried in order when a file has no BOM and is not UTF-8 (Korean tools first).
_FALLBACKS = ("cp949", "euc-kr", "utf-16-le", "shift_jis", "gb18030", "cp1252")
_HTML = re.compile(r"^\s*(<!doctype html|<html|<head|<body)", re.I)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
CUES_PER_MINUTE = 60  # at most one cue a second, on average (real subtitles: ~16 a minute)
_TIME_LINE = re.compile(r"-->")
# Files parsed in this process, by key: a file is parsed once, when it is checked, and the
# build reads that back (a worker in another process parses it once more).
_PARSED: OrderedDict[str, Transcript] = OrderedDict()
_PARSED_MAX = 8
_PARSED_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Upload:
    """A subtitle file as text, keyed by its content (`file:<sha256>`)."""

    key: str
    filename: str
    text: str
    video_id: str | None  # the YouTube video it belongs to, when the learner said so
    language: str

    @property
    def suffix(self) -> str:
        return PurePath(self.filename).suffix.lower()

    @property
    def title(self) -> str:
        return title_of(self.filename)

    def transcript(self, *, keep: bool = True) -> Transcript:
        """The parsed file (CPU-bound for a big one: call it off the event loop). `keep`:
        hold it for the build that comes next (which passes keep=False: taken, not held)."""
        with _PARSED_LOCK:
            known = _PARSED.get(self.key) if keep else _PARSED.pop(self.key, None)
        if known is not None:
            return known
        parsed = load_transcript_text(
            self.text, self.suffix, video_id=self.video_id, language=self.language
        )
        transcript = Transcript(
            video_id=parsed.video_id,
            language=parsed.language,
            segments=parsed.segments,
            title=self.title,
            timed=parsed.timed,
        )
        if not keep:
            return transcript
        with _PARSED_LOCK:
            _PARSED[self.key] = transcript
            while len(_PARSED) > _PARSED_MAX:
                _PARSED.popitem(last=False)
        return transcript


def is_upload_key(video_id: str) -> bool:
    return video_id.startswith(UPLOAD_PREFIX)


def _name_parts(filename: str) -> tuple[str, str | None]:
    """(title, language) of "talk.en.srt": yt-dlp puts the caption language before the suffix."""
    parts = PurePath(filename).name.split(".")
    has_language = len(parts) >= 3 and 2 <= len(parts[-2]) <= 3 and parts[-2].isalpha()
    title = ".".join(parts[:-2] if has_language else parts[:-1]) or PurePath(filename).stem
    return title, parts[-2].lower() if has_language else None


def title_of(filename: str) -> str:
    return _name_parts(filename)[0]


def decode_subtitles(data: bytes) -> str:
    """The file's text, or TranscriptFileError when it is not text at all."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] and data[1:4096:2].count(0) > len(data[1:4096:2]) // 2:
        try:  # UTF-16 without a BOM: every other byte of Latin text is zero
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[:262144], cp_isolation=list(_FALLBACKS)).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    raise errors.TranscriptFileError("not text in any encoding we know")


def count_cues(text: str, suffix: str) -> int:
    """How many cues a file holds, without parsing it (time lines; lines of a .txt)."""
    if suffix == ".txt":
        return sum(1 for line in text.splitlines() if line.strip())
    return len(_TIME_LINE.findall(text))


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t\f")
    return "\x00" in sample or controls > len(sample) // 20


def _named_after_a_video(stem: str) -> bool:
    """`dQw4w9WgXcQ.en.srt` is that video's; `mytalk_copy.srt` is just named so. A YouTube
    id is random: 11 characters that mix upper and lower case (all but ~0.6% of them), which
    a file's own name of that length seldom does."""
    return bool(_VIDEO_ID.fullmatch(stem)) and stem.lower() != stem and stem.upper() != stem


def read_upload(
    data: bytes,
    filename: str,
    *,
    hint: str = "",
    video_id: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    default_language: str = "en",
    max_minutes: int | None = None,
) -> Upload:
    """Check and decode a subtitle file. Its video is `video_id`, or the one `hint` (a
    caption, a message) links to, or the one its name is (`dQw4w9WgXcQ.en.srt`).

    CPU-bound for a big file (decoding, parsing it once): call it off the event loop. With
    `max_minutes`, a file with more cues than a video that long could have is refused
    before it is parsed."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise errors.TranscriptFileError(f"suffix {suffix!r} of {filename!r}")
    if len(data) > max_bytes:
        raise errors.TranscriptFileTooBig(len(data), max_bytes)
    if not data.strip():
        raise errors.EmptyTranscript(f"{filename} is empty")
    text = decode_subtitles(data).replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise errors.TranscriptFileError(f"{filename} is binary")
    if _HTML.match(text):
        raise errors.TranscriptFileError(f"{filename} is an HTML page")
    if max_minutes is not None:
        cues = count_cues(text, suffix)
        if cues > max_minutes * CUES_PER_MINUTE:
            raise errors.TooMuchText(f"{filename}: {cues} cues", max_minutes)
    title, language = _name_parts(filename)
    if video_id is None:
        video_id = find_video_id(hint) if hint.strip() else None
    if video_id is None and _named_after_a_video(title.split(".")[0]):
        video_id = title.split(".")[0]
    language = language or default_language
    # The same text for the same video in the same language is the same deck.
    digest = hashlib.sha256("\x1f".join((text, video_id or "", language)).encode("utf-8"))
    upload = Upload(
        key=UPLOAD_PREFIX + digest.hexdigest()[:40],
        filename=PurePath(filename).name,
        text=text,
        video_id=video_id,
        language=language,
    )
    try:
        upload.transcript()  # refuse now (no cues, unreadable) rather than inside a job
    except errors.EmptyTranscript as exc:
        raise errors.NoCues(f"{filename}: {exc.detail}") from exc
    return upload


def load_transcript_file(
    path: Path, *, video_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Transcript:
    """A transcript from a subtitle file on disk; `<video_id>.srt` links to that video."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise errors.TranscriptFileMissing(str(path)) from exc
    except OSError as exc:
        raise errors.TranscriptFileError(f"{path}: {exc}") from exc
    return read_upload(data, path.name, video_id=video_id, max_bytes=max_bytes).transcript()
