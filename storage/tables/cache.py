"""The deck cache, the chunk answers of unfinished builds, and uploaded subtitle files."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core.models import Deck
from core.store import CacheKey
from core.subtitles import Upload, is_upload_key
from storage.dialect import Connection, marks
from storage.rows import parsed, read

CHUNK_RESULTS_KEPT = timedelta(days=7)  # answers of builds nobody came back for go after this
# The deck cache's key columns: CacheKey's fields, in table order.
_KEY_COLUMNS = [field.name for field in dataclasses.fields(CacheKey)]
_CACHE_KEY = ", ".join(_KEY_COLUMNS)
_BY_KEY = " AND ".join(f"{column} = ?" for column in _KEY_COLUMNS)


def key_text(key: CacheKey) -> str:
    """Every field of the key (a field added later is included by itself)."""
    return json.dumps(dataclasses.asdict(key), sort_keys=True, separators=(",", ":"))


class Cache(Connection):
    """Built decks by cache key, the chunk answers of builds under way, and uploads."""

    async def cached_deck(self, key: CacheKey) -> Deck | None:
        row = await self._one(
            f"SELECT deck FROM deck_cache WHERE {_BY_KEY}", dataclasses.astuple(key)
        )
        return Deck.from_dict(parsed(row["deck"])) if row else None

    async def cache_deck(self, key: CacheKey, deck: Deck) -> None:
        if deck.is_partial:
            return  # a partial deck is not the answer for the next learner
        async with self._tx() as tx:
            await tx.run(
                f"INSERT INTO deck_cache ({_CACHE_KEY}, deck) "
                f"VALUES ({marks(len(_KEY_COLUMNS) + 1)}) "
                f"ON CONFLICT ({_CACHE_KEY}) DO UPDATE SET deck = excluded.deck, "
                "created_at = excluded.created_at",
                (*dataclasses.astuple(key), json.dumps(deck.to_dict(), ensure_ascii=False)),
            )
            # The whole deck is kept now: its chunk answers are no longer needed, and
            # answers of builds nobody came back for go after a week.
            await tx.run("DELETE FROM chunk_results WHERE cache_key = ?", (key_text(key),))
            await tx.run(
                "DELETE FROM chunk_results WHERE created_at < ?",
                (self.dialect.time(datetime.now(UTC) - CHUNK_RESULTS_KEPT),),
            )
            if deck.video_id and not is_upload_key(key.video_id):
                # a public video's row; a learner's file linked to it never names it
                await tx.run(
                    "INSERT INTO videos (id, title, transcript_language) VALUES (?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET "
                    "title = COALESCE(excluded.title, videos.title), "
                    "transcript_language = excluded.transcript_language",
                    (deck.video_id, deck.title, deck.transcript_language),
                )

    async def chunk_results(self, key: CacheKey) -> dict[str, dict[str, Any]]:
        rows = await self._all(
            "SELECT fingerprint, result FROM chunk_results WHERE cache_key = ?", (key_text(key),)
        )
        return {str(r["fingerprint"]): parsed(r["result"]) for r in rows}

    async def save_chunk_result(
        self, key: CacheKey, fingerprint: str, result: dict[str, Any]
    ) -> None:
        await self._write(
            "INSERT INTO chunk_results (cache_key, fingerprint, result) VALUES (?, ?, ?) "
            "ON CONFLICT (cache_key, fingerprint) DO UPDATE SET result = excluded.result",
            (key_text(key), fingerprint, json.dumps(result, ensure_ascii=False)),
            background=True,
        )

    # -- uploaded subtitle files -------------------------------------------------------

    async def save_upload(self, upload: Upload) -> None:
        await self._write(
            "INSERT INTO uploads (key, filename, text, video_id, language) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (upload.key, upload.filename, upload.text, upload.video_id, upload.language),
        )

    async def get_upload(self, key: str) -> Upload | None:
        row = await self._one("SELECT * FROM uploads WHERE key = ?", (key,))
        return read(Upload, row) if row else None
