"""The study page's sign-in tokens: single-use links and browser sessions, stored as hashes."""

from __future__ import annotations

from datetime import datetime

from core.store import User, WebTokenKind
from storage.postgres._connection import Connection, run
from storage.rows import user_of


class WebTokens(Connection):
    """Sign-in links (/web) and the sessions they start; expired rows are pruned on insert."""

    async def add_web_token(
        self, user_id: int, token_hash: str, kind: WebTokenKind, expires_at: datetime
    ) -> None:
        async with self._tx() as cursor:
            await run(cursor, "DELETE FROM web_tokens WHERE expires_at < now()")
            await run(
                cursor,
                "INSERT INTO web_tokens (token_hash, user_id, kind, expires_at) "
                "VALUES (%s, %s, %s, %s)",
                (token_hash, user_id, kind, expires_at),
            )

    async def use_sign_in_link(self, token_hash: str, now: datetime) -> User | None:
        # One statement: of two presses at once, only one finds used_at still NULL.
        row = await self._one(
            "WITH used AS (UPDATE web_tokens SET used_at = %s WHERE token_hash = %s "
            "AND kind = 'link' AND used_at IS NULL AND expires_at > %s RETURNING user_id) "
            "SELECT u.* FROM used JOIN users u ON u.id = used.user_id",
            (now, token_hash, now),
        )
        return user_of(row) if row else None

    async def user_for_session(self, token_hash: str, now: datetime) -> User | None:
        row = await self._one(
            "SELECT u.* FROM web_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = %s AND t.kind = 'session' AND t.expires_at > %s",
            (token_hash, now),
        )
        return user_of(row) if row else None

    async def delete_web_token(self, token_hash: str) -> None:
        await self._write("DELETE FROM web_tokens WHERE token_hash = %s", (token_hash,))
