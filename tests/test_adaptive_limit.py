"""The LLM client's in-flight limit sized to the server: AIMD on 429/503 and on answers
slowing down (core/llm/_adaptive.py), over a FairLimiter whose capacity can change."""

from __future__ import annotations

import asyncio

from core.limiter import FairLimiter
from core.llm._adaptive import AdaptiveLimit


async def test_more_capacity_lets_a_waiter_in_and_less_holds_the_next_back() -> None:
    limiter = FairLimiter(2)
    held = [limiter.slot("a"), limiter.slot("b")]
    for slot in held:
        await slot.__aenter__()
    entered = asyncio.Event()

    async def third() -> None:
        async with limiter.slot("c"):
            entered.set()
            await asyncio.Event().wait()  # holds its slot until cancelled

    task = asyncio.create_task(third())
    await asyncio.sleep(0)
    assert not entered.is_set() and limiter.waiting == 1
    limiter.resize(3)
    await entered.wait()
    assert limiter.in_use == 3

    limiter.resize(1)  # three held: nobody else gets in until fewer than one are
    fourth = asyncio.create_task(limiter.slot("d").__aenter__())
    await held[0].__aexit__(None, None, None)
    await held[1].__aexit__(None, None, None)
    await asyncio.sleep(0)
    assert not fourth.done() and limiter.in_use == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await fourth  # the last slot back: the fourth is in
    assert limiter.in_use == 1 and limiter.waiting == 0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_answers_in_good_time_double_the_limit_then_add_about_one_call_per_round() -> None:
    clock = Clock()
    limiter = FairLimiter(128)
    adaptive = AdaptiveLimit(limiter, start=16, ceiling=128, clock=clock)
    assert limiter.capacity == 16
    for _ in range(16):  # slow start: a round of 16 answers doubles it
        adaptive.answered(sent=0.0, seconds=2.0, completion_tokens=200)
    assert limiter.capacity == 32
    clock.now = 1.0
    adaptive.refused(sent=1.0, status=429)  # the first trouble ends slow start
    assert limiter.capacity == 16
    for _ in range(17):  # then a round of 16 answers, and one, add one
        adaptive.answered(sent=2.0, seconds=2.0, completion_tokens=200)
    assert limiter.capacity == 17
    for _ in range(20000):
        adaptive.answered(sent=2.0, seconds=2.0, completion_tokens=200)
    assert limiter.capacity == 128, "never past LLM_MAX_CONCURRENCY"


def test_a_429_halves_the_limit_once_per_round() -> None:
    clock = Clock()
    limiter = FairLimiter(64)
    adaptive = AdaptiveLimit(limiter, start=32, ceiling=64, clock=clock)
    clock.now = 10.0
    adaptive.refused(sent=9.0, status=429)
    assert limiter.capacity == 16
    adaptive.refused(sent=9.5, status=503)  # sent before the cut: the same round
    assert limiter.capacity == 16
    adaptive.refused(sent=10.5, status=503)  # a call sent after it: the server still refuses
    assert limiter.capacity == 8
    for _ in range(10):
        clock.now += 1
        adaptive.refused(sent=clock.now, status=429)
    assert limiter.capacity == 1, "never below one call"


def test_answers_slowing_down_take_a_tenth_off() -> None:
    clock = Clock()
    limiter = FairLimiter(64)
    adaptive = AdaptiveLimit(limiter, start=40, ceiling=64, clock=clock)
    adaptive.answered(sent=0.0, seconds=2.0, completion_tokens=200)  # 10 ms a token: the best
    grown = limiter.capacity
    clock.now = 5.0
    for _ in range(12):  # 50 ms a token: the average climbs past twice the best
        adaptive.answered(sent=clock.now, seconds=10.0, completion_tokens=200)
        clock.now += 0.1
    assert limiter.capacity < grown
    assert limiter.capacity >= 1
