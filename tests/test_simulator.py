"""The simulated vLLM server's latency model, checked against docs/simulator.md."""

import asyncio
import re
import statistics

import pytest

from devtools.answers import seed_words
from devtools.glosses import MEANING_TOKENS, count_tokens, simulated_meaning
from devtools.simllm import CallRecord, Engine, PrefixCache, SimConfig, Stopped, _Seq

SPEEDUP = 40.0


def seq(i: int, prompt: int = 1500, cached: int = 1000, output: int = 400) -> _Seq:
    record = CallRecord(i, "t", 200, None, prompt, cached, output, 0.0)
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    return _Seq(record, prompt, prompt - cached, output, future)


async def run_batch(n: int, config: SimConfig | None = None) -> list[CallRecord]:
    engine = Engine(config or SimConfig(speedup=SPEEDUP))
    seqs = [seq(i) for i in range(n)]
    await asyncio.gather(*(engine.run(s) for s in seqs))
    await engine.stop()
    return [s.record for s in seqs]


@pytest.mark.parametrize(("n", "expected"), [(1, 4.6), (8, 6.3), (32, 12.0), (64, 20.0)])
async def test_worked_examples_of_the_latency_model(n: int, expected: float) -> None:
    """P = 1,500 with 1,000 cached, O = 400, N in the batch (SIMULATOR.md's figures)."""
    records = await run_batch(n)
    slowest = max(r.e2e for r in records)
    assert slowest == pytest.approx(expected, rel=0.12)
    assert all(r.first_token > r.arrival for r in records)


async def test_time_per_token_grows_slowly_with_the_batch() -> None:
    one = max(r.e2e for r in await run_batch(1))
    eight = max(r.e2e for r in await run_batch(8))
    assert one < eight < 8 * one / 4, "8 parallel calls cost far less than 8 sequential ones"


async def test_past_max_num_seqs_requests_queue_instead_of_failing() -> None:
    records = await run_batch(4, SimConfig(speedup=SPEEDUP, max_num_seqs=2))
    admitted_late = [r for r in records if r.admitted > r.arrival + 1.0]
    assert len(admitted_late) == 2
    assert all(r.finished > 0 for r in records)


async def test_stopping_the_engine_ends_the_calls_still_in_it() -> None:
    """The server going away answers its calls in flight at once (503 over HTTP): they
    no longer held their connections until uvicorn gave up on them a second later."""
    engine = Engine(SimConfig(speedup=1.0, max_num_seqs=2))  # each call takes seconds
    running = [asyncio.ensure_future(engine.run(seq(i))) for i in range(3)]
    await asyncio.sleep(0)  # each call enters the engine
    assert (engine.running, engine.queued) == (2, 1)
    await engine.stop()
    for call in running:
        with pytest.raises(Stopped):
            await call
    assert (engine.running, engine.queued) == (0, 0)


def test_prefix_cache_counts_shared_leading_blocks() -> None:
    cache = PrefixCache(block_size=16)
    static = [f"s{i}" for i in range(100)]
    assert cache.lookup_and_insert(static + ["a"] * 50) == 0
    assert cache.lookup_and_insert(static + ["b"] * 50) == 96  # six whole shared blocks
    assert cache.lookup_and_insert(["x", *static]) == 0  # a prefix, not any shared text


async def test_decoding_under_a_json_grammar_costs_compile_time_and_per_step_time() -> None:
    """xgrammar's cost: the schema compiles once (its first request waits), and each decode
    step builds one token mask per constrained sequence."""
    config = SimConfig(speedup=SPEEDUP)

    async def slowest(constrained: bool) -> float:
        engine = Engine(config)
        seqs = [seq(i) for i in range(8)]
        for s in seqs:
            s.record.constrained = constrained
            s.not_before = config.grammar_compile_s if constrained else 0.0
        await asyncio.gather(*(engine.run(s) for s in seqs))
        await engine.stop()
        return max(s.record.e2e for s in seqs)

    free, constrained = await slowest(False), await slowest(True)
    expected = config.grammar_compile_s + 399 * 8 * config.grammar_token_s
    assert constrained - free == pytest.approx(expected, rel=0.25)


def test_the_stand_in_tokenizer_counts_scripts_at_qwens_letters_per_token() -> None:
    assert len(count_tokens("consolidation of memories")) == 7  # English as before
    assert len(count_tokens("파다, 캐다")) == 5  # Hangul: about one token a syllable
    assert len(count_tokens("掘る、掘り下げる")) == 6
    assert len(count_tokens("копать, рыть")) == 6


@pytest.mark.parametrize("lang", ["ko", "ja", "zh", "es", "ru", "fr"])
def test_simulated_meanings_are_as_long_as_real_glosses(lang: str) -> None:
    real = MEANING_TOKENS.get(lang, MEANING_TOKENS["es"])
    terms = [f"term{i}" for i in range(400)]
    once = [len(count_tokens(simulated_meaning(t, lang))) for t in terms]
    twice = [len(count_tokens(simulated_meaning(t, lang, 2.0))) for t in terms]
    assert statistics.mean(once) == pytest.approx(statistics.mean(real), rel=0.1)
    assert statistics.mean(twice) == pytest.approx(2 * statistics.mean(real), rel=0.1)
    assert max(once) <= max(real) + 1


@pytest.mark.parametrize(
    ("lang", "script"),
    [("ko", "[가-힣]"), ("ja", "[ぁ-ゟ]"), ("zh", "[一-鿿]"), ("ru", "[а-яё]"), ("es", "[a-z]")],
)
def test_simulated_meanings_stay_in_the_learner_script_and_never_hold_the_word(
    lang: str, script: str
) -> None:
    letters = re.compile(rf"^(?:{script}|[\s,、，])+$")
    for term in ("ba", "rat", "tone", "sleep", "consolidation", "ma"):
        for scale in (1.0, 2.0):
            meaning = simulated_meaning(term, lang, scale)
            assert letters.match(meaning), meaning
            assert term not in meaning
            assert not re.search(r"(.)\1\1", meaning), meaning


def test_the_seed_word_list_holds_content_words_not_function_words() -> None:
    answer = seed_words("Because their brains were busy, we're told, while sleeping rats explore.")
    assert [w["word"] for w in answer["words"]] == [
        "brains",
        "busy",
        "told",
        "sleeping",
        "rats",
        "explore",
    ]
