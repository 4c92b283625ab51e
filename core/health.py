"""Is this process ready for users? The checks behind /readyz and `vocabot health`.

Ready means: the store answers, the LLM server answered well within the last
`llm_fresh_seconds` (or answers a quick GET /models now), every chat platform this process
runs is connected, and the process is not shutting down. Liveness (/healthz) is only that
the process answers at all, so an orchestrator restarts a hung process, not a process
whose LLM server is down.

The LLM probe is shared: one GET /models answers every /readyz that arrives while it is
in flight, and its result stands for `probe_cache_seconds` (never longer than
`llm_fresh_seconds`), so a burst of probes against a failing server is one upstream call,
not one each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.llm import LLMClient
from core.store import Store

CHECK_TIMEOUT = 3.0  # seconds each check may take before it counts as failed
PROBE_CACHE_SECONDS = 5.0  # how long one LLM probe's result answers later /readyz


@dataclass(frozen=True, slots=True)
class Check:
    name: str  # store, llm, a platform ("telegram", "discord"), accepting
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ok else "not ready",
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
        }


class Health:
    """The readiness checks of one process; faces add their platforms to `platforms`."""

    def __init__(
        self,
        store: Store | None,
        llm: LLMClient | None,
        *,
        llm_fresh_seconds: float = 30.0,
        timeout: float = CHECK_TIMEOUT,
        probe_cache_seconds: float = PROBE_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.llm = llm
        self.llm_fresh_seconds = llm_fresh_seconds
        self.timeout = timeout
        self.probe_cache_seconds = min(probe_cache_seconds, llm_fresh_seconds)
        self.clock = clock
        self._probe: asyncio.Task[Check] | None = None  # the LLM probe in flight, shared
        self._probed: tuple[float, Check] | None = None  # when the last one ended, its result
        # name -> is it connected now (set by the adapters a process starts)
        self.platforms: dict[str, Callable[[], bool]] = {}
        self.accepting: Callable[[], bool] | None = None  # False while shutting down

    async def ready(self) -> Readiness:
        probes: list[Awaitable[Check]] = []
        if self.store is not None:
            probes.append(self._store(self.store))
        if self.llm is not None:
            probes.append(self._llm(self.llm))
        checks = list(await asyncio.gather(*probes))
        for name, connected in sorted(self.platforms.items()):
            up = connected()
            checks.append(Check(name, up, "connected" if up else "not connected"))
        if self.accepting is not None and not self.accepting():
            checks.append(Check("accepting", False, "shutting down"))
        return Readiness(tuple(checks))

    async def _store(self, store: Store) -> Check:
        try:
            await asyncio.wait_for(store.ping(), self.timeout)
        except TimeoutError:
            return Check("store", False, f"no answer within {self.timeout:g}s")
        except Exception as exc:
            return Check("store", False, type(exc).__name__)
        return Check("store", True, "answers")

    async def _llm(self, llm: LLMClient) -> Check:
        last = llm.last_answer
        if last is not None and self.clock() - last <= self.llm_fresh_seconds:
            return Check("llm", True, f"{llm.server} answered {self.clock() - last:.0f}s ago")
        if self._probed is not None:
            at, check = self._probed
            if self.clock() - at < self.probe_cache_seconds:
                return check
        if self._probe is None:
            self._probe = asyncio.create_task(self._ping(llm), name="ready-llm-probe")
            self._probe.add_done_callback(self._probe_done)
        # shield: a caller that gives up (its client left) does not cancel the others' probe
        return await asyncio.shield(self._probe)

    async def _ping(self, llm: LLMClient) -> Check:
        problem = await llm.ping(self.timeout)
        if problem is None:
            return Check("llm", True, f"{llm.server} answers")
        return Check("llm", False, f"{llm.server}: {problem}")

    def _probe_done(self, task: asyncio.Task[Check]) -> None:
        self._probe = None
        if not task.cancelled() and task.exception() is None:
            self._probed = (self.clock(), task.result())
