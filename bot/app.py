"""The composition root: the one place that reads settings and creates clients.

It builds Settings once, starts the bundled simulated vLLM server when no LLM_BASE_URL
is set, creates ONE shared httpx.AsyncClient for the LLM, opens the store, builds the
pipeline and the job runner, and hands them to the adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import httpx

from bot.extras import require
from core import pronunciation
from core.actions import LOCAL_PLATFORM, Actions, StudyConfig
from core.admin import account, parse_admins
from core.config import DB_FILE, Settings, default_db_path
from core.health import Health
from core.jobs import Drain, JobRunner, Runner, UserLimits
from core.llm import LLMClient, SplitPoolTransport
from core.metrics import Metrics
from core.pipeline import Pipeline
from core.selection import warm_up
from core.spending import Spending
from core.srs import Quiz
from core.store import Store, User
from core.transcripts import ChainSource, DirectorySource, TranscriptSource, YouTubeSource
from core.translation import SentenceTranslator
from devtools.samples import SAMPLES_DIR
from storage.sqlite import SQLiteStore

if TYPE_CHECKING:  # the simulator (and its web server) loads only when it is started
    from devtools.simllm import SimServer

log = logging.getLogger(__name__)

SIMULATOR = "sim"  # LLM_BASE_URL=sim: the bundled simulator, on purpose


class NoLLMServer(Exception):
    """A bot for real users was started without a real LLM server."""

    def __init__(self) -> None:
        super().__init__(
            "No LLM server is configured (LLM_BASE_URL is not set), and real users must never "
            "get the simulator's placeholder meanings. Set LLM_BASE_URL to your vLLM or "
            "OpenAI-compatible server (for example http://localhost:8000/v1; check it with "
            "`vocabot check-llm`). To run on the bundled simulator anyway, for a test, set "
            "LLM_BASE_URL=sim or pass --simulated: every deck will then say its meanings are "
            "simulated."
        )


def wants_simulator(settings: Settings, *, allow_simulator: bool = True) -> bool:
    """True when the bundled simulator answers: no LLM_BASE_URL (only where that is allowed),
    or LLM_BASE_URL=sim (always: the operator asked for it)."""
    url = (settings.llm_base_url or "").strip().lower()
    if url == SIMULATOR:
        return True
    if url:
        return False
    if not allow_simulator:
        raise NoLLMServer()
    return True


@dataclass
class Core:
    """What every adapter gets: settings, the LLM client and the pipeline."""

    settings: Settings
    http: httpx.AsyncClient
    llm: LLMClient
    pipeline: Pipeline
    sim: SimServer | None = None
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def simulated(self) -> bool:
        return self.sim is not None


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    # Enough pooled connections for every concurrent LLM call, with keep-alive, in small
    # pools (SplitPoolTransport: httpcore's bookkeeping grows with the square of a pool).
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.llm_timeout, connect=10.0),
        transport=SplitPoolTransport(
            settings.llm_max_concurrency + 4, pool_size=settings.llm_pool_connections
        ),
    )


def make_source(settings: Settings, *, with_samples: bool) -> TranscriptSource:
    folders = [settings.transcripts_dir] if settings.transcripts_dir else []
    if with_samples:
        folders.append(SAMPLES_DIR)
    return ChainSource(
        *(DirectorySource(folder) for folder in folders),
        YouTubeSource(proxy_url=settings.youtube_proxy_url),
    )


def make_llm(
    settings: Settings, http: httpx.AsyncClient, base_url: str, *, simulated: bool
) -> LLMClient:
    """The LLM client of the settings, on the shared HTTP client."""
    return LLMClient(
        http,
        base_url=base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        max_concurrency=settings.llm_max_concurrency,
        adaptive_start=(
            settings.llm_start_concurrency if settings.llm_adaptive_concurrency else None
        ),
        timeout=settings.llm_timeout,
        deadline=settings.llm_deadline_seconds,
        deadline_per_token=settings.llm_deadline_per_token,
        max_attempts=settings.llm_max_attempts,
        structured_output=settings.llm_structured_output,
        backoff_initial=settings.llm_backoff_seconds,
        server_max_failures=settings.llm_server_max_failures,
        server_cooldown=settings.llm_server_cooldown_seconds,
        backend="simulator" if simulated else None,
        simulated=simulated,
    )


def make_pipeline(
    settings: Settings, llm: LLMClient, source: TranscriptSource | None, *, simulated: bool
) -> Pipeline:
    return Pipeline(
        source=source or make_source(settings, with_samples=simulated),
        llm=llm,
        chunk_tokens=settings.chunk_tokens,
        chunk_max_items=settings.chunk_max_items,
        chunk_first_items=settings.chunk_first_items,
        max_video_minutes=settings.max_video_minutes,
        max_build_tokens=settings.max_build_tokens,
        hedge_after=settings.llm_hedge_after_seconds,
    )


async def start_simulator(stack: AsyncExitStack, settings: Settings) -> tuple[SimServer, str]:
    """The bundled simulated LLM server, in this process until `stack` closes; its URL."""
    from devtools.simllm import SimConfig, SimServer

    sim = SimServer(SimConfig(speedup=settings.sim_speedup, model=settings.llm_model))
    base_url = await stack.enter_async_context(sim.serve())
    log.warning(
        "using the bundled simulated LLM server: meanings are placeholders, and every "
        "deck says so (set LLM_BASE_URL for a real server)"
    )
    return sim, base_url


@asynccontextmanager
async def open_core(
    settings: Settings,
    *,
    source: TranscriptSource | None = None,
    allow_simulator: bool = True,
) -> AsyncIterator[Core]:
    """Settings -> the LLM client and the pipeline.

    With no LLM_BASE_URL the bundled simulator starts in-process, but only where that is
    allowed (the demo, the console chat, the CLI); faces for real users pass
    `allow_simulator=False` and need LLM_BASE_URL (or LLM_BASE_URL=sim, on purpose).
    """
    async with AsyncExitStack() as stack:
        sim: SimServer | None = None
        base_url = settings.llm_base_url or ""
        if wants_simulator(settings, allow_simulator=allow_simulator):
            sim, base_url = await start_simulator(stack, settings)
        http = await stack.enter_async_context(make_http_client(settings))
        llm = make_llm(settings, http, base_url, simulated=sim is not None)
        metrics = Metrics()
        llm.observers.append(metrics)
        metrics.llm_in_flight.set_function(lambda: llm.limiter.in_use)
        if sim is None:
            await llm.identify()
        pipeline = make_pipeline(settings, llm, source, simulated=sim is not None)
        for language in settings.youtube_languages:
            # at start-up, not in the middle of the first user's request
            await asyncio.to_thread(warm_up, language)
        yield Core(
            settings=settings, http=http, llm=llm, pipeline=pipeline, sim=sim, metrics=metrics
        )


@dataclass
class App:
    """The store, the job runner and the actions (plus core, where decks are built here):
    what every face gets.

    Faces act through `actions` (one door per user action) and never read `store` or
    `quiz`: they are here for the composition root and the tests (tests/test_door.py). The
    store is typed as core's Store Protocol and the runner as core's Runner, so nothing here
    depends on which database is behind them, or whether decks are built in this process or
    by workers.
    """

    settings: Settings
    store: Store
    runner: Runner
    quiz: Quiz
    actions: Actions
    health: Health
    metrics: Metrics
    core: Core | None = None  # None on a queue front: workers build the decks

    @property
    def simulated(self) -> bool:
        """Decks built here come from the bundled simulator."""
        return self.core is not None and self.core.simulated


def make_spending(settings: Settings, store: Store, metrics: Metrics) -> Spending:
    """The quota and budget of the settings; admins and the local operator have no quota."""
    admins = parse_admins(settings.admin_user_ids)

    def exempt(user: User) -> bool:
        return user.platform == LOCAL_PLATFORM or account(user) in admins

    return Spending(
        store,
        daily_builds=settings.user_daily_builds,
        daily_tokens=settings.daily_token_budget,
        exempt=exempt,
        metrics=metrics,
    )


def make_actions(
    settings: Settings,
    store: Store,
    runner: Runner | None,
    quiz: Quiz,
    metrics: Metrics | None = None,
    spending: Spending | None = None,
    llm: LLMClient | None = None,
) -> Actions:
    """The actions; `llm` (where this process calls one) also translates card sentences."""
    metrics = metrics or Metrics()
    pronunciation.warm()  # the IPA on cards: the dictionary loads in a thread, not on a request
    return Actions(
        store=store,
        runner=runner,
        quiz=quiz,
        default_learner_language=settings.default_learner_language,
        default_level=settings.default_level,
        upload_max_bytes=settings.upload_max_bytes,
        max_video_minutes=settings.max_video_minutes,
        study=StudyConfig(
            settings.study_base_url, settings.web_link_minutes, settings.web_session_days
        ),
        metrics=metrics,
        spending=spending or make_spending(settings, store, metrics),
        admins=parse_admins(settings.admin_user_ids),
        broadcast_per_second=settings.broadcast_per_second,
        deck_size=settings.deck_size,
        sentences=SentenceTranslator(llm) if llm is not None else None,
    )


class OpenStore(Store, Protocol):
    """A store the composition root opened, and closes."""

    async def close(self) -> None: ...


async def open_store(settings: Settings) -> OpenStore:
    """The store the settings name: PostgreSQL when DATABASE_URL is set, else the SQLite
    file at DB_PATH. Raises StorageUnavailable (with the reason) when it cannot be used."""
    if settings.database_url:
        require("postgres")
        from storage.postgres import PostgresStore  # psycopg loads only when asked for

        return await PostgresStore.open(settings.database_url, max_size=settings.database_pool_size)
    if settings.db_path == default_db_path():  # the user's data folder, made on first use
        await asyncio.to_thread(settings.db_path.parent.mkdir, parents=True, exist_ok=True)
        if await asyncio.to_thread(Path(DB_FILE).is_file):
            log.warning(
                "%s in this folder is no longer used by default (your data is in %s); "
                "set DB_PATH=%s to keep using it",
                DB_FILE,
                settings.db_path,
                DB_FILE,
            )
    return await SQLiteStore.open(settings.db_path)


def make_limits(settings: Settings) -> UserLimits:
    """Each learner's running jobs and cool-down: the same rule for either runner."""
    return UserLimits(
        max_running_jobs=settings.user_max_running_jobs,
        cooldown_seconds=settings.user_cooldown_seconds,
    )


def make_drain(settings: Settings) -> Drain:
    """How either runner stops: the grace a finished job's last update gets."""
    return Drain(last_update_grace=settings.shutdown_last_update_grace_seconds)


def make_runner(settings: Settings, core: Core, store: Store) -> JobRunner:
    """The in-process runner: this process builds decks (alone, or as a queue worker),
    counting each learner's builds and tokens against the quota and the budget."""
    spending = make_spending(settings, store, core.metrics)
    core.llm.observers.append(spending)  # tokens, per learner
    return JobRunner(
        pipeline=core.pipeline,
        store=store,
        model=settings.llm_model,
        max_parallel_videos=settings.max_parallel_videos,
        languages=tuple(settings.youtube_languages),
        metrics=core.metrics,
        spending=spending,
        limits=make_limits(settings),
        drain=make_drain(settings),
    )


def make_health(settings: Settings, store: Store, llm: LLMClient | None, runner: Runner) -> Health:
    """Readiness: the store, the LLM server (where this process calls one), the platforms
    (added by the faces that start), and whether the runner still takes jobs."""
    health = Health(store, llm, llm_fresh_seconds=settings.ready_llm_seconds)
    health.accepting = lambda: runner.accepting
    return health


@asynccontextmanager
async def open_offline(settings: Settings) -> AsyncIterator[Actions]:
    """The actions that need no LLM server (export, API keys, usage, forgetting a learner):
    the store, nothing started."""
    store = await open_store(settings)
    try:
        yield make_actions(settings, store, None, Quiz(store))
    finally:
        await store.close()


@asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    source: TranscriptSource | None = None,
    allow_simulator: bool = True,
) -> AsyncIterator[App]:
    """Everything a process that builds decks itself needs; closes in reverse order on exit.

    (A front, which on PostgreSQL queues its jobs for workers instead, opens with
    bot.fronts.open_front.) `source` replaces the transcript sources (tests use a stand-in
    for YouTube).
    """
    wants_simulator(settings, allow_simulator=allow_simulator)  # refuse before opening anything
    store = await open_store(settings)  # fails fast with a clear error
    try:
        async with (
            open_core(settings, source=source, allow_simulator=allow_simulator) as core,
            core.metrics.watching_loop(),
        ):
            runner = make_runner(settings, core, store)
            quiz = Quiz(
                store, daily_new_cards=settings.daily_new_cards, deck_size=settings.deck_size
            )
            actions = make_actions(
                settings, store, runner, quiz, core.metrics, runner.spending, core.llm
            )
            health = make_health(settings, store, core.llm, runner)
            app = App(settings, store, runner, quiz, actions, health, core.metrics, core=core)
            try:
                yield app
            finally:
                await runner.shutdown(grace=settings.shutdown_grace_seconds)
    finally:
        await store.close()
