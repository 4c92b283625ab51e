"""The store contract on SQLite and PostgreSQL (the `store` and `target` fixtures run each
test on both), then what only SQLite has: its files, WAL, migrations from old versions, crash
safety and the fast-lane lock."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from core import errors
from core.models import Gap, Progress, Stage, Word
from core.store import CacheKey, JobRecord, JobStatus, Notify, ReviewLogEntry, ReviewState
from core.subtitles import Upload
from storage.sqlite import SQLiteStore, _Turns, migrations, open_store
from tests.factories import deck, job, word
from tests.stores import AnyStore

LATEST = migrations()[-1][0]


async def test_new_database_is_at_the_latest_version_with_wal(tmp_path: Path) -> None:
    async with open_store(tmp_path / "sub" / "v.sqlite3") as store:
        assert await store.schema_version() == LATEST >= 2
        assert await store.integrity_check() == "ok"
    with sqlite3.connect(tmp_path / "sub" / "v.sqlite3") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def write_v1_deck(path: Path, meaning: str) -> tuple[int, int]:
    """A user with one deck and two cards, written as version-1 code wrote them."""
    with sqlite3.connect(path) as db:
        user = db.execute(
            "INSERT INTO users (platform, platform_user_id) VALUES ('telegram', '42')"
        ).lastrowid
        deck_id = db.execute(
            "INSERT INTO decks (user_id, video_key, video_id, title, learner_language, level) "
            "VALUES (?, 'vidAAAAAAA1', 'vidAAAAAAA1', 'A talk', 'ko', 'B1')",
            (user,),
        ).lastrowid
        for position, lemma in enumerate(("hypothesis", "consolidate")):
            payload = word(lemma, meaning=meaning.format(lemma))
            db.execute(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, 'word', ?, ?, ?)",
                (deck_id, user, lemma, position, TypeAdapter(Word).dump_json(payload).decode()),
            )
    assert user is not None and deck_id is not None
    return user, deck_id


async def test_a_v1_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = await SQLiteStore.open(path, migrate_to=1)
    assert await old.schema_version() == 1
    await old.close()
    user_id, deck_id = write_v1_deck(path, "{}의 뜻")

    async with open_store(path) as store:
        assert await store.schema_version() == LATEST
        decks = await store.list_decks(user_id)
        assert [d.id for d in decks] == [deck_id]
        assert not decks[0].simulated
        cards = await store.deck_cards(user_id, deck_id)
        assert [c.front for c in cards if c.kind == "word"][:1] == ["hypothesis"]
        # tables of the second migration work on the upgraded file
        state = ReviewState(cards[0].id, {"s": 1}, datetime.now(UTC))
        assert await store.save_review(user_id, state, None)


async def test_decks_of_the_old_simulator_are_labelled_simulated_after_the_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    await (await SQLiteStore.open(path, migrate_to=3)).close()
    user_id, deck_id = write_v1_deck(path, "{} (뜻)")
    async with open_store(path) as store:
        info = await store.get_deck(user_id, deck_id)
        assert info is not None and info.simulated
        assert all(c.simulated for c in await store.deck_cards(user_id, deck_id))


async def test_saving_the_same_video_twice_gives_one_deck(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    first = await store.save_deck(user.id, deck())
    first_cards = {c.key: c.id for c in await store.deck_cards(user.id, first.id)}
    second = await store.save_deck(user.id, deck(words=("hypothesis", "replay")))
    assert second.id == first.id
    assert len(await store.list_decks(user.id)) == 1
    cards = {c.key: c.id for c in await store.deck_cards(user.id, first.id)}
    assert cards["hypothesis"] == first_cards["hypothesis"], "card ids (and reviews) survive"
    assert "replay" in cards


async def test_users_are_isolated_even_with_guessed_ids(store: AnyStore) -> None:
    alice = await store.get_or_create_user("telegram", "a", learner_language="ko", level="B1")
    bob = await store.get_or_create_user("telegram", "b", learner_language="ko", level="B1")
    a_deck = await store.save_deck(alice.id, deck())
    a_cards = await store.deck_cards(alice.id, a_deck.id)
    await store.add_known_words(alice.id, ["hypothesis"])
    state = ReviewState(a_cards[0].id, {"x": 1}, datetime.now(UTC))
    assert await store.save_review(alice.id, state, None)

    assert await store.get_deck(bob.id, a_deck.id) is None
    assert await store.deck_cards(bob.id, a_deck.id) == []
    assert await store.get_card(bob.id, a_cards[0].id) is None
    assert await store.list_decks(bob.id) == []
    assert await store.user_cards(bob.id) == []
    assert await store.known_words(bob.id) == frozenset()
    assert await store.review_states(bob.id) == {}
    # Bob cannot write a review onto Alice's card either.
    forged = ReviewState(a_cards[0].id, {"x": 666}, datetime.now(UTC))
    assert not await store.save_review(bob.id, forged, None)
    assert (await store.review_states(alice.id))[a_cards[0].id].state == {"x": 1}
    assert await store.known_words(alice.id) == frozenset({"hypothesis"})


async def test_cache_round_trip_and_partial_decks_are_not_cached(store: AnyStore) -> None:
    key = CacheKey("vidAAAAAAA1", "en", "ko", "B1", "extract-v1", "m", "http://gpu:8000/v1")
    assert await store.cached_deck(key) is None
    await store.cache_deck(key, deck())
    assert await store.cached_deck(key) == deck()
    other = replace(key, video_id="vidAAAAAAA2")
    await store.cache_deck(other, deck(video="vidAAAAAAA2", missing=(Gap(0, 10, "x"),)))
    assert await store.cached_deck(other) is None
    new_prompt = replace(key, prompt_version="extract-v2")
    assert await store.cached_deck(new_prompt) is None
    other_server = replace(key, backend="simulator")
    assert await store.cached_deck(other_server) is None, "the backend is part of the key"


async def test_known_words_are_lowercased_and_deduplicated(store: AnyStore) -> None:
    user = await store.get_or_create_user("discord", "9", learner_language="ja", level="A2")
    assert await store.add_known_words(user.id, ["Hypothesis", "hypothesis ", "replay"]) == 2
    assert await store.add_known_words(user.id, ["replay"]) == 0
    assert await store.known_words(user.id) == frozenset({"hypothesis", "replay"})


async def test_review_log_and_jobs(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    info = await store.save_deck(user.id, deck())
    card = (await store.deck_cards(user.id, info.id))[0]
    now = datetime.now(UTC)
    entry = ReviewLogEntry(card.id, 3, now, "choice", True)
    await store.save_review(user.id, ReviewState(card.id, {}, now + timedelta(days=1)), entry)
    assert await store.review_log(user.id) == [entry]

    job = JobRecord(
        id="job1",
        user_id=user.id,
        video_id="vidAAAAAAA1",
        status=JobStatus.QUEUED,
        progress=Progress(Stage.QUEUED),
        learner_language="ko",
        level="B1",
        notify=Notify("telegram", "100", "7"),
    )
    await store.create_job(job)
    await store.update_job(
        "job1", status=JobStatus.RUNNING, progress=Progress(Stage.EXTRACTING, 2, 5)
    )
    assert [j.id for j in await store.unfinished_jobs()] == ["job1"]
    got = await store.get_job(user.id, "job1")
    assert got is not None and got.progress == Progress(Stage.EXTRACTING, 2, 5)
    assert got.notify == Notify("telegram", "100", "7")
    await store.update_job("job1", status=JobStatus.DONE, deck_id=info.id)
    assert await store.unfinished_jobs() == []
    stranger = await store.get_or_create_user("telegram", "2", learner_language="ko", level="B1")
    assert await store.get_job(stranger.id, "job1") is None


async def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(errors.StorageUnavailable) as info:
        await SQLiteStore.open(path)
    assert "corrupt.sqlite3" in info.value.detail
    assert "database" in info.value.user_message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
async def test_a_read_only_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o444)
    with pytest.raises(errors.StorageUnavailable):
        await SQLiteStore.open(path)


async def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(errors.StorageUnavailable):
        await SQLiteStore.open(blocker / "db.sqlite3")  # a file where a folder should be


WRITER = """
import asyncio, sys
from storage.sqlite import SQLiteStore
from tests.factories import deck

async def main():
    store = await SQLiteStore.open(sys.argv[1])
    user = await store.get_or_create_user("telegram", "w", learner_language="ko", level="B1")
    i = 0
    while True:
        words = tuple(f"word{i}x{j}" for j in range(30))
        info = await store.save_deck(user.id, deck(video=f"v{i:010d}", words=words))
        print(info.id, flush=True)
        i += 1

asyncio.run(main())
"""


@pytest.mark.slow  # a writer process, killed
async def test_sigkill_during_writes_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WRITER,
        str(path),
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    committed: list[int] = []
    while len(committed) < 40:
        line = await proc.stdout.readline()
        assert line, "writer died early"
        committed.append(int(line))
    proc.send_signal(signal.SIGKILL)
    await proc.wait()

    async with open_store(path) as store:
        assert await store.integrity_check() == "ok"
        user = await store.get_or_create_user("telegram", "w", learner_language="ko", level="B1")
        ids = {d.id for d in await store.list_decks(user.id)}
        assert set(committed) <= ids
        for deck_id in committed[-3:]:
            assert len(await store.deck_cards(user.id, deck_id, "word")) == 30


async def test_a_write_cancelled_at_any_point_leaves_the_store_usable(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "c", learner_language="ko", level="B1")
    for steps in range(40):
        task = asyncio.create_task(store.save_deck(user.id, deck(video=f"vidCancel{steps:02d}")))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # the next transaction must start cleanly, whatever the cancelled one left
        info = await store.save_deck(user.id, deck(video="vidAfterAll"))
        assert info.words == 3
    if isinstance(store, SQLiteStore):
        assert await store.integrity_check() == "ok"


async def test_a_database_we_may_only_read_fails_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "readonly.sqlite3"
    async with open_store(path):
        pass  # created and migrated
    with pytest.raises(errors.StorageUnavailable) as info:
        await SQLiteStore.open(f"file:{path}?mode=ro")
    assert "readonly" in info.value.detail or "read-only" in info.value.detail


SOURCE = "telegram:100:5"  # chat 100, message 5


async def test_a_finished_job_never_changes_and_a_request_is_one_job(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    target = Notify("telegram", "100", None)
    first = await store.create_job(job(user.id, "job1", notify=target, source_key=SOURCE))
    assert first.id == "job1" and first.source_key == SOURCE and not first.told
    again = await store.create_job(job(user.id, "job2", notify=target, source_key=SOURCE))
    assert again.id == "job1", "the same chat message: the earlier job"
    assert await store.job_for_source(user.id, SOURCE) == first
    assert [j.id for j in await store.user_jobs(user.id)] == ["job1"]

    await store.update_job("job1", status=JobStatus.DONE, progress=Progress(Stage.DONE))
    await store.update_job("job1", status=JobStatus.FAILED, error_code="internal")
    done = await store.get_job(user.id, "job1")
    assert done is not None and done.status == JobStatus.DONE and done.error_code is None
    assert [j.id for j in await store.untold_jobs()] == ["job1"]
    await store.mark_told("job1")
    assert await store.untold_jobs() == []


async def test_chunk_answers_are_kept_per_full_cache_key_until_the_deck_is(
    store: AnyStore,
) -> None:
    key = CacheKey("vidAAAAAAA1", "en", "ko", "B1", "extract-v1", "model-a", "http://gpu/v1")
    other_model = replace(key, model="model-b")
    other_server = replace(key, backend="simulator")
    await store.save_chunk_result(key, "fp1", {"out": {"w": [], "p": []}, "requests": 1})
    await store.save_chunk_result(key, "fp2", {"split": True})
    assert await store.chunk_results(key) == {
        "fp1": {"out": {"w": [], "p": []}, "requests": 1},
        "fp2": {"split": True},
    }
    assert await store.chunk_results(other_model) == {}, "another model's answers differ"
    assert await store.chunk_results(other_server) == {}, "so do another server's"
    await store.cache_deck(key, deck(missing=(Gap(0.0, 5.0, "llm_unavailable"),)))
    assert len(await store.chunk_results(key)) == 2, "kept for a partial deck's retry"
    await store.cache_deck(key, deck())
    assert await store.chunk_results(key) == {}


async def test_the_fast_lane_lock_survives_waiters_cancelled_at_a_handover() -> None:
    turns = _Turns()
    order: list[str] = []

    async def enter(name: str, background: bool = False) -> None:
        async with turns.hold(background=background):
            order.append(name)

    async with turns.hold():
        late = asyncio.create_task(enter("bookkeeping", background=True))
        gone = asyncio.create_task(enter("cancelled"))
        urgent = asyncio.create_task(enter("reply"))
        await asyncio.sleep(0)  # all three wait
        gone.cancel()  # and the lock is handed over before it hears of it
    results = await asyncio.gather(late, gone, urgent, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert order == ["reply", "bookkeeping"], "foreground first, the cancelled one skipped"
    async with turns.hold():  # and it is free again
        pass


# -- the rest of the contract, on both stores ------------------------------------------------


async def test_settings_and_languages_change_only_where_given(store: AnyStore) -> None:
    user = await store.get_or_create_user("discord", "7", learner_language="ja", level="A2")
    assert (user.interface_language, user.client_language) == (None, None)
    changed = await store.update_user(user.id, level="C1", client_language="ko")
    assert (changed.learner_language, changed.level, changed.client_language) == ("ja", "C1", "ko")
    assert changed.ui_language == "ko", "their client's language until they pick one"
    picked = await store.update_user(user.id, interface_language="en")
    assert picked.ui_language == "en" and picked.client_language == "ko"
    assert await store.get_user(user.id) == picked
    again = await store.get_or_create_user("discord", "7", learner_language="ko", level="B1")
    assert again == picked, "an existing user keeps their settings"
    assert await store.get_user(user.id + 1000) is None
    with pytest.raises(KeyError):
        await store.update_user(user.id + 1000, level="B2")


async def test_one_user_however_many_first_messages_arrive_at_once(store: AnyStore) -> None:
    users = await asyncio.gather(
        *(
            store.get_or_create_user("telegram", "99", learner_language="ko", level="B1")
            for _ in range(20)
        )
    )
    assert len({u.id for u in users}) == 1


async def test_one_job_however_many_copies_of_a_request_arrive_at_once(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    target = Notify("telegram", "100", None)
    made = await asyncio.gather(
        *(
            store.create_job(job(user.id, f"job{i}", notify=target, source_key=SOURCE))
            for i in range(20)
        )
    )
    assert len({j.id for j in made}) == 1
    assert [j.id for j in await store.user_jobs(user.id)] == [made[0].id]


async def test_jobs_are_listed_newest_first_and_by_state(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    for name in ("old", "mid", "new"):
        await store.create_job(job(user.id, name))
    await store.update_job("mid", status=JobStatus.CANCELLED)
    assert [j.id for j in await store.user_jobs(user.id)] == ["new", "mid", "old"]
    assert [j.id for j in await store.user_jobs(user.id, active_only=True)] == ["new", "old"]
    assert [j.id for j in await store.unfinished_jobs()] == ["old", "new"]
    assert await store.untold_jobs() == [], "a job without a chat to tell counts as told"


async def test_uploads_are_kept_by_their_content_key(store: AnyStore) -> None:
    upload = Upload("file:abc", "talk.en.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n", None, "en")
    assert await store.get_upload("file:abc") is None
    await store.save_upload(upload)
    await store.save_upload(replace(upload, filename="again.srt"))  # the same content again
    assert await store.get_upload("file:abc") == upload


async def test_sessions_are_per_user_and_name(store: AnyStore) -> None:
    alice = await store.get_or_create_user("telegram", "a", learner_language="ko", level="B1")
    bob = await store.get_or_create_user("telegram", "b", learner_language="ko", level="B1")
    await store.put_session(alice.id, "quiz", {"question": {"id": "q1", "choices": [1, 2]}})
    await store.put_session(alice.id, "quiz", {"question": {"id": "q2"}})
    assert await store.get_session(alice.id, "quiz") == {"question": {"id": "q2"}}
    assert await store.get_session(alice.id, "other") is None
    assert await store.get_session(bob.id, "quiz") is None
    await store.put_session(alice.id, "quiz", None)
    assert await store.get_session(alice.id, "quiz") is None


async def test_an_api_key_finds_its_user_by_hash(store: AnyStore) -> None:
    alice = await store.get_or_create_user("api", "alice", learner_language="ko", level="B1")
    await store.add_api_key(alice.id, "sha256:alice-key", "laptop")
    assert await store.user_for_api_key("sha256:alice-key") == alice
    assert await store.user_for_api_key("sha256:guessed") is None


async def test_a_sign_in_link_works_once_and_a_session_until_it_expires(
    store: AnyStore,
) -> None:
    alice = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    now = datetime.now(UTC)
    later = now + timedelta(minutes=10)
    await store.add_web_token(alice.id, "sha256:link", "link", later)
    await store.add_web_token(alice.id, "sha256:old-link", "link", now - timedelta(seconds=1))
    await store.add_web_token(alice.id, "sha256:session", "session", later)

    # a link is not a session, and a session cannot be spent as a link
    assert await store.user_for_session("sha256:link", now) is None
    assert await store.use_sign_in_link("sha256:session", now) is None
    # two presses at once: exactly one signs in
    first, second = await asyncio.gather(
        store.use_sign_in_link("sha256:link", now), store.use_sign_in_link("sha256:link", now)
    )
    assert [u for u in (first, second) if u is not None] == [alice]
    assert await store.use_sign_in_link("sha256:old-link", now) is None
    assert await store.use_sign_in_link("sha256:guessed", now) is None

    assert await store.user_for_session("sha256:session", now) == alice
    assert await store.user_for_session("sha256:session", later + timedelta(seconds=1)) is None
    await store.delete_web_token("sha256:session")
    assert await store.user_for_session("sha256:session", now) is None


async def test_the_review_log_since_a_time(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    card = (await store.deck_cards(user.id, (await store.save_deck(user.id, deck())).id))[0]
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for day, rating in enumerate((1, 3, 4)):
        when = monday + timedelta(days=day)
        state = ReviewState(card.id, {"day": day}, when + timedelta(days=1))
        await store.save_review(user.id, state, ReviewLogEntry(card.id, rating, when))
    since = await store.review_log(user.id, monday + timedelta(days=1))
    assert [e.rating for e in since] == [3, 4]
    assert (await store.review_states(user.id))[card.id].due == monday + timedelta(days=3)


async def test_text_with_a_nul_character_is_kept_and_found_again(store: AnyStore) -> None:
    """SQLite keeps U+0000; PostgreSQL text cannot, and must not fail a learner over it."""
    user = await store.get_or_create_user("api", "nul\x00user", learner_language="ko", level="B1")
    assert await store.add_known_words(user.id, ["odd\x00word"]) == 1
    (found,) = await store.known_words(user.id)  # as typed, or with U+FFFD for the NUL
    assert found.startswith("odd") and found.endswith("word")
    info = await store.save_deck(user.id, deck(words=("zero\x00width",), title="A\x00talk"))
    assert info.words == 1 and info.title is not None and info.title.startswith("A")
    upload = Upload("file:nul", "x.srt", "text" * 1100 + "\x00", None, "en")
    await store.save_upload(upload)
    assert await store.get_upload("file:nul") is not None


async def test_the_cache_is_keyed_by_every_field_of_the_key(store: AnyStore) -> None:
    key = CacheKey("vidAAAAAAA1", "en", "ko", "B1", "extract-v1", "m", "http://gpu:8000/v1")
    await store.cache_deck(key, deck())
    await store.save_chunk_result(key, "fp1", {"out": {"w": [], "p": []}})
    for field in fields(CacheKey):
        other = replace(key, **{field.name: "something else"})
        assert await store.cached_deck(other) is None, field.name
        assert await store.chunk_results(other) == {}, field.name
    assert await store.cached_deck(key) == deck()


async def test_a_simulated_deck_says_so_on_every_card_and_in_the_cache(store: AnyStore) -> None:
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    simulated = replace(deck(), simulated=True)
    info = await store.save_deck(user.id, simulated)
    assert info.simulated
    assert all(c.simulated for c in await store.user_cards(user.id))
    key = CacheKey("vidAAAAAAA1", "en", "ko", "B1", "extract-v1", "m", "simulator")
    await store.cache_deck(key, simulated)
    cached = await store.cached_deck(key)
    assert cached is not None and cached.simulated
    again = await store.save_deck(user.id, deck())  # rebuilt by a real server
    assert again.id == info.id and not again.simulated


async def test_a_video_saved_at_another_level_is_rebuilt_not_mixed(store: AnyStore) -> None:
    """A learner who moves from A2 to B2 and resends the link gets the B2 cards only: the
    A2 cards the new build lacks leave, the ones it shares keep their ids (and reviews)."""
    user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="A2")
    easy = replace(deck(words=("hypothesis", "coffee", "morning")), level="A2")
    first = await store.save_deck(user.id, easy)
    ids = {c.key: c.id for c in await store.deck_cards(user.id, first.id)}
    hard = replace(deck(words=("hypothesis", "consolidate")), level="B2")
    second = await store.save_deck(user.id, hard)
    assert second.id == first.id and second.level == "B2"
    cards = {c.key: c.id for c in await store.deck_cards(user.id, second.id)}
    assert set(cards) == {"hypothesis", "consolidate", "figure out"}, "no A2 card left"
    assert cards["hypothesis"] == ids["hypothesis"]
    assert (second.words, second.phrases) == (2, 1)
    # The same level again (a retried part) still adds to the deck.
    third = await store.save_deck(user.id, replace(deck(words=("replay",)), level="B2"))
    assert {"replay", "consolidate"} <= {c.key for c in await store.deck_cards(user.id, third.id)}


async def test_adding_known_words_counts_only_the_new_ones(store: AnyStore) -> None:
    """What /known tells the learner: how many words were not known before."""
    user = await store.get_or_create_user("telegram", "k", learner_language="ko", level="B1")
    assert await store.add_known_words(user.id, ["Hypothesis", "kettle ", ""]) == 2
    assert await store.add_known_words(user.id, ["kettle", "barista", "hypothesis"]) == 1
    assert await store.add_known_words(user.id, []) == 0
    assert await store.known_words(user.id) == {"hypothesis", "kettle", "barista"}
