"""The pipeline: transcript -> local selection -> one parallel round of LLM calls -> Deck.

One structured-output call per chunk returns words AND phrases with context meanings;
all chunks run at once (bounded by the LLM client's global limit). A chunk that keeps
failing does not sink the deck: the deck comes back with what succeeded and names the
parts of the video that are missing.

The round is durable and hang-proof: every answer is handed to a checkpoint as it
arrives (a restarted build asks only for the rest), a straggler is asked again in
parallel once the rest of the video is done (the first answer wins), and the chunks run
in a task group, so an unexpected error stops every sibling call instead of leaving them
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from core import errors
from core.chunking import make_chunks
from core.llm import Completion, LLMClient
from core.meanings import meaning_problem
from core.models import (
    Chunk,
    Deck,
    DeckStats,
    Gap,
    Phrase,
    Progress,
    Segment,
    Stage,
    Transcript,
    Word,
)
from core.prompts import (
    OUTPUT_SCHEMA,
    SCHEMA_NAME,
    ChunkOut,
    build_messages,
    language_name,
    max_tokens_for,
)
from core.selection import lemma_of, normalise_level, select_candidates, tokens
from core.transcripts import TranscriptSource

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], Awaitable[None]]
MAX_MEANING = 80
HEDGE_FACTOR = 2.0  # a straggler has run this many times its siblings' median
T = TypeVar("T")


class Checkpoint(Protocol):
    """Where a build keeps its finished chunk answers (the job runner backs it with the
    store, keyed by the deck's cache key): answers are JSON, keyed by chunk fingerprint."""

    async def load(self) -> Mapping[str, dict[str, Any]]: ...
    async def save(self, fingerprint: str, result: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class DeckRequest:
    """What to build: a video (or an already loaded transcript) for one learner."""

    video_id: str | None
    learner_language: str = "ko"
    level: str = "B1"
    languages: tuple[str, ...] = ("en",)
    known_words: frozenset[str] = frozenset()
    transcript: Transcript | None = None


@dataclass
class _Outcome:
    words: list[Word] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    errors: list[errors.VocabotError] = field(default_factory=list)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


async def _no_progress(_: Progress) -> None:
    return None


@dataclass(eq=False)
class _Call:
    """One chunk's call: when its latest request went out, and whether it got a twin."""

    sent_at: float | None = None
    finished: bool = False
    hedge: asyncio.Event = field(default_factory=asyncio.Event)


class _Round:
    """One video's parallel round: the calls in flight, and hedging of stragglers.

    A call is a straggler when the rest of the video is done (every other call has been
    sent and at least half of them have answered) and it has run longer than
    `hedge_after` and HEDGE_FACTOR times the median of its video's answered calls. It is
    then asked again in parallel; the first answer wins and the other request is
    cancelled. A hung call thus costs about twice a normal call, not the whole timeout.
    """

    def __init__(
        self,
        hedge_after: float,
        on_tail: Callable[[], None] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hedge_after = hedge_after
        self.on_tail = on_tail
        self.clock = clock
        self.calls: list[_Call] = []
        self.durations: list[float] = []
        self.open_chunks = 0
        self.changed = asyncio.Event()

    async def ask(self, send: Callable[[Callable[[], None]], Awaitable[T]]) -> T:
        """`send(on_send)` once, and once more in parallel if it straggles."""
        call = _Call()
        self.calls.append(call)

        def sent() -> None:
            call.sent_at = self.clock()
            self.changed.set()

        tasks: list[asyncio.Task[T]] = [asyncio.ensure_future(send(sent))]
        hedge = asyncio.ensure_future(call.hedge.wait())
        try:
            await asyncio.wait([tasks[0], hedge], return_when=asyncio.FIRST_COMPLETED)
            if not tasks[0].done():
                tasks.append(asyncio.ensure_future(send(sent)))
            return await _first_answer(tasks)
        finally:
            for task in (*tasks, hedge):
                task.cancel()
            # Wait for the cancelled request to close its connection (a hung request ends
            # on the server only when we hang up), and retrieve its outcome.
            await asyncio.gather(*tasks, hedge, return_exceptions=True)
            if call.sent_at is not None:
                self.durations.append(self.clock() - call.sent_at)
            call.finished = True
            self.changed.set()

    def chunk_done(self) -> None:
        self.open_chunks -= 1
        self.changed.set()

    async def watch(self) -> None:
        """Give stragglers their twin, until every chunk of the video is done."""
        while self.open_chunks > 0:
            self.changed.clear()
            due = self._hedge_stragglers()
            timeout = None if due is None else max(0.0, due - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout)

    def _hedge_stragglers(self) -> float | None:
        """Hedge the calls that straggle now; when the next one would, if nothing changes."""
        running = [c for c in self.calls if not c.finished]
        if not self.hedge_after or not running or len(self.durations) < len(running):
            return None  # less than half answered: too early to call anything slow
        if any(c.sent_at is None for c in running):
            return None  # the rest of the video is not done: part of it waits its turn
        limit = max(self.hedge_after, HEDGE_FACTOR * statistics.median(self.durations))
        now, due = self.clock(), None
        for call in running:
            if call.hedge.is_set() or call.sent_at is None:
                continue
            at = call.sent_at + limit
            if at > now:
                due = at if due is None else min(due, at)
                continue
            log.info(
                "a call has run %.1fs (median %.1fs): asking again",
                now - call.sent_at,
                statistics.median(self.durations),
            )
            call.hedge.set()
            if self.on_tail is not None:
                self.on_tail()  # only stragglers left: the video needs no slot of its own
                self.on_tail = None
        return due


async def _first_answer(tasks: list[asyncio.Task[T]]) -> T:
    """The first result among `tasks`; a VocabotError only when every one of them failed."""
    pending = set(tasks)
    failure: errors.VocabotError | None = None
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is None:
                return task.result()
            if not isinstance(exc, errors.VocabotError):
                raise exc
            failure = exc
    assert failure is not None
    raise failure


@dataclass
class _Build:
    """What the chunk calls of one build share."""

    transcript: Transcript
    request: DeckRequest
    owner: Hashable
    outcome: _Outcome
    round: _Round
    saved: Mapping[str, dict[str, Any]]
    checkpoint: Checkpoint | None


class Pipeline:
    def __init__(
        self,
        *,
        source: TranscriptSource,
        llm: LLMClient,
        chunk_tokens: int = 2000,
        chunk_max_items: int = 12,
        max_video_minutes: int = 180,
        hedge_after: float = 5.0,
    ) -> None:
        self.source = source
        self.llm = llm
        self.chunk_tokens = chunk_tokens
        self.chunk_max_items = chunk_max_items
        self.max_video_minutes = max_video_minutes
        self.hedge_after = hedge_after
        # Planning is CPU-bound Python in a worker thread; one at a time keeps the GIL
        # free enough for the event loop to answer users while many videos start at once.
        self._cpu = asyncio.Semaphore(1)

    async def fetch_transcript(self, request: DeckRequest) -> Transcript:
        if request.transcript is not None:
            transcript = request.transcript
        elif request.video_id is None:
            raise errors.NotAVideoLink("no video id and no transcript")
        else:
            transcript = await self.source.fetch(request.video_id, request.languages)
        minutes = transcript.duration / 60
        if minutes > self.max_video_minutes:
            raise errors.VideoTooLong(minutes, self.max_video_minutes)
        return transcript

    def plan(self, transcript: Transcript, request: DeckRequest) -> list[Chunk]:
        """Local work only: candidates and chunks (CPU-bound, run it off the event loop)."""
        candidates = select_candidates(
            transcript.segments,
            language=transcript.language,
            level=request.level,
            known=request.known_words,
        )
        return make_chunks(
            transcript.segments,
            candidates,
            max_tokens=self.chunk_tokens,
            max_items=self.chunk_max_items,
        )

    async def build(
        self,
        request: DeckRequest,
        progress: ProgressCallback | None = None,
        *,
        owner: Hashable = None,
        checkpoint: Checkpoint | None = None,
        on_tail: Callable[[], None] | None = None,
    ) -> Deck:
        """The deck for `request`.

        With a `checkpoint`, chunks answered by an earlier (interrupted) build are not
        asked again, and each new answer is saved as it arrives. `on_tail` is called once
        when only stragglers are left (see `_Round`).
        """
        emit = progress or _no_progress
        await emit(Progress(Stage.TRANSCRIPT))
        transcript = await self.fetch_transcript(request)
        await emit(Progress(Stage.ANALYSING))
        async with self._cpu:
            chunks = await asyncio.to_thread(self.plan, transcript, request)
        total = len(chunks)
        build = _Build(
            transcript=transcript,
            request=request,
            owner=owner,
            outcome=_Outcome(),
            round=_Round(self.hedge_after, on_tail),
            saved=await checkpoint.load() if checkpoint is not None else {},
            checkpoint=checkpoint,
        )
        # Chunks answered before a restart first: the bar starts where it stopped.
        fresh: list[Chunk] = []
        for chunk in chunks:
            if not self._reuse(chunk, build):
                fresh.append(chunk)
        reused = done = total - len(fresh)
        if reused:
            log.info("%d of %d chunks answered before: not asked again", reused, total)
        await emit(Progress(Stage.EXTRACTING, done, total, reused=reused))

        async def run(chunk: Chunk) -> None:
            nonlocal done
            try:
                await self._extract(chunk, build)
            finally:
                build.round.chunk_done()
            done += 1
            await emit(Progress(Stage.EXTRACTING, done, total, reused=reused))

        build.round.open_chunks = len(fresh)
        try:
            async with asyncio.TaskGroup() as group:
                for chunk in fresh:
                    group.create_task(run(chunk))
                group.create_task(build.round.watch())
        except BaseExceptionGroup as group:
            # Not a failure of the model (those become gaps) but a bug: the sibling calls
            # were cancelled before we got here; report the first cause.
            raise group.exceptions[0] from group

        outcome = build.outcome
        if chunks and len(outcome.gaps) == len(chunks):
            # Nothing worked: tell the user why instead of handing over an empty deck.
            raise outcome.errors[0]
        words = sorted(outcome.words, key=lambda w: (w.start or 0.0, w.lemma))
        phrases = _dedupe_phrases(outcome.phrases)
        if not words and not phrases:
            raise errors.NothingToLearn(transcript.video_id or "")
        return Deck(
            video_id=transcript.video_id,
            title=transcript.title,
            transcript_language=transcript.language,
            learner_language=request.learner_language,
            level=normalise_level(request.level),
            words=tuple(words),
            phrases=phrases,
            missing=tuple(sorted(outcome.gaps, key=lambda g: g.start)),
            stats=DeckStats(
                chunks=total,
                llm_calls=outcome.requests,
                prompt_tokens=outcome.prompt_tokens,
                completion_tokens=outcome.completion_tokens,
                candidates=sum(len(c.candidates) for c in chunks),
            ),
            simulated=self.llm.simulated,
        )

    def _messages(self, chunk: Chunk, build: _Build) -> tuple[list[dict[str, str]], str]:
        """The call for `chunk`, and its fingerprint (a digest of everything asked)."""
        messages = build_messages(
            chunk,
            learner_language=build.request.learner_language,
            level=normalise_level(build.request.level),
            transcript_language=build.transcript.language,
        )
        asked = json.dumps([SCHEMA_NAME, max_tokens_for(chunk), messages], ensure_ascii=False)
        return messages, hashlib.sha256(asked.encode()).hexdigest()

    def _reuse(self, chunk: Chunk, build: _Build) -> bool:
        """Use `chunk`'s answer from an earlier build, if there is a usable one."""
        _, fingerprint = self._messages(chunk, build)
        saved = build.saved.get(fingerprint)
        if saved is None or "out" not in saved:
            return False
        try:
            completion = Completion(
                ChunkOut.model_validate(saved["out"]),
                int(saved.get("requests", 1)),
                int(saved.get("prompt_tokens", 0)),
                int(saved.get("completion_tokens", 0)),
            )
        except (ValidationError, TypeError, ValueError):
            log.warning("a saved answer of chunk %d is unreadable; asking again", chunk.index)
            return False
        self._use(chunk, completion, build)
        return True

    def _use(self, chunk: Chunk, completion: Completion[ChunkOut], build: _Build) -> None:
        outcome = build.outcome
        outcome.requests += completion.requests
        outcome.prompt_tokens += completion.prompt_tokens
        outcome.completion_tokens += completion.completion_tokens
        bad = bad_meanings(completion.value, build.request.learner_language)
        items = len(completion.value.w) + len(completion.value.p)
        if bad and 2 * len(bad) > items:
            # Repaired once already and still mostly unusable: the model is not up to it here.
            self._gap(chunk, errors.LLMBadOutput(_meanings_problem(bad)), outcome)
            return
        if bad:
            log.info("chunk %d: dropped %d unusable meanings: %s", chunk.index, len(bad), bad[:3])
        words, phrases = _cards(
            chunk, completion.value, build.transcript, dropped=frozenset(t for t, _ in bad)
        )
        outcome.words.extend(words)
        outcome.phrases.extend(phrases)

    async def _save(self, build: _Build, fingerprint: str, result: dict[str, Any]) -> None:
        if build.checkpoint is None:
            return
        try:
            await build.checkpoint.save(fingerprint, result)
        except Exception:  # the answer is still in hand: the build goes on without it saved
            log.warning("could not save a chunk's answer", exc_info=True)

    async def _extract(self, chunk: Chunk, build: _Build) -> None:
        messages, fingerprint = self._messages(chunk, build)
        if build.saved.get(fingerprint, {}).get("split"):
            await self._split(chunk, build)
            return
        if self._reuse(chunk, build):
            return

        def send(on_send: Callable[[], None]) -> Awaitable[Completion[ChunkOut]]:
            return self.llm.complete_json(
                messages,
                schema_name=SCHEMA_NAME,
                schema=OUTPUT_SCHEMA,
                model_type=ChunkOut,
                temperature=0.1,
                max_tokens=max_tokens_for(chunk),
                owner=build.owner,
                check=partial(_meanings_check, build.request.learner_language),
                on_send=on_send,
            )

        try:
            completion = await build.round.ask(send)
        except errors.ContextOverflow as exc:
            if len(chunk.segments) < 2:
                self._gap(chunk, exc, build.outcome)
                return
            log.info("chunk %d overflowed the context; splitting it", chunk.index)
            await self._save(build, fingerprint, {"split": True})
            await self._split(chunk, build)
            return
        except errors.VocabotError as exc:
            self._gap(chunk, exc, build.outcome)
            return
        await self._save(
            build,
            fingerprint,
            {
                "out": completion.value.model_dump(mode="json"),
                "requests": completion.requests,
                "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens,
            },
        )
        self._use(chunk, completion, build)

    async def _split(self, chunk: Chunk, build: _Build) -> None:
        for half in _halves(chunk):
            await self._extract(half, build)

    @staticmethod
    def _gap(chunk: Chunk, exc: errors.VocabotError, outcome: _Outcome) -> None:
        log.warning(
            "chunk %d (%.0f-%.0fs) failed: %s %s",
            *(chunk.index, chunk.start, chunk.end, exc.code, exc),
        )
        outcome.gaps.append(Gap(chunk.start, chunk.end, exc.code))
        outcome.errors.append(exc)


def _halves(chunk: Chunk) -> list[Chunk]:
    middle = len(chunk.segments) // 2
    parts = (chunk.segments[:middle], chunk.segments[middle:])
    out = []
    for part in parts:
        indices = {s.index for s in part}
        out.append(
            Chunk(
                chunk.index,
                part,
                tuple(c for c in chunk.candidates if c.segment in indices),
                chunk.tokens * len(part) // len(chunk.segments),
            )
        )
    return out


def bad_meanings(out: ChunkOut, learner_language: str) -> list[tuple[str, str]]:
    """(term, problem) for every meaning in the answer a learner could not use."""
    found = [(w.l, meaning_problem(w.m, w.l, learner_language)) for w in out.w]
    found += [(p.t, meaning_problem(p.m, p.t, learner_language)) for p in out.p]
    return [(term, problem) for term, problem in found if problem]


def _meanings_problem(bad: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{term!r}: {problem}" for term, problem in bad[:5])
    return f"{len(bad)} meanings are unusable ({shown})"


def _meanings_check(learner_language: str, out: ChunkOut) -> str | None:
    bad = bad_meanings(out, learner_language)
    if not bad:
        return None
    return (
        f"{_meanings_problem(bad)}. Write every meaning in {language_name(learner_language)}, "
        "as a short dictionary meaning, never the word itself"
    )


def _cards(
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
        sentence, start = sentence_around(transcript.segments, candidate.segment, candidate.surface)
        words.append(
            Word(
                lemma=candidate.lemma,
                pos=item.p,
                meaning=_short(item.m),
                sentence=sentence,
                start=start if timed else None,
                zipf=candidate.zipf,
                video_id=transcript.video_id,
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
        sentence, start = sentence_around(transcript.segments, segment.index, text.split()[0])
        phrases.append(
            Phrase(
                text=text,
                meaning=_short(phrase_out.m),
                sentence=sentence,
                start=start if timed else None,
                video_id=transcript.video_id,
            )
        )
    return words, phrases


_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’)]*\s+")
MAX_SENTENCE_CHARS = 300
# Fewer words than this ("Or adopted.", "Yup, question.") teach nothing on a card.
MIN_SENTENCE_WORDS = 5


def sentence_around(segments: Sequence[Segment], index: int, needle: str = "") -> tuple[str, float]:
    """The whole sentence around `needle` in caption line `index`, and the second the line
    holding the sentence's start begins.

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
        return "", 0.0
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
        return text[begin:end], segments[here].start
    units = list(zip(starts, [m.start() + 1 for m in marks] + [len(text)], strict=True))
    start = lines[max(i for i, offset in enumerate(offsets) if offset <= begin)].start
    begin, end = _with_context(text, units, begin, end)
    return text[begin:end].strip(), start


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


def _dedupe_phrases(phrases: list[Phrase]) -> tuple[Phrase, ...]:
    seen: dict[str, Phrase] = {}
    for phrase in sorted(phrases, key=lambda p: p.start or 0.0):
        key = " ".join(lemma_of(t.lower()) for t in tokens(phrase.text))
        seen.setdefault(key, phrase)
    return tuple(seen.values())


def _short(meaning: str) -> str:
    meaning = " ".join(meaning.split())
    return meaning if len(meaning) <= MAX_MEANING else meaning[: MAX_MEANING - 1] + "…"
