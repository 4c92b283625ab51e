"""The SQLite store: one long-lived aiosqlite connection, WAL, foreign keys, migrations.

This module (with storage/migrations/*.sql) is the only place with SQL. Statements are
serialised through one lock so that a transaction of one coroutine never interleaves
with another's statements on the shared connection. The lock has a fast lane: reads and
the writes a user waits for go before queued bookkeeping (progress of running jobs,
chunk answers), so a chat's immediate reply never waits behind a burst of those.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import TypeAdapter

from core import errors
from core.models import Deck, Gap, Phrase, Progress, Stage, Word
from core.store import (
    CacheKey,
    Card,
    CardKind,
    DeckInfo,
    JobRecord,
    JobStatus,
    Notify,
    ReviewLogEntry,
    ReviewState,
    User,
)
from core.subtitles import Upload

log = logging.getLogger(__name__)

_WORD = TypeAdapter(Word)
_PHRASE = TypeAdapter(Phrase)
_GAPS = TypeAdapter(tuple[Gap, ...])
_NOTIFY = TypeAdapter(Notify)
CHUNK_RESULTS_KEPT = timedelta(days=7)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every storage/migrations/NNNN_name.sql, in order."""
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {versions}")
    return found


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Turns:
    """A lock with two queues: foreground waiters are served before background ones."""

    def __init__(self) -> None:
        self._busy = False
        self._queues: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    @asynccontextmanager
    async def hold(self, *, background: bool = False) -> AsyncIterator[None]:
        if self._busy:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = self._queues[1 if background else 0]
            queue.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._next()  # handed to us just as we were cancelled: pass it on
                elif turn in queue:  # (a handover may have skipped it already)
                    queue.remove(turn)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        for queue in self._queues:
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the lock passes on, still busy
                    return
        self._busy = False


def video_key(deck: Deck) -> str:
    """One deck per user and video; a file without a video id is keyed by its title."""
    return deck.video_id or f"file:{deck.title or 'untitled'}"


class SQLiteStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = _Turns()

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, migrate_to: int | None = None) -> SQLiteStore:
        """Open (creating or upgrading) the database, or raise StorageUnavailable.

        `path` may also be an SQLite URI (`file:…?mode=…`).
        """
        target = str(path)
        uri = target.startswith("file:")
        path = Path(path)
        try:
            if not uri and target != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(target, timeout=10, uri=uri)
        except (OSError, sqlite3.Error) as exc:
            raise errors.StorageUnavailable(f"cannot open {path}: {exc}") from exc
        db.row_factory = aiosqlite.Row
        store = cls(db, path)
        try:
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 10000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await store._migrate(migrate_to)
            # Fail now, not in the middle of a chat, if we may read but not write: rewrite
            # the version we just read, in a transaction we roll back.
            version = await store._version()
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute(f"PRAGMA user_version = {version}")
            finally:
                await db.rollback()
        except sqlite3.Error as exc:
            await db.close()
            raise errors.StorageUnavailable(f"database {path} is unusable: {exc}") from exc
        return store

    async def close(self) -> None:
        async with self._lock.hold():
            await self._db.close()

    async def schema_version(self) -> int:
        async with self._lock.hold():
            return await self._version()

    async def _version(self) -> int:
        rows = list(await self._db.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0]) if rows else 0

    async def _migrate(self, target: int | None) -> None:
        current = await self._version()
        available = migrations()
        latest = available[-1][0] if available else 0
        if current > latest:
            raise errors.StorageUnavailable(
                f"database {self.path} is version {current}, newer than this code ({latest})"
            )
        for version, name, sql in available:
            if version <= current or (target is not None and version > target):
                continue
            log.info("applying migration %s", name)
            # executescript commits first; the script and its version bump go in one transaction.
            await self._db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )

    @asynccontextmanager
    async def _tx(self, *, background: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection (`background` ones
        after every waiting foreground one).

        aiosqlite runs statements in order on its own thread, so even when the caller is
        cancelled halfway (a statement already queued), the rollback queued after it puts
        the connection back in a clean state before the next transaction begins.
        """
        async with self._lock.hold(background=background):
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield self._db
            except BaseException:
                await asyncio.shield(self._db.rollback())
                raise
            else:
                await asyncio.shield(self._db.commit())

    # Statements run and are read to the end in one call on aiosqlite's thread: a caller
    # cancelled midway can never leave a half-read cursor that blocks the next COMMIT.

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock.hold():
            return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    # -- users -----------------------------------------------------------------------

    async def get_or_create_user(
        self, platform: str, platform_user_id: str, *, learner_language: str, level: str
    ) -> User:
        # Every chat message looks its user up: a plain read, no write, once they exist.
        row = await self._one(
            "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
            (platform, str(platform_user_id)),
        )
        if row is not None:
            return _user(row)
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO users (platform, platform_user_id, learner_language, level) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (platform, platform_user_id) DO NOTHING",
                (platform, str(platform_user_id), learner_language, level),
            )
            rows = list(
                await db.execute_fetchall(
                    "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
                    (platform, str(platform_user_id)),
                )
            )
        return _user(rows[0])

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def update_user(
        self,
        user_id: int,
        *,
        learner_language: str | None = None,
        level: str | None = None,
        interface_language: str | None = None,
        client_language: str | None = None,
    ) -> User:
        async with self._tx() as db:
            await db.execute(
                "UPDATE users SET learner_language = COALESCE(?, learner_language), "
                "level = COALESCE(?, level), "
                "interface_language = COALESCE(?, interface_language), "
                "client_language = COALESCE(?, client_language) WHERE id = ?",
                (learner_language, level, interface_language, client_language, user_id),
            )
        user = await self.get_user(user_id)
        if user is None:
            raise KeyError(user_id)
        return user

    # -- cache -----------------------------------------------------------------------

    async def cached_deck(self, key: CacheKey) -> Deck | None:
        row = await self._one(
            "SELECT deck FROM deck_cache WHERE video_id = ? AND languages = ? AND "
            "learner_language = ? AND level = ? AND prompt_version = ? AND model = ? "
            "AND backend = ?",
            _cache_params(key),
        )
        return Deck.from_dict(json.loads(row["deck"])) if row else None

    async def cache_deck(self, key: CacheKey, deck: Deck) -> None:
        if deck.is_partial:
            return  # a partial deck is not the answer for the next learner
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO deck_cache (video_id, languages, learner_language, level, "
                "prompt_version, model, backend, deck) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET deck = excluded.deck, created_at = excluded.created_at",
                (*_cache_params(key), json.dumps(deck.to_dict(), ensure_ascii=False)),
            )
            # The whole deck is kept now: its chunk answers are no longer needed, and
            # answers of builds nobody came back for go after a week.
            await db.execute("DELETE FROM chunk_results WHERE cache_key = ?", (_key_text(key),))
            await db.execute(
                "DELETE FROM chunk_results WHERE created_at < ?",
                (_iso(datetime.now(UTC) - CHUNK_RESULTS_KEPT),),
            )
            if deck.video_id:
                await db.execute(
                    "INSERT INTO videos (id, title, transcript_language) VALUES (?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET title = COALESCE(excluded.title, title), "
                    "transcript_language = excluded.transcript_language",
                    (deck.video_id, deck.title, deck.transcript_language),
                )

    async def chunk_results(self, key: CacheKey) -> dict[str, dict[str, Any]]:
        rows = await self._all(
            "SELECT fingerprint, result FROM chunk_results WHERE cache_key = ?", (_key_text(key),)
        )
        return {str(r["fingerprint"]): json.loads(r["result"]) for r in rows}

    async def save_chunk_result(
        self, key: CacheKey, fingerprint: str, result: dict[str, Any]
    ) -> None:
        async with self._tx(background=True) as db:
            await db.execute(
                "INSERT INTO chunk_results (cache_key, fingerprint, result) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET result = excluded.result",
                (_key_text(key), fingerprint, json.dumps(result, ensure_ascii=False)),
            )

    # -- uploaded subtitle files -------------------------------------------------------

    async def save_upload(self, upload: Upload) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO uploads (key, filename, text, video_id, language) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (upload.key, upload.filename, upload.text, upload.video_id, upload.language),
            )

    async def get_upload(self, key: str) -> Upload | None:
        row = await self._one("SELECT * FROM uploads WHERE key = ?", (key,))
        if row is None:
            return None
        return Upload(
            key=str(row["key"]),
            filename=str(row["filename"]),
            text=str(row["text"]),
            video_id=row["video_id"],
            language=str(row["language"]),
        )

    # -- decks and cards -------------------------------------------------------------

    async def save_deck(self, user_id: int, deck: Deck) -> DeckInfo:
        """Idempotent per user and video: saving again updates cards, keeps their ids."""
        now = _now()
        gaps = _GAPS.dump_json(deck.missing).decode()
        async with self._tx() as db:
            returned = await db.execute_fetchall(
                "INSERT INTO decks (user_id, video_key, video_id, title, learner_language, "
                "level, missing, simulated, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, video_key) DO UPDATE SET title = excluded.title, "
                "learner_language = excluded.learner_language, level = excluded.level, "
                "missing = excluded.missing, simulated = excluded.simulated, "
                "updated_at = excluded.updated_at RETURNING id",
                (
                    user_id,
                    video_key(deck),
                    deck.video_id,
                    deck.title,
                    deck.learner_language,
                    deck.level,
                    gaps,
                    int(deck.simulated),
                    now,
                    now,
                ),
            )
            deck_id = int(next(iter(returned))[0])
            rows: list[tuple[Any, ...]] = []
            for position, word in enumerate(deck.words):
                rows.append((deck_id, user_id, "word", word.key, position, _WORD.dump_json(word)))
            for position, phrase in enumerate(deck.phrases):
                rows.append(
                    (deck_id, user_id, "phrase", phrase.key, position, _PHRASE.dump_json(phrase))
                )
            await db.executemany(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, position = excluded.position",
                [(*r[:5], r[5].decode()) for r in rows],
            )
        info = await self.get_deck(user_id, deck_id)
        assert info is not None
        return info

    _DECK_SELECT = (
        "SELECT d.*, "
        "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'word') AS n_words, "
        "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'phrase') AS n_phrases "
        "FROM decks d"
    )

    _CARD_SELECT = "SELECT c.*, d.simulated FROM cards c JOIN decks d ON d.id = c.deck_id"

    async def list_decks(self, user_id: int) -> list[DeckInfo]:
        rows = await self._all(
            f"{self._DECK_SELECT} WHERE d.user_id = ? ORDER BY d.updated_at DESC, d.id DESC",
            (user_id,),
        )
        return [_deck_info(r) for r in rows]

    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None:
        row = await self._one(
            f"{self._DECK_SELECT} WHERE d.id = ? AND d.user_id = ?", (deck_id, user_id)
        )
        return _deck_info(row) if row else None

    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]:
        sql = f"{self._CARD_SELECT} WHERE c.deck_id = ? AND c.user_id = ?"
        params: list[Any] = [deck_id, user_id]
        if kind:
            sql += " AND c.kind = ?"
            params.append(kind)
        rows = await self._all(sql + " ORDER BY c.kind DESC, c.position", params)
        return [_card(r) for r in rows]

    async def user_cards(self, user_id: int) -> list[Card]:
        rows = await self._all(
            f"{self._CARD_SELECT} WHERE c.user_id = ? ORDER BY c.deck_id, c.kind DESC, c.position",
            (user_id,),
        )
        return [_card(r) for r in rows]

    async def get_card(self, user_id: int, card_id: int) -> Card | None:
        row = await self._one(
            f"{self._CARD_SELECT} WHERE c.id = ? AND c.user_id = ?", (card_id, user_id)
        )
        return _card(row) if row else None

    # -- known words -----------------------------------------------------------------

    async def add_known_words(self, user_id: int, words: Iterable[str]) -> int:
        clean = sorted({w.strip().lower() for w in words if w.strip()})
        async with self._tx() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT INTO known_words (user_id, word) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(user_id, w) for w in clean],
            )
            return db.total_changes - before

    async def remove_known_word(self, user_id: int, word: str) -> bool:
        async with self._tx() as db:
            before = db.total_changes
            await db.execute_fetchall(
                "DELETE FROM known_words WHERE user_id = ? AND word = ?",
                (user_id, word.strip().lower()),
            )
            return db.total_changes > before

    async def known_words(self, user_id: int) -> frozenset[str]:
        rows = await self._all("SELECT word FROM known_words WHERE user_id = ?", (user_id,))
        return frozenset(str(r["word"]) for r in rows)

    # -- reviews and sessions --------------------------------------------------------

    async def review_states(self, user_id: int) -> dict[int, ReviewState]:
        rows = await self._all("SELECT * FROM reviews WHERE user_id = ?", (user_id,))
        return {
            int(r["card_id"]): ReviewState(int(r["card_id"]), json.loads(r["state"]), _ts(r["due"]))
            for r in rows
        }

    async def save_review(
        self, user_id: int, state: ReviewState, entry: ReviewLogEntry | None
    ) -> bool:
        """False (and nothing written) when the card is not this user's."""
        async with self._tx() as db:
            owned = await db.execute_fetchall(
                "SELECT 1 FROM cards WHERE id = ? AND user_id = ?", (state.card_id, user_id)
            )
            if not list(owned):
                return False
            await db.execute(
                "INSERT INTO reviews (card_id, user_id, state, due, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (card_id) DO UPDATE SET "
                "state = excluded.state, due = excluded.due, updated_at = excluded.updated_at",
                (state.card_id, user_id, json.dumps(state.state), _iso(state.due), _now()),
            )
            if entry is not None:
                await db.execute(
                    "INSERT INTO review_log (user_id, card_id, rating, question, correct, "
                    "reviewed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        entry.card_id,
                        entry.rating,
                        entry.question,
                        None if entry.correct is None else int(entry.correct),
                        _iso(entry.reviewed_at),
                    ),
                )
        return True

    async def review_log(self, user_id: int, since: datetime | None = None) -> list[ReviewLogEntry]:
        rows = await self._all(
            "SELECT * FROM review_log WHERE user_id = ? AND reviewed_at >= ? ORDER BY id",
            (user_id, _iso(since) if since else ""),
        )
        return [
            ReviewLogEntry(
                card_id=int(r["card_id"]),
                rating=int(r["rating"]),
                reviewed_at=_ts(r["reviewed_at"]),
                question=str(r["question"]),
                correct=None if r["correct"] is None else bool(r["correct"]),
            )
            for r in rows
        ]

    async def get_session(self, user_id: int, name: str) -> dict[str, Any] | None:
        row = await self._one(
            "SELECT data FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
        )
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["data"])
        return data

    async def put_session(self, user_id: int, name: str, data: dict[str, Any] | None) -> None:
        async with self._tx() as db:
            if data is None:
                await db.execute(
                    "DELETE FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
                )
            else:
                await db.execute(
                    "INSERT INTO sessions (user_id, name, data, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                    "data = excluded.data, updated_at = excluded.updated_at",
                    (user_id, name, json.dumps(data), _now()),
                )

    # -- API keys --------------------------------------------------------------------

    async def add_api_key(self, user_id: int, key_hash: str, name: str = "") -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO api_keys (key_hash, user_id, name) VALUES (?, ?, ?)",
                (key_hash, user_id, name),
            )

    async def user_for_api_key(self, key_hash: str) -> User | None:
        row = await self._one(
            "SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
            (key_hash,),
        )
        return _user(row) if row else None

    # -- jobs ------------------------------------------------------------------------

    async def create_job(self, job: JobRecord) -> JobRecord:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO jobs (id, user_id, video_id, status, stage, done, total, "
                "learner_language, level, notify, source_key, told, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, source_key) WHERE source_key IS NOT NULL DO NOTHING",
                (
                    job.id,
                    job.user_id,
                    job.video_id,
                    job.status.value,
                    job.progress.stage.value,
                    job.progress.done,
                    job.progress.total,
                    job.learner_language,
                    job.level,
                    _NOTIFY.dump_json(job.notify).decode() if job.notify else None,
                    job.source_key,
                    int(job.told),
                    _now(),
                    _now(),
                ),
            )
            if job.source_key is None:
                rows = await db.execute_fetchall("SELECT * FROM jobs WHERE id = ?", (job.id,))
            else:
                rows = await db.execute_fetchall(
                    "SELECT * FROM jobs WHERE user_id = ? AND source_key = ?",
                    (job.user_id, job.source_key),
                )
        return _job(next(iter(rows)))

    async def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: Progress | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        deck_id: int | None = None,
        notify: Notify | None = None,
    ) -> None:
        sets: list[str] = ["updated_at = ?"]
        params: list[Any] = [_now()]
        if status is not None:
            sets.append("status = ?")
            params.append(status.value)
        if progress is not None:
            sets += ["stage = ?", "done = ?", "total = ?"]
            params += [progress.stage.value, progress.done, progress.total]
        if error_code is not None:
            sets += ["error_code = ?", "error_message = ?"]
            params += [error_code, error_message]
        if deck_id is not None:
            sets.append("deck_id = ?")
            params.append(deck_id)
        if notify is not None:
            sets.append("notify = ?")
            params.append(_NOTIFY.dump_json(notify).decode())
        # A finished job never changes again: a late progress write, or a failure noticed
        # after the deck was delivered, leaves it as it ended.
        where = "id = ? AND status IN ('queued', 'running')"
        # Progress is bookkeeping; a job's end, and where its chat is, are not.
        background = notify is None and (status is None or not status.finished)
        async with self._tx(background=background) as db:
            await db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE {where}", (*params, job_id))

    async def get_job(self, user_id: int, job_id: str) -> JobRecord | None:
        row = await self._one("SELECT * FROM jobs WHERE id = ? AND user_id = ?", (job_id, user_id))
        return _job(row) if row else None

    async def job_for_source(self, user_id: int, source_key: str) -> JobRecord | None:
        row = await self._one(
            "SELECT * FROM jobs WHERE user_id = ? AND source_key = ?", (user_id, source_key)
        )
        return _job(row) if row else None

    async def user_jobs(self, user_id: int, *, active_only: bool = False) -> list[JobRecord]:
        sql = "SELECT * FROM jobs WHERE user_id = ?"
        if active_only:
            sql += " AND status IN ('queued', 'running')"
        rows = await self._all(sql + " ORDER BY created_at DESC", (user_id,))
        return [_job(r) for r in rows]

    async def unfinished_jobs(self) -> list[JobRecord]:
        rows = await self._all(
            "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at"
        )
        return [_job(r) for r in rows]

    async def untold_jobs(self) -> list[JobRecord]:
        rows = await self._all(
            "SELECT * FROM jobs WHERE told = 0 AND status NOT IN ('queued', 'running') "
            "ORDER BY created_at"
        )
        return [_job(r) for r in rows]

    async def mark_told(self, job_id: str) -> None:
        async with self._tx(background=True) as db:
            await db.execute("UPDATE jobs SET told = 1 WHERE id = ?", (job_id,))


# -- row mapping ---------------------------------------------------------------------


def _cache_params(key: CacheKey) -> tuple[str, ...]:
    return (
        key.video_id,
        key.languages,
        key.learner_language,
        key.level,
        key.prompt_version,
        key.model,
        key.backend,
    )


def _key_text(key: CacheKey) -> str:
    """Every field of the key (a field added later is included by itself)."""
    return json.dumps(dataclasses.asdict(key), sort_keys=True, separators=(",", ":"))


def _user(row: aiosqlite.Row) -> User:
    return User(
        id=int(row["id"]),
        platform=str(row["platform"]),
        platform_user_id=str(row["platform_user_id"]),
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        interface_language=row["interface_language"],
        client_language=row["client_language"],
    )


def _deck_info(row: aiosqlite.Row) -> DeckInfo:
    return DeckInfo(
        id=int(row["id"]),
        user_id=int(row["user_id"]),
        video_id=row["video_id"],
        title=row["title"],
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        words=int(row["n_words"]),
        phrases=int(row["n_phrases"]),
        missing=_GAPS.validate_json(row["missing"]),
        created_at=_ts(row["created_at"]),
        simulated=bool(row["simulated"]),
    )


def _card(row: aiosqlite.Row) -> Card:
    kind = row["kind"]
    item: Word | Phrase = (
        _WORD.validate_json(row["payload"])
        if kind == "word"
        else _PHRASE.validate_json(row["payload"])
    )
    return Card(
        id=int(row["id"]),
        deck_id=int(row["deck_id"]),
        kind=kind,
        item=item,
        simulated=bool(row["simulated"]),
    )


def _job(row: aiosqlite.Row) -> JobRecord:
    return JobRecord(
        id=str(row["id"]),
        user_id=int(row["user_id"]),
        video_id=str(row["video_id"]),
        status=JobStatus(row["status"]),
        progress=Progress(Stage(row["stage"]), int(row["done"]), int(row["total"])),
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        error_code=row["error_code"],
        error_message=row["error_message"],
        deck_id=row["deck_id"],
        notify=_NOTIFY.validate_json(row["notify"]) if row["notify"] else None,
        created_at=_ts(row["created_at"]),
        updated_at=_ts(row["updated_at"]),
        source_key=row["source_key"],
        told=bool(row["told"]),
    )


@asynccontextmanager
async def open_store(path: Path | str) -> AsyncIterator[SQLiteStore]:
    store = await SQLiteStore.open(path)
    try:
        yield store
    finally:
        await store.close()
