"""Telegram webhook mode: PTB's real stack against the fake Bot API, updates POSTed to the
bot's own webhook listener the way Telegram delivers them, with and without the secret."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from bot import texts
from bot.adapters import PlatformUnreachable
from bot.app import App, open_app
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.webhook import SECRET_HEADER
from core.config import Settings
from devtools.fake_telegram import TOKEN, FakeTelegram, Message
from tests.conftest import Sim
from tests.telegram_harness import ALICE, BOB, offline_source, settings_for

URL = "https://bot.example.test/telegram/hook"
SECRET = "s3cret_token-for-the-tests"


def webhook_settings(sim: Sim, db: Path) -> Settings:
    return settings_for(sim, db).model_copy(
        update={
            "telegram_webhook_url": URL,
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_webhook_port": 0,  # any free loopback port
        }
    )


@dataclass
class Hooked:
    fake: FakeTelegram
    app: App
    adapter: TelegramAdapter
    http: httpx.AsyncClient
    sim: Sim

    @property
    def endpoint(self) -> str:
        assert self.adapter.server is not None and self.adapter.server.port
        return f"http://127.0.0.1:{self.adapter.server.port}/telegram/hook"

    async def deliver(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """POST one update as Telegram does; the status the bot answered."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.http.post(self.endpoint, json=update, headers=headers)
        return response.status_code

    def user_message(self, user: int, text: str) -> dict[str, Any]:
        """A user's message, as the update Telegram holds for the webhook."""
        self.fake.push_text(user, text)
        [update] = self.fake.take_updates()
        return update

    async def answers(self, user: int, count: int = 1) -> list[Message]:
        await self.fake.wait_for(lambda: len(self.fake.sent(user)) >= count)
        return self.fake.sent(user)


@pytest.fixture
async def hooked(sim: Sim, tmp_path: Path) -> AsyncIterator[Hooked]:
    fake = FakeTelegram()
    settings = webhook_settings(sim, tmp_path / "hook.sqlite3")
    async with (
        fake.serve() as base_url,
        open_app(settings, source=offline_source()) as app,
        httpx.AsyncClient() as http,
    ):
        adapter = TelegramAdapter(
            app, token=TOKEN, base_url=base_url, edit_interval=0, first_edit_delay=0
        )
        await adapter.start()
        try:
            yield Hooked(fake, app, adapter, http, sim)
        finally:
            await adapter.stop()


async def test_updates_with_the_secret_are_answered_and_without_it_get_403(
    hooked: Hooked,
) -> None:
    [set_webhook] = hooked.fake.calls_of("setWebhook")
    assert set_webhook.params["url"] == URL and set_webhook.params["secret_token"] == SECRET
    link = hooked.user_message(ALICE, "https://youtu.be/vocabDemo01")

    assert await hooked.deliver(link, secret=None) == 403
    assert await hooked.deliver(link, secret="a-guess") == 403
    assert await hooked.deliver(link, secret=SECRET + "x") == 403
    # Another user's update with the secret is answered; by then Alice's refused link
    # would have been answered too, had it reached the bot.
    assert await hooked.deliver(hooked.user_message(BOB, "/help"), secret=SECRET) == 200
    await hooked.answers(BOB)
    assert hooked.fake.sent(ALICE) == [], "a refused update reaches no handler"
    assert await hooked.app.store.unfinished_jobs() == [] and hooked.sim.server.calls == []

    assert await hooked.deliver(link) == 200
    first = await hooked.answers(ALICE)
    assert first[0].text == texts.WORKING
    page = await hooked.fake.wait_for(
        lambda: next((m for m in hooked.fake.sent(ALICE) if "📚" in m.text), None)
    )
    assert "Words 1–5 of" in page.text and page.message_id == first[0].message_id
    assert hooked.fake.calls_of("getUpdates") == [], "a webhook bot never polls"
    assert hooked.adapter.connected(), "/readyz counts a listening webhook as connected"
    assert hooked.app.health.platforms["telegram"]()


async def test_what_is_not_an_update_is_refused_without_reaching_the_bot(hooked: Hooked) -> None:
    post = hooked.http.post
    headers = {SECRET_HEADER: SECRET}
    assert (await post(hooked.endpoint, content=b"{not json", headers=headers)).status_code == 400
    assert (await post(hooked.endpoint, json=[1, 2], headers=headers)).status_code == 400
    assert (await post(hooked.endpoint, json={"message": {}}, headers=headers)).status_code == 400
    huge = b'{"update_id": 1, "x": "' + b"a" * (1024 * 1024) + b'"}'
    assert (await post(hooked.endpoint, content=huge, headers=headers)).status_code == 413
    assert (await hooked.http.get(hooked.endpoint)).status_code == 405
    other_path = hooked.endpoint.replace("/hook", "/other")
    assert (await post(other_path, json={"update_id": 1}, headers=headers)).status_code == 404
    assert hooked.fake.calls_of("sendMessage") == []


async def test_stopping_a_front_leaves_the_webhook_to_the_others_and_polling_takes_it_back(
    sim: Sim, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    async with fake.serve() as base_url:
        async with open_app(webhook_settings(sim, tmp_path / "a.sqlite3")) as app:
            front = TelegramAdapter(app, token=TOKEN, base_url=base_url)
            await front.start()
            assert front.application.updater is None, "nothing in a webhook front can poll"
            await front.stop()
        assert fake.webhook is not None and fake.webhook["url"] == URL
        assert fake.calls_of("deleteWebhook") == []

        # Back to long polling (no TELEGRAM_WEBHOOK_URL): the webhook is deleted first.
        async with open_app(
            settings_for(sim, tmp_path / "b.sqlite3"), source=offline_source()
        ) as app:
            bot = TelegramAdapter(app, token=TOKEN, base_url=base_url, poll_timeout=1)
            assert bot.server is None
            await bot.start()
            try:
                fake.push_text(ALICE, "/help")
                await fake.wait_for(lambda: fake.sent(ALICE))
            finally:
                await bot.stop()
        assert fake.webhook is None and fake.calls_of("deleteWebhook")


async def test_a_refused_set_webhook_stops_the_front_with_a_reason(
    sim: Sim, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    fake.error_next("setWebhook", 400)
    async with (
        fake.serve() as base_url,
        open_app(webhook_settings(sim, tmp_path / "a.sqlite3")) as app,
        httpx.AsyncClient() as http,
    ):
        front = TelegramAdapter(app, token=TOKEN, base_url=base_url)
        with pytest.raises(PlatformUnreachable, match="setWebhook"):
            await front.start()
        assert front.server is not None and front.server.port, "it had listened"
        with pytest.raises(httpx.ConnectError):  # and it listens no more
            await http.post(f"http://127.0.0.1:{front.server.port}/telegram/hook")
        await front.application.shutdown()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"telegram_webhook_url": "http://bot.example.test/hook"}, "https"),
        ({"telegram_webhook_secret": None}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"telegram_webhook_secret": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"telegram_webhook_secret": "x" * 257}, "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_webhook_settings_that_telegram_would_refuse_are_refused_at_start(
    changes: dict[str, Any], problem: str
) -> None:
    fields: dict[str, Any] = {"telegram_webhook_url": URL, "telegram_webhook_secret": SECRET}
    with pytest.raises(ValidationError, match=problem):
        Settings(**(fields | changes))
