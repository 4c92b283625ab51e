"""The job runner against the simulated vLLM over real HTTP, on each store (SQLite and
PostgreSQL): decks built, cached, resumed after a restart."""

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from bot import texts
from bot.app import open_app
from core import errors
from core.config import Settings
from core.i18n import translator
from core.jobs import Drain, JobRunner, JobUpdate
from core.llm import LLMClient
from core.models import Progress, Stage
from core.pipeline import Pipeline
from core.store import JobStatus, Notify, User
from core.transcripts import ChainSource, DirectorySource
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR
from tests.conftest import Sim
from tests.stores import AnyStore, StoreTarget

ENGLISH = translator("en")


@dataclass
class Recorder:
    updates: list[JobUpdate] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, update: JobUpdate) -> None:
        self.updates.append(update)
        if update.finished:
            self.finished.set()

    def stages(self) -> list[Stage]:
        return [u.progress.stage for u in self.updates]


@dataclass
class Chat:
    """A platform's notifier: what the chat of each job was told."""

    told: list[tuple[Notify, JobUpdate]] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, target: Notify, update: JobUpdate) -> None:
        self.told.append((target, update))
        if update.finished:
            self.finished.set()

    @property
    def updates(self) -> list[JobUpdate]:
        return [u for _, u in self.told]


async def restart(
    llm: LLMClient, target: StoreTarget, videos: Path
) -> tuple[AnyStore, JobRunner, Chat]:
    """A new process on the same database: its store, and a runner telling a Telegram chat."""
    store = await target.open()
    chat = Chat()
    runner = make_runner(llm, store, videos)
    runner.notifiers["telegram"] = chat
    return store, runner, chat


@pytest.fixture
def videos(tmp_path: Path) -> Path:
    """Ten more short videos (copies of the coffee how-to under other ids)."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for i in range(10):
        shutil.copy(COFFEE_HOWTO, folder / f"vidCoffee{i:02d}.en.vtt")
    return folder


class RunnerOptions(TypedDict, total=False):
    max_parallel_videos: int
    user_max_running_jobs: int
    user_cooldown_seconds: float
    clock: Callable[[], float]
    drain: Drain


def make_runner(
    llm: LLMClient, store: AnyStore, videos: Path, **kwargs: Unpack[RunnerOptions]
) -> JobRunner:
    source = ChainSource(DirectorySource(videos), DirectorySource(SAMPLES_DIR))
    options: RunnerOptions = {"user_cooldown_seconds": 0.0, "user_max_running_jobs": 10, **kwargs}
    return JobRunner(
        pipeline=Pipeline(source=source, llm=llm), store=store, model=llm.model, **options
    )


@pytest.fixture
async def runner(llm: LLMClient, store: AnyStore, videos: Path) -> AsyncIterator[JobRunner]:
    runner = make_runner(llm, store, videos)
    yield runner
    await runner.shutdown(grace=5)


async def user(store: AnyStore, name: str) -> User:
    return await store.get_or_create_user("test", name, learner_language="ko", level="B1")


async def test_cache_hit_costs_zero_llm_calls(runner: JobRunner, store: AnyStore, sim: Sim) -> None:
    alice, bob = await user(store, "alice"), await user(store, "bob")
    first = await (await runner.submit(alice, "vocabDemo02")).wait()
    calls = len(sim.server.calls)
    assert first.deck is not None and not first.cached and calls > 0

    listener = Recorder()
    second = await (await runner.submit(bob, "vocabDemo02", listener=listener)).wait()
    assert second.cached and second.deck is not None
    assert len(sim.server.calls) == calls, "served from the cache"
    assert second.deck.user_id == bob.id and second.deck.words == first.deck.words
    await listener.finished.wait()
    assert listener.stages()[-1] == Stage.DONE


async def test_cache_respects_each_users_known_words(runner: JobRunner, store: AnyStore) -> None:
    alice, bob = await user(store, "alice"), await user(store, "bob")
    await (await runner.submit(alice, "vocabDemo02")).wait()
    await store.add_known_words(bob.id, ["barista", "kettle"])
    done = await (await runner.submit(bob, "vocabDemo02")).wait()
    assert done.deck is not None
    bob_words = {c.front for c in await store.deck_cards(bob.id, done.deck.id, "word")}
    assert "barista" not in bob_words and "kettle" not in bob_words
    assert "thermometer" in bob_words


async def test_fifty_users_one_video_one_pipeline_run(
    runner: JobRunner, store: AnyStore, sim: Sim
) -> None:
    users = [await user(store, f"u{i}") for i in range(50)]
    recorders = [Recorder() for _ in users]
    handles = await asyncio.gather(
        *(
            runner.submit(u, "vocabDemo01", listener=r)
            for u, r in zip(users, recorders, strict=True)
        )
    )
    results = await asyncio.gather(*(h.wait() for h in handles))
    assert runner.pipeline_runs == 1
    chunks = results[0].deck.words if results[0].deck else 0
    assert all(r.deck is not None and r.deck.words == chunks for r in results)
    assert len({r.deck.user_id for r in results if r.deck}) == 50, "each user has a deck"
    assert len(sim.server.calls) == len([c for c in sim.server.calls if c.status == 200])
    first_run_calls = len(sim.server.calls)
    assert first_run_calls < 20
    for recorder in recorders:
        await recorder.finished.wait()
        assert recorder.stages()[-1] == Stage.DONE
    late_joiner = recorders[-1].stages()
    assert Stage.DONE in late_joiner and Stage.SAVING in late_joiner


async def test_one_users_many_links_do_not_starve_another(
    llm: LLMClient, store: AnyStore, videos: Path
) -> None:
    runner = make_runner(llm, store, videos, max_parallel_videos=1)
    alice, bob = await user(store, "alice"), await user(store, "bob")
    started: list[str] = []

    def watch(name: str) -> Recorder:
        class Watch(Recorder):
            async def __call__(self, update: JobUpdate) -> None:
                await super().__call__(update)
                # The first update past the queue: stages coalesce, so any of them counts.
                if update.progress.stage != Stage.QUEUED and name not in started:
                    started.append(name)

        return Watch()

    # Hold the only video slot while everyone submits, so the order is fairness alone.
    hold, holding = asyncio.Event(), asyncio.Event()

    async def blocker() -> None:
        async with runner.slots.slot("someone else"):
            holding.set()
            await hold.wait()

    blocking = asyncio.create_task(blocker())
    await holding.wait()
    a_watch = [watch(f"a{i}") for i in range(4)]
    handles = [
        await runner.submit(alice, f"vidCoffee{i:02d}", listener=a_watch[i]) for i in range(4)
    ]
    b_watch = watch("b0")
    handles.append(await runner.submit(bob, "vidCoffee09", listener=b_watch))
    hold.set()
    await blocking
    await asyncio.gather(*(h.wait() for h in handles))
    await runner.shutdown()
    assert started.index("b0") < started.index("a3"), started
    assert started.index("b0") <= 2, "bob waits for at most one of alice's videos in line"
    queued = [
        u.progress.queue_position for u in b_watch.updates if u.progress.stage == Stage.QUEUED
    ]
    assert queued and queued[0] >= 1, "bob was shown his place in line"


async def test_per_user_limits(llm: LLMClient, store: AnyStore, videos: Path) -> None:
    now = [100.0]
    runner = make_runner(
        llm, store, videos, user_max_running_jobs=1, user_cooldown_seconds=5.0, clock=lambda: now[0]
    )
    alice = await user(store, "alice")
    first = await runner.submit(alice, "vidCoffee01")
    with pytest.raises(errors.TooManyJobs):
        await runner.submit(alice, "vidCoffee02")
    await first.wait()
    now[0] += 1.0
    with pytest.raises(errors.SlowDown) as info:
        await runner.submit(alice, "vidCoffee02")
    assert "4 s" in info.value.user_message
    now[0] += 5.0
    await (await runner.submit(alice, "vidCoffee02")).wait()
    await runner.shutdown()


async def test_cancel_stops_the_build(runner: JobRunner, store: AnyStore, sim: Sim) -> None:
    sim.config.speedup = 5  # slow enough to cancel mid-build
    alice = await user(store, "alice")
    reached = asyncio.Event()

    async def listener(update: JobUpdate) -> None:
        if update.progress.stage == Stage.EXTRACTING:
            reached.set()

    handle = await runner.submit(alice, "vocabDemo01", listener=listener)
    await reached.wait()
    assert await runner.cancel(alice.id) == 1
    done = await handle.wait()
    assert done.progress.stage == Stage.CANCELLED
    assert isinstance(done.error, errors.JobCancelled)
    record = await store.get_job(alice.id, handle.id)
    assert record is not None and record.status == JobStatus.CANCELLED
    assert runner.job_count == 0  # the cancelled job is no longer tracked


async def test_a_failing_or_slow_listener_does_not_break_the_job(
    runner: JobRunner, store: AnyStore
) -> None:
    alice = await user(store, "alice")
    gate, slow_done = asyncio.Event(), asyncio.Event()
    slow_seen: list[Stage] = []

    async def broken(update: JobUpdate) -> None:
        raise RuntimeError("listener bug")

    async def slow(update: JobUpdate) -> None:
        await gate.wait()
        slow_seen.append(update.progress.stage)
        if update.finished:
            slow_done.set()

    handle = await runner.submit(alice, "vocabDemo02", listener=broken)
    assert runner.subscribe(alice.id, handle.id, slow)
    done = await handle.wait()
    assert done.deck is not None  # finished while `slow` was still stuck on its first update
    assert slow_seen == []
    gate.set()
    await slow_done.wait()
    assert slow_seen[-1] == Stage.DONE
    assert len(slow_seen) <= 3, "a slow listener gets the latest state, not a backlog"


async def test_failure_is_recorded_and_told(runner: JobRunner, store: AnyStore) -> None:
    alice = await user(store, "alice")
    listener = Recorder()
    done = await (await runner.submit(alice, "zzzzzzzzzz1", listener=listener)).wait()
    assert isinstance(done.error, errors.NoCaptions)
    await listener.finished.wait()
    assert listener.stages()[-1] == Stage.FAILED
    record = await store.get_job(alice.id, done.job_id)
    assert record is not None and record.status == JobStatus.FAILED
    assert record.error_code == "no_captions"


async def test_jobs_survive_a_restart(
    llm: LLMClient, target: StoreTarget, videos: Path, sim: Sim
) -> None:
    sim.config.speedup = 5
    store = await target.open()
    first = make_runner(llm, store, videos)
    alice = await user(store, "alice")
    reached = asyncio.Event()

    async def listener(update: JobUpdate) -> None:
        if update.progress.stage == Stage.EXTRACTING:
            reached.set()

    handle = await first.submit(
        alice, "vocabDemo01", notify=Notify("telegram", "1", "2"), listener=listener
    )
    await reached.wait()
    await first.shutdown(grace=0)  # the process goes away mid-build
    await store.close()
    sim.config.speedup = 200

    store, second, chat = await restart(llm, target, videos)
    assert await second.resume() == 1
    await chat.finished.wait()
    told_to, final = chat.told[-1]
    assert told_to == Notify("telegram", "1", "2")
    assert final.job_id == handle.id and final.deck is not None
    assert any(u.progress.detail == "resumed" for u in chat.updates)
    record = await store.get_job(alice.id, handle.id)
    assert record is not None and record.status == JobStatus.DONE
    await second.shutdown()
    await store.close()


async def test_no_new_jobs_while_shutting_down(runner: JobRunner, store: AnyStore) -> None:
    await runner.shutdown()
    with pytest.raises(errors.ShuttingDown):
        await runner.submit(await user(store, "alice"), "vocabDemo02")


# -- the per-user limit is one atomic check-and-reserve ---------------------------------------


async def test_concurrent_submissions_cannot_pass_the_limit_together(
    llm: LLMClient, store: AnyStore, videos: Path
) -> None:
    runner = make_runner(llm, store, videos, user_max_running_jobs=2)
    alice = await user(store, "alice")
    results = await asyncio.gather(
        *(runner.submit(alice, f"vidCoffee{i % 10:02d}") for i in range(20)),
        return_exceptions=True,
    )
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, errors.TooManyJobs)]
    assert len(accepted) == 2 and len(refused) == 18
    assert all(1 <= r.retry_in <= 600 for r in refused), "a Retry-After for the HTTP face"
    assert len(await store.user_jobs(alice.id)) == 2
    await runner.shutdown(grace=0)


async def test_a_submission_that_fails_gives_its_place_back(
    llm: LLMClient, store: AnyStore, videos: Path, target: StoreTarget
) -> None:
    now = [100.0]
    runner = make_runner(
        llm, store, videos, user_max_running_jobs=1, user_cooldown_seconds=5.0, clock=lambda: now[0]
    )
    alice = await user(store, "alice")
    target.break_writes("jobs", "broken", "disk I/O error")  # the disk fails once
    with pytest.raises(target.write_error):
        await runner.submit(alice, "vidCoffee01")
    target.mend_writes("jobs", "broken")
    # Neither the running-job place nor the cool-down was taken by the failed attempt.
    done = await (await runner.submit(alice, "vidCoffee01")).wait()
    assert done.deck is not None
    await runner.shutdown()


# -- the job row before the reply, and requests that come twice ------------------------------


async def test_the_row_is_written_before_the_reply_and_the_reply_moves_the_target(
    runner: JobRunner, store: AnyStore
) -> None:
    alice = await user(store, "alice")
    rows_at_reply: list[int] = []

    async def announce() -> Notify:
        rows_at_reply.append(len(await store.user_jobs(alice.id)))
        return Notify("telegram", "1", "42")

    handle = await runner.submit(
        alice, "vocabDemo02", notify=Notify("telegram", "1", None), announce=announce
    )
    assert rows_at_reply == [1], "the job was written before the user saw a reply"
    await handle.wait()
    record = await store.get_job(alice.id, handle.id)
    assert record is not None and record.notify == Notify("telegram", "1", "42")


async def test_a_request_delivered_twice_makes_one_job(
    runner: JobRunner, store: AnyStore, sim: Sim
) -> None:
    alice = await user(store, "alice")
    replies: list[str] = []

    async def announce() -> None:
        replies.append("Working…")

    first = await runner.submit(alice, "vocabDemo02", source_key="t:1:7", announce=announce)
    again = await runner.submit(alice, "vocabDemo02", source_key="t:1:7", announce=announce)
    assert again.duplicate and again.id == first.id and replies == ["Working…"]
    await first.wait()
    later = await runner.submit(alice, "vocabDemo02", source_key="t:1:7", announce=announce)
    assert later.duplicate and (await later.wait()).deck is not None
    assert [j.id for j in await store.user_jobs(alice.id)] == [first.id]
    calls = len(sim.server.calls)
    assert calls > 0 and runner.pipeline_runs == 1


# -- restarts reuse finished work -------------------------------------------------------------


async def test_a_resumed_build_asks_only_for_the_chunks_it_lacked(
    llm: LLMClient, target: StoreTarget, videos: Path, sim: Sim
) -> None:
    store = await target.open()
    first = make_runner(llm, store, videos)
    alice = await user(store, "alice")
    sim.config.fault_rules.append(("rats running through mazes", "hang"))  # one chunk hangs
    all_but_one = asyncio.Event()

    async def listener(update: JobUpdate) -> None:
        p = update.progress
        if p.stage == Stage.EXTRACTING and p.total and p.done == p.total - 1:
            all_but_one.set()

    handle = await first.submit(
        alice, "vocabDemo01", notify=Notify("telegram", "1", "2"), listener=listener
    )
    await all_but_one.wait()
    await first.shutdown(grace=0)  # the process goes away with one chunk unanswered
    await store.close()
    answered_before = sum(1 for c in sim.server.calls if c.status == 200)
    sim.config.fault_rules.clear()

    store, second, chat = await restart(llm, target, videos)
    assert await second.resume() == 1
    await chat.finished.wait()
    told = chat.updates
    final = told[-1]
    assert final.job_id == handle.id and final.deck is not None and not final.deck.missing
    asked_again = sum(1 for c in sim.server.calls if c.status == 200) - answered_before
    assert asked_again == 1, "only the unanswered chunk was asked after the restart"
    extracting = [u.progress for u in told if u.progress.stage == Stage.EXTRACTING]
    total = extracting[0].total
    assert extracting[0].reused == total - 1 and extracting[0].done == total - 1
    assert all(u.progress.detail == "resumed" for u in told if not u.finished)
    done = f"{total - 1}/{total} parts were already done"
    assert done in texts.progress_text(ENGLISH, extracting[-1])
    await second.shutdown()
    await store.close()


async def test_an_end_never_told_is_told_at_the_next_start(
    llm: LLMClient, target: StoreTarget, videos: Path
) -> None:
    store = await target.open()
    # no grace for the last update: the process dies at once, it waits out no 5 s
    first = make_runner(llm, store, videos, drain=Drain(last_update_grace=0))
    never = asyncio.Event()

    async def stuck(target: Notify, update: JobUpdate) -> None:
        if update.finished:
            await never.wait()  # the process dies before the deck reaches the chat

    first.notifiers["telegram"] = stuck
    alice = await user(store, "alice")
    handle = await first.submit(alice, "vocabDemo02", notify=Notify("telegram", "1", "2"))
    assert (await handle.wait()).deck is not None
    await first.shutdown(grace=0)
    await store.close()

    store, second, chat = await restart(llm, target, videos)
    assert await second.resume() == 0
    assert [(t, u.job_id, u.progress.stage) for t, u in chat.told] == [
        (Notify("telegram", "1", "2"), handle.id, Stage.DONE)
    ]
    assert chat.updates[0].deck is not None
    chat.told.clear()
    await second.resume()
    assert chat.told == [], "told once"
    await second.shutdown()
    await store.close()


# -- hangs do not hold a video slot -----------------------------------------------------------


async def test_a_short_video_is_not_stuck_behind_a_long_ones_straggler(
    llm: LLMClient, store: AnyStore, videos: Path, sim: Sim
) -> None:
    runner = make_runner(llm, store, videos, max_parallel_videos=1)
    runner.pipeline.hedge_after = 0.01
    sim.config.fault_rules.append(("rats running through mazes", "hang"))  # and its twin
    alice, bob = await user(store, "alice"), await user(store, "bob")
    long = await runner.submit(alice, "vocabDemo01")
    short = await runner.submit(bob, "vidCoffee01")
    done = await short.wait()
    assert done.deck is not None
    assert not long.done.done(), "the short video finished while the long one straggled"
    await runner.cancel(alice.id)
    await runner.shutdown()


# -- a finished job never changes ---------------------------------------------------------------


async def test_a_delivered_job_is_not_failed_by_a_later_error(
    runner: JobRunner, store: AnyStore, target: StoreTarget
) -> None:
    alice, bob = await user(store, "alice"), await user(store, "bob")
    # bob's deck cannot be saved
    target.break_writes("decks", "full_disk", "database or disk is full", f"NEW.user_id = {bob.id}")
    first = await runner.submit(alice, "vocabDemo02")
    second = await runner.submit(bob, "vocabDemo02")  # joins alice's build
    alice_done, bob_done = await first.wait(), await second.wait()
    assert alice_done.progress.stage == Stage.DONE and alice_done.deck is not None
    assert bob_done.progress.stage == Stage.FAILED
    assert isinstance(bob_done.error, errors.InternalError)
    alice_row = await store.get_job(alice.id, first.id)
    bob_row = await store.get_job(bob.id, second.id)
    assert alice_row is not None and alice_row.status == JobStatus.DONE
    assert bob_row is not None and bob_row.status == JobStatus.FAILED


def test_the_restart_notice_stays_above_the_progress() -> None:
    resumed = Progress(Stage.EXTRACTING, 23, 38, detail="resumed", reused=19)
    assert texts.progress_text(ENGLISH, resumed).splitlines() == [
        "🔄 I was restarted; 19/38 parts were already done.",
        "🧠 Explaining words ▰▰▰▰▰▰▱▱▱▱ 23/38",
    ]
    fetching = texts.progress_text(ENGLISH, Progress(Stage.TRANSCRIPT, detail="resumed"))
    assert fetching.startswith("🔄 I was restarted") and "Fetching the captions" in fetching
    assert "restarted" not in texts.progress_text(
        ENGLISH, Progress(Stage.EXTRACTING, 23, 38, reused=19)
    )
    assert "restarted" not in texts.progress_text(ENGLISH, Progress(Stage.DONE, detail="resumed"))


async def test_shutdown_waits_for_a_finished_jobs_listeners(
    sim: Sim, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A job's end reaches its waiter before its listeners have had it, so an app closing
    at that moment closed the store under them (the bench saw "no active connection" from a
    listener). Shutdown now returns only once a finished job's listeners are done."""
    settings = Settings(
        llm_base_url=sim.url, db_path=tmp_path / "m.sqlite3", user_cooldown_seconds=0
    )
    entered, release = asyncio.Event(), asyncio.Event()
    shown: list[str] = []
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        first = await app.actions.learners.user("t", "first")
        await (await app.actions.builds.submit(first, "vocabDemo02")).wait()
        user = await app.actions.learners.user("t", "u")

        async def listener(update: JobUpdate) -> None:
            if update.finished and update.deck is not None:
                entered.set()
                await release.wait()  # a face still drawing the deck page
                page = await app.actions.decks.page(user, update.deck.id)
                shown.append(page.deck.title or "")

        handle = await app.actions.builds.submit(user, "vocabDemo02", listener=listener)
        assert (await handle.wait()).cached  # a cache hit ends inside submit: no build left
        await entered.wait()
        shutting = asyncio.create_task(app.runner.shutdown(grace=30))
        for _ in range(20):  # let it run as far as it goes without the listener
            await asyncio.sleep(0)
        assert not shutting.done(), "shutdown waits for the listener"
        release.set()
        await shutting
        assert shown == ["vocabDemo02"], "the listener drew its page before shutdown ended"
    assert not [r for r in caplog.records if "listener failed" in r.getMessage()]
