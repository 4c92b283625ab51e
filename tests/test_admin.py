"""LLM cost control and admins: quotas, the token budget, /admin, and a paced broadcast."""

import io
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from discord.app_commands import AppCommandError
from rich.console import Console
from starlette.responses import JSONResponse

from bot.app import open_app
from bot.console.chat import ConsoleChat
from bot.discord.common import Inter
from bot.discord.ops import OpsCog
from core import errors
from core.actions import LOCAL_PLATFORM
from core.admin import Pacer
from core.config import Settings
from core.store import QuotaOverride
from core.transcripts import DirectorySource
from devtools.fake_telegram import FakeTelegram, Message
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.console_script import script
from tests.discord_harness import FakeInteraction, Screen
from tests.http_harness import client_of, key_for
from tests.telegram_harness import TG, offline_source, settings_for, start_bot

ADMIN, ALICE, BOB = 900, 111, 222


@dataclass
class FakeClock:
    """Time that passes only when something sleeps."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class ClockedTelegram(FakeTelegram):
    """The fake Bot API, noting the (fake) time of every message it is asked to send, and
    answering 403 for chats that blocked the bot."""

    clock: FakeClock = field(default_factory=FakeClock)
    sent_at: list[tuple[float, int, str]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)

    async def api_sendMessage(self, params: dict[str, Any]) -> JSONResponse:
        chat = int(params["chat_id"])
        self.sent_at.append((self.clock.now, chat, str(params["text"])))
        if chat in self.blocked:
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
            return JSONResponse(body, status_code=403)
        return await super().api_sendMessage(params)


def operated(sim: Sim, db: Path, **extra: Any) -> Settings:
    settings = settings_for(sim, db)
    return settings.model_copy(update={"admin_user_ids": [f"telegram:{ADMIN}"], **extra})


@pytest.fixture
async def tg(sim: Sim, tmp_path: Path) -> AsyncIterator[TG]:
    """The Telegram bot with an admin and a daily quota of one new deck."""
    fake = ClockedTelegram()
    settings = operated(sim, tmp_path / "admin.sqlite3", user_daily_builds=1)
    async with fake.serve() as base_url, open_app(settings, source=offline_source()) as app:
        adapter = await start_bot(fake, base_url, app)
        try:
            yield TG(fake, app, adapter, sim)
        finally:
            await adapter.stop()


async def said(tg: TG, user: int, text: str, fragment: str) -> Message:
    """Send `text` as `user`; the bot's message containing `fragment` once it appears."""
    before = len(tg.fake.sent(user))
    tg.fake.push_text(user, text)

    def found() -> Message | None:
        new = tg.fake.sent(user)[before:]
        return next((m for m in reversed(new) if fragment in m.plain), None)

    message: Message = await tg.fake.wait_for(found)
    return message


# -- quota and budget ----------------------------------------------------------------------------


async def test_over_the_quota_a_clear_reply_with_the_reset_and_no_llm_call(tg: TG) -> None:
    await said(tg, ALICE, "vocabDemo02", "📚")
    calls = len(tg.sim.server.calls)
    before = len(tg.fake.sent(ALICE))
    refused = await said(tg, ALICE, "vocabDemo01", "limit")
    assert refused.plain.startswith("❌ You've reached today's limit of 1 new decks.")
    assert "resets at midnight UTC, in" in refused.plain and " min." in refused.plain
    assert len(tg.fake.sent(ALICE)) == before + 1, "no 'working on it' first: one clear reply"
    assert len(tg.sim.server.calls) == calls, "no LLM call"

    await said(tg, BOB, "vocabDemo01", "📚")  # Bob's own quota is untouched
    calls = len(tg.sim.server.calls)
    again = len(tg.fake.sent(ALICE))
    await said(tg, ALICE, "https://youtu.be/vocabDemo01", "📚")  # a deck Bob's build cached
    assert len(tg.sim.server.calls) == calls and len(tg.fake.sent(ALICE)) > again
    alice = await tg.app.store.find_user("telegram", str(ALICE))
    assert alice is not None
    used = await tg.app.store.user_usage(alice.id, datetime.now(UTC).date())
    assert used.builds == 1, "cache hits never count"
    assert used.tokens > 0


async def test_the_daily_token_budget_stops_new_builds_not_cached_decks(
    sim: Sim, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    settings = operated(sim, tmp_path / "budget.sqlite3", daily_token_budget=1000)
    async with fake.serve() as base_url, open_app(settings, source=offline_source()) as app:
        adapter = await start_bot(fake, base_url, app)
        tg = TG(fake, app, adapter, sim)
        try:
            await said(tg, ALICE, "vocabDemo02", "📚")  # the budget was not spent yet
            calls = len(sim.server.calls)
            refused = await said(tg, BOB, "vocabDemo01", "budget")
            assert "used up today's budget for making new decks" in refused.plain
            assert len(sim.server.calls) == calls
            await said(tg, BOB, "vocabDemo02", "📚")  # cached: still free
        finally:
            await adapter.stop()
    days = await _days(settings.db_path)
    assert app.core is not None  # decks are built in this process
    stats = app.core.llm.stats
    assert days == stats.prompt_tokens + stats.completion_tokens


async def _days(db: Path) -> int:
    from storage.sqlite import open_store

    async with open_store(db) as store:
        return sum(d.usage.tokens for d in await store.usage_by_day(date.today()))


async def test_over_the_quota_the_api_answers_429_with_retry_after(
    sim: Sim, tmp_path: Path
) -> None:
    config = Settings(
        llm_base_url=sim.url,
        db_path=tmp_path / "q.sqlite3",
        user_cooldown_seconds=0,
        user_daily_builds=1,
    )
    async with open_app(config, source=DirectorySource(SAMPLES_DIR)) as app:
        from bot.http.api import create_api

        async with client_of(create_api(app)) as client:
            alice = await key_for(app, "alice")
            first = await client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=alice)
            assert first.status_code == 202
            over = await client.post("/v1/jobs", json={"url": "vocabDemo01"}, headers=alice)
    assert over.status_code == 429 and over.json()["error"]["code"] == "quota_exceeded"
    assert 0 < int(over.headers["Retry-After"]) <= 86400
    assert "limit of 1 new decks" in over.json()["error"]["message"]


# -- /admin -----------------------------------------------------------------------------------


async def test_admin_commands_refuse_non_admins(tg: TG) -> None:
    await said(tg, BOB, "/start", "First")
    for command in ("/admin", "/admin quota telegram:222 100", "/admin broadcast 7 spam"):
        refused = await said(tg, BOB, command, "only for the bot's admins")
        assert "Queue" not in refused.plain
    bob = await tg.app.store.find_user("telegram", str(BOB))
    assert bob is not None and await tg.app.store.get_quota(bob.id) == QuotaOverride()
    sent = cast(ClockedTelegram, tg.fake).sent_at
    assert not [text for _, _, text in sent if text == "spam"], "nothing was broadcast"


async def test_admin_sees_the_queue_and_sets_blocks_and_unblocks_a_quota(tg: TG) -> None:
    await said(tg, ALICE, "vocabDemo02", "📚")
    status = await said(tg, ADMIN, "/admin", "Queue")
    assert "Today (UTC)" in status.plain and "1 new decks" in status.plain
    assert f"telegram:{ALICE}" in status.plain, "the top spender today"
    assert "Default quota: 1 new decks a day" in status.plain

    raised = await said(tg, ADMIN, f"/admin quota telegram:{ALICE} 3", "Quota:")
    assert "3 new decks a day (set by an admin)" in raised.plain
    await said(tg, ALICE, "vocabDemo01", "📚")  # allowed again

    await said(tg, ADMIN, f"/admin block telegram:{ALICE}", "Blocked")
    refused = await said(tg, ALICE, "https://youtu.be/zzzzzzzzzz1", "turned off")
    assert "Making new decks is turned off for your account" in refused.plain
    unblocked = await said(tg, ADMIN, f"/admin unblock telegram:{ALICE}", "Quota:")
    assert "Blocked" not in unblocked.plain

    unknown = await said(tg, ADMIN, "/admin user telegram:424242", "platform:id")
    assert "I don't know that user" in unknown.plain
    usage = await said(tg, ADMIN, "/admin what", "Admin commands")
    assert "/admin broadcast" in usage.plain


async def test_broadcast_respects_a_rate_limit_against_the_bot_api(tg: TG) -> None:
    fake = cast(ClockedTelegram, tg.fake)
    store = tg.app.store
    now = datetime.now(UTC)
    recent = list(range(5001, 5025))
    for number in [*recent, 6001]:
        user = await store.get_or_create_user("telegram", str(number), learner_language="ko",
                                              level="B1")  # fmt: skip
        seen = now - timedelta(days=60 if number == 6001 else 1)  # 6001: two months ago
        await store.mark_seen(user.id, seen)
    discord = await store.get_or_create_user("discord", "77", learner_language="ko", level="B1")
    await store.mark_seen(discord.id, now)  # no Discord here: skipped
    fake.blocked = {5003}
    rate = 5.0
    tg.app.actions.admin.pacer = Pacer(rate, clock=fake.clock, sleep=fake.clock.sleep)

    report = await said(tg, ADMIN, "/admin broadcast 7 Hello learners!", "📣 Sent to")
    text = "Hello learners!"
    times = [at for at, _, body in fake.sent_at if body == text]
    chats = {chat for _, chat, body in fake.sent_at if body == text}
    assert chats == {*recent, ADMIN}, "everyone seen in 7 days, on Telegram; nobody else"
    assert len(times) == len(chats), "one message each"
    window = int(rate)
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[window:], strict=False)), (
        f"more than {window} messages in one second: {times}"
    )
    assert times[-1] - times[0] >= (len(times) - 1) / rate - 1e-9
    assert "Sent to 24 of 26 learners (1 failed, 1 on platforms" in report.plain


async def test_broadcast_to_nobody_says_so(tg: TG) -> None:
    await said(tg, ADMIN, "/start", "First")
    answer = await said(tg, ADMIN, "/admin broadcast 1 hi", "📣")
    assert "Sending to 1 learner" in answer.plain  # the admin talked to the bot today


# -- the other faces -------------------------------------------------------------------------


OpsHandler = Callable[..., Coroutine[Any, Any, None]]


async def test_discord_admin_refuses_non_admins_and_answers_admins(
    sim: Sim, tmp_path: Path
) -> None:
    settings = Settings(
        llm_base_url=sim.url, db_path=tmp_path / "d.sqlite3", admin_user_ids=["discord:1"]
    )
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        cog = OpsCog(app)
        status = cast(OpsHandler, OpsCog.admin_status.callback)
        stranger = Screen()
        interaction = cast(Inter, FakeInteraction(app, 2, stranger, {}))
        with pytest.raises(errors.NotAdmin) as refused:
            await status(cog, interaction)
        # discord.py hands what a command raised to the cog's error handler
        await cog.cog_app_command_error(interaction, cast(AppCommandError, refused.value))
        admin = Screen()
        await status(cog, cast(Inter, FakeInteraction(app, 1, admin, {})))
    assert stranger.ephemeral == ["That command is only for the bot's admins."]
    assert admin.ephemeral and "Queue" in admin.ephemeral[0]


async def test_console_admin_is_the_operator_only_when_listed(sim: Sim, tmp_path: Path) -> None:
    import getpass

    me = f"{LOCAL_PLATFORM}:{getpass.getuser() or 'local'}"
    for admins, expected in (([], "only for the bot's admins"), ([me], "Queue")):
        screen = io.StringIO()
        settings = Settings(
            llm_base_url=sim.url, db_path=tmp_path / "c.sqlite3", admin_user_ids=admins
        )
        async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
            console = Console(file=screen, width=120, force_terminal=False)
            await ConsoleChat(app, console, script(["/admin"])).run()
        assert expected in screen.getvalue()
