"""Cards from an answer: trust nothing, check the meanings, show the whole sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.meanings import meaning_problem
from core.models import Chunk, Phrase, Segment, Transcript, Word
from core.prompts import ChunkOut, language_name
from core.selection import lemma_of, tokens

MAX_MEANING = 80


def bad_meanings(out: ChunkOut, learner_language: str) -> list[tuple[str, str]]:
    """(term, problem) for every meaning in the answer a learner could not use."""
    found = [(w.l, meaning_problem(w.m, w.l, learner_language)) for w in out.w]
    found += [(p.t, meaning_problem(p.m, p.t, learner_language)) for p in out.p]
    return [(term, problem) for term, problem in found if problem]


def meanings_problem(bad: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{term!r}: {problem}" for term, problem in bad[:5])
    return f"{len(bad)} meanings are unusable ({shown})"


def meanings_check(learner_language: str, out: ChunkOut) -> str | None:
    bad = bad_meanings(out, learner_language)
    if not bad:
        return None
    return (
        f"{meanings_problem(bad)}. Write every meaning in {language_name(learner_language)}, "
        "as a short dictionary meaning, never the word itself"
    )


def cards(
    chunk: Chunk, out: ChunkOut, transcript: Transcript, *, dropped: frozenset[str] = frozenset()
) -> tuple[list[Word], list[Phrase]]:
    """Trust nothing: a word must be one of this chunk's candidates, a segment one of its own;
    a meaning the learner could not use (`dropped`) makes no card."""
    by_lemma = {c.lemma: c for c in chunk.candidates}
    by_index = {s.index: s for s in chunk.segments}
    timed = transcript.timed
    words: list[Word] = []
    for item in out.w:
        if item.l in dropped:
            continue
        candidate = by_lemma.get(item.l.strip().lower())
        if candidate is None:
            continue  # invented, or another chunk's word: it would break "each lemma once"
        by_lemma.pop(candidate.lemma)
        sentence, start, end = sentence_span(
            transcript.segments, candidate.segment, candidate.surface
        )
        words.append(
            Word(
                lemma=candidate.lemma,
                pos=item.p,
                meaning=_short(item.m),
                sentence=sentence,
                start=start if timed else None,
                zipf=candidate.zipf,
                video_id=transcript.video_id,
                end=end if timed else None,
            )
        )
    phrases: list[Phrase] = []
    for phrase_out in out.p:
        if phrase_out.t in dropped:
            continue
        text = " ".join(phrase_out.t.split())
        if len(text.split()) < 2:
            continue
        segment = by_index.get(phrase_out.s) or _segment_with(chunk.segments, text)
        sentence, start, end = sentence_span(transcript.segments, segment.index, text.split()[0])
        phrases.append(
            Phrase(
                text=text,
                meaning=_short(phrase_out.m),
                sentence=sentence,
                start=start if timed else None,
                video_id=transcript.video_id,
                end=end if timed else None,
            )
        )
    return words, phrases


_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’)]*\s+")
MAX_SENTENCE_CHARS = 300
# Fewer words than this ("Or adopted.", "Yup, question.") teach nothing on a card.
MIN_SENTENCE_WORDS = 5


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


def _segment_with(segments: Sequence[Segment], phrase: str) -> Segment:
    """The first segment that holds the phrase's first word (in any inflection)."""
    head = lemma_of(phrase.split()[0].lower())
    for segment in segments:
        if head in {lemma_of(t.lower()) for t in tokens(segment.text)}:
            return segment
    return segments[0]


def dedupe_phrases(phrases: list[Phrase]) -> tuple[Phrase, ...]:
    seen: dict[str, Phrase] = {}
    for phrase in sorted(phrases, key=lambda p: p.start or 0.0):
        key = " ".join(lemma_of(t.lower()) for t in tokens(phrase.text))
        seen.setdefault(key, phrase)
    return tuple(seen.values())


def _short(meaning: str) -> str:
    meaning = " ".join(meaning.split())
    return meaning if len(meaning) <= MAX_MEANING else meaning[: MAX_MEANING - 1] + "…"
