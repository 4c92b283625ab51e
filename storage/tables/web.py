"""The study page's sign-in tokens: single-use links and browser sessions, stored as hashes."""

from __future__ import annotations

from datetime import datetime

from core.store import User, WebTokenKind
from storage.tables.users import Users


class WebTokens(Users):
    """Sign-in links (/web) and the sessions they start; expired rows are pruned on insert.
    (On Users: a used link reads its user.)"""

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
