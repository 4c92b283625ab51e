"""Users: who they are, their settings, their API keys and the words they know."""

from __future__ import annotations

from collections.abc import Iterable

from core.store import User
from storage.postgres._connection import Connection, run
from storage.rows import user_of


class Users(Connection):
    """The users table, with their API keys and the words they know."""

    async def get_or_create_user(
        self, platform: str, platform_user_id: str, *, learner_language: str, level: str
    ) -> User:
        # Every chat message looks its user up: a plain read, no write, once they exist.
        find = "SELECT * FROM users WHERE platform = %s AND platform_user_id = %s"
        who = (platform, str(platform_user_id))
        row = await self._one(find, who)
        if row is not None:
            return user_of(row)
        # Two first messages at once: the second INSERT waits for the first to commit,
        # does nothing, and the SELECT (a new snapshot in READ COMMITTED) finds the row.
        async with self._tx() as cursor:
            await run(
                cursor,
                "INSERT INTO users (platform, platform_user_id, learner_language, level) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (platform, platform_user_id) DO NOTHING",
                (*who, learner_language, level),
            )
            await run(cursor, find, who)
            created = await cursor.fetchone()
        assert created is not None
        return user_of(created)

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = %s", (user_id,))
        return user_of(row) if row else None

    async def update_user(
        self,
        user_id: int,
        *,
        learner_language: str | None = None,
        level: str | None = None,
        interface_language: str | None = None,
        client_language: str | None = None,
        deck_size: int | None = None,
    ) -> User:
        row = await self._one(
            "UPDATE users SET learner_language = COALESCE(%s, learner_language), "
            "level = COALESCE(%s, level), "
            "interface_language = COALESCE(%s, interface_language), "
            "client_language = COALESCE(%s, client_language), "
            "preferences = CASE WHEN %s::integer IS NULL THEN preferences "
            "ELSE jsonb_set(preferences::jsonb, '{deck_size}', to_jsonb(%s::integer))::json "
            "END WHERE id = %s RETURNING *",
            (
                learner_language,
                level,
                interface_language,
                client_language,
                deck_size,
                deck_size,
                user_id,
            ),
        )
        if row is None:
            raise KeyError(user_id)
        return user_of(row)

    # -- API keys --------------------------------------------------------------------

    async def add_api_key(self, user_id: int, key_hash: str, name: str = "") -> None:
        await self._write(
            "INSERT INTO api_keys (key_hash, user_id, name) VALUES (%s, %s, %s)",
            (key_hash, user_id, name),
        )

    async def user_for_api_key(self, key_hash: str) -> User | None:
        row = await self._one(
            "SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = %s",
            (key_hash,),
        )
        return user_of(row) if row else None

    # -- known words -----------------------------------------------------------------

    async def add_known_words(self, user_id: int, words: Iterable[str]) -> int:
        clean = sorted({w.strip().lower() for w in words if w.strip()})
        return await self._write(
            "INSERT INTO known_words (user_id, word) SELECT %s, unnest(%s::text[]) "
            "ON CONFLICT DO NOTHING",
            (user_id, clean),
        )

    async def known_words(self, user_id: int) -> frozenset[str]:
        rows = await self._all("SELECT word FROM known_words WHERE user_id = %s", (user_id,))
        return frozenset(str(r["word"]) for r in rows)
