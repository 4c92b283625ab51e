"""`vocabot chat`, driven line by line as a user types, on embedded defaults."""

import asyncio
import io
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import open_app
from bot.cli import main
from bot.console.chat import ConsoleChat
from core.config import Settings
from core.transcripts import DirectorySource, TranscriptSource, YouTubeSource
from devtools.samples import SAMPLES_DIR
from devtools.youtube_stub import unreachable_session
from storage.sqlite import open_store
from tests.conftest import Sim
from tests.console_script import During, script
from tests.sample_decks import COFFEE_WORDS
from tests.stores import StoreTarget


async def chat(
    sim: Sim,
    db: Path | StoreTarget,
    lines: list[str],
    *,
    width: int = 120,
    source: TranscriptSource | None = None,
) -> str:
    screen = io.StringIO()
    console = Console(file=screen, width=width, force_terminal=False)
    where = db.setting() if isinstance(db, StoreTarget) else {"db_path": db}
    settings = Settings(llm_base_url=sim.url, user_cooldown_seconds=0, **where)
    async with open_app(settings, source=source or DirectorySource(SAMPLES_DIR)) as app:
        console_chat = ConsoleChat(app, console)
        console_chat.read_line = script(lines, console_chat)
        await console_chat.run()
    output = screen.getvalue()
    assert isinstance(output, str)
    return output


async def test_link_pages_known_quiz_stats(sim: Sim, target: StoreTarget, tmp_path: Path) -> None:
    out = await chat(
        sim,
        target,
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
    assert f"Words 1–5 of {COFFEE_WORDS}" in out and f"Words 6–10 of {COFFEE_WORDS}" in out
    assert "✓ Known:" in out
    assert "What does" in out and "Answer with a number from 1 to 4." in out
    assert "Right!" in out or "Not quite." in out
    assert "Next review: in" in out
    assert "Reviews this week: 1" in out
    assert (tmp_path / "deck.csv").read_text(encoding="utf-8").startswith("kind,front")
    assert "Bye!" in out


async def test_errors_are_sentences(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "e.sqlite3", ["https://youtu.be/zzzzzzzzzz1", "/open 3"])
    assert "no captions" in out
    assert "Usage: /open N" in out
    assert "Traceback" not in out


def test_chat_command_ends_cleanly_at_end_of_input(
    target: StoreTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in target.env().items():  # `DATABASE_URL=… vocabot chat` too
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO("vocabDemo02\n/stats\n"))
    assert main(["chat", "--speedup", "200"]) == 0
    out = capsys.readouterr().out
    assert "vocabDemo02" in out and "Your progress" in out and "Bye!" in out


# -- 13, 14: links, commands and ratings while a question is open -----------------------------


async def test_a_link_with_punctuation_or_a_command_during_a_question_does_what_it_says(
    sim: Sim, tmp_path: Path
) -> None:
    out = await chat(
        sim,
        tmp_path / "q.sqlite3",
        [
            "Check this out: https://youtu.be/vocabDemo02.",
            "/quiz",
            "https://youtu.be/vocabDemo01!!",
            "/stats",
            "/frobnicate",
            "/cancel",
            "/cancel",
        ],
    )
    assert f"vocabDemo02 · Words 1–5 of {COFFEE_WORDS}" in out
    assert "vocabDemo01 · Words 1–5 of" in out, "the link during a question made a deck"
    assert "Your progress" in out
    assert "I don't know that command" in out
    assert "Answer with a number" not in out
    assert "Quiz ended" in out and "Nothing to cancel" in out
    assert out.index("Quiz ended") < out.index("Nothing to cancel")


async def test_a_mistyped_rating_is_explained_and_a_new_question_clears_it(
    sim: Sim, tmp_path: Path
) -> None:
    out = await chat(
        sim,
        tmp_path / "r.sqlite3",
        ["vocabDemo02", "/quiz", "1", "9", "/quiz", "2", "3", "/stats"],
    )
    assert "Rate it from 1 (Again) to 4 (Easy)" in out
    assert "question is over" not in out
    assert out.count("Right!") + out.count("Not quite.") == 2, "both questions were answered"
    assert "Reviews this week: 2" in out


# -- 17: the console's own rough edges ---------------------------------------------------------


async def test_usage_lines_keep_their_brackets(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "s.sqlite3", ["/settings xx", "/help"])
    assert "Usage: /settings [ko|ja|zh|" in out and "[A1..C2]" in out
    assert "/export csv|apkg [file]" in out


async def test_known_with_a_number_that_is_not_a_card(sim: Sim, tmp_path: Path) -> None:
    out = await chat(
        sim, tmp_path / "k.sqlite3", ["/known 3", "vocabDemo02", "/known 999", "/known"]
    )
    assert "Open a deck first" in out
    assert "✓ Known: ." not in out and "✓ Known:" not in out
    assert "No card 999" in out and f"1–{COFFEE_WORDS}" in out
    assert "Words you know (0)" in out


def page_lines(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if title in line)
    last = next(i for i in range(first, len(lines)) if lines[i].startswith("/next /prev"))
    return lines[first : last + 1]


async def test_a_page_on_an_80_column_terminal_is_compact(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "w.sqlite3", ["vocabDemo02", "/help"], width=80)
    page = page_lines(out, f"vocabDemo02 · Words 1–5 of {COFFEE_WORDS}")
    assert len(page) <= 20, "\n".join(page)
    assert all(len(line) <= 80 for line in out.splitlines())
    # the first card's sentence, wrapped at the terminal's width
    assert "If it's too coarse, the water rushes through and you end up with something" in out
    assert "never show me a word" in out, "help lines fit too"


async def test_wide_terminals_keep_the_table(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "t.sqlite3", ["vocabDemo02"], width=140)
    assert "sentence from the video" in out


# -- 18: no network ------------------------------------------------------------------------------


async def test_no_network_is_told_with_what_helps(sim: Sim, tmp_path: Path) -> None:
    source = YouTubeSource(session_factory=unreachable_session)
    out = await chat(sim, tmp_path / "n.sqlite3", ["https://youtu.be/dQw4w9WgXcQ"], source=source)
    assert "can't get captions from YouTube" in out and "subtitle file" in out
    assert "YOUTUBE_PROXY_URL" not in out and "TRANSCRIPTS_DIR" not in out
    assert "try again in a few minutes" not in out


async def ctrl_c_after(
    tmp_path: Path, shown: bytes, *, speedup: str, env: dict[str, str] | None = None
) -> tuple[bytes, bytes, int]:
    """`vocabot chat` as a process: paste the coffee video, press Ctrl-C once `shown` is on
    the screen; what it printed after that, on stdout and stderr, and its exit code."""
    chat_process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chat",
        "--speedup",
        speedup,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )
    stdin, stdout, stderr = chat_process.stdin, chat_process.stdout, chat_process.stderr
    assert stdin is not None and stdout is not None and stderr is not None
    stdin.write(b"vocabDemo02\n")
    await stdin.drain()

    async def until_shown() -> None:
        seen = b""
        while shown not in seen:
            line = await stdout.readline()
            assert line, seen.decode()
            seen += line

    try:
        # Limits here only stop a hang from hanging the suite; nothing is timed.
        await asyncio.wait_for(until_shown(), 120)
        chat_process.send_signal(signal.SIGINT)  # what Ctrl-C sends; stdin stays open
        rest, errors_out, code = await asyncio.wait_for(
            asyncio.gather(stdout.read(), stderr.read(), chat_process.wait()), 120
        )
    finally:
        if chat_process.returncode is None:
            chat_process.kill()
            await chat_process.wait()
        stdin.close()
    return rest, errors_out, code


@pytest.mark.slow  # the chat as a process
async def test_ctrl_c_quits_at_once_and_log_lines_stay_out_of_the_chat(tmp_path: Path) -> None:
    page = f"vocabDemo02 · Words 1–5 of {COFFEE_WORDS}".encode()
    rest, errors_out, code = await ctrl_c_after(tmp_path, page, speedup="200")
    assert code == 130
    assert b"Bye!" in rest
    assert b"INFO" not in errors_out, errors_out.decode()
    assert b"Traceback" not in errors_out and b"Fatal" not in errors_out


# -- a build in progress, file paths, /web -------------------------------------------------


async def test_cancel_typed_during_a_build_cancels_it(sim: Sim, tmp_path: Path) -> None:
    sim.config.speedup = 2.0  # slow: the build is still running when /cancel comes
    out = await chat(sim, tmp_path / "c.sqlite3", ["vocabDemo02", During("/cancel"), "/decks"])
    assert "Cancelled 1 video" in out, out
    assert "Nothing to cancel" not in out
    assert "You have no decks yet" in out, "no deck was saved"


async def test_file_paths_are_files_even_absolute_or_named_like_a_video_id(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = (SAMPLES_DIR / "vocabDemo01.en.srt").read_bytes()
    (tmp_path / "talk.en.srt").write_bytes(sample)
    (tmp_path / "mytalk_copy.srt").write_bytes(sample.replace(b"the", b"these"))
    (tmp_path / "my talk.srt").write_bytes(sample.replace(b"the", b"those"))
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "f.sqlite3"
    dragged = f"'{tmp_path / 'my talk.srt'}'"  # a file dragged onto a terminal
    lines = [str(tmp_path / "talk.en.srt"), "mytalk_copy.srt", dragged, "/decks"]
    out = await chat(sim, db, lines)
    assert "know that command" not in out and "no captions" not in out, out
    async with open_store(db) as store:
        user = (await store.active_users(datetime(2000, 1, 1, tzinfo=UTC)))[0]
        decks = await store.list_decks(user.id)
        links = {c.item.link for d in decks for c in await store.deck_cards(user.id, d.id)}
    assert sorted(d.title or "" for d in decks) == ["my talk", "mytalk_copy", "talk"], decks
    assert all(d.video_id is None or d.video_id.startswith("file:") for d in decks)
    assert links == {None}, "no card links to a video that does not exist"


async def test_web_says_the_link_needs_serve_api(sim: Sim, tmp_path: Path) -> None:
    out = await chat(sim, tmp_path / "w.sqlite3", ["/web"])
    assert "/study/signin?token=" in out
    assert "vocabot serve-api" in out, "nothing serves the link unless serve-api runs"


async def test_ctrl_c_during_a_build_ends_in_one_line_and_saves_no_half_deck(
    tmp_path: Path,
) -> None:
    db = tmp_path / "interrupted.sqlite3"
    # slow (×0.5): the build is running when Ctrl-C comes
    rest, errors_out, code = await ctrl_c_after(
        tmp_path, b"Working on your video", speedup="0.5", env={"DB_PATH": str(db)}
    )
    assert code == 130
    said = [line for line in rest.decode().splitlines() if line.strip(" >")]
    assert said == ["Bye! Your decks are saved."], said
    assert errors_out.count(b"\n") <= 1, errors_out.decode()  # the simulator's warning only
    assert b"Traceback" not in errors_out and b"ERROR" not in errors_out
    async with open_store(db) as store:
        user = (await store.active_users(datetime(2000, 1, 1, tzinfo=UTC)))[0]
        assert await store.list_decks(user.id) == [], "no half-built deck"
