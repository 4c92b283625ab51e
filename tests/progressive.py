"""Holding a build after its first chunk: the LLM client answers the first call (the small
first chunk) and keeps every other call waiting until the test lets them go, so a test sees
what a learner sees between the first page and the whole deck, without sleeping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.llm import LLMClient


class FirstChunkOnly:
    """Patched onto an LLM client: call 1 goes through at once, the others wait for `go`."""

    def __init__(self, llm: LLMClient, monkeypatch: pytest.MonkeyPatch) -> None:
        self.go = asyncio.Event()
        self.calls = 0
        real = llm.complete_json

        async def complete_json(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls > 1:
                async with asyncio.timeout(10):  # a guard: a test that never lets go fails
                    await self.go.wait()
            return await real(*args, **kwargs)

        monkeypatch.setattr(llm, "complete_json", complete_json)


class FirstChunkLast:
    """Patched onto an LLM client: call 1 (the first chunk) waits until every other call of
    the build has answered, as if the first chunk were the slowest."""

    def __init__(self, llm: LLMClient, monkeypatch: pytest.MonkeyPatch, total: int) -> None:
        self.others_done = asyncio.Event()
        self.calls = 0
        self.answered = 0
        real = llm.complete_json

        async def complete_json(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                await self.others_done.wait()
                return await real(*args, **kwargs)
            try:
                return await real(*args, **kwargs)
            finally:
                self.answered += 1
                if self.answered == total - 1:
                    self.others_done.set()

        monkeypatch.setattr(llm, "complete_json", complete_json)
