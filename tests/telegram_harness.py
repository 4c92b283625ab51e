"""The Telegram test harness: the bot on PTB's real HTTP stack against the fake Bot API,
the simulator over HTTP, a real SQLite file. `tg` is a fixture for every test module
(registered in conftest.py); the helpers here are imported by tests that build their own."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.telegram.adapter import TelegramAdapter
from core.config import Settings
from core.transcripts import ChainSource, DirectorySource
from core.youtube import YouTubeSource
from devtools.fake_telegram import TOKEN, FakeTelegram, Message
from devtools.samples import SAMPLES_DIR
from devtools.youtube_stub import stub_session
from tests.conftest import Sim

ALICE, BOB = 111, 222  # two users the tests talk as


def settings_for(sim: Sim, db: Path) -> Settings:
    return Settings(
        llm_base_url=sim.url,
        llm_model=sim.config.model,
        db_path=db,
        user_cooldown_seconds=0,
        user_max_running_jobs=5,
        llm_max_attempts=2,
        llm_backoff_seconds=0.001,
    )


def offline_source() -> ChainSource:
    """Bundled samples by id; any other video is YouTube's recorded "captions disabled"."""
    return ChainSource(
        DirectorySource(SAMPLES_DIR),
        YouTubeSource(session_factory=lambda: stub_session("disabled")),
    )


@dataclass
class TG:
    fake: FakeTelegram
    app: App
    adapter: TelegramAdapter
    sim: Sim

    async def final_message(self, chat: int, marker: str = "📚") -> Message:
        def found() -> Message | None:
            return next((m for m in self.fake.sent(chat) if marker in m.text), None)

        message: Message = await self.fake.wait_for(found)
        return message

    async def press(self, user: int, message: Message, data: str) -> str:
        query = self.fake.push_callback(user, message, data)
        await self.fake.wait_for(lambda: query in self.fake.answered_callbacks)
        return str(self.fake.answered_callbacks[query].get("text", ""))

    async def reply_to(self, user: int, text: str) -> list[Message]:
        before = len(self.fake.sent(user))
        self.fake.push_text(user, text)
        await self.fake.wait_for(lambda: len(self.fake.sent(user)) > before)
        return self.fake.sent(user)[before:]


async def start_bot(fake: FakeTelegram, base_url: str, app: App) -> TelegramAdapter:
    adapter = TelegramAdapter(
        app, token=TOKEN, base_url=base_url, edit_interval=0, first_edit_delay=0, poll_timeout=1
    )
    await adapter.start()
    return adapter


@pytest.fixture
async def tg(sim: Sim, tmp_path: Path) -> AsyncIterator[TG]:
    fake = FakeTelegram()
    async with (
        fake.serve() as base_url,
        open_app(settings_for(sim, tmp_path / "tg.sqlite3"), source=offline_source()) as app,
    ):
        adapter = await start_bot(fake, base_url, app)
        try:
            yield TG(fake, app, adapter, sim)
        finally:
            await adapter.stop()
