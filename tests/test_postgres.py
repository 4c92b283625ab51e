"""What only the PostgreSQL store has: migrations under a lock, clear start-up errors, a
shared pool, and `vocabot serve-api` on it as a real process.

(The store contract itself runs on both stores in tests/test_storage.py and the others
that take the `store` or `target` fixture; tests/test_schemas.py compares the schemas.)
"""

import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from bot.cli import main
from core import errors
from devtools.processes import READY, free_port, vocabot
from devtools.samples import SAMPLES_DIR
from storage.postgres import PostgresStore, migrations, shown
from tests.conftest import Sim
from tests.factories import deck
from tests.stores import NO_POSTGRES, TEST_DATABASE_URL, with_option, with_schema
from tests.test_secrets import job_end

LATEST = migrations()[-1][0]
PASSWORD = "PgSecretPass42"

pytestmark = pytest.mark.postgres


async def test_processes_starting_at_once_apply_each_migration_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(6)))
    try:
        assert {await s.schema_version() for s in stores} == {LATEST}
        user = await stores[0].get_or_create_user("t", "1", learner_language="ko", level="B1")
        assert await stores[-1].get_user(user.id) == user, "one database behind every pool"
    finally:
        await asyncio.gather(*(s.close() for s in stores))
    with psycopg.connect(pg_url) as pg:
        rows = pg.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [v for (v,) in rows] == list(range(1, LATEST + 1))


async def test_a_database_newer_than_the_code_is_a_clear_error(pg_url: str) -> None:
    await (await PostgresStore.open(pg_url)).close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')")
    with pytest.raises(errors.StorageUnavailable) as info:
        await PostgresStore.open(pg_url)
    assert "version 999, newer than this code" in info.value.detail


async def test_a_read_only_database_fails_at_start_up(pg_url: str) -> None:
    await (await PostgresStore.open(pg_url)).close()  # created and migrated
    read_only = with_option(pg_url, "-cdefault_transaction_read_only=on")
    with pytest.raises(errors.StorageUnavailable) as info:
        await PostgresStore.open(read_only)
    assert "read-only" in info.value.detail


def test_no_server_is_a_clear_start_up_error_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """(Needs no server: nothing listens in tmp_path.)"""
    url = f"postgresql://vocabot:{PASSWORD}@/vocabot?host={tmp_path}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["export", "--user", "telegram:1"]) == 1
    err = " ".join(capsys.readouterr().err.split())  # as one line, however the terminal wraps
    assert "database can't be opened" in err and "cannot connect to" in err
    assert str(tmp_path) in err, "the operator is told where it looked"
    assert PASSWORD not in err and "Traceback" not in err
    assert PASSWORD not in shown(f"{url}&password={PASSWORD}")


def test_a_database_url_that_is_not_postgresql_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"mysql://vocabot:{PASSWORD}@localhost/vocabot")
    assert main(["export", "--user", "telegram:1"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL must be a postgresql:// URL" in err and PASSWORD not in err


async def test_connections_the_server_dropped_are_replaced_before_use(pg_url: str) -> None:
    """A PostgreSQL restart or failover ends every connection in the pool."""
    name = f"dropped-{uuid.uuid4().hex[:8]}"
    store = await PostgresStore.open(f"{pg_url}&application_name={name}")
    try:
        user = await store.get_or_create_user("t", "1", learner_language="ko", level="B1")
        with psycopg.connect(pg_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        assert await store.get_user(user.id) == user
        assert (await store.save_deck(user.id, deck())).words == 3
    finally:
        await store.close()


@pytest.mark.slow  # serve-api as a process
async def test_serve_api_on_postgresql_builds_caches_and_keeps_decks(
    pg_url: str, sim: Sim, tmp_path: Path
) -> None:
    """`DATABASE_URL=postgresql://… vocabot serve-api` and a worker, twice, as real processes."""
    env = {
        "DATABASE_URL": pg_url,
        "LLM_BASE_URL": sim.url,
        "TRANSCRIPTS_DIR": str(SAMPLES_DIR),
        "USER_COOLDOWN_SECONDS": "0",
    }
    keys = []
    for name in ("alice", "bob"):
        async with vocabot(["api-key", "create", "--user", name], env, tmp_path) as made:
            assert await made.exited() == 0, made.text
        keys.append(next(line.strip() for line in made.lines if line.startswith("vk_")))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    alice, bob = ({"Authorization": f"Bearer {key}"} for key in keys)
    async with (
        vocabot(["serve-api", "--port", str(port)], env, tmp_path) as server,
        vocabot(["worker"], env, tmp_path),  # on PostgreSQL, workers build the decks
        httpx.AsyncClient(base_url=base, headers=alice) as as_alice,
    ):
        await server.wait_for_line(READY)
        created = await as_alice.post("/v1/jobs", json={"url": "vocabDemo02"})
        built = await job_end(as_alice, created.json()["job_id"])
        assert built["status"] == "done" and built["deck_id"], server.text
    calls = sim.ok_calls()
    assert calls > 0

    async with (
        vocabot(["serve-api", "--port", str(port)], env, tmp_path) as server,
        vocabot(["worker"], env, tmp_path),
        httpx.AsyncClient(base_url=base, headers=alice) as as_alice,
        httpx.AsyncClient(base_url=base, headers=bob) as as_bob,
    ):
        await server.wait_for_line(READY)
        listing = (await as_alice.get("/v1/decks")).json()
        assert [d["id"] for d in listing] == [built["deck_id"]], "kept across the restart"
        created = await as_bob.post("/v1/jobs", json={"url": "vocabDemo02"})
        cached = await job_end(as_bob, created.json()["job_id"])
        assert cached["status"] == "done" and cached["deck_id"] != built["deck_id"]
        bobs = (await as_bob.get(f"/v1/decks/{cached['deck_id']}")).json()
        assert bobs["words"] > 10
        assert (await as_bob.get(f"/v1/decks/{built['deck_id']}")).status_code == 404
    assert sim.ok_calls() == calls, "the second build came from the cache: no LLM call"


def test_a_schema_in_the_url_keeps_other_options() -> None:
    url = with_schema("postgresql://u@/db?host=/tmp/x&options=-cwork_mem%3D8MB", "t_1")
    assert url == "postgresql://u@/db?host=/tmp/x&options=-cwork_mem%3D8MB%20-csearch_path%3Dt_1"


NO_SERVER = """
import sys
from pathlib import Path

import pytest

from devtools import postgres

postgres.DEBIAN_BINARIES = Path("/nowhere")  # and PATH has no initdb either
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs", sys.argv[1]]))
"""


@pytest.mark.slow  # a second pytest process
@pytest.mark.parametrize(("ci", "code", "says"), [("", 0, "1 skipped"), ("true", 1, "1 error")])
async def test_without_postgresql_the_tests_skip_except_in_ci(
    tmp_path: Path, ci: str, code: int, says: str
) -> None:
    test = "tests/test_storage.py::test_known_words_are_lowercased_and_deduplicated[postgres]"
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (TEST_DATABASE_URL, "CI")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        NO_SERVER,
        test,
        env={**env, "PATH": str(empty), "CI": ci},
        cwd=Path(__file__).resolve().parent.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    text = out.decode()
    assert process.returncode == code, text
    assert says in text and NO_POSTGRES in " ".join(text.split()), text
