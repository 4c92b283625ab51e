"""Operator commands: export, api-key, run; clear start-up errors."""

import asyncio
import csv
import io
import logging
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.run import run
from core.config import Settings
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.factories import deck
from tests.stores import StoreTarget


async def seed_user(target: StoreTarget) -> None:
    store = await target.open()
    user = await store.get_or_create_user("telegram", "42", learner_language="ko", level="B1")
    await store.save_deck(user.id, deck())
    await store.save_deck(user.id, deck(video="vidAAAAAAA2", words=("replay",)))
    await store.close()


def test_export_a_users_decks(
    target: StoreTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(seed_user(target))
    for name, value in target.env().items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "all.csv"
    assert main(["export", "--user", "telegram:42", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][0] == "kind" and {r[1] for r in rows[1:]} >= {"hypothesis", "replay"}
    apkg = tmp_path / "all.apkg"
    assert main(["export", "--user", "telegram:42", "--out", str(apkg)]) == 0
    assert any(n.startswith("collection") for n in zipfile.ZipFile(apkg).namelist())


def test_export_for_a_user_without_decks_is_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DB_PATH", str(tmp_path / "none.sqlite3"))
    assert main(["export", "--user", "telegram:7", "--format", "csv"]) == 1
    assert "No decks to export for telegram:7" in capsys.readouterr().err
    assert main(["export", "--user", "nobody", "--format", "csv"]) == 1
    assert "PLATFORM:ID" in capsys.readouterr().err


def test_a_corrupt_database_is_a_clear_start_up_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "broken.sqlite3"
    db.write_bytes(b"garbage" * 1000)
    monkeypatch.setenv("DB_PATH", str(db))
    assert main(["export", "--user", "telegram:1"]) == 1
    err = capsys.readouterr().err
    assert "database" in err and "broken.sqlite3" in err and "Traceback" not in err


def test_api_key_create_prints_a_key_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.sqlite3"
    monkeypatch.setenv("DB_PATH", str(db))
    assert main(["api-key", "create", "--user", "alice"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("vk_")
    assert key not in db.read_bytes().decode("latin-1"), "only the hash is stored"


async def test_run_without_tokens_says_what_to_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert await run(Settings(db_path=tmp_path / "r.sqlite3")) == 2
    assert "TELEGRAM_BOT_TOKEN" in caplog.text and "vocabot demo" in caplog.text


async def test_run_starts_telegram_and_stops_on_signal(
    sim: Sim, target: StoreTarget, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = FakeTelegram()
    stop = asyncio.Event()
    async with fake.serve() as base_url:
        settings = target.settings(
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url=base_url,
            llm_base_url=sim.url,
            transcripts_dir=SAMPLES_DIR,
            user_cooldown_seconds=0,
        )
        running = asyncio.create_task(run(settings, stop))
        await fake.wait_for(lambda: fake.calls_of("getUpdates"))
        fake.push_text(5, "/help")
        await fake.wait_for(lambda: fake.sent(5))
        fake.push_text(5, "vocabDemo02")  # a deck, built and saved on this store
        await fake.wait_for(lambda: any("📚" in m.plain for m in fake.sent(5)), 30)
        stop.set()
        assert await running == 0
    assert "Telegram: started" in caplog.text
    assert "Discord: not started (DISCORD_BOT_TOKEN is not set)" in caplog.text
