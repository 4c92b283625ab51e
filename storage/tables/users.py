"""Users: who they are, their settings, their API keys and the words they know."""

from __future__ import annotations

from collections.abc import Iterable

from core.store import User
from storage.dialect import Connection
from storage.rows import user_of

_BY_ACCOUNT = "platform = ? AND platform_user_id = ?"


class Users(Connection):
    """The users table, with their API keys and the words they know."""

    async def get_or_create_user(
        self, platform: str, platform_user_id: str, *, learner_language: str, level: str
    ) -> User:
        # Every chat message looks its user up: a plain read, no write, once they exist.
        who = (platform, str(platform_user_id))
        found = await self.find_user(*who)
        if found is not None:
            return found
        # Two first messages at once: the second INSERT waits for the first to commit,
        # does nothing, and the SELECT (a new snapshot in READ COMMITTED) finds the row.
        async with self._tx() as tx:
            await tx.run(
                "INSERT INTO users (platform, platform_user_id, learner_language, level) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (platform, platform_user_id) DO NOTHING",
                (*who, learner_language, level),
            )
            created = await tx.all(f"SELECT * FROM users WHERE {_BY_ACCOUNT}", who)
        return user_of(created[0])

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        found = await self._users(_BY_ACCOUNT, platform, str(platform_user_id))
        return found[0] if found else None

    async def get_user(self, user_id: int) -> User | None:
        found = await self._users("id = ?", user_id)
        return found[0] if found else None

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
        size = "CAST(? AS INTEGER)"
        async with self._tx() as tx:
            rows = await tx.all(
                "UPDATE users SET learner_language = COALESCE(?, learner_language), "
                "level = COALESCE(?, level), "
                "interface_language = COALESCE(?, interface_language), "
                "client_language = COALESCE(?, client_language), "
                f"preferences = CASE WHEN {size} IS NULL THEN preferences "
                f"ELSE {self.dialect.json_set('preferences', 'deck_size', size)} END "
                "WHERE id = ? RETURNING *",
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
        if not rows:
            raise KeyError(user_id)
        return user_of(rows[0])

    # -- API keys --------------------------------------------------------------------

    async def add_api_key(self, user_id: int, key_hash: str, name: str = "") -> None:
        await self._write(
            "INSERT INTO api_keys (key_hash, user_id, name) VALUES (?, ?, ?)",
            (key_hash, user_id, name),
        )

    async def user_for_api_key(self, key_hash: str) -> User | None:
        found = await self._users(
            "id = (SELECT user_id FROM api_keys WHERE key_hash = ?)", key_hash
        )
        return found[0] if found else None

    # -- known words -----------------------------------------------------------------

    async def add_known_words(self, user_id: int, words: Iterable[str]) -> int:
        clean = sorted({w.strip().lower() for w in words if w.strip()})
        async with self._tx() as tx:
            return await tx.many(
                "INSERT INTO known_words (user_id, word) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(user_id, w) for w in clean],
            )

    async def known_words(self, user_id: int) -> frozenset[str]:
        rows = await self._all("SELECT word FROM known_words WHERE user_id = ?", (user_id,))
        return frozenset(str(r["word"]) for r in rows)
