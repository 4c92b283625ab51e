"""The simulated vLLM server's latency model, checked against shared/SIMULATOR.md."""

import asyncio

import pytest

from devtools.simllm import CallRecord, Engine, PrefixCache, SimConfig, _Seq

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


def test_prefix_cache_counts_shared_leading_blocks() -> None:
    cache = PrefixCache(block_size=16)
    static = [f"s{i}" for i in range(100)]
    assert cache.lookup_and_insert(static + ["a"] * 50) == 0
    assert cache.lookup_and_insert(static + ["b"] * 50) == 96  # six whole shared blocks
    assert cache.lookup_and_insert(["x", *static]) == 0  # a prefix, not any shared text
