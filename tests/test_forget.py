"""A learner's right to leave: /forget deletes every row about them, table by table, and
nothing of anyone else; then the faces' confirm step (Telegram, Discord, console, HTTP)."""

import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.app import open_app
from bot.discord.common import Inter
from bot.discord.ops import OpsCog
from core import errors
from core.config import Settings
from core.store import CacheKey, QuotaOverride, ReviewLogEntry, ReviewState, User
from core.subtitles import Upload
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from storage.sqlite import SQLiteStore, open_store
from tests.conftest import Sim
from tests.discord_harness import ALICE as DISCORD_ALICE
from tests.discord_harness import BOB as DISCORD_BOB
from tests.discord_harness import Discord, Screen, button
from tests.factories import deck, job
from tests.http_harness import Api, finish
from tests.stores import AnyStore
from tests.telegram_harness import ALICE, BOB, TG
from tests.test_console_chat import chat

SHARED_UPLOAD = "file:" + "a" * 40  # both learners sent this file
ALICES_UPLOAD = "file:" + "b" * 40  # only Alice did
VIDEO = "vidAAAAAAA1"


def cache_key(video_id: str) -> CacheKey:
    return CacheKey(video_id, "en", "ko", "B1", "v1", "model", "backend")


def upload(key: str) -> Upload:
    return Upload(key, "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello\n", None, "en")


async def fill(store: AnyStore, name: str, uploads: list[str]) -> User:
    """A learner with a row in every table a learner can have rows in."""
    user = await store.get_or_create_user("telegram", name, learner_language="ko", level="B1")
    await store.mark_seen(user.id, datetime.now(UTC))
    info = await store.save_deck(user.id, deck(video=VIDEO))
    card = (await store.deck_cards(user.id, info.id))[0]
    now = datetime.now(UTC)
    await store.save_review(
        user.id, ReviewState(card.id, {"s": 1}, now), ReviewLogEntry(card.id, 3, now)
    )
    await store.add_known_words(user.id, ["hello"])
    await store.put_session(user.id, "quiz", {"q": 1})
    await store.add_api_key(user.id, f"hash-{name}", name)
    await store.add_web_token(user.id, f"web-{name}", "session", now + timedelta(days=1))
    await store.add_usage(user.id, date.today(), builds=2, prompt_tokens=100, completion_tokens=50)
    await store.set_quota(user.id, QuotaOverride(daily_builds=5))
    await store.create_job(job(user.id, f"job-{name}", video=VIDEO))
    for key in uploads:
        await store.save_upload(upload(key))
        await store.create_job(job(user.id, f"job-{name}-{key[5:9]}", video=key))
        await store.cache_deck(cache_key(key), deck(video=VIDEO))
        await store.save_chunk_result(cache_key(key), "fp", {"w": []})
    return user


# How many rows of each table belong to a learner (or to what only they sent). Every table
# of the schema must be here: a new table is a decision about forgetting.
def owned(db: sqlite3.Connection, user_id: int, uploads: list[str]) -> dict[str, int]:
    marks = ",".join("?" * len(uploads)) or "''"
    by_user = "SELECT COUNT(*) FROM {} WHERE user_id = ?"
    counts = {
        "users": db.execute("SELECT COUNT(*) FROM users WHERE id = ?", (user_id,)).fetchone()[0],
        "uploads": db.execute(
            f"SELECT COUNT(*) FROM uploads WHERE key IN ({marks})", uploads
        ).fetchone()[0],
        "deck_cache": db.execute(
            f"SELECT COUNT(*) FROM deck_cache WHERE video_id IN ({marks})", uploads
        ).fetchone()[0],
        "chunk_results": db.execute(
            "SELECT COUNT(*) FROM chunk_results WHERE json_extract(cache_key, '$.video_id') "
            f"IN ({marks})",
            uploads,
        ).fetchone()[0],
    }
    for table in ("decks", "cards", "reviews", "review_log", "known_words", "sessions", "jobs",
                  "api_keys", "web_tokens", "usage", "user_quotas"):  # fmt: skip
        counts[table] = db.execute(by_user.format(table), (user_id,)).fetchone()[0]
    return counts


# Tables that hold nothing about a learner: public videos (a file's deck never names
# itself there, even when it links to one) and their shared cache.
PUBLIC = {"videos"}


@dataclass
class Two:
    db: Path
    store: SQLiteStore
    alice: User
    bob: User


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Two]:
    db = tmp_path / "forget.sqlite3"
    async with open_store(db) as store:
        alice = await fill(store, "111", [SHARED_UPLOAD, ALICES_UPLOAD])
        bob = await fill(store, "222", [SHARED_UPLOAD])
        await store.cache_deck(cache_key(VIDEO), deck(video=VIDEO))  # a public video's deck
        yield Two(db, store, alice, bob)


def tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


async def test_forget_removes_every_row_of_the_learner_and_nothing_of_another(two: Two) -> None:
    with sqlite3.connect(two.db) as db:
        assert tables(db) == set(owned(db, two.alice.id, [])) | PUBLIC, "a table nobody judged"
        alice_before = owned(db, two.alice.id, [ALICES_UPLOAD])
        bob_before = owned(db, two.bob.id, [SHARED_UPLOAD])
        public_deck = db.execute(
            "SELECT COUNT(*) FROM deck_cache WHERE video_id = ?", (VIDEO,)
        ).fetchone()[0]
    assert all(alice_before.values()), f"every table has a row of Alice's: {alice_before}"
    assert all(bob_before.values())

    deleted = await two.store.forget_user(two.alice.id)

    with sqlite3.connect(two.db) as db:
        alice_after = owned(db, two.alice.id, [ALICES_UPLOAD])
        assert alice_after == dict.fromkeys(alice_after, 0), alice_after
        assert owned(db, two.bob.id, [SHARED_UPLOAD]) == bob_before, "Bob keeps everything"
        assert (
            db.execute("SELECT COUNT(*) FROM deck_cache WHERE video_id = ?", (VIDEO,)).fetchone()[0]
            == public_deck
        ), "a public video's shared deck is not Alice's"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert deleted["users"] == 1 and deleted["uploads"] == 1 and deleted["decks"] == 1
    assert await two.store.get_user(two.alice.id) is None
    assert await two.store.user_for_api_key("hash-111") is None


async def test_what_a_learner_spent_stays_in_the_days_totals_without_them(two: Two) -> None:
    before = await two.store.usage_by_day(date.today())
    await two.store.forget_user(two.alice.id)
    after = await two.store.usage_by_day(date.today())
    assert after[0].usage == before[0].usage, "the budget still sees what was spent today"
    assert after[0].users == 1, "only Bob is a learner of that day now"
    top = await two.store.top_users(date.today(), 5)
    assert {row.user.platform_user_id if row.user else None for row in top} == {"222", None}


async def test_forgetting_twice_or_a_stranger_changes_nothing(two: Two) -> None:
    await two.store.forget_user(two.alice.id)
    again = await two.store.forget_user(two.alice.id)
    assert sum(again.values()) == 0
    with sqlite3.connect(two.db) as db:
        before = owned(db, two.bob.id, [SHARED_UPLOAD])
    await two.store.forget_user(999_999)
    with sqlite3.connect(two.db) as db:
        assert owned(db, two.bob.id, [SHARED_UPLOAD]) == before


# -- the faces: ask, confirm, and only the asker can confirm -----------------------------------


async def test_telegram_forget_asks_and_only_the_asker_can_confirm(tg: TG) -> None:
    for learner in (ALICE, BOB):
        tg.fake.push_text(learner, "vocabDemo02")
        await tg.final_message(learner)
    store = tg.app.store
    [ask] = await tg.reply_to(ALICE, "/forget")
    assert "can't be undone" in ask.plain
    assert "someone else" in await tg.press(BOB, ask, ask.button("Yes"))
    assert await store.find_user("telegram", str(ALICE)) is not None, "Bob's press did nothing"

    await tg.press(ALICE, ask, ask.button("Yes"))
    assert "everything I kept about you is deleted" in ask.plain
    assert ask.buttons() == [], "the question's buttons are gone"
    assert await store.find_user("telegram", str(ALICE)) is None
    bob = await store.find_user("telegram", str(BOB))
    assert bob is not None and len(await store.list_decks(bob.id)) == 1


async def test_telegram_forget_can_be_declined(tg: TG) -> None:
    [ask] = await tg.reply_to(ALICE, "/forget")
    await tg.press(ALICE, ask, ask.button("Keep"))
    assert "nothing was deleted" in ask.plain
    assert await tg.app.store.find_user("telegram", str(ALICE)) is not None


async def test_privacy_says_what_is_kept_and_why(tg: TG) -> None:
    [answer] = await tg.reply_to(ALICE, "/privacy")
    paragraphs = answer.plain.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("What I keep") and paragraphs[1].startswith("Why")
    assert "/forget" in answer.plain


OpsHandler = Callable[[OpsCog, Inter], Coroutine[Any, Any, None]]


async def test_discord_forget_confirm_button_is_the_askers_only(
    dc: Discord,
) -> None:
    await dc.wait_for_embed(await dc.vocab(DISCORD_ALICE, "vocabDemo02"))
    screen = Screen()
    forget = cast(OpsHandler, OpsCog.forget.callback)
    await forget(OpsCog(dc.app), dc.interaction(DISCORD_ALICE, screen))
    assert screen.ephemeral and "can't be undone" in screen.ephemeral[0]
    message: dict[str, Any] = {}
    stranger = Screen()
    await button(screen.sent["view"], "Yes").callback(
        dc.interaction(DISCORD_BOB, stranger, message)
    )
    assert "someone else" in stranger.ephemeral[0] and not message
    await button(screen.sent["view"], "Yes").callback(
        dc.interaction(DISCORD_ALICE, Screen(), message)
    )
    assert "deleted" in message["content"] and message["view"] is None
    assert await dc.app.store.find_user("discord", str(DISCORD_ALICE)) is None


async def test_console_forget_needs_a_typed_yes(sim: Sim, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    out = await chat(sim, db, ["vocabDemo02", "/forget", "no", "/decks", "/forget", "yes"])
    assert "nothing was deleted" in out and "vocabDemo02 ·" in out.split("nothing was deleted")[1]
    assert "everything I kept about you is deleted" in out
    async with open_store(db) as store:
        assert await store.active_users(datetime(2000, 1, 1, tzinfo=UTC)) == []
        assert await store.usage_by_day(date(2000, 1, 1)) != [], "the day's totals stay"


async def test_delete_me_over_http_forgets_the_key_too(api: Api) -> None:
    created = await api.client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=api.alice)
    await finish(api, created.json()["job_id"], api.alice)
    gone = await api.client.delete("/v1/me", headers=api.alice)
    assert gone.status_code == 200
    body = gone.json()
    assert body["deleted"]["users"] == 1 and body["deleted"]["decks"] == 1
    assert "deleted" in body["message"]
    assert (await api.client.get("/v1/decks", headers=api.alice)).status_code == 403
    assert (await api.client.get("/v1/decks", headers=api.bob)).status_code == 200


async def test_a_refused_subtitle_file_is_not_kept(sim: Sim, tmp_path: Path) -> None:
    db = tmp_path / "refused.sqlite3"
    settings = Settings(llm_base_url=sim.url, db_path=db, user_cooldown_seconds=0)
    data = (SAMPLES_DIR / "vocabDemo02.en.vtt").read_bytes()
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        user = await app.actions.learners.user("telegram", "5")
        await app.store.set_quota(user.id, QuotaOverride(blocked=True))
        with pytest.raises(errors.BuildsBlocked):
            await app.actions.builds.submit_file(user, data, "talk.en.vtt")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM uploads").fetchone()[0] == 0, (
            "no job names it, so /forget could never find it: it must not stay"
        )


# -- nothing left that names or quotes the learner ---------------------------------------------

SECRET = "Zephyrine whispered about the marmalade conspiracy tonight."
FILE_NAME = "zephyrine-private-diary.en.vtt"
LINKED = "for https://youtu.be/dQw4w9WgXcQ"  # the caption links the file to a public video


def secret_file() -> bytes:
    sample = (SAMPLES_DIR / "vocabDemo02.en.vtt").read_text(encoding="utf-8")
    return f"{sample}\n00:09:00.000 --> 00:09:04.000\n{SECRET}\n".encode()


def traces(db: Path, needles: list[bytes]) -> dict[str, int]:
    """How often each needle is in the database's files (the main file and its WAL)."""
    found = dict.fromkeys((n.decode() for n in needles), 0)
    for path in (db, db.with_name(db.name + "-wal")):
        data = path.read_bytes() if path.exists() else b""
        for needle in needles:
            found[needle.decode()] += data.count(needle)
    return found


async def test_after_forget_no_file_of_the_database_names_or_quotes_the_learner(
    sim: Sim, tmp_path: Path
) -> None:
    """The upload's name (in `videos`), its text and its hash are gone from the tables, from
    the free pages (secure_delete) and from the WAL (checkpointed), while the app runs."""
    db = tmp_path / "traces.sqlite3"
    settings = Settings(llm_base_url=sim.url, db_path=db, user_cooldown_seconds=0)
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        alice = await app.actions.learners.user("telegram", "111")
        handle = await app.actions.builds.submit_file(alice, secret_file(), FILE_NAME, hint=LINKED)
        done = await handle.wait()
        assert done.deck is not None
        key = (await app.store.get_job(alice.id, handle.id) or pytest.fail("no job")).video_id
        needles = [b"Zephyrine", b"marmalade", b"zephyrine-private-diary", key[5:].encode()]
        with sqlite3.connect(db) as conn:  # as an older version wrote the linked video's row
            conn.execute(
                "INSERT INTO videos (id, title) VALUES ('dQw4w9WgXcQ', ?) ON CONFLICT (id) "
                "DO UPDATE SET title = excluded.title",
                ("zephyrine-private-diary",),
            )
        before = traces(db, needles)
        assert all(before.values()), before
        await app.actions.learners.forget(alice)
        after = traces(db, needles)
        assert after == dict.fromkeys(after, 0), f"before {before}, after {after}"
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
