"""/web and the "Study" Mini App button in every chat face: Telegram (PTB against the fake Bot
API), Discord (the cog with a fake interaction) and the console chat; and `serve-api --demo`.
Each link is followed to the study page, so a link that does not sign in fails here."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot import texts
from bot.app import App, open_app
from bot.commands.serve import study_demo
from bot.discord.common import Inter
from bot.discord.study import StudyCog
from bot.http.api import create_api
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.study import mini_app_url
from devtools.fake_telegram import TOKEN, FakeTelegram, Message
from tests.conftest import Sim
from tests.discord_harness import ALICE as DISCORD_ALICE
from tests.discord_harness import Discord, Screen
from tests.telegram_harness import ALICE, TG, offline_source, settings_for
from tests.test_console_chat import chat

APP_URL = "https://vocab.example"


async def signs_in(app: App, url: str) -> str:
    """Follow a sign-in link on `app`'s study page; the signed-in home page."""
    transport = httpx.ASGITransport(app=create_api(app), client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://study.test") as client:
        token = parse_qs(urlsplit(url).query)["token"][0]
        signed = await client.post("/study/signin", data={"token": token})
        assert signed.status_code == 303, signed.text
        home = await client.get("/study/")
        assert home.status_code == 200
        return home.text


def link_in(text: str) -> str:
    found = re.search(r"https?://\S+/study/signin\?token=[\w-]+", text)
    assert found, f"a sign-in link in {text!r}"
    return found.group(0)


def web_apps(message: Message) -> list[tuple[str, str]]:
    """(text, url) of every Mini App button on a message."""
    markup = message.reply_markup or {}
    return [
        (b["text"], b["web_app"]["url"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "web_app" in b
    ]


@pytest.fixture
async def tg(sim: Sim, tmp_path: Path) -> AsyncIterator[TG]:
    fake = FakeTelegram()
    settings = settings_for(sim, tmp_path / "tg.sqlite3").model_copy(
        update={"web_app_url": APP_URL}
    )
    async with fake.serve() as base_url, open_app(settings, source=offline_source()) as app:
        adapter = TelegramAdapter(
            app, token=TOKEN, base_url=base_url, edit_interval=0, first_edit_delay=0, poll_timeout=1
        )
        await adapter.start()
        try:
            yield TG(fake, app, adapter, sim)
        finally:
            await adapter.stop()


async def test_telegram_web_gives_a_link_and_deck_pages_and_quiz_open_the_mini_app(
    tg: TG,
) -> None:
    (answer,) = await tg.reply_to(ALICE, "/web")
    assert "signs you in once, within 10 minutes" in answer.plain
    assert "Your decks" in await signs_in(tg.app, link_in(answer.plain))
    assert web_apps(answer) == [("📖 Study", f"{APP_URL}/study/tg?next=/study/")]

    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    user = await tg.app.actions.learners.user("telegram", ALICE)
    (info,) = await tg.app.actions.decks.all(user)
    assert web_apps(page) == [("📖 Study", f"{APP_URL}/study/tg?next=/study/decks/{info.id}")]
    (question,) = await tg.reply_to(ALICE, "/quiz")
    assert web_apps(question) == [("📖 Study", f"{APP_URL}/study/tg?next=/study/review")]
    assert len(question.buttons()) == 5, "the four options, then Study"


async def test_without_a_public_https_address_there_is_no_study_button(
    sim: Sim, tmp_path: Path
) -> None:
    settings = settings_for(sim, tmp_path / "plain.sqlite3")
    assert mini_app_url(settings, "review") is None
    with pytest.raises(ValueError, match="https"):
        settings.model_copy(update={}).model_validate(
            {**settings.model_dump(), "web_app_url": "http://insecure.example"}
        )


async def test_discord_web_is_an_ephemeral_link_without_a_preview(dc: Discord) -> None:
    cog = StudyCog(dc.app)
    screen = Screen()
    web = cast(Callable[[StudyCog, Inter], Awaitable[None]], StudyCog.web.callback)
    await web(cog, dc.interaction(DISCORD_ALICE, screen))
    (text,) = screen.ephemeral
    assert re.search(r"<http://127\.0\.0\.1:8080/study/signin\?token=[\w-]+>", text), (
        "in <…>, so Discord shows no preview"
    )
    assert "Your decks" in await signs_in(dc.app, link_in(text.replace(">", " ")))


async def test_console_web_prints_a_link_that_signs_in(sim: Sim, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    out = await chat(sim, db, ["vocabDemo02", "/web"])
    link = link_in(out)
    settings = settings_for(sim, db)
    async with open_app(settings, source=offline_source()) as app:
        home = await signs_in(app, link)
    assert "vocabDemo02" in home, "the console's learner and their deck"
    assert texts.WEB_HELP in out, "the chat's help names /web"


async def test_serve_api_demo_builds_the_sample_and_prints_a_link(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with open_app(settings_for(sim, tmp_path / "demo.sqlite3")) as app:
        await study_demo(app)
        printed = capsys.readouterr().out
        home = await signs_in(app, link_in(printed))
    assert "vocabDemo01" in home, "the bundled sample deck is on the study page"
