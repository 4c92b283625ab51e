"""One scenario, three faces, one answer: Telegram, Discord and the console chat share the
actions, so they show the same cards, name exported files alike and word errors alike.

All three run on ONE App (one store, one runner) against the simulator over HTTP; each
face's learner asks for the same things and we compare what each of them sees.
"""

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import App, open_app
from bot.console.chat import ConsoleChat
from bot.discord.cog import VocabCog
from core import errors
from core.actions import export_filename
from core.config import Settings
from core.jobs import JobRunner
from devtools.fake_telegram import FakeTelegram
from tests.conftest import Sim
from tests.console_script import script
from tests.discord_harness import Discord, Screen, button
from tests.telegram_harness import TG, offline_source, start_bot

USER = 4242  # the same number on every platform: three different learners all the same


@dataclass
class Faces:
    app: App
    tg: TG
    dc: Discord

    async def console(self, lines: list[str]) -> str:
        console = Console(file=io.StringIO(), width=120, force_terminal=False)
        await ConsoleChat(self.app, console, script(lines)).run()
        output = console.file.getvalue()  # type: ignore[attr-defined]
        assert isinstance(output, str)
        return output


@pytest.fixture
async def faces(sim: Sim, tmp_path: Path) -> AsyncIterator[Faces]:
    settings = Settings(
        llm_base_url=sim.url, db_path=tmp_path / "f.sqlite3", user_cooldown_seconds=0
    )
    fake = FakeTelegram()
    async with fake.serve() as base_url, open_app(settings, source=offline_source()) as app:
        adapter = await start_bot(fake, base_url, app)
        try:
            cog = VocabCog(app, edit_interval=0, first_edit_delay=0)
            yield Faces(app, TG(fake, app, adapter, sim), Discord(app, cog, sim))
        finally:
            await adapter.stop()


async def test_every_face_shows_the_same_first_page(faces: Faces) -> None:
    faces.tg.fake.push_text(USER, "https://youtu.be/vocabDemo02")
    page = await faces.tg.final_message(USER)
    embed = await faces.dc.wait_for_embed(
        await faces.dc.vocab(USER, "https://youtu.be/vocabDemo02")
    )
    out = await faces.console(["https://youtu.be/vocabDemo02"])

    discord_fronts = [str(f.name).split(". ", 1)[1].split(" · ")[0] for f in embed.fields]
    assert len(discord_fronts) == 5
    telegram_lines = [
        line for line in page.text.splitlines() if line[:2] in {f"{i}." for i in range(1, 6)}
    ]
    telegram_fronts = [line.split("<b>", 1)[1].split("</b>", 1)[0] for line in telegram_lines]
    assert telegram_fronts == discord_fronts, "same cards, same order"
    # (each front in its numbered row: a front can also be a word of an earlier sentence)
    rows = [f"│ {number} │ {front} " for number, front in enumerate(discord_fronts, 1)]
    assert all(row in out for row in rows), "the console lists them in the same order"
    assert "Words 1–5 of" in page.text and embed.description and "Words 1–5 of" in embed.description


TITLE = 'What "sleep" does / 5 facts: 잠'  # quotes, a slash, a colon, Hangul


async def retitle(app: App, platform: str) -> None:
    """Give the learner's deck a title the old per-face file-name rules disagreed on."""
    if platform == "console":
        user = await app.actions.local_user()  # the learner at this terminal
    else:
        user = await app.actions.user(platform, USER)
    assert isinstance(app.runner, JobRunner)  # decks are built in this process
    deck = await app.store.cached_deck(app.runner.cache_key("vocabDemo02", "ko", "B1"))
    assert deck is not None
    await app.store.save_deck(user.id, replace(deck, title=TITLE))


async def test_every_face_names_an_export_the_same_way(faces: Faces, tmp_path: Path) -> None:
    faces.tg.fake.push_text(USER, "https://youtu.be/vocabDemo02")
    page = await faces.tg.final_message(USER)
    await retitle(faces.app, "telegram")
    await faces.tg.press(USER, page, page.button("CSV"))
    document = await faces.tg.fake.wait_for(
        lambda: next((m for m in faces.tg.fake.sent(USER) if m.document), None)
    )

    screen = await faces.dc.vocab(USER, "https://youtu.be/vocabDemo02")
    await faces.dc.wait_for_embed(screen)
    await retitle(faces.app, "discord")
    view = screen.original["view"]
    pressed = Screen()
    await button(view, "CSV").callback(faces.dc.interaction(USER, pressed))

    await faces.console(["https://youtu.be/vocabDemo02"])
    await retitle(faces.app, "console")
    out = await faces.console(["/open 1", "/export csv"])

    user = await faces.app.actions.user("telegram", USER)
    info = (await faces.app.actions.decks(user))[0]
    expected = export_filename(info, "csv")
    assert info.title == TITLE and expected == "What sleep does 5 facts 잠.csv"
    assert document.document is not None and document.document[0] == expected
    assert [f.filename for f in pressed.files] == [expected]
    assert f"to {expected}" in out and Path(expected).exists()


async def test_every_face_words_an_error_the_same_way(faces: Faces) -> None:
    """A video whose captions are turned off (YouTube's recorded answer)."""
    sentence = errors.CaptionsDisabled.message
    faces.tg.fake.push_text(USER, "https://youtu.be/dQw4w9WgXcQ")
    failed = await faces.tg.final_message(USER, "❌")
    screen = await faces.dc.vocab(USER, "https://youtu.be/dQw4w9WgXcQ")
    await faces.dc.wait_for_answer(screen)
    out = await faces.console(["https://youtu.be/dQw4w9WgXcQ"])
    assert sentence in failed.text
    assert sentence in str(screen.original["content"]).replace("\\", "")
    assert sentence in " ".join(out.split())
