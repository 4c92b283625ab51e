"""Lecture-sized transcripts, generated deterministically from the bundled samples.

A long lecture is not the 7-minute talk repeated: its vocabulary keeps growing. So the
generator walks the samples' sentences again and again and, from the second pass on,
swaps each content word (Zipf below 5) with probability `SWAP` for another English word
of about the same frequency (wordfreq's own list), with a fixed seed. The result reads
like English of the same register, has a vocabulary that grows with its length, and is
the same file on every run. Captions are ~10 words, spoken at 150 words a minute.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

from core.transcripts import load_transcript_file
from devtools.samples import COFFEE_HOWTO, SLEEP_TALK

WORDS_PER_MINUTE = 150
WORDS_PER_CAPTION = 10
SWAP = 0.5
CONTENT_ZIPF = 5.0
_WORD = re.compile(r"[A-Za-z]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=1)
def _sentences() -> tuple[str, ...]:
    text = " ".join(
        s.text for path in (SLEEP_TALK, COFFEE_HOWTO) for s in load_transcript_file(path).segments
    )
    return tuple(s.strip() for s in _SENTENCE.split(text) if s.strip())


@lru_cache(maxsize=1)
def _by_frequency() -> tuple[list[float], list[str]]:
    """Plain lowercase English words of 4+ letters, sorted by Zipf frequency."""
    words = [w for w in top_n_list("en", 40_000) if w.isalpha() and w.islower() and len(w) >= 4]
    pairs = sorted((zipf_frequency(w, "en"), w) for w in words)
    return [z for z, _ in pairs], [w for _, w in pairs]


def _swap(word: str, rng: random.Random) -> str:
    lower = word.lower()
    frequency = zipf_frequency(lower, "en")
    if len(lower) < 4 or frequency >= CONTENT_ZIPF or rng.random() >= SWAP:
        return word
    zipfs, words = _by_frequency()
    at = bisect_left(zipfs, frequency)
    low, high = max(0, at - 400), min(len(words), at + 400)
    other = words[rng.randrange(low, high)]
    return other.capitalize() if word[0].isupper() else other


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def lecture_srt(minutes: float, seed: int = 16) -> str:
    """An SRT transcript of `minutes` of lecture (the same text for the same arguments)."""
    rng = random.Random(seed)
    sentences = _sentences()
    total_words = int(minutes * WORDS_PER_MINUTE)
    seconds_per_word = 60 / WORDS_PER_MINUTE
    words: list[str] = []
    turn = 0
    while len(words) < total_words:
        sentence = sentences[turn % len(sentences)]
        if turn >= len(sentences):  # the first pass is the samples as they are
            sentence = _WORD.sub(lambda m: _swap(m.group(0), rng), sentence)
        words.extend(sentence.split())
        turn += 1
    words = words[:total_words]
    blocks = []
    for n, first in enumerate(range(0, len(words), WORDS_PER_CAPTION), start=1):
        line = words[first : first + WORDS_PER_CAPTION]
        start = first * seconds_per_word
        end = start + len(line) * seconds_per_word
        blocks.append(f"{n}\n{_timestamp(start)} --> {_timestamp(end)}\n{' '.join(line)}\n")
    return "\n".join(blocks)


def write_lecture(folder: Path, minutes: float) -> Path:
    """The lecture as `benchLecture<minutes>.en.srt` in `folder` (video id benchLecture<m>)."""
    path = folder / f"benchLecture{minutes:g}.en.srt"
    path.write_text(lecture_srt(minutes), encoding="utf-8")
    return path
