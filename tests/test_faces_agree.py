"""One scenario, three faces, one answer: Telegram, Discord and the console chat share the
actions, so they show the same cards, name exported files alike and word errors alike.

All three run on ONE App (one store, one runner) against the simulator over HTTP; each
face's learner asks for the same things and we compare what each of them sees.
"""

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rich.console import Console

from bot import habit_texts
from bot.app import App, open_app
from bot.console.chat import ConsoleChat
from bot.discord.cog import VocabCog
from core import errors
from core.actions import export_filename
from core.config import Settings
from core.jobs import JobRunner
from core.store import User
from devtools.fake_telegram import FakeTelegram
from tests.conftest import Sim
from tests.console_script import script
from tests.discord_harness import Discord, Screen, button
from tests.factories import deck
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

    # "N. front /ipa/ · pos": the IPA is there only for a word in the dictionary
    discord_heads = [str(f.name).split(". ", 1)[1].split(" · ")[0] for f in embed.fields]
    discord_fronts = [head.split(" /", 1)[0] for head in discord_heads]
    assert len(discord_fronts) == 5
    telegram_lines = [
        line for line in page.text.splitlines() if line[:2] in {f"{i}." for i in range(1, 6)}
    ]
    telegram_fronts = [line.split("<b>", 1)[1].split("</b>", 1)[0] for line in telegram_lines]
    assert telegram_fronts == discord_fronts, "same cards, same order"
    telegram_ipa = [re.findall(r"</b> (/[^/<]+/)", line) for line in telegram_lines]
    discord_ipa = [re.findall(r" (/[^/]+/)$", head) for head in discord_heads]
    assert telegram_ipa == discord_ipa and any(telegram_ipa), "the same pronunciations"
    assert all(ipa[0] in out for ipa in telegram_ipa if ipa), "the console shows them too"
    # (each front in its numbered row: a front can also be a word of an earlier sentence)
    rows = [f"│ {number} │ {front} " for number, front in enumerate(discord_fronts, 1)]
    assert all(row in out for row in rows), "the console lists them in the same order"
    assert "Words 1–5 of" in page.text and embed.description and "Words 1–5 of" in embed.description


TITLE = 'What "sleep" does / 5 facts: 잠'  # quotes, a slash, a colon, Hangul


async def retitle(app: App, platform: str) -> None:
    """Give the learner's deck a title the old per-face file-name rules disagreed on."""
    if platform == "console":
        user = await app.actions.learners.local()  # the learner at this terminal
    else:
        user = await app.actions.learners.user(platform, USER)
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

    user = await faces.app.actions.learners.user("telegram", USER)
    info = (await faces.app.actions.decks.all(user))[0]
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


async def test_every_face_shows_the_same_streak_and_goal(faces: Faces) -> None:
    """One learner per face, each with the same deck and one card rated: /stats in every face
    says the goal and streak line `Actions.habit` makes."""
    lines = []
    for platform in ("telegram", "discord"):
        user = await faces.app.actions.learners.user(platform, USER)
        lines.append(await studied(faces.app, user))
    local = await faces.app.actions.learners.local()
    lines.append(await studied(faces.app, local))
    assert len(set(lines)) == 1 and "🎯 Today: 1/" in lines[0]
    stats = await faces.tg.reply_to(USER, "/stats")
    assert lines[0] in stats[-1].text
    screen = Screen()
    await faces.dc.run(faces.dc.cog.stats, faces.dc.interaction(USER, screen))
    assert lines[0] in screen.sent["embed"].description
    assert lines[0] in await faces.console(["/stats"])


async def studied(app: App, user: User) -> str:
    await app.store.save_deck(user.id, deck())
    turn = await app.actions.quiz.next(user)
    assert turn.question is not None
    await app.actions.quiz.reveal(user, turn.question.id)
    await app.actions.quiz.rate(user, turn.question.id, 3)
    return habit_texts.streak_line(
        app.actions.learners.translator(user), await app.actions.habits.today(user)
    )


async def test_the_console_offers_learn_more_after_the_days_cards(faces: Faces) -> None:
    local = await faces.app.actions.learners.local()
    await faces.app.store.save_deck(local.id, deck(words=tuple(f"w{i:02d}" for i in range(11))))
    turn = await faces.app.actions.quiz.next(local)
    while turn.question is not None:  # the day's 10 new cards, rated as a flashcard would be
        await faces.app.actions.quiz.reveal(local, turn.question.id)
        turn = (await faces.app.actions.quiz.rate(local, turn.question.id, 3)).next or turn
    out = await faces.console(["/quiz", "/quiz 10"])
    assert "2 more wait in your decks" in out and "Type “/quiz 10” to learn 2 more." in out
    assert "mean" in out.split("Type “/quiz 10”")[1], "then the quiz goes on"
