"""The client: one chat call through the fair limit, with a deadline, retries and repair."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, NoReturn

import httpx
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from core import errors
from core.config import StructuredOutput
from core.limiter import FairLimiter
from core.llm._adaptive import AdaptiveLimit
from core.llm._dialects import FORM_WORDS, FORMS, FormRejected, response_format
from core.llm._observe import CallObserver, CallRecord, ClientClock, HeadStart, Stopwatch
from core.llm._probe import SIMULATOR_FINGERPRINT, Servers
from core.llm._replies import ContentRejected, content_of, describe, extract_json
from core.llm._retries import MAX_RETRY_AFTER, RETRYABLE_STATUS, Retryable, parse_retry_after
from core.llm._servers import Server, ServerPool, split_urls
from core.llm._values import Completion, LLMStats, T, Tally, TextReply

log = logging.getLogger(__name__)

_OVERFLOW_WORDS = re.compile(r"context length|maximum context|too long|context window", re.I)


class LLMClient(Servers):
    """OpenAI-compatible chat calls for the pipeline, on one or several servers."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str | Sequence[str],
        model: str,
        api_key: str | None = None,
        max_concurrency: int = 16,
        timeout: float = 120.0,
        deadline: float = 15.0,
        deadline_per_token: float = 0.04,
        max_attempts: int = 4,
        structured_output: StructuredOutput = StructuredOutput.AUTO,
        backoff_initial: float = 0.5,
        backoff_max: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backend: str | None = None,
        simulated: bool = False,
        server_max_failures: int = 3,
        server_cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        adaptive_start: int | None = None,
    ) -> None:
        """`adaptive_start`: size the in-flight limit to the server (core/llm/_adaptive.py),
        from this many calls, up to `max_concurrency`; None keeps `max_concurrency` fixed."""
        self._http = http
        # One server, or several replicas of one model ("url1,url2"): see _servers.
        self.pool = ServerPool(
            split_urls(base_url),
            max_failures=server_max_failures,
            cooldown=server_cooldown,
            clock=clock,
        )
        self.model = model
        # Who answers: part of every cache key, so decks from one server are never served
        # as another's; a list is named by its sorted URLs, so its order does not matter.
        # The bundled simulator's port changes per run; it passes a fixed name.
        self.backend = backend or self.pool.identity
        self.simulated = simulated
        # Metrics and spending listen to every request (`observers`); `last_answer` is when
        # a server last answered a request well (monotonic), for readiness checks.
        self.observers: list[CallObserver] = []
        self.last_answer: float | None = None
        self.api_key = api_key
        self.limiter = FairLimiter(max_concurrency)
        self.adaptive = (
            None
            if adaptive_start is None
            else AdaptiveLimit(self.limiter, start=adaptive_start, ceiling=max_concurrency)
        )
        self.timeout = timeout
        self.deadline = deadline
        self.deadline_per_token = deadline_per_token
        self.max_attempts = max_attempts
        self.mode = structured_output
        self._form_index = 0 if structured_output == StructuredOutput.AUTO else None
        # Exponential backoff with jitter, so that parallel calls do not retry in step.
        self._backoff = wait_exponential(multiplier=backoff_initial, max=backoff_max) + wait_random(
            0, backoff_initial
        )
        self._sleep = sleep
        self.stats = LLMStats()
        self.busy = ClientClock(self.stats)  # the client's own time, in stats.client_seconds
        self.head_start = HeadStart()  # first-page requests are written out first

    # -- public ---------------------------------------------------------------------

    def deadline_for(self, max_tokens: int) -> float:
        """Seconds one call may take: an allowance for queueing, prefill and the first
        token, plus time for every token it may produce; never more than `timeout`.

        The server answers only when it is done, so this is also the read deadline."""
        return min(self.timeout, self.deadline + max_tokens * self.deadline_per_token)

    @property
    def form(self) -> StructuredOutput:
        """The structured-output form in use now."""
        if self._form_index is None:
            return self.mode
        return FORMS[self._form_index]

    async def complete_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema_name: str,
        schema: dict[str, Any],
        model_type: type[T],
        temperature: float = 0.2,
        max_tokens: int = 1024,
        owner: Hashable = None,
        check: Callable[[T], str | None] | None = None,
        on_send: Callable[[], None] | None = None,
        priority: bool = False,
    ) -> Completion[T]:
        """One validated JSON answer; at most one repair call when the output is invalid.

        `check` looks at a parsed answer and names what is wrong with its content (None when
        nothing is): such an answer is repaired once too, and the repaired answer is returned
        whatever `check` says of it; the caller decides what to keep. `on_send` is called
        whenever a request of this call goes out (past the concurrency limit): the caller
        can tell a call that waits for its turn from one that hangs. A `priority` call (a
        deck's first page) takes the next free slot ahead of every other waiter.
        """
        tally = Tally(on_send, priority)
        content, finish = await self._chat(
            messages, schema_name, schema, temperature, max_tokens, owner, tally
        )
        checking = Stopwatch(self.busy)
        try:
            value = model_type.model_validate(extract_json(content))
            if check is not None and (content_problem := check(value)):
                raise ContentRejected(content_problem)
        except (json.JSONDecodeError, ValidationError, ContentRejected) as first_error:
            checking.stop()
            self.stats.repairs += 1
            problem = describe(first_error, finish)
            log.info("repairing invalid output (%s): %s", schema_name, problem)
            repair = [
                *messages,
                {"role": "assistant", "content": content[:4000]},
                {
                    "role": "user",
                    "content": f"That reply was not valid: {problem}. Reply again with "
                    "the complete JSON only, in the required shape. Keep meanings short.",
                },
            ]
            content, finish = await self._chat(
                repair, schema_name, schema, 0.0, int(max_tokens * 1.5), owner, tally
            )
            checking = Stopwatch(self.busy)
            try:
                value = model_type.model_validate(extract_json(content))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise errors.LLMBadOutput(describe(exc, finish)) from exc
        finally:
            checking.stop()
        return Completion(value, tally.requests, tally.prompt_tokens, tally.completion_tokens)

    async def complete_text(
        self, messages: list[dict[str, str]], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion[TextReply]:
        """A plain (unstructured) answer, with the same limits and retries."""
        tally = Tally()
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        content, _ = content_of(await self._post_with_retries(body, None, tally))
        return Completion(
            TextReply(text=content), tally.requests, tally.prompt_tokens, tally.completion_tokens
        )

    # -- one chat call, with form negotiation and retries ------------------------------

    async def _chat(
        self,
        messages: list[dict[str, str]],
        schema_name: str,
        schema: dict[str, Any],
        temperature: float,
        max_tokens: int,
        owner: Hashable,
        tally: Tally,
    ) -> tuple[str, str]:
        while True:
            index = self._form_index
            form = self.form
            body: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
            if (asked_format := response_format(form, schema_name, schema)) is not None:
                body["response_format"] = asked_format
            try:
                data = await self._post_with_retries(body, owner, tally)
            except FormRejected as exc:
                if index is None or index + 1 >= len(FORMS):
                    raise errors.LLMRejected(f"structured output refused: {exc}") from exc
                if self._form_index == index:  # the first caller to notice steps down
                    self._form_index = index + 1
                    log.warning(
                        "LLM server refused response_format %s; using %s from now on",
                        form.value,
                        self.form.value,
                    )
                continue
            return content_of(data)

    async def _post_with_retries(
        self, body: dict[str, Any], owner: Hashable, tally: Tally
    ) -> dict[str, Any]:
        tried: list[Server] = []  # the servers this call failed on, in order
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=lambda state: self._wait(state, tried),
            retry=retry_if_exception_type(Retryable),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._before_sleep(state, tried),
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._post_once(body, owner, tally, tried)
        except Retryable as exc:
            raise errors.LLMUnavailable(exc.reason) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post_once(
        self, body: dict[str, Any], owner: Hashable, tally: Tally, tried: list[Server]
    ) -> dict[str, Any]:
        with Stopwatch(self.busy, running=False) as watch:  # started once the slot is ours
            return await self._post_timed(body, owner, tally, tried, watch)

    async def _post_timed(
        self,
        body: dict[str, Any],
        owner: Hashable,
        tally: Tally,
        tried: list[Server],
        watch: Stopwatch,
    ) -> dict[str, Any]:
        deadline = self.deadline_for(int(body.get("max_tokens") or 1024))
        async with self.limiter.slot(owner, priority=tally.priority):
            if tally.priority:
                watch.on_sent = self.head_start.begin()
            else:
                await self.head_start.wait()
            watch.resume()
            server = self.pool.pick(avoid=tried)
            tally.requests += 1
            self.stats.requests += 1
            if tally.on_send is not None:
                tally.on_send()
            sent = time.monotonic()
            with self.pool.sending(server) as number:
                try:
                    response = await self._http.post(
                        f"{server.url}/chat/completions",
                        json=body,
                        headers=self.headers(),
                        timeout=httpx.Timeout(deadline, connect=min(deadline, 10.0)),
                        extensions={"trace": watch.trace},
                    )
                except httpx.TimeoutException as exc:
                    self._observe(server, "timeout", sent, owner)
                    reason = f"no answer within {deadline:.1f}s"
                    raise self._server_failed(server, tried, reason) from exc
                except httpx.TransportError as exc:
                    self._observe(server, "connection", sent, owner)
                    reason = f"connection: {type(exc).__name__}"
                    raise self._server_failed(server, tried, reason) from exc
                except asyncio.CancelledError:
                    self.pool.abandoned(server, number)
                    raise
        status = str(response.status_code)
        if self.adaptive is not None and response.status_code in (429, 503):
            self.adaptive.refused(sent, response.status_code)
        if response.status_code >= 400:
            self._observe(server, status, sent, owner)
            self._refused(response, body, server, number, tried)
        try:
            data = response.json()
        except ValueError as exc:
            self._observe(server, status, sent, owner)
            reason = "the server answered with something that is not JSON"
            raise self._server_failed(server, tried, reason) from exc
        self.pool.succeeded(server, number)
        if isinstance(data, dict) and data.get("system_fingerprint") == SIMULATOR_FINGERPRINT:
            self._mark_simulated()
        usage = data.get("usage") or {}
        prompt = int(usage.get("prompt_tokens", 0))
        completion = int(usage.get("completion_tokens", 0))
        tally.prompt_tokens += prompt
        tally.completion_tokens += completion
        self.stats.prompt_tokens += prompt
        self.stats.completion_tokens += completion
        self.last_answer = time.monotonic()
        if self.adaptive is not None:
            self.adaptive.answered(sent, self.last_answer - sent, completion)
        self._observe(server, status, sent, owner, prompt, completion)
        return data  # type: ignore[no-any-return]

    def _observe(
        self,
        server: Server,
        status: str,
        sent: float,
        owner: Hashable,
        prompt: int = 0,
        completion: int = 0,
    ) -> None:
        seconds = time.monotonic() - sent
        record = CallRecord(self.label(server), status, seconds, prompt, completion, owner=owner)
        for observer in self.observers:
            observer.call(record)

    def _refused(
        self,
        response: httpx.Response,
        body: dict[str, Any],
        server: Server,
        number: int,
        tried: list[Server],
    ) -> NoReturn:
        """Raise what an error status means: the server's fault (retried, elsewhere when
        there is another server), the request's (not retried), or a form to step down from."""
        status, text = response.status_code, response.text[:2000]
        overflow = status < 500 and _OVERFLOW_WORDS.search(text)
        form = status != 429 and FORM_WORDS.search(text) and body.get("response_format")
        retry_after = parse_retry_after(response.headers)
        if status == 429 and not overflow:
            tried.append(server)  # busy, not broken: another server first, no strike
            raise Retryable(self._where(server, "HTTP 429"), retry_after)
        if status in RETRYABLE_STATUS and not (overflow or form):
            raise self._server_failed(server, tried, f"HTTP {status}", retry_after)
        self.pool.succeeded(server, number)  # it answered: the request is at fault
        if overflow:
            raise errors.ContextOverflow(text[:300])
        if form:
            raise FormRejected(f"HTTP {status}: {text[:200]}")
        if status == 401:
            raise errors.LLMRejected("HTTP 401: the API key was refused")
        raise errors.LLMRejected(f"HTTP {status}: {text[:300]}")

    def _server_failed(
        self, server: Server, tried: list[Server], reason: str, retry_after: float | None = None
    ) -> Retryable:
        """Count a failure against the server (N in a row take it out) and retry elsewhere."""
        self.pool.failed(server, reason)
        tried.append(server)
        return Retryable(self._where(server, reason), retry_after)

    def _where(self, server: Server, reason: str) -> str:
        return f"{reason} from {server.url}" if len(self.pool.servers) > 1 else reason

    def _wait(self, state: RetryCallState, tried: list[Server]) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and self.pool.has_fresh(tried):
            return 0.0  # another server that this call has not tried: ask it now
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, MAX_RETRY_AFTER)
        return float(self._backoff(state))

    def _before_sleep(self, state: RetryCallState, tried: list[Server]) -> None:
        self.stats.retries += 1
        if tried:
            for observer in self.observers:
                observer.retry(self.label(tried[-1]))
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info("LLM call failed (%s); retry %d in %.2fs", exc, state.attempt_number, wait)
