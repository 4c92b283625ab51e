"""The whole pipeline against the simulated vLLM server over real HTTP."""

from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import httpx
import pytest

from core import errors
from core.limiter import FairLimiter
from core.llm import LLMClient
from core.models import Progress, Segment, Stage, Transcript
from core.pipeline import DeckRequest, Pipeline
from core.selection import select
from core.transcripts import DirectorySource, load_transcript_file, load_transcript_text
from devtools.glosses import simulated_meaning
from devtools.samples import SAMPLES_DIR, SLEEP_TALK
from tests.conftest import Sim, Sleeps


async def test_one_call_per_chunk_and_a_full_deck(pipeline: Pipeline, sim: Sim) -> None:
    seen: list[Progress] = []

    async def on_progress(p: Progress) -> None:
        seen.append(p)

    deck = await pipeline.build(DeckRequest("vocabDemo01"), on_progress)
    chunks = deck.stats.chunks
    assert chunks >= 10
    assert deck.stats.llm_calls == chunks == len(sim.server.calls)
    assert deck.stats.prompt_tokens == sum(c.prompt_tokens for c in sim.server.calls)
    assert not deck.is_partial

    lemmas = [w.lemma for w in deck.words]
    assert len(lemmas) == len(set(lemmas)), "no duplicate lemmas"
    assert {"consolidation", "hippocampus", "deprivation"} <= set(lemmas)
    assert not {"the", "sleep", "brain", "people"} & set(lemmas)
    word = next(w for w in deck.words if w.lemma == "hippocampus")
    assert "hippocampus" in word.sentence.lower()
    assert word.link is not None and word.link.startswith("https://youtu.be/vocabDemo01?t=")
    assert word.meaning == simulated_meaning("hippocampus", "ko")
    # ranked, not in order of appearance: the learner's level (B1) or one above leads
    assert [w.start for w in deck.words] != sorted(w.start or 0 for w in deck.words)
    assert {w.level for w in deck.words[:5]} <= {"B1", "B2"}
    assert any(p.text == "wrap up" and "wrap up" in p.sentence for p in deck.phrases)

    stages = [p.stage for p in seen]
    assert stages[:3] == [Stage.TRANSCRIPT, Stage.ANALYSING, Stage.EXTRACTING]
    extracting = [p for p in seen if p.stage == Stage.EXTRACTING]
    assert [p.done for p in extracting] == list(range(chunks + 1))
    assert all(p.total == chunks for p in extracting)


async def test_prompts_share_a_cached_prefix(pipeline: Pipeline, sim: Sim) -> None:
    await pipeline.build(DeckRequest("vocabDemo01"))
    later = sim.server.calls[1:]
    assert all(c.cached_tokens > 0 for c in later), "static prompt text first, chunk last"


async def test_known_words_never_reach_the_model(pipeline: Pipeline, sim: Sim) -> None:
    deck = await pipeline.build(
        DeckRequest("vocabDemo01", known_words=frozenset({"hippocampus", "consolidation"}))
    )
    assert not {"hippocampus", "consolidation"} & {w.lemma for w in deck.words}


async def test_a_chunk_that_keeps_failing_leaves_a_partial_deck(
    pipeline: Pipeline, sim: Sim
) -> None:
    transcript = load_transcript_file(SLEEP_TALK)
    # Every call for the chunk holding this sentence fails with 500, retries included.
    sim.config.fault_rules.append(("rats running through mazes", "500"))
    deck = await pipeline.build(DeckRequest(None, transcript=transcript))
    assert deck.is_partial and len(deck.missing) == 1
    gap = deck.missing[0]
    assert gap.reason == "llm_unavailable"
    maze = next(s for s in transcript.segments if "rats running through mazes" in s.text)
    assert gap.start <= maze.start <= gap.end
    assert deck.words, "the other chunks still made cards"
    assert all(not (gap.start <= (w.start or 0) < gap.end) for w in deck.words)
    failed = [c for c in sim.server.calls if c.status == 500]
    assert len(failed) == pipeline.llm.max_attempts
    assert deck.stats.llm_calls == deck.stats.chunks - 1  # successful calls counted


async def test_when_every_chunk_fails_the_user_is_told_why(pipeline: Pipeline, sim: Sim) -> None:
    sim.config.fault_rates["500"] = 1.0
    with pytest.raises(errors.LLMUnavailable):
        await pipeline.build(DeckRequest("vocabDemo02"))


async def test_a_context_overflow_splits_the_chunk(pipeline: Pipeline, sim: Sim) -> None:
    sim.config.fault_queue[:] = ["overflow"]
    transcript = load_transcript_file(SLEEP_TALK)
    deck = await pipeline.build(DeckRequest(None, transcript=transcript))
    assert not deck.is_partial
    expected = {c.lemma for c in select(transcript.segments, learner_language="ko").words}
    assert {w.lemma for w in deck.words} <= expected
    assert len(deck.words) >= 0.9 * len(expected), "only pieces of phrases left out"
    assert deck.stats.llm_calls == deck.stats.chunks + 1  # one chunk became two calls


async def test_model_output_is_not_trusted(pipeline: Pipeline, sim: Sim) -> None:
    """An invented word is dropped; a phrase at a made-up segment goes to its real one."""
    sim.config.fault_queue[:] = ["invent"]
    text = "0:01 The theory was controversial.\n0:05 They had to figure out the details.\n"
    transcript = load_transcript_text(text, ".txt", video_id="abcdefghij1")
    deck = await pipeline.build(DeckRequest(None, level="B1", transcript=transcript))
    assert "zyzzyva" not in {w.lemma for w in deck.words}
    assert "controversial" in {w.lemma for w in deck.words}
    assert [(p.text, p.start) for p in deck.phrases] == [("figure out", 5.0)]


async def test_too_long_video(pipeline: Pipeline) -> None:
    pipeline.max_video_minutes = 2
    with pytest.raises(errors.VideoTooLong) as info:
        await pipeline.build(DeckRequest("vocabDemo01"))
    assert "up to 2 minutes" in info.value.user_message


async def test_nothing_to_learn(pipeline: Pipeline, sim: Sim) -> None:
    transcript = load_transcript_text("0:01 I am here.\n0:02 You are there.\n", ".txt")
    with pytest.raises(errors.NothingToLearn):
        await pipeline.build(DeckRequest(None, transcript=transcript))


async def test_missing_captions(pipeline: Pipeline) -> None:
    with pytest.raises(errors.NoCaptions):
        await pipeline.build(DeckRequest("zzzzzzzzzz1"))


# -- hangs, checkpoints and unexpected errors in the parallel round ----------------------------


@dataclass
class MemoryCheckpoint:
    """A checkpoint in a dict: what a build handed over, and what it gets back."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def load(self) -> dict[str, dict[str, Any]]:
        return dict(self.answers)

    async def save(self, fingerprint: str, result: dict[str, Any]) -> None:
        self.answers[fingerprint] = result


class PipelineOptions(TypedDict, total=False):
    hedge_after: float


def patient_pipeline(
    sim: Sim, http: httpx.AsyncClient, **options: Unpack[PipelineOptions]
) -> Pipeline:
    """One attempt per call and a long timeout: only hedging can rescue a hung call."""
    llm = LLMClient(
        http, base_url=sim.url, model=sim.config.model, timeout=60, max_attempts=1, sleep=Sleeps()
    )
    return Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm, **options)


async def test_a_hung_straggler_is_asked_again_once_the_rest_is_done(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    pipeline = patient_pipeline(sim, http, hedge_after=0.01)
    sim.config.fault_queue[:] = ["", "", "hang"]  # the third call never answers
    deck = await pipeline.build(DeckRequest("vocabDemo02"))
    assert not deck.is_partial, "the straggler's twin answered"
    chunks = deck.stats.chunks
    assert chunks >= 3, "the hung call is one of several"
    assert [c.status for c in sim.server.calls].count(200) == chunks
    assert len(sim.server.calls) == chunks + 1, "one hung call, asked once more"
    assert pipeline.llm.limiter.in_use == 0, "the hung request was hung up on"


async def test_no_twin_while_the_rest_of_the_video_is_still_running(
    pipeline: Pipeline, sim: Sim
) -> None:
    pipeline.hedge_after = 0.01
    pipeline.llm.limiter = FairLimiter(2)  # the video's calls wait their turn in waves
    deck = await pipeline.build(DeckRequest("vocabDemo01"))
    assert len(sim.server.calls) == deck.stats.chunks, "nobody straggled: no extra calls"


async def test_answers_are_saved_as_they_come_and_reused(pipeline: Pipeline, sim: Sim) -> None:
    checkpoint = MemoryCheckpoint()
    first = await pipeline.build(DeckRequest("vocabDemo02"), checkpoint=checkpoint)
    assert len(checkpoint.answers) == first.stats.chunks == len(sim.server.calls)

    del checkpoint.answers[next(iter(checkpoint.answers))]  # as if one never got saved
    seen: list[Progress] = []

    async def on_progress(p: Progress) -> None:
        seen.append(p)

    again = await pipeline.build(DeckRequest("vocabDemo02"), on_progress, checkpoint=checkpoint)
    assert len(sim.server.calls) == first.stats.chunks + 1, "only the missing chunk is asked"
    assert again.words == first.words and again.phrases == first.phrases
    extracting = [p for p in seen if p.stage == Stage.EXTRACTING]
    total = first.stats.chunks
    assert [(p.done, p.reused) for p in extracting] == [(total - 1, total - 1), (total, total - 1)]


async def test_an_unexpected_error_stops_the_sibling_calls(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    pipeline = patient_pipeline(sim, http)
    request = DeckRequest("vocabDemo02")
    chunks = pipeline.plan(await pipeline.fetch_transcript(request), request)
    assert len(chunks) >= 3, "siblings to stop"
    # every call hangs but the last to arrive, which answers while the others wait (a fixed
    # count of hangs waited out a whole timeout once the video had fewer chunks than that)
    sim.config.fault_queue[:] = ["hang"] * (len(chunks) - 1)

    async def broken_progress(p: Progress) -> None:
        if p.stage == Stage.EXTRACTING and p.done:
            raise RuntimeError("a bug in a progress callback")

    with pytest.raises(RuntimeError, match="a bug"):
        await pipeline.build(request, broken_progress)
    assert [c.status for c in sim.server.calls].count(0) == len(chunks) - 1, "they were hung"
    assert sim.ok_calls() == 1
    assert pipeline.llm.limiter.in_use == 0, "no sibling call is left running"


def _dense(minutes: int, density: int) -> Transcript:
    """A transcript of `minutes` whose every line holds `density` lines' worth of talk."""
    lines = load_transcript_file(SLEEP_TALK).segments
    segments = tuple(
        Segment(i, i * 4.0, 4.0, " ".join(lines[(i + k) % len(lines)].text for k in range(density)))
        for i in range(minutes * 15)
    )
    return Transcript("dense000001", "en", segments)


async def test_a_link_with_more_text_than_its_minutes_allow_costs_no_llm_call(
    llm: LLMClient, sim: Sim
) -> None:
    """The length cap read only time stamps: 10 minutes of 20 lines a cue went to the model."""
    pipeline = Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm, max_video_minutes=20)
    with pytest.raises(errors.TooMuchText) as refused:
        await pipeline.build(DeckRequest(None, transcript=_dense(10, 20)))
    assert "20-minute" in refused.value.user_message
    assert sim.ok_calls() == 0 and len(sim.server.calls) == 0
    # the same minutes of ordinary talk are built
    deck = await pipeline.build(DeckRequest(None, transcript=_dense(10, 1)))
    assert deck.words and sim.ok_calls() > 0
