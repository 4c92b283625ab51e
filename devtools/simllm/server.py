"""The HTTP face of the simulator: OpenAI's routes plus /sim/stats and /sim/reset."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.serving import InProcessServer, listening_socket
from core.llm import SIMULATOR_FINGERPRINT
from devtools.answers import answer_for, warm_up
from devtools.glosses import count_tokens
from devtools.simllm.config import CallRecord, SimConfig
from devtools.simllm.dialects import refusal
from devtools.simllm.faults import OVERFLOW, Attempt, Fault, pick_fault, strategy
from devtools.simllm.prefix_cache import PrefixCache
from devtools.simllm.replies import Reply, completion, error
from devtools.simllm.timing import Engine, Grammars, Stopped, _Seq


class SimServer:
    """The app and its state; `serve()` runs it on a loopback port."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.engine = Engine(self.config)
        self.cache = PrefixCache(self.config.block_size)
        self.calls: list[CallRecord] = []
        self._grammars = Grammars(self.config.grammar_compile_s)
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
        model = {
            "id": self.config.model,
            "object": "model",
            "owned_by": SIMULATOR_FINGERPRINT if self.config.fingerprint else "vllm",
            "max_model_len": self.config.max_model_len,
        }
        return JSONResponse({"object": "list", "data": [model]})

    async def chat(self, request: Request) -> Response:
        if denied := self._check_key(request):
            return denied
        body = await _chat_body(request)
        if body is None:
            return error(400, "invalid request body: 'messages' is required")
        if body.get("model") != self.config.model:
            return error(404, f"The model `{body.get('model')}` does not exist.", "NotFoundError")
        response_format = body.get("response_format")
        if refused := refusal(self.config.dialect, response_format):
            return refused
        attempt = self._attempt(request, body)
        too_long = attempt.context_tokens > self.config.max_model_len
        fault = OVERFLOW if too_long else strategy(attempt.record.fault)
        if refused := await fault.refuse(attempt):
            return refused
        reply = self._write(body["messages"], response_format, attempt, fault)
        try:
            await self._decode(attempt, reply, response_format)
        except Stopped:
            attempt.record.status = 503
            return error(503, "The server is shutting down.", "ServiceUnavailableError")
        return JSONResponse(completion(self.config, attempt.record, reply))

    async def stats_route(self, request: Request) -> Response:
        return JSONResponse(self.stats())

    async def reset_route(self, request: Request) -> Response:
        """Forget calls and cache; a JSON body may change settings (speedup, faults, …)."""
        overrides: dict[str, Any] = {}
        if await request.body():
            overrides = await request.json()
        unknown = set(overrides) - set(SimConfig.__dataclass_fields__)
        if unknown:
            return error(400, f"unknown settings: {sorted(unknown)}")
        for key, value in overrides.items():
            setattr(self.config, key, value)
        await self.engine.stop()
        self.engine = Engine(self.config)
        self.reset()
        return JSONResponse({"ok": True})

    # -- a chat call, stage by stage ---------------------------------------------------

    def _attempt(self, request: Request, body: dict[str, Any]) -> Attempt:
        """Record the call (its fault is chosen here) and count its prompt."""
        prompt_text = "\n".join(str(m.get("content", "")) for m in body["messages"])
        record = CallRecord(
            id=next(self._ids),
            task="?",
            status=200,
            fault=pick_fault(self.config, self._rng, prompt_text),
            prompt_tokens=0,
            cached_tokens=0,
            completion_tokens=0,
            arrival=self.engine.now(),
        )
        self.calls.append(record)
        prompt = count_tokens(prompt_text)
        record.prompt_tokens = len(prompt)
        max_tokens = int(body.get("max_tokens") or 1024)
        return Attempt(request, record, self.config, prompt, max_tokens)

    def _write(
        self, messages: list[dict[str, Any]], response_format: Any, attempt: Attempt, fault: Fault
    ) -> Reply:
        """The model's answer as text, cut at max_tokens, with the fault applied."""
        task, answer = answer_for(messages, response_format, self.config.meaning_scale)
        attempt.record.task = task
        if isinstance(answer, dict):
            answer = fault.transform(answer)
        if isinstance(answer, str):
            content = answer
        else:
            content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        if self.config.wrap_prose:
            content = f"Sure! Here is the JSON:\n```json\n{content}\n```"
        tokens = count_tokens(content)
        if len(tokens) > attempt.max_tokens:
            cut = content[: len(content) * attempt.max_tokens // len(tokens)]
            return fault.damage(Reply(cut, tokens[: attempt.max_tokens], "length"))
        return fault.damage(Reply(content, tokens))

    async def _decode(self, attempt: Attempt, reply: Reply, response_format: Any) -> None:
        """Wait the modelled time: prefill of what the cache lacks, grammar, decode."""
        record = attempt.record
        record.completion_tokens = len(reply.tokens)
        record.cached_tokens = self.cache.lookup_and_insert(attempt.prompt)
        not_before = 0.0
        if isinstance(response_format, dict) and response_format.get("type") != "text":
            record.constrained = True
            not_before = self._grammars.ready_at(response_format, record.arrival)
        seq = _Seq(
            record=record,
            prompt=record.prompt_tokens,
            uncached=record.prompt_tokens - record.cached_tokens,
            output=record.completion_tokens,
            done=asyncio.get_running_loop().create_future(),
            not_before=not_before,
        )
        await self.engine.run(seq)

    # -- state -----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        ok = [c for c in self.calls if c.status == 200]
        hidden = ("api_key", "fault_rules")
        return {
            "config": {k: v for k, v in asdict(self.config).items() if k not in hidden},
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
            return error(401, "Incorrect API key provided.", "AuthenticationError")
        return None

    # -- serving ---------------------------------------------------------------------

    @asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on a loopback port in this event loop; yields the base URL (…/v1)."""
        # connections wait in the backlog until uvicorn accepts them
        sock = listening_socket(host, port, 1024)
        # Ctrl-C stays the host's to handle: uvicorn's own handler would stop the simulator
        # first, failing the host's LLM calls mid-build with a page of tracebacks.
        server = InProcessServer(
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
            yield f"http://{host}:{sock.getsockname()[1]}/v1"
        finally:
            server.should_exit = True
            await self.engine.stop()
            try:
                await asyncio.wait_for(task, timeout=5)
            except TimeoutError:
                task.cancel()
            sock.close()


async def _chat_body(request: Request) -> dict[str, Any] | None:
    """The request's JSON if it is an object with a list of messages, else None."""
    try:
        body = await request.json()
        for message in body["messages"]:
            message.get("content", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return body if isinstance(body, dict) else None


async def serve_forever(config: SimConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """`vocabot sim-llm`: run until interrupted."""
    sim = SimServer(config)
    async with sim.serve(host, port) as url:
        print(f"simulated vLLM ({config.model}) at {url}  speed-up x{config.speedup:g}")
        await asyncio.Event().wait()
