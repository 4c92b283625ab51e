"""The Pipeline: a transcript, planned into chunks, asked about in one round -> a Deck."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from core import errors
from core.llm import Completion, LLMClient
from core.models import Chunk, Deck, DeckStats, Gap, Phrase, Progress, Stage, Transcript, Word
from core.pipeline._cards import (
    bad_meanings,
    cards,
    dedupe_phrases,
    meanings_check,
    meanings_problem,
)
from core.pipeline._checkpoints import (
    Checkpoint,
    answer_record,
    chunk_call,
    save_answer,
    saved_answer,
)
from core.pipeline._order import ranked
from core.pipeline._page import FirstPage
from core.pipeline._planning import (
    TOKENS_PER_MINUTE,
    DeckRequest,
    generated_captions,
    halves,
    plan_chunks,
    planned_tokens,
)
from core.pipeline._round import Round
from core.prompts import OUTPUT_SCHEMA, SCHEMA_NAME, ChunkOut, max_tokens_for
from core.selection import normalise_level
from core.transcripts import TranscriptSource

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], Awaitable[None]]


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


@dataclass
class _Build:
    """What the chunk calls of one build share."""

    transcript: Transcript
    request: DeckRequest
    owner: Hashable
    outcome: _Outcome
    round: Round
    saved: Mapping[str, dict[str, Any]]
    checkpoint: Checkpoint | None
    generated: bool = False  # speech recognition wrote the captions
    page: FirstPage = field(default_factory=lambda: FirstPage((), ""))


class Pipeline:
    def __init__(
        self,
        *,
        source: TranscriptSource,
        llm: LLMClient,
        chunk_tokens: int = 2000,
        chunk_max_items: int = 12,
        chunk_first_items: int | None = None,
        max_video_minutes: int = 180,
        max_build_tokens: int = 0,
        hedge_after: float = 5.0,
    ) -> None:
        """`max_build_tokens`: the most one build may send to the model and ask back (its
        prompts plus each call's output room); 0: what `max_video_minutes` of speech costs."""
        self.source = source
        self.llm = llm
        self.chunk_tokens = chunk_tokens
        self.chunk_max_items = chunk_max_items
        self.chunk_first_items = chunk_first_items
        self.max_video_minutes = max_video_minutes
        self.max_build_tokens = max_build_tokens or max_video_minutes * TOKENS_PER_MINUTE
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
        return plan_chunks(
            transcript,
            request,
            max_tokens=self.chunk_tokens,
            max_items=self.chunk_max_items,
            max_build_tokens=self.max_build_tokens,
            limit_minutes=self.max_video_minutes,
            first_items=self.chunk_first_items,
        )

    async def build(
        self,
        request: DeckRequest,
        progress: ProgressCallback | None = None,
        *,
        owner: Hashable = None,
        checkpoint: Checkpoint | None = None,
        on_tail: Callable[[], None] | None = None,
        admit: Callable[[int], Awaitable[None]] | None = None,
    ) -> Deck:
        """The deck for `request`.

        With a `checkpoint`, chunks answered by an earlier (interrupted) build are not
        asked again, and each new answer is saved as it arrives. `on_tail` is called once
        when only stragglers are left (see `Round`). `admit` is told, before the first
        call, how many tokens the calls still to make may cost (prompts and output room);
        it may refuse them by raising.
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
            round=Round(self.hedge_after, on_tail),
            saved=await checkpoint.load() if checkpoint is not None else {},
            checkpoint=checkpoint,
            generated=generated_captions(transcript),
            page=FirstPage(chunks, normalise_level(request.level)),
        )
        # Chunks answered before a restart first: the bar starts where it stopped.
        fresh: list[Chunk] = []
        for chunk in chunks:
            if self._reuse(chunk, build):
                build.page.settle(chunk.index)
            else:
                fresh.append(chunk)
        reused = done = total - len(fresh)
        if reused:
            log.info("%d of %d chunks answered before: not asked again", reused, total)
        if admit is not None and fresh:
            language = transcript.language
            await admit(await asyncio.to_thread(planned_tokens, fresh, request, language))
        await emit(self._progress(build, done, total, reused))
        await self._ask(fresh, build, emit, total=total, reused=reused)
        return self._deck(chunks, build)

    async def _ask(
        self,
        fresh: list[Chunk],
        build: _Build,
        emit: ProgressCallback,
        *,
        total: int,
        reused: int,
    ) -> None:
        """The round: every chunk not answered before, at once, in one task group."""
        done = reused

        async def run(chunk: Chunk) -> None:
            nonlocal done
            try:
                await self._extract(chunk, build)
            finally:
                build.round.chunk_done()
            build.page.settle(chunk.index)
            done += 1
            await emit(self._progress(build, done, total, reused))

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

    @staticmethod
    def _progress(build: _Build, done: int, total: int, reused: int) -> Progress:
        """Progress of the round, with the first page so far (see core/pipeline/_page.py)."""
        return Progress(
            Stage.EXTRACTING,
            done,
            total,
            reused=reused,
            page=build.page.words,
            found=len(build.outcome.words),
        )

    def _deck(self, chunks: list[Chunk], build: _Build) -> Deck:
        """The deck from the round's outcome, or the reason there is none."""
        transcript, request, outcome = build.transcript, build.request, build.outcome
        if chunks and len(outcome.gaps) == len(chunks):
            # Nothing worked: tell the user why instead of handing over an empty deck.
            raise outcome.errors[0]
        level = normalise_level(request.level)
        words, phrases = ranked(
            outcome.words,
            dedupe_phrases(outcome.phrases),
            chunks,
            level,
            shown=build.page.lemmas,
        )
        if not words and not phrases:
            raise errors.NothingToLearn(transcript.video_id or "")
        return Deck(
            video_id=transcript.video_id,
            title=transcript.title,
            transcript_language=transcript.language,
            learner_language=request.learner_language,
            level=level,
            words=words,
            phrases=phrases,
            missing=tuple(sorted(outcome.gaps, key=lambda g: g.start)),
            stats=DeckStats(
                chunks=len(chunks),
                llm_calls=outcome.requests,
                prompt_tokens=outcome.prompt_tokens,
                completion_tokens=outcome.completion_tokens,
                candidates=sum(len(c.candidates) for c in chunks),
            ),
            simulated=self.llm.simulated,
        )

    def _messages(self, chunk: Chunk, build: _Build) -> tuple[list[dict[str, str]], str]:
        """The call for `chunk`, and its fingerprint (a digest of everything asked)."""
        return chunk_call(
            chunk,
            learner_language=build.request.learner_language,
            level=build.request.level,
            transcript_language=build.transcript.language,
            generated=build.generated,
        )

    def _reuse(self, chunk: Chunk, build: _Build) -> bool:
        """Use `chunk`'s answer from an earlier build, if there is a usable one."""
        _, fingerprint = self._messages(chunk, build)
        completion = saved_answer(chunk, build.saved, fingerprint)
        if completion is None:
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
            self._gap(chunk, errors.LLMBadOutput(meanings_problem(bad)), outcome)
            return
        if bad:
            log.info("chunk %d: dropped %d unusable meanings: %s", chunk.index, len(bad), bad[:3])
        words, phrases = cards(
            chunk,
            completion.value,
            build.transcript,
            dropped=frozenset(t for t, _ in bad),
            generated=build.generated,
            learner_level=normalise_level(build.request.level),
        )
        outcome.words.extend(words)
        outcome.phrases.extend(phrases)
        build.page.answered(chunk.index, words, phrases)

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
                check=partial(meanings_check, build.request.learner_language),
                on_send=on_send,
                # The first page waits on chunk 0 alone: it goes ahead of every queue.
                priority=chunk.index == 0,
            )

        try:
            completion = await build.round.ask(send)
        except errors.ContextOverflow as exc:
            if len(chunk.segments) < 2:
                self._gap(chunk, exc, build.outcome)
                return
            log.info("chunk %d overflowed the context; splitting it", chunk.index)
            await save_answer(build.checkpoint, fingerprint, {"split": True})
            await self._split(chunk, build)
            return
        except errors.VocabotError as exc:
            self._gap(chunk, exc, build.outcome)
            return
        await save_answer(build.checkpoint, fingerprint, answer_record(completion))
        self._use(chunk, completion, build)

    async def _split(self, chunk: Chunk, build: _Build) -> None:
        for half in halves(chunk):
            await self._extract(half, build)

    @staticmethod
    def _gap(chunk: Chunk, exc: errors.VocabotError, outcome: _Outcome) -> None:
        log.warning(
            "chunk %d (%.0f-%.0fs) failed: %s %s",
            *(chunk.index, chunk.start, chunk.end, exc.code, exc),
        )
        outcome.gaps.append(Gap(chunk.start, chunk.end, exc.code))
        outcome.errors.append(exc)
