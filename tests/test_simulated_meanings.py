"""Simulated meanings never reach real users unlabelled, and never as a real server's answer.

- `vocabot run` / `serve-api` refuse to start without a real LLM server unless the operator
  opts in (LLM_BASE_URL=sim or --simulated); then every deck says its meanings are simulated.
- `vocabot chat` / `demo` keep the simulator by default, with the same label on every page.
- The cache key holds the backend's identity, and a simulated deck is never served to a run
  on a real server.
"""

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr
from rich.console import Console

from bot import texts
from bot.app import NoLLMServer, open_app
from bot.cli import main
from bot.console.chat import ConsoleChat
from bot.run import run
from core.config import Settings
from core.jobs import JobRunner
from core.transcripts import DirectorySource
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from storage.sqlite import open_store
from tests.conftest import FAST, Sim
from tests.console_script import script
from tests.telegram_harness import ALICE, offline_source, start_bot


@pytest.fixture
async def real_server() -> AsyncIterator[Sim]:
    """The simulator imitating a real vLLM server: it does not say it is a simulator."""
    server = SimServer(SimConfig(speedup=FAST, fingerprint=False))
    async with server.serve() as url:
        yield Sim(server, url)


def test_run_refuses_to_start_without_a_real_llm_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")  # never reached
    monkeypatch.setenv("DB_PATH", str(tmp_path / "r.sqlite3"))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "LLM_BASE_URL" in err and "--simulated" in err and "Traceback" not in err
    assert not (tmp_path / "r.sqlite3").exists(), "refused before anything was opened"


def test_serve_api_refuses_to_start_without_a_real_llm_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DB_PATH", str(tmp_path / "api.sqlite3"))
    assert main(["serve-api", "--port", "9"]) == 2
    err = capsys.readouterr().err
    assert "LLM_BASE_URL=sim" in err and "check-llm" in err


async def test_open_app_for_real_users_needs_an_llm_server(tmp_path: Path) -> None:
    with pytest.raises(NoLLMServer):
        async with open_app(Settings(db_path=tmp_path / "x.sqlite3"), allow_simulator=False):
            pass


@pytest.mark.parametrize("opt_in", ["LLM_BASE_URL=sim", "--simulated"])
async def test_opted_in_simulator_labels_every_telegram_page(opt_in: str, tmp_path: Path) -> None:
    fake = FakeTelegram()
    settings = Settings(
        llm_base_url="sim" if opt_in == "LLM_BASE_URL=sim" else None,
        sim_speedup=FAST,
        db_path=tmp_path / "s.sqlite3",
        user_cooldown_seconds=0,
    )
    async with (
        fake.serve() as base_url,
        open_app(settings, source=offline_source(), allow_simulator=opt_in == "--simulated") as app,
    ):
        adapter = await start_bot(fake, base_url, app)
        try:
            fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
            page = await fake.wait_for(
                lambda: next((m for m in fake.sent(ALICE) if "📚" in m.text), None)
            )
            assert texts.SIMULATED in page.text
            query = fake.push_callback(ALICE, page, page.button("▶"))
            await fake.wait_for(lambda: query in fake.answered_callbacks)
            assert "Words 6–10" in page.text and texts.SIMULATED in page.text
            query = fake.push_callback(ALICE, page, page.button("Phrases"))
            await fake.wait_for(lambda: query in fake.answered_callbacks)
            assert "Phrases" in page.text and texts.SIMULATED in page.text
        finally:
            await adapter.stop()


async def test_run_with_simulated_flag_starts(tmp_path: Path) -> None:
    fake = FakeTelegram()
    async with fake.serve() as base_url:
        settings = Settings(
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url=base_url,
            db_path=tmp_path / "run.sqlite3",
        )
        stop = asyncio.Event()
        running = asyncio.create_task(run(settings, stop, simulated=True))
        await fake.wait_for(lambda: fake.calls_of("getUpdates"))
        stop.set()
        assert await running == 0


async def test_console_chat_labels_every_page_on_the_default_simulator(tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=120, force_terminal=False)
    settings = Settings(db_path=tmp_path / "c.sqlite3", sim_speedup=FAST, user_cooldown_seconds=0)
    lines = ["https://youtu.be/vocabDemo02", "/next", "/phrases"]
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        await ConsoleChat(app, console, script(lines)).run()
    out = screen.getvalue()
    assert out.count("Test mode") == 3, "the label is on every page shown"


def test_demo_says_its_meanings_are_simulated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speedup", str(FAST)]) == 0
    assert "Test mode" in capsys.readouterr().out


async def test_a_real_server_gets_no_label_and_no_simulated_deck_from_the_cache(
    real_server: Sim, tmp_path: Path
) -> None:
    db = tmp_path / "shared.sqlite3"
    source = DirectorySource(SAMPLES_DIR)
    simulated = Settings(db_path=db, sim_speedup=FAST, user_cooldown_seconds=0)
    async with open_app(simulated, source=source) as app:
        user = await app.store.get_or_create_user("t", "1", learner_language="ko", level="B1")
        done = await (await app.runner.submit(user, "vocabDemo02")).wait()
        assert done.deck is not None and done.deck.simulated

    real = Settings(llm_base_url=real_server.url, db_path=db, user_cooldown_seconds=0)
    async with open_app(real, source=source) as app:
        user = await app.store.get_or_create_user("t", "1", learner_language="ko", level="B1")
        again = await (await app.runner.submit(user, "vocabDemo02")).wait()
        assert not again.cached and real_server.ok_calls() > 0, "rebuilt on the real server"
        assert again.deck is not None and not again.deck.simulated
        cards = await app.store.deck_cards(user.id, again.deck.id)
        assert not any(c.simulated for c in cards)


async def test_a_simulated_deck_under_a_real_servers_key_is_not_served(
    real_server: Sim, tmp_path: Path
) -> None:
    """Belt and braces: even a simulated deck filed under the real key is rebuilt."""
    db = tmp_path / "k.sqlite3"
    settings = Settings(llm_base_url=real_server.url, db_path=db, user_cooldown_seconds=0)
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        assert isinstance(app.runner, JobRunner)
        key = app.runner.cache_key("vocabDemo02", "ko", "B1")
        assert key.backend == real_server.url.rstrip("/")
        user = await app.store.get_or_create_user("t", "1", learner_language="ko", level="B1")
        built = await (await app.runner.submit(user, "vocabDemo02")).wait()
        assert built.deck is not None
    async with open_store(db) as store:
        deck = await store.cached_deck(key)
        assert deck is not None and not deck.simulated
        await store.cache_deck(key, replace(deck, simulated=True))
    real_server.server.calls.clear()
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        user = await app.store.get_or_create_user("t", "2", learner_language="ko", level="B1")
        again = await (await app.runner.submit(user, "vocabDemo02")).wait()
        assert not again.cached and real_server.ok_calls() > 0
