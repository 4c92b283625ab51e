"""`vocabot chat`, driven line by line as a user types, on embedded defaults."""

import io
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import open_app
from bot.cli import main
from bot.console.chat import ConsoleChat
from core.config import Settings
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim


def script(lines: Iterable[str]):  # type: ignore[no-untyped-def]
    pending = list(lines)

    async def read_line() -> str | None:
        return pending.pop(0) if pending else None

    return read_line


async def chat(sim: Sim, db: Path, lines: list[str]) -> str:
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    settings = Settings(llm_base_url=sim.url, db_path=db, user_cooldown_seconds=0)
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        await ConsoleChat(app, console, script(lines)).run()
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


async def test_link_pages_known_quiz_stats(sim: Sim, tmp_path: Path) -> None:
    out = await chat(
        sim,
        tmp_path / "c.sqlite3",
        [
            "https://youtu.be/vocabDemo02",
            "/next",
            "/known 6",
            "/quiz",
            "hello",  # not an answer to a multiple choice
            "1",
            "",  # Enter: the suggested rating
            "/stats",
            f"/export csv {tmp_path / 'deck.csv'}",
            "what is this",
            "/quit",
        ],
    )
    assert "words 1–5 of 72" in out and "words 6–10 of 72" in out
    assert "✓ Known:" in out
    assert "What does" in out and "Answer with a number from 1 to 4." in out
    assert "Right!" in out or "Not quite." in out
    assert "Next review in" in out
    assert "Reviews this week: 1" in out
    assert (tmp_path / "deck.csv").read_text(encoding="utf-8").startswith("kind,front")
    assert "Bye!" in out


async def test_errors_are_sentences(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "e.sqlite3", ["https://youtu.be/zzzzzzzzzz1", "/open 3"])
    assert "no captions" in out
    assert "Usage: /open N" in out
    assert "Traceback" not in out


def test_chat_command_ends_cleanly_at_end_of_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("vocabDemo02\n/stats\n"))
    assert main(["chat", "--speedup", "200"]) == 0
    out = capsys.readouterr().out
    assert "vocabDemo02" in out and "Your progress" in out and "Bye!" in out
