"""Reviews (each card's schedule and the log of ratings) and quiz sessions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from core.store import ReviewLogEntry, ReviewState
from storage.postgres._connection import Connection, run
from storage.rows import log_entry_of, parsed, review_state_of


class Reviews(Connection):
    """Review state per card, the review log, and per-user sessions (an open quiz)."""

    async def review_states(self, user_id: int) -> dict[int, ReviewState]:
        rows = await self._all("SELECT * FROM reviews WHERE user_id = %s", (user_id,))
        return {int(r["card_id"]): review_state_of(r) for r in rows}

    async def save_review(
        self, user_id: int, state: ReviewState, entry: ReviewLogEntry | None
    ) -> bool:
        """False (and nothing written) when the card is not this user's."""
        async with self._tx() as cursor:
            owned = await run(
                cursor,
                "SELECT 1 FROM cards WHERE id = %s AND user_id = %s FOR SHARE",
                (state.card_id, user_id),
            )
            if not owned:
                return False
            await run(
                cursor,
                "INSERT INTO reviews (card_id, user_id, state, due, updated_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (card_id) DO UPDATE SET "
                "state = excluded.state, due = excluded.due, updated_at = excluded.updated_at",
                (state.card_id, user_id, json.dumps(state.state), state.due, datetime.now(UTC)),
            )
            if entry is not None:
                await run(
                    cursor,
                    "INSERT INTO review_log (user_id, card_id, rating, question, correct, "
                    "reviewed_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        user_id,
                        entry.card_id,
                        entry.rating,
                        entry.question,
                        entry.correct,
                        entry.reviewed_at,
                    ),
                )
        return True

    async def review_log(self, user_id: int, since: datetime | None = None) -> list[ReviewLogEntry]:
        sql = "SELECT * FROM review_log WHERE user_id = %s"
        params: list[Any] = [user_id]
        if since is not None:
            sql += " AND reviewed_at >= %s"
            params.append(since)
        rows = await self._all(sql + " ORDER BY id", params)
        return [log_entry_of(r) for r in rows]

    # -- sessions --------------------------------------------------------------------

    async def get_session(self, user_id: int, name: str) -> dict[str, Any] | None:
        row = await self._one(
            "SELECT data FROM sessions WHERE user_id = %s AND name = %s", (user_id, name)
        )
        if row is None:
            return None
        data: dict[str, Any] = parsed(row["data"])
        return data

    async def put_session(self, user_id: int, name: str, data: dict[str, Any] | None) -> None:
        if data is None:
            await self._write(
                "DELETE FROM sessions WHERE user_id = %s AND name = %s", (user_id, name)
            )
            return
        await self._write(
            "INSERT INTO sessions (user_id, name, data, updated_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (user_id, name) DO UPDATE SET "
            "data = excluded.data, updated_at = excluded.updated_at",
            (user_id, name, json.dumps(data), datetime.now(UTC)),
        )

    async def claim_day(self, user_id: int, name: str, day: date) -> bool:
        # JSON keeps its text as written: {"day": "YYYY-MM-DD"} compares as text by date.
        claimed = await self._write(
            "INSERT INTO sessions (user_id, name, data, updated_at) "
            "SELECT id, %s, %s, %s FROM users WHERE id = %s "
            "ON CONFLICT (user_id, name) DO UPDATE SET "
            "data = excluded.data, updated_at = excluded.updated_at "
            "WHERE sessions.data::text < excluded.data::text",
            (name, json.dumps({"day": day.isoformat()}), datetime.now(UTC), user_id),
        )
        return claimed == 1

    async def sessions_named(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        rows = await self._all("SELECT user_id, data FROM sessions WHERE name = %s", (name,))
        return [(int(r["user_id"]), parsed(r["data"])) for r in rows]
