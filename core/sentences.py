"""A card's sentence: the whole sentence around a word in the captions, and where it starts.

Captions cut sentences into lines; a card shows the sentence (joined from up to three lines
either side, cut at its punctuation) and links to the second where it begins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from core.models import Segment
from core.words import tokens

_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’)]*\s+")
MAX_SENTENCE_CHARS = 300
# Fewer words than this ("Or adopted.", "Yup, question.") teach nothing on a card.
MIN_SENTENCE_WORDS = 5
# A card's sentence at its best: a whole sentence of this many words, and few cards on it.
GOOD_SENTENCE = (6, 25)
CARDS_PER_SENTENCE = 2
MAX_OCCURRENCES = 8  # sentences looked at per card
_INNER_BREAK = re.compile(r"[.!?…][\"”’)]*\s+\S")


def sentence_around(segments: Sequence[Segment], index: int, needle: str = "") -> tuple[str, float]:
    """The whole sentence around `needle` in caption line `index`, and where it starts."""
    sentence, start, _ = sentence_span(segments, index, needle)
    return sentence, start


def sentence_span(
    segments: Sequence[Segment], index: int, needle: str = ""
) -> tuple[str, float, float]:
    """The whole sentence around `needle` in caption line `index`, and the second the line
    holding the sentence's start begins, and the second the caption line after the sentence
    begins (a clip of the sentence stops there).

    Captions cut sentences into lines; a card shows the sentence (joined from up to three
    lines either side, cut at its punctuation) and links to where it begins. A fragment of
    fewer than MIN_SENTENCE_WORDS words borrows whole neighbouring sentences (lines, when
    the captions have no punctuation) for context; the link stays where the fragment is.
    """
    # Loaders number segments by position; look it up directly, scan only if they don't.
    if 0 <= index < len(segments) and segments[index].index == index:
        here: int | None = index
    else:
        here = next((i for i, s in enumerate(segments) if s.index == index), None)
    if here is None:
        return "", 0.0, 0.0
    first, last = max(0, here - 3), min(len(segments) - 1, here + 3)
    lines = segments[first : last + 1]
    offsets, text = [], ""
    for line in lines:
        offsets.append(len(text) + (1 if text else 0))
        text = f"{text} {line.text}" if text else line.text
    target = here - first
    at = offsets[target]
    found = segments[here].text.lower().find(needle.lower()) if needle else -1
    if found > 0:
        at += found
    marks = list(_SENTENCE_BREAK.finditer(text))
    starts = [0] + [m.end() for m in marks]
    begin = max(b for b in starts if b <= at)
    ends = [m.start() + 1 for m in marks if m.start() + 1 > at]
    end = min(ends) if ends else len(text)
    sentence = text[begin:end].strip()
    if not sentence or len(sentence) > MAX_SENTENCE_CHARS:  # no clear sentence: the line
        units = [
            (offset, offset + len(line.text)) for offset, line in zip(offsets, lines, strict=True)
        ]
        begin, end = _with_context(text, units, *units[target])
        return text[begin:end], segments[here].start, _next_cue(lines, offsets, end)
    units = list(zip(starts, [m.start() + 1 for m in marks] + [len(text)], strict=True))
    start = lines[max(i for i, offset in enumerate(offsets) if offset <= begin)].start
    begin, end = _with_context(text, units, begin, end)
    return text[begin:end].strip(), start, _next_cue(lines, offsets, end)


def _next_cue(lines: Sequence[Segment], offsets: Sequence[int], end: int) -> float:
    """When the caption line after the one holding text offset `end` begins (or the last
    line ends)."""
    last = max(i for i, offset in enumerate(offsets) if offset < max(end, 1))
    return lines[last + 1].start if last + 1 < len(lines) else lines[last].end


def _with_context(
    text: str, units: Sequence[tuple[int, int]], begin: int, end: int
) -> tuple[int, int]:
    """Widen text[begin:end] by whole neighbouring units (sentences or lines), the wordier
    side first, until it has MIN_SENTENCE_WORDS words or no neighbour fits."""
    while len(tokens(text[begin:end])) < MIN_SENTENCE_WORDS:
        before = [(u_begin, end) for u_begin, u_end in units if u_end <= begin][-1:]
        after = [(begin, u_end) for u_begin, u_end in units if u_begin >= end][:1]
        wider = [(b, e) for b, e in before + after if e - b <= MAX_SENTENCE_CHARS]
        if not wider:
            break
        begin, end = max(wider, key=lambda span: len(tokens(text[span[0] : span[1]])))
    return begin, end


Spot = tuple[int, str]  # a caption line where a card's word is said, and the word as written


def best_sentences(
    segments: Sequence[Segment], cards: Sequence[tuple[float, Sequence[Spot]]]
) -> list[Spot]:
    """For each card (its score, and where the video says it), the spot whose sentence
    shows it best, best-scored cards choosing first: a whole sentence of 6-25 words, at most
    CARDS_PER_SENTENCE cards a sentence while the card is said elsewhere too. In the order
    of `cards`."""
    used: Counter[str] = Counter()
    chosen: dict[int, Spot] = {}
    for i in sorted(range(len(cards)), key=lambda i: -cards[i][0]):
        options = []
        for order, (segment, needle) in enumerate(cards[i][1][:MAX_OCCURRENCES]):
            sentence, _, _ = sentence_span(segments, segment, needle)
            options.append((sentence, (segment, needle), order))
        sentence, spot, _ = min(
            options,
            key=lambda o: (
                used[o[0]] >= CARDS_PER_SENTENCE,
                -sentence_quality(o[0]),
                used[o[0]],
                o[2],
            ),
        )
        used[sentence] += 1
        chosen[i] = spot
    return [chosen[i] for i in range(len(cards))]


def sentence_quality(sentence: str) -> int:
    """2 for a sentence of 6-25 words, 1 for one of 4-35, 0 otherwise; +1 when it reads as
    a whole sentence (a capital first, an end mark last); -1 for a fragment that borrowed a
    neighbouring sentence to be readable."""
    words = len(tokens(sentence))
    low, high = GOOD_SENTENCE
    quality = 2 if low <= words <= high else 1 if 4 <= words <= 35 else 0
    stripped = sentence.strip()
    if stripped[:1].isupper() and stripped[-1:] in (".", "!", "?", "…", '"', "”"):
        quality += 1
    if _INNER_BREAK.search(stripped):
        quality -= 1
    return quality
