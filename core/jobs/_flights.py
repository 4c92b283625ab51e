"""Flights: the cache, single-flight builds (one per deck key, shared by every job that
waits for it) and the fair queue of video slots; a part of the in-process runner."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core import errors, log_context
from core.jobs._tracking import Job, Tracker
from core.limiter import FairLimiter
from core.metrics import Metrics
from core.models import Deck, Progress, Stage
from core.pipeline import DeckRequest, Pipeline
from core.prompts import PROMPT_VERSION
from core.spending import Spending
from core.store import CacheKey, JobStatus, Store
from core.subtitles import is_upload_key

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Flight:
    key: CacheKey
    owner: int
    request: DeckRequest
    jobs: list[Job] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    waiting: asyncio.Future[None] | None = None  # our place in the video-slot queue
    last: Progress = field(default_factory=lambda: Progress(Stage.QUEUED))
    created: float = field(default_factory=time.monotonic)
    reserved: int = 0  # tokens reserved from the daily budget, given back when it ends


@dataclass(frozen=True, slots=True)
class StoredChunks:
    """A build's checkpoint: its chunk answers, kept in the store under the deck's key."""

    store: Store
    key: CacheKey

    async def load(self) -> Mapping[str, dict[str, Any]]:
        return await self.store.chunk_results(self.key)

    async def save(self, fingerprint: str, result: dict[str, Any]) -> None:
        await self.store.save_chunk_result(self.key, fingerprint, result)


def without_known(deck: Deck, known: frozenset[str]) -> Deck:
    """The deck minus the learner's known words (the cache holds the full deck)."""
    if not known:
        return deck
    return replace(
        deck,
        words=tuple(w for w in deck.words if w.lemma not in known),
        phrases=tuple(p for p in deck.phrases if p.key not in known),
    )


class Flights(Mapping[CacheKey, Flight]):
    """The builds in flight in this process, one per deck key, each shared by every job
    waiting for that deck, each waiting for a fair video slot; read as a mapping of deck
    keys to flights."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: Store,
        tracker: Tracker,
        model: str,
        languages: tuple[str, ...] = ("en",),
        max_parallel_videos: int = 8,
        metrics: Metrics,
        spending: Spending | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.tracker = tracker
        self.model = model
        self.languages = languages
        self.slots = FairLimiter(max_parallel_videos)
        self.metrics = metrics
        self.spending = spending
        self.pipeline_runs = 0
        self._flights: dict[CacheKey, Flight] = {}

    def __getitem__(self, key: CacheKey) -> Flight:
        return self._flights[key]

    def __iter__(self) -> Iterator[CacheKey]:
        return iter(self._flights)

    def __len__(self) -> int:
        return len(self._flights)

    def tasks(self) -> list[asyncio.Task[None]]:
        """The builds running or waiting for a slot."""
        return [f.task for f in self._flights.values() if f.task is not None]

    def leave(self, job: Job) -> None:
        """Take `job` out of its flight; the last job leaving stops the build's LLM calls."""
        for flight in list(self._flights.values()):
            if job in flight.jobs:
                flight.jobs.remove(job)
                if not flight.jobs and flight.task is not None:
                    flight.task.cancel()  # nobody wants it any more

    async def abandon(self, key: CacheKey) -> list[Job]:
        """Stop building `key` here; returns the jobs that waited for it, not ended."""
        flight = self._flights.pop(key, None)
        if flight is None:
            return []
        jobs, flight.jobs = flight.jobs, []
        if flight.task is not None:
            flight.task.cancel()
            await asyncio.gather(flight.task, return_exceptions=True)
        return jobs

    def builds(self) -> tuple[int, int]:
        """Builds running and waiting in this process."""
        return self.slots.in_use, self.slots.waiting

    def cache_key(self, video_id: str, learner_language: str, level: str) -> CacheKey:
        return CacheKey(
            video_id=video_id,
            languages=",".join(self.languages),
            learner_language=learner_language,
            level=level,
            prompt_version=PROMPT_VERSION,
            model=self.model,
            backend=self.pipeline.llm.backend,
        )

    async def cached(self, key: CacheKey) -> Deck | None:
        """The cached deck for `key`; never a simulated one for a run on a real server."""
        deck = await self.store.cached_deck(key)
        if deck is not None and deck.simulated and not self.pipeline.llm.simulated:
            log.warning("ignoring a simulated deck cached for %s", key.video_id)
            deck = None
        self.metrics.cache_lookups.labels("miss" if deck is None else "hit").inc()
        return deck

    def _attach(self, job: Job, key: CacheKey) -> None:
        if not self.tracker.drain.accepting:
            log.info("job %s stays queued: shutting down; it resumes at the next start", job.id)
            return
        flight = self._flights.get(key)
        if flight is None:
            request = DeckRequest(
                video_id=key.video_id,
                learner_language=key.learner_language,
                level=key.level,
                languages=self.languages,
            )
            flight = Flight(key=key, owner=job.user.id, request=request)
            self._flights[key] = flight
            flight.jobs.append(job)
            flight.task = asyncio.create_task(self._fly(flight), name=f"flight-{key.video_id}")
        else:
            log.info("job %s joins the running build of %s", job.id, key.video_id)
            flight.jobs.append(job)
            if flight.waiting is not None and not flight.waiting.done():
                self._announce_positions()  # the newcomer sees its place in line too
            else:
                self.tracker.post(job, flight.last)

    async def start(
        self, job: Job, key: CacheKey, cached: Deck | None, *, taken: bool = False
    ) -> None:
        """Deliver the cached deck, or join or start the build. `taken`: a build was taken
        from the learner's daily quota for this job; it is given back unless one starts."""
        if cached is not None:
            log.info("cache hit %s for user %s: no LLM calls", key.video_id, job.user.id)
            await self.give_back(job.user.id, taken)
            await self._deliver(job, cached, cached_hit=True)
            return
        starts = key not in self._flights
        self._attach(job, key)
        if not starts:
            await self.give_back(job.user.id, taken)  # joined: costs nothing

    async def give_back(self, user_id: int, taken: bool) -> None:
        if taken and self.spending is not None:
            await self.spending.give_back(user_id)

    # -- running -----------------------------------------------------------------------

    async def _fly(self, flight: Flight) -> None:
        try:
            deck = await self._run(flight)
            await self._settle(flight)
            try:
                await self.store.cache_deck(flight.key, deck)
            except Exception:  # the cache saves later requests; these ones get their deck
                log.exception("could not cache the deck of %s", flight.key.video_id)
            for job in list(flight.jobs):
                await self._deliver(job, deck)
        except asyncio.CancelledError:
            await asyncio.shield(self._settle(flight))
            raise
        except errors.VocabotError as exc:
            await self._settle(flight)
            self.metrics.builds.labels("failed").inc()
            for job in list(flight.jobs):
                await self._fail(job, exc)
        except Exception as exc:
            await self._settle(flight)
            self.metrics.builds.labels("failed").inc()
            log.exception("build of %s crashed", flight.key.video_id)
            for job in list(flight.jobs):
                await self._fail(job, errors.InternalError(f"{type(exc).__name__}: {exc}"))
        finally:
            self._flights.pop(flight.key, None)
            self._announce_positions()

    async def _run(self, flight: Flight) -> Deck:
        """Wait for a video slot, then build the deck."""

        def waiting(future: asyncio.Future[None]) -> None:
            flight.waiting = future
            self._announce_positions()

        async with self.slots.slot(flight.owner, on_wait=waiting) as lease:
            flight.waiting = None
            self._announce_positions()
            self.pipeline_runs += 1
            log.info("pipeline run for %s (%d job(s))", flight.key.video_id, len(flight.jobs))
            started = time.monotonic()
            self.metrics.queue_wait_seconds.observe(started - flight.created)
            for job in flight.jobs:
                await self.store.update_job(job.id, status=JobStatus.RUNNING)

            async def progress(p: Progress) -> None:
                flight.last = p
                log_context.update(stage=p.stage.value)
                for job in list(flight.jobs):
                    self.tracker.post(job, p)

            def tail() -> None:
                # Only stragglers are left (being asked again): let the next video in.
                lease.release()
                self._announce_positions()

            async def admit(tokens: int) -> None:
                # Planned: reserve what it may spend before its first call (or stop here).
                if self.spending is not None:
                    flight.reserved += await self.spending.reserve(flight.owner, tokens)

            deck = await self.pipeline.build(
                await self._request(flight),
                progress,
                owner=flight.owner,
                checkpoint=StoredChunks(self.store, flight.key),
                on_tail=tail,
                admit=admit,
            )
        self._built(flight, deck, time.monotonic() - started)
        return deck

    async def _settle(self, flight: Flight) -> None:
        """Write the tokens the build spent, before its jobs are told (a shutdown waits
        for a build until then); a failure here never fails the build."""
        if self.spending is None:
            return
        reserved, flight.reserved = flight.reserved, 0
        try:
            await self.spending.settle(flight.owner, reserved=reserved)
        except Exception:
            log.exception("could not record what the build of %s spent", flight.key.video_id)

    def _built(self, flight: Flight, deck: Deck, seconds: float) -> None:
        outcome = "partial" if deck.is_partial else "built"
        self.metrics.builds.labels(outcome).inc()
        self.metrics.build_seconds.observe(seconds)
        s = deck.stats
        log.info(
            "build of %s %s in %.1fs: %d calls, %d + %d tokens",
            *(flight.key.video_id, outcome, seconds, s.llm_calls),
            *(s.prompt_tokens, s.completion_tokens),
            extra={"duration": round(seconds, 3), "stage": "done"},
        )

    async def _request(self, flight: Flight) -> DeckRequest:
        """What to build: a video, or a subtitle file a learner sent (read back from the
        store, so a job resumed after a restart still has it)."""
        if not is_upload_key(flight.key.video_id):
            return flight.request
        upload = await self.store.get_upload(flight.key.video_id)
        if upload is None:
            raise errors.TranscriptFileError(f"{flight.key.video_id} is not stored")
        # parsed once (when it was checked), off the loop
        transcript = await asyncio.to_thread(upload.transcript, keep=False)
        return replace(flight.request, video_id=upload.video_id, transcript=transcript)

    async def _deliver(self, job: Job, deck: Deck, *, cached_hit: bool = False) -> None:
        """Save the job's deck and finish it; a failure fails this job only."""
        try:
            # The page shown while building stays until the deck replaces it.
            self.tracker.post(job, Progress(Stage.SAVING, page=job.last.page, found=job.last.found))
            known = await self.store.known_words(job.user.id)
            info = await self.store.save_deck(job.user.id, without_known(deck, known))
            done = Progress(Stage.DONE, len(deck.words), len(deck.words))
            await self.store.update_job(
                job.id, status=JobStatus.DONE, progress=done, deck_id=info.id
            )
        except asyncio.CancelledError:
            raise
        except errors.VocabotError as exc:
            await self._fail(job, exc)
            return
        except Exception as exc:
            log.exception("saving the deck of job %s failed", job.id)
            await self._fail(job, errors.InternalError(f"{type(exc).__name__}: {exc}"))
            return
        outcome = "cached" if cached_hit else "partial" if deck.is_partial else "built"
        self.tracker.ended_as(job, outcome)
        self.tracker.finish(
            job,
            replace(self.tracker.update(job, done), deck=info, cached=cached_hit, stats=deck.stats),
        )

    async def _fail(self, job: Job, exc: errors.VocabotError) -> None:
        if job.finished:
            return  # delivered (or cancelled) already: a finished job stays as it ended
        log.info("job %s failed: %s (%s)", job.id, exc.code, exc.detail)
        self.tracker.ended_as(job, "failed")
        failed = Progress(Stage.FAILED, detail=exc.code)
        try:
            await self.store.update_job(
                job.id,
                status=JobStatus.FAILED,
                progress=failed,
                error_code=exc.code,
                error_message=exc.user_message,
            )
        except Exception:  # the user is told all the same; the row resumes at the next start
            log.exception("could not record the failure of job %s", job.id)
        self.tracker.finish(job, replace(self.tracker.update(job, failed), error=exc))

    def _announce_positions(self) -> None:
        for flight in self._flights.values():
            if flight.waiting is None or flight.waiting.done():
                continue
            index = self.slots.waiting_index(flight.owner, flight.waiting)
            if index is None:
                continue
            ahead = self.slots.position(flight.owner, index)
            for job in flight.jobs:
                self.tracker.post(job, Progress(Stage.QUEUED, queue_position=ahead))
