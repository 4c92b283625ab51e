"""The servers an LLMClient talks to: their names (for cache keys, metrics and an
operator), who they are (the bundled simulator behind a URL), and whether they answer."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from core.llm._observe import server_label
from core.llm._servers import Server, ServerPool

log = logging.getLogger(__name__)

# The bundled simulator says what it is, in /models (owned_by) and in every answer
# (system_fingerprint), so its placeholder meanings are always labelled as simulated.
SIMULATOR_FINGERPRINT = "vocabot-simulator"


class Servers:
    """The LLMClient's part that names and probes its servers; its state is the client's."""

    pool: ServerPool
    backend: str
    model: str
    api_key: str | None
    simulated: bool
    last_answer: float | None
    _http: httpx.AsyncClient

    @property
    def identity(self) -> str:
        """The backend's identity for cache keys: server(s) and model."""
        return f"{self.backend}|{self.model}"

    @property
    def urls(self) -> list[str]:
        """The servers' base URLs, in the order they were given."""
        return [server.url for server in self.pool.servers]

    @property
    def base_url(self) -> str:
        """The server, or the servers as a list to show an operator."""
        return ", ".join(self.urls)

    @property
    def server(self) -> str:
        """The server(s) as metrics and health lines name them: never a credential or path."""
        return ", ".join(self.label(server) for server in self.pool.servers)

    def label(self, server: Server) -> str:
        """One server's name in metrics: scheme://host:port ("simulator" for the bundled one,
        whose port changes per run)."""
        return "simulator" if self.backend == "simulator" else server_label(server.url)

    def headers(self) -> dict[str, str]:
        """The request headers every server gets (the API key, when there is one)."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    async def identify(self) -> None:
        """Ask the servers who they are: a bundled simulator behind a URL is still a simulator.

        Best effort and quick: a server that does not answer now is taken as a real one
        (its answers still say if they come from the simulator).
        """
        found = await asyncio.gather(*(self._is_simulator(url) for url in self.urls))
        if any(found):
            self._mark_simulated()
            if not self.backend.startswith("simulator"):
                self.backend = f"simulator@{self.backend}"

    async def _is_simulator(self, url: str) -> bool:
        try:
            response = await self._http.get(f"{url}/models", headers=self.headers(), timeout=5.0)
            models = response.json().get("data", [])
        except (httpx.HTTPError, ValueError, AttributeError):
            return False
        return any(
            isinstance(model, dict) and model.get("owned_by") == SIMULATOR_FINGERPRINT
            for model in models
        )

    async def ping(self, within: float = 3.0) -> str | None:
        """Whether a server answers now (GET /models, outside the concurrency limit): None
        when one does, else what went wrong with each, in a few words."""
        problems = await asyncio.gather(*(self._ping(url, within) for url in self.urls))
        if any(problem is None for problem in problems):
            self.last_answer = time.monotonic()
            return None
        return "; ".join(str(problem) for problem in problems)

    async def _ping(self, url: str, within: float) -> str | None:
        try:
            response = await self._http.get(f"{url}/models", headers=self.headers(), timeout=within)
        except httpx.TimeoutException:
            return f"no answer within {within:g}s"
        except httpx.HTTPError as exc:
            return f"connection: {type(exc).__name__}"
        if response.status_code >= 400:
            return f"HTTP {response.status_code}"
        return None

    def _mark_simulated(self) -> None:
        if not self.simulated:
            log.warning(
                "the LLM server at %s is a simulator: meanings are placeholders", self.base_url
            )
        self.simulated = True
