"""`vocabot run` as a real process, killed with SIGKILL and started again.

The test serves the fake Telegram Bot API and the simulated vLLM; the bot runs in its own
process against a SQLite file in tmp_path. After every kill, each user must end up with
exactly one deck (or a clear failure), and a resumed build must not ask the model again
for the chunks it had already saved.
"""

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from bot import habit_texts, texts
from devtools.fake_telegram import TOKEN, FakeTelegram, Message
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.sample_decks import CHUNKS

pytestmark = pytest.mark.slow  # the bot as a process, killed and restarted

ROOT = Path(__file__).resolve().parent.parent
ALICE, BOB, CAROL = 301, 302, 303
LINKS = {ALICE: "vocabDemo01", BOB: "vocabDemo02", CAROL: "vocabDemo02"}


@dataclass
class Bot:
    """One `python -m bot run` process at a time, on the same database."""

    fake: FakeTelegram
    env: dict[str, str]
    log: Path
    proc: asyncio.subprocess.Process | None = None
    starts: list[int] = field(default_factory=list)  # fake.calls index at each start

    async def start(self) -> None:
        self.starts.append(len(self.fake.calls))
        with self.log.open("a") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "bot", "run"),
                env=self.env,
                cwd=self.log.parent,  # no developer .env is read
                stdout=log,
                stderr=log,
            )
        since = self.starts[-1]
        await self.fake.wait_for(
            lambda: any(c.method == "getUpdates" for c in self.fake.calls[since:]), limit=60
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        """SIGTERM, and wait for a clean exit."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(self.proc.wait(), 30) == 0, self.log.read_text()


@pytest.fixture
async def bot(sim: Sim, tmp_path: Path) -> AsyncIterator[Bot]:
    fake = FakeTelegram()
    async with fake.serve() as base_url:
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "LLM_BASE_URL": sim.url,
            "LLM_MODEL": sim.config.model,
            "DB_PATH": str(tmp_path / "bot.sqlite3"),
            "TRANSCRIPTS_DIR": str(SAMPLES_DIR),
            "USER_COOLDOWN_SECONDS": "0",
            "SHUTDOWN_GRACE_SECONDS": "0",
            "LOG_LEVEL": "INFO",
        }
        bot = Bot(fake, env, tmp_path / "bot.log")
        try:
            yield bot
        finally:
            if bot.proc is not None and bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()


def shows(fake: FakeTelegram, chat: int, text: str) -> bool:
    return any(text in m.plain for m in fake.sent(chat))


def decks(fake: FakeTelegram, chat: int) -> list[Message]:
    return [m for m in fake.sent(chat) if "📚" in m.text]


def failures(fake: FakeTelegram, chat: int) -> list[Message]:
    return [m for m in fake.sent(chat) if m.plain.startswith("❌")]


def edits_since(fake: FakeTelegram, since: int, chat: int) -> list[str]:
    """What `chat` was shown since call `since`, but the reminder question after a first
    deck (a message of its own)."""
    return [
        str(c.params["text"])
        for c in fake.calls[since:]
        if c.method in ("editMessageText", "sendMessage")
        and int(c.params["chat_id"]) == chat
        and c.params["text"] != habit_texts.REMIND_ASK
    ]


def answered(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.status == 200)


def db_rows(bot: Bot, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.env["DB_PATH"]) as db:
        return db.execute(sql).fetchall()


async def everyone_gets_exactly_one_deck(bot: Bot, users: list[int]) -> None:
    """Every user sees one deck; then the bot stops cleanly with no job left over."""
    for user in users:
        await bot.fake.wait_for(partial(decks, bot.fake, user), limit=60)
    await bot.stop()
    for user in users:
        assert len(decks(bot.fake, user)) == 1, [m.plain for m in bot.fake.sent(user)]
        assert failures(bot.fake, user) == []
    jobs = db_rows(bot, "SELECT user_id, status, told FROM jobs ORDER BY user_id")
    assert [(status, told) for _, status, told in jobs] == [("done", 1)] * len(users)
    assert len({user for user, _, _ in jobs}) == len(users), "one job per request"


async def test_killed_right_after_the_reply(bot: Bot, sim: Sim) -> None:
    sim.config.fault_rates["hang"] = 1.0  # nothing gets further than the reply
    await bot.start()
    for user in (ALICE, BOB):
        bot.fake.push_text(user, f"https://youtu.be/{LINKS[user]}")
    await bot.fake.wait_for(lambda: bot.fake.sent(ALICE) and bot.fake.sent(BOB))
    # Carol's "Working…" is on her screen, but the bot has not heard back from Telegram.
    held = bot.fake.hold("sendMessage")
    link = bot.fake.push_text(CAROL, f"https://youtu.be/{LINKS[CAROL]}")
    await bot.fake.wait_for(lambda: bot.fake.sent(CAROL))
    await bot.kill()
    held.set()
    bot.fake.holds.clear()
    sim.config.fault_rates.clear()

    await bot.start()
    # Telegram delivers Carol's message again (the crash came before it was confirmed).
    bot.fake.push_text(CAROL, f"https://youtu.be/{LINKS[CAROL]}", message_id=link)
    await everyone_gets_exactly_one_deck(bot, [ALICE, BOB, CAROL])
    for user in (ALICE, BOB):
        about_the_link = [m for m in bot.fake.sent(user) if m.text != habit_texts.REMIND_ASK]
        assert len(about_the_link) == 1, "the reply was edited into the deck"
    # Carol's reply reached Telegram but its id never reached the bot: that "Working…"
    # stays as it is, and a new message answering her link carries the progress and deck.
    stale, new = [m for m in bot.fake.sent(CAROL) if m.text != habit_texts.REMIND_ASK]
    assert stale.plain == texts.WORKING and "📚" in new.text


async def test_killed_mid_build_the_restart_reuses_the_answered_chunks(bot: Bot, sim: Sim) -> None:
    sim.config.speedup = 4  # slow enough to see the progress after the restart
    # One chunk of each video hangs (its hedged twin too): the build stops there.
    sim.config.fault_rules += [
        ("rats running through mazes", "hang"),
        ("expensive machine", "hang"),
    ]
    await bot.start()
    for user in (ALICE, BOB):
        bot.fake.push_text(user, f"https://youtu.be/{LINKS[user]}")
    first, second = CHUNKS["vocabDemo01"], CHUNKS["vocabDemo02"]
    for user, parts in ((ALICE, f"{first - 1}/{first}"), (BOB, f"{second - 1}/{second}")):
        await bot.fake.wait_for(partial(shows, bot.fake, user, parts))
    await bot.kill()
    before = answered(sim)
    assert before == first - 1 + second - 1
    saved = db_rows(bot, "SELECT count(*) FROM chunk_results")[0][0]
    assert saved == before, "every answer was saved as it came"
    sim.config.fault_rules.clear()

    await bot.start()
    restart = bot.starts[-1]
    await everyone_gets_exactly_one_deck(bot, [ALICE, BOB])
    assert answered(sim) - before == 2, "after the restart only the two missing chunks"
    assert answered(sim) == CHUNKS["vocabDemo01"] + CHUNKS["vocabDemo02"]
    # The restart notice stays with the progress until the deck replaces it.
    shown = edits_since(bot.fake, restart, ALICE)
    assert shown and "📚" in shown[-1]
    assert any(f"{first - 1}/{first} parts were already done" in text for text in shown), shown
    assert all("I was restarted" in text for text in shown[:-1])


async def test_killed_while_saving_the_deck(bot: Bot, sim: Sim) -> None:
    await bot.start()
    with sqlite3.connect(bot.env["DB_PATH"]) as db:
        # Saving a deck takes forever: a trigger with a huge join holds it mid-transaction.
        db.executescript(
            "CREATE TABLE ballast (x);"
            "INSERT INTO ballast WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
            "FROM n WHERE i < 2000) SELECT i FROM n;"
            "CREATE TRIGGER slow_disk BEFORE INSERT ON decks BEGIN "
            "SELECT count(*) FROM ballast a, ballast b, ballast c, ballast d; END;"
        )
    for user in (BOB, CAROL):  # one video, one build, two decks to save
        bot.fake.push_text(user, f"https://youtu.be/{LINKS[user]}")
    await bot.fake.wait_for(
        lambda: any(
            "Saving your deck" in m.plain for m in bot.fake.sent(BOB) + bot.fake.sent(CAROL)
        )
    )
    await bot.kill()
    before = answered(sim)
    assert before == CHUNKS["vocabDemo02"]
    with sqlite3.connect(bot.env["DB_PATH"]) as db:
        db.executescript("DROP TRIGGER slow_disk; DROP TABLE ballast;")

    await bot.start()
    await everyone_gets_exactly_one_deck(bot, [BOB, CAROL])
    assert answered(sim) == before, "the deck was built: no call after the restart"
