"""Metrics, health and the operator's commands: what an operator sees of a running bot."""

import asyncio
import shutil
import sqlite3
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import open_app
from bot.cli import main
from bot.http.api import create_api
from bot.http.ops import serve_ops
from core.config import Settings
from core.health import Health
from core.jobs import JobUpdate
from core.llm import LLMClient
from core.models import Stage
from core.transcripts import DirectorySource
from devtools.processes import free_port
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from storage.sqlite import open_store
from storage.sqlite.backup import backup_sqlite
from tests.conftest import FAST, Sim
from tests.http_harness import Api, client_of, finish

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
# The only labels a metric may have: none of them can hold a user id or a user's text.
LABELS = {"outcome", "result", "server", "status", "kind", "platform", "reason", "le"}


def samples(text: str) -> Samples:
    """Every sample of a /metrics page: (name, sorted labels) -> value."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def total(found: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of `name` that has these labels (and any others)."""
    return sum(
        v for (n, have), v in found.items() if n == name and set(labels.items()) <= set(have)
    )


async def test_metrics_after_a_build_show_the_build_tokens_and_a_cache_hit(api: Api) -> None:
    first = await api.client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=api.alice)
    await finish(api, first.json()["job_id"], api.alice)
    again = await api.client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=api.bob)
    assert again.status_code == 200, "the second learner gets the cached deck at once"

    page = await api.client.get("/metrics")  # no API key: there is no user data on it
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    found = samples(page.text)
    assert api.app.core is not None  # decks are built in this process
    llm = api.app.core.llm
    assert value(found, "vocabot_builds_total", outcome="built") == 1
    assert value(found, "vocabot_jobs_submitted_total") == 2
    assert value(found, "vocabot_jobs_finished_total", outcome="built") == 1
    assert value(found, "vocabot_jobs_finished_total", outcome="cached") == 1
    assert value(found, "vocabot_cache_lookups_total", result="hit") == 1
    assert value(found, "vocabot_build_seconds_count") == 1
    assert value(found, "vocabot_queue_wait_seconds_count") == 1
    prompt = total(found, "vocabot_llm_tokens_total", kind="prompt")
    completion = total(found, "vocabot_llm_tokens_total", kind="completion")
    assert (prompt, completion) == (llm.stats.prompt_tokens, llm.stats.completion_tokens) != (0, 0)
    assert total(found, "vocabot_llm_requests_total", status="200") == api.sim.ok_calls() > 0
    assert total(found, "vocabot_llm_request_seconds_count") == len(api.sim.server.calls)
    assert value(found, "vocabot_active_users") == 2, "Alice and Bob talked to the bot today"
    assert ("vocabot_event_loop_lag_seconds_count", ()) in found
    labels = {name for (_, have) in found for name, _ in have}
    assert labels <= LABELS, labels - LABELS
    assert {dict(have).get("server") for (_, have) in found} <= {None, llm.server}
    assert "alice" not in page.text and "vocabDemo02" not in page.text


async def test_readyz_fails_while_the_llm_server_is_down_and_recovers(tmp_path: Path) -> None:
    port = free_port()
    async with AsyncExitStack() as stack:
        llm_server = AsyncExitStack()
        stack.push_async_callback(llm_server.aclose)
        url = await llm_server.enter_async_context(
            SimServer(SimConfig(speedup=FAST)).serve(port=port)
        )
        settings = Settings(llm_base_url=url, db_path=tmp_path / "r.sqlite3", ready_llm_seconds=0)
        app = await stack.enter_async_context(open_app(settings))
        client = await stack.enter_async_context(client_of(create_api(app)))
        assert (await client.get("/healthz")).json() == {"status": "alive"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["store"]["ok"] and ready.json()["checks"]["llm"]["ok"]

        await llm_server.aclose()  # the LLM server goes down
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["status"] == "not ready"
        assert not down.json()["checks"]["llm"]["ok"] and down.json()["checks"]["store"]["ok"]
        assert (await client.get("/healthz")).status_code == 200, "alive all the same"

        async with SimServer(SimConfig(speedup=FAST)).serve(port=port):  # and comes back
            back = await client.get("/readyz")
            assert back.status_code == 200, back.text


async def test_a_recent_answer_counts_as_ready_without_asking_again(
    http: httpx.AsyncClient,
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens: a probe would fail
    llm = LLMClient(http, base_url=nobody, model="m")
    now = [1000.0]
    health = Health(None, llm, llm_fresh_seconds=30, clock=lambda: now[0])
    llm.last_answer = 990.0  # a build's call answered 10 s ago
    assert (await health.ready()).ok
    now[0] = 1021.0  # 31 s ago: ask now, and it does not answer
    late = await health.ready()
    assert not late.ok and "connection" in late.checks[0].detail


async def test_run_serves_metrics_and_health_on_its_own_port(api: Api) -> None:
    api.app.health.platforms["telegram"] = lambda: False
    async with (
        serve_ops(api.app.metrics, api.app.health, 0, host="127.0.0.1") as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        assert "vocabot_jobs_submitted_total" in (await client.get("/metrics")).text
        ready = await client.get("/readyz")
        assert ready.status_code == 503, "a platform that is not connected: not ready"
        assert ready.json()["checks"]["telegram"] == {"ok": False, "detail": "not connected"}
        api.app.health.platforms["telegram"] = lambda: True
        assert (await client.get("/readyz")).status_code == 200


# -- vocabot health / usage / backup -------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ops.sqlite3"
    monkeypatch.setenv("DB_PATH", str(path))
    return path


def test_health_command_exits_non_zero_when_the_llm_server_is_down(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    assert main(["health"]) == 1
    said = capsys.readouterr().out
    assert "✓ store" in said and "✗ llm" in said and "not ready" in said


async def test_health_command_asks_a_running_process(
    api: Api,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serve_ops(api.app.metrics, api.app.health, 0, host="127.0.0.1") as port:
        url = f"http://127.0.0.1:{port}"
        code = await asyncio.to_thread(main, ["health", "--url", url])
    said = capsys.readouterr().out
    assert code == 0 and "✓ llm" in said and "ready" in said
    assert await asyncio.to_thread(main, ["health", "--url", url]) == 1, "nothing answers now"
    assert "is vocabot running?" in capsys.readouterr().out


async def test_usage_command_prints_days_and_top_learners(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = await api.client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=api.alice)
    await finish(api, created.json()["job_id"], api.alice)
    monkeypatch.setenv("DB_PATH", str(api.app.settings.db_path))
    assert await asyncio.to_thread(main, ["usage", "--days", "2", "--top", "3"]) == 0
    said = capsys.readouterr().out
    assert api.app.core is not None
    tokens = api.app.core.llm.stats.prompt_tokens
    assert "api:alice" in said and f"{tokens:,}" in said and "api:bob" not in said


def test_backup_refuses_to_overwrite_and_a_missing_database(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", str(tmp_path / "copy.sqlite3")]) == 1
    assert "no database at" in capsys.readouterr().err
    sqlite3.connect(db).close()
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"precious")
    assert main(["backup", str(target)]) == 1
    assert "exists" in capsys.readouterr().err and target.read_bytes() == b"precious"
    assert main(["backup", str(target), "--force"]) == 0
    assert "integrity ok" in capsys.readouterr().out


async def test_a_backup_taken_during_a_build_restores_with_its_decks(
    sim: Sim, tmp_path: Path
) -> None:
    live = tmp_path / "live.sqlite3"
    settings = Settings(llm_base_url=sim.url, db_path=live, user_cooldown_seconds=0)
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        user = await app.actions.learners.user("telegram", "1")
        made = await (await app.actions.builds.submit(user, "vocabDemo02")).wait()
        assert made.deck is not None
        cards = await app.store.deck_cards(user.id, made.deck.id)
        extracting = asyncio.Event()

        async def listener(update: JobUpdate) -> None:
            if update.progress.stage == Stage.EXTRACTING:
                extracting.set()

        sim.config.fault_queue = ["hang"] * 50  # the next build's calls stay in flight
        building = await app.actions.builds.submit(user, "vocabDemo01", listener=listener)
        await extracting.wait()
        report = await asyncio.to_thread(backup_sqlite, live, tmp_path / "backup.sqlite3")
        await app.actions.builds.cancel(user)
        await building.wait()
    assert report.integrity == "ok" and report.bytes > 0

    restored = tmp_path / "restored.sqlite3"  # a restore: the copy is the new database
    shutil.copyfile(report.target, restored)
    async with open_store(restored) as store:
        assert await store.integrity_check() == "ok"
        again = await store.find_user("telegram", "1")
        assert again is not None
        assert [d.video_id for d in await store.list_decks(again.id)] == ["vocabDemo02"]
        assert await store.deck_cards(again.id, made.deck.id) == cards, "the deck is intact"
        unfinished = await store.unfinished_jobs()
        assert [j.video_id for j in unfinished] == ["vocabDemo01"], "resumed after a restore"


def test_every_setting_has_a_line_in_env_example() -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8")
    named = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line}
    assert {name.upper() for name in Settings.model_fields} <= named


def test_backup_refuses_to_copy_the_live_database_onto_itself(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db) as live:
        live.execute("CREATE TABLE notes (text TEXT)")
        live.execute("INSERT INTO notes VALUES ('keep me')")
    before = db.read_bytes()
    for target in (db, tmp_path / "." / db.name, Path(f"{db}-wal")):
        assert main(["backup", str(target), "--force"]) == 1
        assert "live database" in capsys.readouterr().err
    assert db.read_bytes() == before
    with sqlite3.connect(db) as live:
        assert live.execute("SELECT text FROM notes").fetchall() == [("keep me",)]


def test_backup_with_database_url_refuses_and_points_to_pg_dump(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite3.connect(db).close()  # a stale SQLite file that is not the bot's database
    monkeypatch.setenv("DATABASE_URL", "postgresql://vocabot@127.0.0.1:1/vocabot")
    target = tmp_path / "copy.sqlite3"
    assert main(["backup", str(target)]) == 1
    said = capsys.readouterr().err
    assert "pg_dump" in said and "DATABASE_URL" in said
    assert not target.exists()


async def test_readyz_asks_a_failing_llm_server_once_for_a_burst_of_probes() -> None:
    """200 /readyz requests while the LLM server fails were 200 upstream calls."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from core.metrics import Metrics

    upstream = 0

    async def failing_models(request: Request) -> Response:
        nonlocal upstream
        upstream += 1
        return JSONResponse({"error": "loading"}, status_code=503)

    sim = SimServer(SimConfig())
    sim.app.router.routes.insert(0, Route("/v1/models", failing_models, methods=["GET"]))
    async with sim.serve() as url, httpx.AsyncClient() as http:
        llm = LLMClient(http, base_url=url, model=sim.config.model)
        health = Health(None, llm)
        async with serve_ops(Metrics(), health, 0) as port:
            limits = httpx.Limits(max_connections=20)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as c:
                burst = await asyncio.gather(*(c.get("/readyz") for _ in range(100)))
                after = [await c.get("/readyz") for _ in range(100)]
    answers = [r.status_code for r in (*burst, *after)]
    assert answers == [503] * 200, "every probe still says: not ready"
    assert "HTTP 503" in burst[0].json()["checks"]["llm"]["detail"]
    assert upstream <= 2, f"{upstream} calls to the LLM server for 200 probes"
