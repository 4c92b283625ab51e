"""A simulated vLLM server: OpenAI-compatible, real HTTP, with vLLM's timing.

No GPU here, so tests, the demo and the benchmark talk to this. It answers
POST /v1/chat/completions and GET /v1/models; its answers are valid JSON built from the
text it was actually sent (see devtools/answers.py); and its timing follows a model of
continuous batching (docs/simulator.md):

    TTFT  = t_o + (queued prefill ahead + uncached prompt tokens) / R_pf
    TPOT  = t0 + k_seq * (N - 1) + k_kv * (context tokens in the batch) / 1000
            + k_grammar * (sequences in the batch decoding under a JSON grammar)
    E2E   = TTFT + (O - 1) * TPOT, with N changing as requests join and leave

Time is simulated in "model seconds" and played back divided by `speedup`.
Prefix caching works on 16-token blocks like vLLM's: a prompt that starts like an
earlier one pays prefill only for the rest. Faults (429, 500, hang, malformed JSON,
context overflow) are injected by rate or by rule, and dialect switches imitate servers
that speak structured output differently (llama.cpp, old Ollama, prompt-only).

GET /sim/stats exposes every call's tokens and modelled times, so a benchmark can
compute the critical-path bound of the calls that were really made.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import json
import logging
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.llm import SIMULATOR_FINGERPRINT
from devtools.answers import (
    answer_for,
    bad_types,
    count_tokens,
    invent,
    junk_meanings,
    warm_up,
)

log = logging.getLogger(__name__)

DEFAULT_MODEL = "Qwen/Qwen2.5-14B-Instruct-AWQ"
FAULTS = (
    "429",
    "500",
    "hang",
    "malformed",
    "overflow",
    "invent",
    "empty",
    "wrongtypes",
    "truncate",
    "junkmeanings",
)
DIALECTS = ("vllm", "llamacpp", "json_object", "prompt")


@dataclass
class SimConfig:
    speedup: float = 1.0
    t_overhead: float = 0.040  # t_o: scheduling + first step, seconds
    prefill_rate: float = 7000.0  # R_pf, tokens/s
    t0: float = 0.0108  # TPOT at batch 1, seconds (about 93 tokens/s)
    k_seq: float = 0.0002  # TPOT growth per extra running sequence
    k_kv: float = 0.00019  # TPOT growth per 1k context tokens in the batch
    # Structured output (json_schema / json_object) with xgrammar, vLLM's default backend:
    # the schema is compiled once per server (requests wait for it), and every decode
    # step computes a token mask per constrained sequence on the CPU (docs/simulator.md).
    grammar_compile_s: float = 0.03
    grammar_token_s: float = 0.00004
    # Simulated meanings are this many times their calibrated length (a sensitivity knob).
    meaning_scale: float = 1.0
    max_num_seqs: int = 256
    max_model_len: int = 32768
    block_size: int = 16
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    dialect: str = "vllm"
    fault_rates: dict[str, float] = field(default_factory=dict)
    # Deterministic faults: (substring of the prompt, fault) pairs, and a queue of
    # faults for the next requests in arrival order.
    fault_rules: list[tuple[str, str]] = field(default_factory=list)
    fault_queue: list[str] = field(default_factory=list)
    retry_after: float = 2.0  # model seconds, sent as Retry-After / retry-after-ms
    seed: int = 1234
    wrap_prose: bool = False  # answer "Here you go: ```json ...```" like chatty models
    # Say "I am the simulator" (in /v1/models and every answer), so clients label its
    # placeholder meanings; False imitates a real server (tests of the real-server paths).
    fingerprint: bool = True


@dataclass
class CallRecord:
    id: int
    task: str
    status: int
    fault: str | None
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    arrival: float  # model seconds since the server started
    admitted: float = 0.0
    first_token: float = 0.0
    finished: float = 0.0
    constrained: bool = False  # decoded under a grammar (json_schema / json_object)

    @property
    def ttft(self) -> float:
        return self.first_token - self.arrival

    @property
    def e2e(self) -> float:
        return self.finished - self.arrival


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
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

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


class PrefixCache:
    """vLLM-style automatic prefix caching on chained hashes of full token blocks."""

    def __init__(self, block_size: int = 16, capacity: int = 200_000) -> None:
        self.block_size = block_size
        self.capacity = capacity
        self._blocks: dict[bytes, None] = {}

    def lookup_and_insert(self, tokens: list[str]) -> int:
        cached = 0
        still_hit = True
        digest = b""
        for i in range(0, len(tokens) - self.block_size + 1, self.block_size):
            block = "\x1f".join(tokens[i : i + self.block_size]).encode()
            digest = hashlib.blake2b(digest + block, digest_size=16).digest()
            if still_hit and digest in self._blocks:
                cached += self.block_size
            else:
                still_hit = False
                self._blocks[digest] = None
        while len(self._blocks) > self.capacity:
            self._blocks.pop(next(iter(self._blocks)))
        return cached


class SimServer:
    """The app and its state; `serve()` runs it on a loopback port."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.engine = Engine(self.config)
        self.cache = PrefixCache(self.config.block_size)
        self.calls: list[CallRecord] = []
        self._grammars: dict[str, float] = {}  # schema -> model time it is compiled
        self._ids = itertools.count(1)
        self._rng = random.Random(self.config.seed)
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
                Route("/sim/stats", self.stats_route, methods=["GET"]),
                Route("/sim/reset", self.reset_route, methods=["POST"]),
                Route("/health", self.health, methods=["GET"]),
            ]
        )

    # -- routes ----------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return Response(status_code=200)

    async def models(self, request: Request) -> Response:
        if denied := self._check_key(request):
            return denied
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {
                        "id": self.config.model,
                        "object": "model",
                        "owned_by": SIMULATOR_FINGERPRINT if self.config.fingerprint else "vllm",
                        "max_model_len": self.config.max_model_len,
                    }
                ],
            }
        )

    async def chat(self, request: Request) -> Response:
        if denied := self._check_key(request):
            return denied
        try:
            body = await request.json()
            messages = body["messages"]
            prompt_text = "\n".join(str(m.get("content", "")) for m in messages)
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(400, "invalid request body: 'messages' is required")
        if body.get("model") != self.config.model:
            return _error(404, f"The model `{body.get('model')}` does not exist.", "NotFoundError")
        if rejected := self._dialect_rejects(body.get("response_format")):
            return rejected

        record = CallRecord(
            id=next(self._ids),
            task="?",
            status=200,
            fault=self._pick_fault(prompt_text),
            prompt_tokens=0,
            cached_tokens=0,
            completion_tokens=0,
            arrival=self.engine.now(),
        )
        self.calls.append(record)
        prompt_tokens = count_tokens(prompt_text)
        record.prompt_tokens = len(prompt_tokens)
        max_tokens = int(body.get("max_tokens") or 1024)

        too_long = len(prompt_tokens) + max_tokens > self.config.max_model_len
        if record.fault == "overflow" or too_long:
            record.status = 400
            return _error(
                400,
                f"This model's maximum context length is {self.config.max_model_len} tokens. "
                f"However, you requested {len(prompt_tokens) + max_tokens} tokens "
                f"({len(prompt_tokens)} in the messages, {max_tokens} in the completion).",
            )
        if record.fault == "429":
            record.status = 429
            wait = self.config.retry_after / self.config.speedup
            return _error(
                429,
                "Too many requests",
                "RateLimitError",
                headers={
                    "Retry-After": str(max(1, round(wait))),
                    "retry-after-ms": str(int(wait * 1000)),
                },
            )
        if record.fault == "500":
            record.status = 500
            return _error(500, "Internal server error", "InternalServerError")
        if record.fault == "hang":
            record.status = 0
            await _wait_for_disconnect(request)
            return Response(status_code=504)

        response_format = body.get("response_format")
        task, answer = answer_for(messages, response_format, self.config.meaning_scale)
        record.task = task
        if record.fault == "invent" and isinstance(answer, dict):
            answer = invent(answer)
        elif record.fault == "empty" and isinstance(answer, dict):
            answer = {k: [] for k in answer}
        elif record.fault == "wrongtypes" and isinstance(answer, dict):
            answer = bad_types(answer)
        elif record.fault == "junkmeanings" and isinstance(answer, dict):
            answer = junk_meanings(answer)
        if isinstance(answer, str):
            content = answer
        else:
            content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        if self.config.wrap_prose:
            content = f"Sure! Here is the JSON:\n```json\n{content}\n```"
        finish = "stop"
        output_tokens = count_tokens(content)
        if len(output_tokens) > max_tokens:
            content = content[: len(content) * max_tokens // len(output_tokens)]
            output_tokens = output_tokens[:max_tokens]
            finish = "length"
        if record.fault == "malformed":
            content = content[: max(1, len(content) // 2)]
        elif record.fault == "truncate":
            # as if max_tokens ran out mid-answer
            content = content[: max(1, len(content) // 3)]
            output_tokens = count_tokens(content)
            finish = "length"
        record.completion_tokens = len(output_tokens)
        record.cached_tokens = self.cache.lookup_and_insert(prompt_tokens)
        not_before = 0.0
        if isinstance(response_format, dict) and response_format.get("type") != "text":
            record.constrained = True
            key = json.dumps(response_format, sort_keys=True)
            ready = record.arrival + self.config.grammar_compile_s
            not_before = self._grammars.setdefault(key, ready)

        seq = _Seq(
            record=record,
            prompt=record.prompt_tokens,
            uncached=record.prompt_tokens - record.cached_tokens,
            output=record.completion_tokens,
            done=asyncio.get_running_loop().create_future(),
            not_before=not_before,
        )
        await self.engine.run(seq)
        return JSONResponse(
            {
                "id": f"chatcmpl-sim-{record.id}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.config.model,
                "system_fingerprint": SIMULATOR_FINGERPRINT if self.config.fingerprint else None,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": record.prompt_tokens,
                    "completion_tokens": record.completion_tokens,
                    "total_tokens": record.prompt_tokens + record.completion_tokens,
                    "prompt_tokens_details": {"cached_tokens": record.cached_tokens},
                },
            }
        )

    async def stats_route(self, request: Request) -> Response:
        return JSONResponse(self.stats())

    async def reset_route(self, request: Request) -> Response:
        """Forget calls and cache; a JSON body may change settings (speedup, faults, …)."""
        overrides: dict[str, Any] = {}
        if await request.body():
            overrides = await request.json()
        unknown = set(overrides) - set(SimConfig.__dataclass_fields__)
        if unknown:
            return _error(400, f"unknown settings: {sorted(unknown)}")
        for key, value in overrides.items():
            setattr(self.config, key, value)
        await self.engine.stop()
        self.engine = Engine(self.config)
        self.reset()
        return JSONResponse({"ok": True})

    # -- state -----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        ok = [c for c in self.calls if c.status == 200]
        return {
            "config": {
                k: v for k, v in asdict(self.config).items() if k not in ("api_key", "fault_rules")
            },
            "requests": len(self.calls),
            "ok": len(ok),
            "prompt_tokens": sum(c.prompt_tokens for c in ok),
            "cached_tokens": sum(c.cached_tokens for c in ok),
            "completion_tokens": sum(c.completion_tokens for c in ok),
            "peak_running": self.engine.peak_running,
            "calls": [{**asdict(c), "ttft": c.ttft, "e2e": c.e2e} for c in self.calls],
        }

    def reset(self) -> None:
        self.calls.clear()
        self.cache = PrefixCache(self.config.block_size)
        self._grammars.clear()
        self.engine.peak_running = 0

    def _check_key(self, request: Request) -> Response | None:
        if self.config.api_key is None:
            return None
        if request.headers.get("authorization") != f"Bearer {self.config.api_key}":
            return _error(401, "Incorrect API key provided.", "AuthenticationError")
        return None

    def _dialect_rejects(self, response_format: Any) -> Response | None:
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        dialect = self.config.dialect
        if kind in (None, "text"):
            return None
        if dialect == "llamacpp" and kind == "json_schema":
            # llama-cpp-python validates the request model and answers 500.
            return _error(
                500,
                "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
                "  Input should be 'text' or 'json_object' [type=literal_error]",
            )
        if dialect == "json_object" and kind == "json_schema":
            return _error(400, "response_format.type 'json_schema' is not supported")
        if dialect == "prompt":
            return _error(400, "response_format is not supported by this server")
        return None

    def _pick_fault(self, prompt: str) -> str | None:
        if self.config.fault_queue:
            fault = self.config.fault_queue.pop(0)
            return fault or None
        for needle, fault in self.config.fault_rules:
            if needle in prompt:
                return fault
        for fault in FAULTS:
            rate = self.config.fault_rates.get(fault, 0.0)
            if rate and self._rng.random() < rate:
                return fault
        return None

    # -- serving ---------------------------------------------------------------------

    @asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on a loopback port in this event loop; yields the base URL (…/v1)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # No Nagle: small responses on kept-alive connections must not wait for an ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(1024)  # connections wait in the backlog until uvicorn accepts them
        bound = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                log_config=None,  # in-process: leave the host process's logging as it is
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=1,
                access_log=False,
            )
        )
        # Load the phrase finder's lemma tables now, not while the first requests wait.
        await asyncio.to_thread(warm_up)
        task = asyncio.create_task(server.serve(sockets=[sock]), name="sim-llm-http")
        try:
            yield f"http://{host}:{bound}/v1"
        finally:
            server.should_exit = True
            await self.engine.stop()
            try:
                await asyncio.wait_for(task, timeout=5)
            except TimeoutError:
                task.cancel()
            sock.close()


def _error(
    status: int, message: str, kind: str = "BadRequestError", headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": status}},
        status_code=status,
        headers=headers,
    )


async def _wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def serve_forever(config: SimConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """`vocabot sim-llm`: run until interrupted."""
    sim = SimServer(config)
    async with sim.serve(host, port) as url:
        print(f"simulated vLLM ({config.model}) at {url}  speed-up x{config.speedup:g}")
        await asyncio.Event().wait()
