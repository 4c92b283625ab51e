"""The timing model: vLLM's continuous batching in model seconds (docs/simulator.md).

    TTFT  = t_o + (queued prefill ahead + uncached prompt tokens) / R_pf
    TPOT  = t0 + k_seq * (N - 1) + k_kv * (context tokens in the batch) / 1000
            + k_grammar * (sequences in the batch decoding under a JSON grammar)
    E2E   = TTFT + (O - 1) * TPOT, with N changing as requests join and leave

The engine advances model time lazily and plays it back divided by `speedup`.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from devtools.simllm.config import CallRecord, SimConfig


class Stopped(Exception):
    """The engine stopped before this call's answer was done."""


@dataclass(eq=False)
class _Seq:
    record: CallRecord
    prompt: int
    uncached: int
    output: int
    done: asyncio.Future[None]
    first_token_at: float = 0.0
    finish_step: int = 0
    not_before: float = 0.0  # model time its grammar is compiled


class Grammars:
    """xgrammar's compile cost: each distinct response_format compiles once per server,
    and every request under it waits until it is ready."""

    def __init__(self, compile_s: float) -> None:
        self.compile_s = compile_s
        self._ready: dict[str, float] = {}  # response_format -> model time it is compiled

    def ready_at(self, response_format: dict[str, Any], arrival: float) -> float:
        key = json.dumps(response_format, sort_keys=True)
        return self._ready.setdefault(key, arrival + self.compile_s)

    def clear(self) -> None:
        self._ready.clear()


class Engine:
    """Continuous batching in model time, advanced lazily and played back in real time."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._origin = time.monotonic()
        self.v = 0.0  # model time processed so far
        self.step = 0
        self._waiting: list[_Seq] = []
        self._prefilling: list[_Seq] = []
        self._decoding: list[tuple[int, int, _Seq]] = []  # heap of (finish_step, id, seq)
        self._kv = 0  # context tokens held by decoding sequences
        self._constrained = 0  # decoding sequences under a grammar
        self._prefill_free = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.peak_running = 0

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.config.speedup

    @property
    def running(self) -> int:
        return len(self._prefilling) + len(self._decoding)

    @property
    def queued(self) -> int:
        return len(self._waiting)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="sim-engine")

    async def stop(self) -> None:
        """Stop the clock. Calls still in the engine end now with `Stopped` (the server is
        going away), instead of holding their connections until the server gives up."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for seq in (*self._waiting, *self._prefilling, *(seq for _, _, seq in self._decoding)):
            if not seq.done.done():
                seq.done.set_exception(Stopped())
        self._waiting, self._prefilling, self._decoding = [], [], []
        self._kv = self._constrained = 0

    async def run(self, seq: _Seq) -> None:
        self.start()
        self._advance(self.now())
        # A call's time starts when the server received it (the record's arrival), so the
        # simulator's own work on it (parsing, building the answer) is server time, never
        # mistaken for the client's overhead.
        self._waiting.append(seq)
        self._admit()
        self._wake.set()
        await seq.done

    # -- the model -------------------------------------------------------------------

    def _tpot(self) -> float:
        c = self.config
        n = len(self._decoding)
        grammar = c.grammar_token_s * self._constrained
        return c.t0 + c.k_seq * max(n - 1, 0) + c.k_kv * self._kv / 1000 + grammar

    def _admit(self) -> None:
        c = self.config
        while self._waiting and self.running < c.max_num_seqs:
            seq = self._waiting.pop(0)
            # a request whose grammar is still compiling is not scheduled yet
            start = max(seq.record.arrival, self.v, self._prefill_free, seq.not_before)
            self._prefill_free = start + seq.uncached / c.prefill_rate
            seq.record.admitted = start
            seq.first_token_at = self._prefill_free + c.t_overhead
            self._prefilling.append(seq)
        self.peak_running = max(self.peak_running, self.running)

    def _finish(self, seq: _Seq, at: float) -> None:
        seq.record.finished = at
        if not seq.done.done():
            seq.done.set_result(None)

    def _promote(self) -> None:
        """Sequences whose first token is out join the decode batch."""
        ready = [s for s in self._prefilling if s.first_token_at <= self.v]
        for seq in ready:
            self._prefilling.remove(seq)
            seq.record.first_token = seq.first_token_at
            if seq.output <= 1:
                self._finish(seq, seq.first_token_at)
                continue
            seq.finish_step = self.step + seq.output - 1
            heapq.heappush(self._decoding, (seq.finish_step, seq.record.id, seq))
            self._kv += seq.prompt + 1
            self._constrained += seq.record.constrained
        if ready:
            self._admit()

    def _advance(self, to: float) -> None:
        while True:
            self._promote()
            if not self._decoding:
                if not self._prefilling:
                    self.v = max(self.v, to)
                    return
                nxt = min(s.first_token_at for s in self._prefilling)
                if nxt > to:
                    self.v = max(self.v, to)
                    return
                self.v = max(self.v, nxt)
                continue
            d = self._tpot()
            if self.v + d > to:
                return
            self.v += d
            self.step += 1
            self._kv += len(self._decoding)
            while self._decoding and self._decoding[0][0] <= self.step:
                _, _, seq = heapq.heappop(self._decoding)
                self._kv -= seq.prompt + seq.output
                self._constrained -= seq.record.constrained
                self._finish(seq, self.v)
                self._admit()

    def _next_event(self) -> float | None:
        times = [s.first_token_at for s in self._prefilling]
        if self._decoding:
            steps = self._decoding[0][0] - self.step
            times.append(self.v + max(steps, 1) * self._tpot())
        return min(times) if times else None

    async def _loop(self) -> None:
        while True:
            self._advance(self.now())
            nxt = self._next_event()
            self._wake.clear()
            timeout = None if nxt is None else max(0.0, (nxt - self.now()) / self.config.speedup)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
