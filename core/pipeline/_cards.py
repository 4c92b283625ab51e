"""Cards from an answer: trust nothing, check the meanings, show the whole sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.expressions import expression_level
from core.grading import grade, level_index, listed_grade
from core.meanings import meaning_problem
from core.models import Candidate, Chunk, Phrase, PhraseCandidate, Segment, Transcript, Word
from core.prompts import ChunkOut, language_name
from core.sentences import sentence_span
from core.words import lemma_of, tokens

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


# Reasons a model may give for a candidate that is no card; "err" (a mishearing) counts
# only where speech recognition wrote the captions.
SKIP_ALWAYS = frozenset({"loan", "name", "part"})


def skipped(out: ChunkOut, *, generated: bool) -> dict[str, str]:
    """candidate -> why the model says it is no card (the reasons that count here)."""
    honoured = SKIP_ALWAYS | {"err"} if generated else SKIP_ALWAYS
    return {x.l.strip().lower(): x.r for x in out.x if x.r in honoured}


def cards(
    chunk: Chunk,
    out: ChunkOut,
    transcript: Transcript,
    *,
    dropped: frozenset[str] = frozenset(),
    generated: bool = False,
    learner_level: str = "B1",
) -> tuple[list[Word], list[Phrase]]:
    """Trust nothing: a word must be one of this chunk's candidates, a segment one of its own;
    a meaning the learner could not use (`dropped`) makes no card, and neither does a
    candidate the model set aside (a loanword, a name, a mishearing, a phrase's piece)."""
    by_lemma = {c.lemma: c for c in chunk.candidates}
    by_index = {s.index: s for s in chunk.segments}
    skip = skipped(out, generated=generated)
    timed = transcript.timed
    words: list[Word] = []
    for item in out.w:
        if item.l in dropped:
            continue
        candidate = by_lemma.get(item.l.strip().lower())
        if candidate is None or candidate.lemma in skip:
            continue  # invented, another chunk's word, or set aside by the model
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
                level=sense_level(candidate, item.p),
                source=candidate.source,
            )
        )
    found = {p.text: p for p in chunk.phrases}
    phrases: list[Phrase] = []
    for phrase_out in out.p:
        if phrase_out.t in dropped:
            continue
        text = " ".join(phrase_out.t.split())
        if len(text.split()) < 2:
            continue
        level = phrase_level(text, found, learner_level)
        if level is None:
            continue  # a listed expression below the learner's level
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
                level=level,
            )
        )
    return words, phrases


def sense_level(candidate: Candidate, pos: str) -> str:
    """The level of the sense the model found (a list's level for that part of speech),
    never below the level the candidate was chosen at."""
    if candidate.source != "list" or listed_grade(candidate.lemma, pos) is None:
        return candidate.level
    sense = grade(candidate.lemma, candidate.zipf, pos).level
    return max(sense, candidate.level, key=level_index)


def phrase_level(text: str, found: Mapping[str, PhraseCandidate], learner_level: str) -> str | None:
    """A phrase's level: the local list's when it knows the phrase (None when that is below
    the learner's level), else the learner's own (the model chose it for that level)."""
    lowered = text.lower()
    if lowered in found:
        return found[lowered].level
    listed = expression_level(lowered)
    if listed is None:
        return learner_level
    return listed if level_index(listed) >= level_index(learner_level) else None


def _segment_with(segments: Sequence[Segment], phrase: str) -> Segment:
    """The first segment that holds the phrase's first word (in any inflection)."""
    head = lemma_of(phrase.split()[0].lower())
    for segment in segments:
        if head in {lemma_of(t.lower()) for t in tokens(segment.text)}:
            return segment
    return segments[0]


def dedupe_phrases(phrases: list[Phrase]) -> tuple[Phrase, ...]:
    seen: dict[str, Phrase] = {}
    for phrase in sorted(phrases, key=lambda p: (p.start or 0.0, p.text.lower())):
        key = " ".join(lemma_of(t.lower()) for t in tokens(phrase.text))
        seen.setdefault(key, phrase)
    return tuple(seen.values())


def _short(meaning: str) -> str:
    meaning = " ".join(meaning.split())
    return meaning if len(meaning) <= MAX_MEANING else meaning[: MAX_MEANING - 1] + "…"
