"""What the bot is doing, as Prometheus metrics: one registry per process.

Whatever process builds or serves decks (`vocabot run`, `serve-api`, a worker) makes one
`Metrics`, hands it to the LLM client, the job runner and the actions, and exposes
`metrics.registry` (bot/http/ops.py: at /metrics of the HTTP API, or on METRICS_PORT).
Labels never carry a user id or any text a user wrote: only outcomes, statuses, servers
(scheme://host:port, no credentials) and platforms.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from core.llm import CallRecord

# Seconds. Builds take seconds to minutes; LLM calls up to LLM_TIMEOUT; the loop lag should
# stay in milliseconds.
BUILD_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200)
WAIT_BUCKETS = (0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
LAG_INTERVAL = 0.5  # how often the event loop's lag is sampled, seconds
CONTENT_TYPE = CONTENT_TYPE_LATEST  # of `Metrics.exposition()`


class Metrics:
    """Every metric of one process, registered in its own registry (tests run many)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.jobs_submitted = Counter(
            "vocabot_jobs_submitted", "Requests for a deck that became a job", registry=r
        )
        self.jobs_finished = Counter(
            "vocabot_jobs_finished",
            "Jobs ended, by outcome: cached (from the deck cache, no LLM call), built, "
            "partial (built with parts missing), failed, cancelled",
            ["outcome"],
            registry=r,
        )
        self.cache_lookups = Counter(
            "vocabot_cache_lookups",
            "Deck cache lookups for a job, by result (hit, miss); hit ratio = hit / all",
            ["result"],
            registry=r,
        )
        self.builds = Counter(
            "vocabot_builds",
            "Pipeline runs (one per video and settings, shared by every job that asked), by "
            "outcome: built, partial, failed",
            ["outcome"],
            registry=r,
        )
        self.build_seconds = Histogram(
            "vocabot_build_seconds",
            "Time of one pipeline run, from its video slot to its deck",
            buckets=BUILD_BUCKETS,
            registry=r,
        )
        self.queue_wait_seconds = Histogram(
            "vocabot_queue_wait_seconds",
            "Time a build waited for a video slot (MAX_PARALLEL_VIDEOS)",
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.queue_length = Gauge(
            "vocabot_queue_length", "Builds waiting for a video slot", registry=r
        )
        self.builds_running = Gauge(
            "vocabot_builds_running", "Builds holding a video slot", registry=r
        )
        self.jobs_active = Gauge(
            "vocabot_jobs_active", "Jobs queued or running in this process", registry=r
        )
        self._llm_metrics(r)
        self._people_metrics(r)
        self.loop_lag = Histogram(
            "vocabot_event_loop_lag_seconds",
            "How late the event loop woke a sleeping task (sampled every 0.5 s)",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self._active: tuple[date, int] | None = None
        self.active_users.set_function(self._active_today)

    def _llm_metrics(self, r: CollectorRegistry) -> None:
        self.llm_requests = Counter(
            "vocabot_llm_requests",
            "LLM HTTP requests by server and status (an HTTP code, timeout or connection)",
            ["server", "status"],
            registry=r,
        )
        self.llm_seconds = Histogram(
            "vocabot_llm_request_seconds",
            "Latency of one LLM HTTP request, by server",
            ["server"],
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self.llm_tokens = Counter(
            "vocabot_llm_tokens",
            "Tokens the LLM servers reported, by server and kind (prompt, completion)",
            ["server", "kind"],
            registry=r,
        )
        self.llm_retries = Counter(
            "vocabot_llm_retries",
            "LLM requests asked again after a failure",
            ["server"],
            registry=r,
        )
        self.llm_in_flight = Gauge(
            "vocabot_llm_in_flight",
            "LLM requests holding a slot of LLM_MAX_CONCURRENCY",
            registry=r,
        )

    def _people_metrics(self, r: CollectorRegistry) -> None:
        self.quiz_answers = Counter(
            "vocabot_quiz_answers",
            "Quiz answers, by result (correct, wrong)",
            ["result"],
            registry=r,
        )
        self.reminders = Counter(
            "vocabot_reminders",
            "Daily reminders this process sent, by result (sent, blocked, failed)",
            ["result"],
            registry=r,
        )
        self.active_users = Gauge(
            "vocabot_active_users", "Learners who talked to the bot today (UTC)", registry=r
        )
        self.quota_refusals = Counter(
            "vocabot_quota_refusals",
            "Builds refused by a limit: quota (a learner's daily builds), budget (the daily "
            "token budget), blocked (an admin blocked the learner)",
            ["reason"],
            registry=r,
        )
        self.broadcast_messages = Counter(
            "vocabot_broadcast_messages",
            "Messages of admins' broadcasts, by platform and result (sent, failed)",
            ["platform", "result"],
            registry=r,
        )

    # -- the LLM client's observer (core.llm.CallObserver) --------------------------------

    def call(self, record: CallRecord) -> None:
        self.llm_requests.labels(record.server, record.status).inc()
        self.llm_seconds.labels(record.server).observe(record.seconds)
        if record.prompt_tokens:
            self.llm_tokens.labels(record.server, "prompt").inc(record.prompt_tokens)
        if record.completion_tokens:
            self.llm_tokens.labels(record.server, "completion").inc(record.completion_tokens)

    def retry(self, server: str) -> None:
        self.llm_retries.labels(server).inc()

    # -- daily active users --------------------------------------------------------------

    def set_active_users(self, day: date, count: int) -> None:
        """Learners seen on `day` (UTC); the gauge reads 0 once that day is over."""
        self._active = (day, count)

    def _active_today(self) -> float:
        if self._active is None or self._active[0] != datetime.now(UTC).date():
            return 0.0
        return float(self._active[1])

    # -- exposition and the loop's lag -----------------------------------------------------

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format (what /metrics answers)."""
        return generate_latest(self.registry)

    @contextlib.asynccontextmanager
    async def watching_loop(self, interval: float = LAG_INTERVAL) -> AsyncIterator[None]:
        """Sample the event loop's lag while the block runs."""
        task = asyncio.create_task(self._sample_lag(interval), name="loop-lag")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _sample_lag(self, interval: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(interval)
            self.loop_lag.observe(max(0.0, loop.time() - asked - interval))
