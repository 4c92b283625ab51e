"""Users: who they are, their settings, how they sign in (API keys, the study page's links
and sessions, stored as hashes) and the words they know."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.store import User, WebTokenKind
from storage.dialect import Connection
from storage.rows import user_of

_BY_ACCOUNT = "platform = ? AND platform_user_id = ?"


class Users(Connection):
    """The users table, with their API keys, sign-in tokens and the words they know."""

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

    # -- the study page's sign-in (/web): single-use links, sessions; expired rows go ---

    async def add_web_token(
        self, user_id: int, token_hash: str, kind: WebTokenKind, expires_at: datetime
    ) -> None:
        async with self._tx() as tx:
            await tx.run("DELETE FROM web_tokens WHERE expires_at < ?", (self.dialect.now(),))
            await tx.run(
                "INSERT INTO web_tokens (token_hash, user_id, kind, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, user_id, kind, self.dialect.time(expires_at)),
            )

    async def use_sign_in_link(self, token_hash: str, now: datetime) -> User | None:
        # Of two presses at once only one finds used_at still NULL: the second UPDATE
        # waits for the first's row lock (PostgreSQL) or the writer lock (SQLite).
        at = self.dialect.time(now)
        async with self._tx() as tx:
            used = await tx.all(
                "UPDATE web_tokens SET used_at = ? WHERE token_hash = ? AND kind = 'link' "
                "AND used_at IS NULL AND expires_at > ? RETURNING user_id",
                (at, token_hash, at),
            )
        return await self.get_user(used[0]["user_id"]) if used else None

    async def user_for_session(self, token_hash: str, now: datetime) -> User | None:
        found = await self._users(
            "id = (SELECT user_id FROM web_tokens WHERE token_hash = ? AND kind = 'session' "
            "AND expires_at > ?)",
            token_hash,
            self.dialect.time(now),
        )
        return found[0] if found else None

    async def delete_web_token(self, token_hash: str) -> None:
        await self._write("DELETE FROM web_tokens WHERE token_hash = ?", (token_hash,))

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
